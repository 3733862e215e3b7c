//! Gzip for what browsers fetch most: the viewer's files and entry bundles. CBOR records
//! compress about 3:1, hash tiles (random hashes) not at all, so only those two are offered
//! compressed; clients that do not ask (`verifier`, mirrors, `curl` without `--compressed`)
//! get the bytes as stored.

use axum::http::{HeaderMap, header};
use std::io::Write;

/// Whether the request's `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
pub fn accepted(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
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
        ] {
            assert!(accepted(&asking(yes)), "{yes}");
        }
        for no in ["gzip;q=0", "br", "identity", "gzip; q=0.0"] {
            assert!(!accepted(&asking(no)), "{no}");
        }
        assert!(!accepted(&HeaderMap::new()));
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
