//! Entry bundles (C2SP tlog-tiles): the log's entries, 256 to a file, each prefixed by its
//! length as a big-endian `u16`. That prefix is why an entry is at most 65,535 bytes.

use thiserror::Error;

/// The largest entry a log can hold.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Why an entry bundle is malformed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleError {
    #[error("entry of {0} bytes is larger than the maximum of 65535")]
    EntryTooLarge(usize),
    #[error("entry bundle is truncated inside entry {0}")]
    Truncated(usize),
    #[error("entry bundle has {got} entries, its tile width says {want}")]
    WrongCount { want: usize, got: usize },
}

/// Appends one length-prefixed entry to a bundle being built.
pub fn push_entry(bundle: &mut Vec<u8>, entry: &[u8]) -> Result<(), BundleError> {
    let len = u16::try_from(entry.len()).map_err(|_| BundleError::EntryTooLarge(entry.len()))?;
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry);
    Ok(())
}

/// Splits a bundle into its entries, requiring exactly `width` of them and no trailing bytes.
pub fn parse_entry_bundle(data: &[u8], width: usize) -> Result<Vec<&[u8]>, BundleError> {
    let mut entries = Vec::with_capacity(width.min(usize::from(crate::tile::TILE_WIDTH)));
    let mut rest = data;
    while !rest.is_empty() {
        let n = entries.len();
        if rest.len() < 2 {
            return Err(BundleError::Truncated(n));
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let body = rest.get(2..2 + len).ok_or(BundleError::Truncated(n))?;
        entries.push(body);
        rest = &rest[2 + len..];
        if entries.len() > width {
            break;
        }
    }
    if entries.len() != width {
        return Err(BundleError::WrongCount {
            want: width,
            got: entries.len(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut bundle = Vec::new();
        let entries: Vec<Vec<u8>> =
            vec![vec![], b"a".to_vec(), vec![7; 300], vec![1; MAX_ENTRY_SIZE]];
        for e in &entries {
            push_entry(&mut bundle, e).unwrap();
        }
        let parsed = parse_entry_bundle(&bundle, entries.len()).unwrap();
        assert_eq!(
            parsed,
            entries.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        assert_eq!(&bundle[..4], &[0, 0, 0, 1]);
    }

    #[test]
    fn strict() {
        assert_eq!(
            push_entry(&mut Vec::new(), &vec![0; MAX_ENTRY_SIZE + 1]),
            Err(BundleError::EntryTooLarge(65536))
        );
        let mut bundle = Vec::new();
        push_entry(&mut bundle, b"abc").unwrap();
        push_entry(&mut bundle, b"de").unwrap();
        assert_eq!(
            parse_entry_bundle(&bundle, 1),
            Err(BundleError::WrongCount { want: 1, got: 2 })
        );
        assert_eq!(
            parse_entry_bundle(&bundle, 3),
            Err(BundleError::WrongCount { want: 3, got: 2 })
        );
        assert_eq!(
            parse_entry_bundle(&bundle[..bundle.len() - 1], 2),
            Err(BundleError::Truncated(1))
        );
        assert_eq!(
            parse_entry_bundle(&bundle[..6], 2),
            Err(BundleError::Truncated(1))
        );
        assert_eq!(parse_entry_bundle(&[], 0), Ok(vec![]));
    }
}
