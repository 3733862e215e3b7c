//! Gzip for what browsers fetch most: the viewer's files and entry bundles. CBOR records
//! compress about 3:1, hash tiles (random hashes) not at all, so only those two are offered
//! compressed; clients that do not ask (`verifier`, mirrors, `curl` without `--compressed`)
//! get the bytes as stored.

use axum::http::{HeaderMap, header};
use std::io::Write;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Compressions running at once, at most: a flood of requests for distinct bundles must not
/// queue CPU work without end. Beyond it a bundle goes as stored (the same bytes, larger).
static COMPRESSING: Semaphore = Semaphore::const_new(2);

/// A turn to compress, if one is free now; `None` means: send the bytes uncompressed.
pub fn turn_to_compress() -> Option<SemaphorePermit<'static>> {
    COMPRESSING.try_acquire().ok()
}

/// Whether the request's `Accept-Encoding` takes gzip: named with a non-zero weight, or not
/// named and `*` (any coding) given a non-zero weight. `gzip;q=0` refuses it even beside `*`.
pub fn accepted(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for coding in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.split_once('=')
                .filter(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        if name.eq_ignore_ascii_case("gzip") {
            gzip = Some(!refused);
        } else if name == "*" {
            any = Some(!refused);
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// `bytes` gzipped at `level` (1 fast … 9 small).
pub fn compress(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::new(level),
    );
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn asking(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn gzip_is_taken_unless_refused_or_not_offered() {
        for yes in [
            "gzip",
            "br, gzip;q=0.8",
            "GZIP",
            "*",
            "deflate, gzip, br, zstd",
            "br;q=0, *",
        ] {
            assert!(accepted(&asking(yes)), "{yes}");
        }
        for no in [
            "gzip;q=0",
            "br",
            "identity",
            "gzip; q=0.0",
            "gzip;Q=0",
            "*, gzip;q=0",
            "gzip;q=0, *",
            "*;q=0",
        ] {
            assert!(!accepted(&asking(no)), "{no}");
        }
        assert!(!accepted(&HeaderMap::new()));
    }

    #[test]
    fn turns_to_compress_are_bounded() {
        // Other tests may hold a turn meanwhile: never more than two are handed out at once.
        let turns: Vec<_> = std::iter::from_fn(turn_to_compress).take(10).collect();
        assert!(turns.len() <= 2, "{} turns at once", turns.len());
        drop(turns);
    }

    #[test]
    fn compressed_bytes_come_back_the_same() {
        let data: Vec<u8> = (0..10_000u32)
            .flat_map(|i| (i % 97).to_le_bytes())
            .collect();
        let zipped = compress(&data, 6);
        assert!(zipped.len() < data.len() / 3);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
