//! Checkpoints (C2SP tlog-checkpoint v1.0.0): the signed tree head, as note text
//! `<origin>\n<size>\n<base64 root>\n[extension lines]`.

use crate::hash::Hash;
use crate::note::check_note_text;
use std::fmt;
use thiserror::Error;

/// Why a checkpoint text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("malformed checkpoint: {0}")]
pub struct CheckpointError(pub &'static str);

/// A log's statement of its tree: origin, size and root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `shailoo.gov.kg/ledger/2026-11-30-parliamentary`.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The Merkle tree hash of the first `size` leaves.
    pub root: Hash,
    /// Opaque extension lines; this project writes none.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// Parses a checkpoint note text (ending in a newline, signatures already split off).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        check_note_text(text).map_err(|_| CheckpointError("not a valid note text"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError("no final newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(CheckpointError("empty origin"))?;
        let size = parse_decimal(lines.next().ok_or(CheckpointError("no tree size"))?).ok_or(
            CheckpointError("tree size is not a decimal without leading zeros"),
        )?;
        if size > crate::stored::MAX_TREE_SIZE {
            return Err(CheckpointError("tree size is beyond 2^63 - 1"));
        }
        let root = Hash::from_base64(lines.next().ok_or(CheckpointError("no root hash"))?).ok_or(
            CheckpointError("root hash is not 32 bytes of canonical base64"),
        )?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// The note text: three lines and any extension lines, each ending in a newline.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for ext in &self.extensions {
            text.push_str(ext);
            text.push('\n');
        }
        text
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} size {} root {}", self.origin, self.size, self.root)
    }
}

/// An ASCII decimal with no sign and no leading zeros (but `0` itself).
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

/// Whether `origin` is a good name for a log this project runs: a schema-less URL
/// (lower-case host, then path segments of URL-safe characters), at most 255 bytes.
///
/// Parsing accepts any non-empty origin, as C2SP requires; this stricter rule is for naming
/// new logs, so that an origin is also a valid key name and reads the same everywhere.
pub fn is_valid_log_origin(origin: &str) -> bool {
    let mut parts = origin.split('/');
    let host = parts.next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    let path_ok = parts.all(|seg| {
        !seg.is_empty()
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    });
    origin.len() <= 255 && host_ok && path_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn round_trip() {
        let cp = Checkpoint {
            origin: "example.com/log".into(),
            size: 1234,
            root: leaf_hash(b"x"),
            extensions: vec![],
        };
        assert_eq!(Checkpoint::parse(&cp.to_text()), Ok(cp.clone()));
        let ext = Checkpoint {
            extensions: vec!["ext one".into(), "two".into()],
            ..cp
        };
        assert_eq!(Checkpoint::parse(&ext.to_text()), Ok(ext));
    }

    #[test]
    fn strict() {
        let root = leaf_hash(b"x").to_base64();
        for bad in [
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n1 \n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            format!("o\n9223372036854775808\n{root}\n"),
            format!("o\n1\n{}\n", &root[..root.len() - 1]),
            format!("o\n1\n{}\n", root.trim_end_matches('=')),
            format!("o\n1\n{root}"),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\next\n\n"),
            "o\n1\n".to_string(),
            format!("o\n1\n{root}\r\n"),
            "o\n1\nAAAA\n".to_string(),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "accepted {bad:?}");
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n0\n{root}\n")).unwrap().size,
            0
        );
        assert_eq!(
            Checkpoint::parse(&format!("o\n9223372036854775807\n{root}\n"))
                .unwrap()
                .size,
            i64::MAX as u64
        );
        // The specification forbids only C0 controls other than newline.
        assert!(Checkpoint::parse(&format!("o\u{85}\u{7f}\n1\n{root}\n")).is_ok());
    }

    #[test]
    fn origins() {
        assert!(is_valid_log_origin(
            "shailoo.gov.kg/ledger/2026-11-30-parliamentary"
        ));
        assert!(is_valid_log_origin("example.com"));
        for bad in [
            "",
            "https://example.com/log",
            "Example.com/log",
            "example.com/",
            "example.com//x",
            "a b.com",
            "x+y.com/l",
            "localhost/log",
        ] {
            assert!(!is_valid_log_origin(bad), "accepted {bad:?}");
        }
    }
}
