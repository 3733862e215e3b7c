//! Content codings for what browsers fetch: the viewer's files (gzip and brotli, compressed
//! when the ledger is built, `build.rs`), and, gzipped, the entry bundles, single entries (both
//! compressed once and kept, `api.rs`), the checkpoint and the policy. CBOR records compress
//! about 3:1, hash tiles (random hashes) not at all, so tiles always go as stored; clients that
//! do not ask (`verifier`, mirrors, `curl` without `--compressed`) get the bytes as stored.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use std::io::Write;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Compressions running at once, at most: a flood of requests for distinct bundles must not
/// queue CPU work without end. Beyond it a bundle goes as stored (the same bytes, larger).
static COMPRESSING: Semaphore = Semaphore::const_new(2);

/// A turn to compress, if one is free now; `None` means: send the bytes uncompressed.
pub fn turn_to_compress() -> Option<SemaphorePermit<'static>> {
    COMPRESSING.try_acquire().ok()
}

/// Whether the request's `Accept-Encoding` takes `coding` (`gzip`, `br`): named with a non-zero
/// weight, or not named and `*` (any coding) given a non-zero weight. `gzip;q=0` refuses gzip
/// even beside `*`.
pub fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let mut named = None;
    let mut any = None;
    for offered in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = offered.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.split_once('=')
                .filter(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        if name.eq_ignore_ascii_case(coding) {
            named = Some(!refused);
        } else if name == "*" {
            any = Some(!refused);
        }
    }
    named.or(any).unwrap_or(false)
}

/// Smaller answers go as they are: gzip would save less than the work costs.
pub const WORTH_COMPRESSING: usize = 1024;

/// A small answer (a few KB: the policy) as sent: gzipped in place when the request takes gzip,
/// it is worth compressing and a turn to compress is free, else as it is; `Vary:
/// Accept-Encoding` either way.
pub fn small_answer(request: &HeaderMap, body: Bytes) -> (HeaderMap, Bytes) {
    let zipped = (body.len() >= WORTH_COMPRESSING && accepts(request, "gzip"))
        .then(turn_to_compress)
        .flatten()
        .map(|_turn| Bytes::from(compress(&body, 6)));
    sent(zipped, body)
}

/// The last published checkpoint gzipped: every visit and every verifier reads it, so it is
/// compressed once for each checkpoint, not for each request.
#[derive(Default)]
pub struct KeptGzip(Mutex<Option<(Bytes, Bytes)>>);

impl KeptGzip {
    /// `body` as sent to `request`, as [`small_answer`] does, from the copy kept for `body`.
    pub fn answer(&self, request: &HeaderMap, body: Bytes) -> (HeaderMap, Bytes) {
        if !accepts(request, "gzip") {
            return sent(None, body);
        }
        let kept = self.0.lock().expect("never poisoned").clone();
        if let Some((plain, zipped)) = kept.filter(|(plain, _)| *plain == body) {
            return sent(Some(zipped), plain);
        }
        let Some(_turn) = turn_to_compress() else {
            return sent(None, body);
        };
        let zipped = Bytes::from(compress(&body, 6));
        *self.0.lock().expect("never poisoned") = Some((body.clone(), zipped.clone()));
        sent(Some(zipped), body)
    }
}

/// The answer's coding header and body: gzipped if that is smaller (an entry of a few hundred
/// bytes is not), else as it is.
fn sent(zipped: Option<Bytes>, plain: Bytes) -> (HeaderMap, Bytes) {
    let mut headers = HeaderMap::new();
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    match zipped.filter(|zipped| zipped.len() < plain.len()) {
        Some(zipped) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            (headers, zipped)
        }
        None => (headers, plain),
    }
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
pub(crate) mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// A request's headers taking the codings `value` (`Accept-Encoding`).
    pub(crate) fn asking(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn a_coding_is_taken_unless_refused_or_not_offered() {
        for yes in [
            "gzip",
            "br, gzip;q=0.8",
            "GZIP",
            "*",
            "deflate, gzip, br, zstd",
            "br;q=0, *",
        ] {
            assert!(accepts(&asking(yes), "gzip"), "{yes}");
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
            assert!(!accepts(&asking(no), "gzip"), "{no}");
        }
        assert!(!accepts(&HeaderMap::new(), "gzip"));
        // Brotli likewise, by its own name.
        assert!(accepts(&asking("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&asking("BR;q=0.5"), "br"));
        assert!(!accepts(&asking("gzip, deflate"), "br"));
        assert!(!accepts(&asking("br;q=0, gzip"), "br"));
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut back).unwrap();
        back
    }

    #[test]
    fn a_small_answer_goes_gzipped_only_to_who_takes_it() {
        let body = Bytes::from("tree head line\n".repeat(200));
        // Too small to gain from it: as it is, whatever was asked.
        let tiny = Bytes::from_static(b"\xa1\x01\x02");
        let (headers, sent) = small_answer(&asking("gzip"), tiny.clone());
        assert!(headers.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(sent, tiny);
        let (headers, plain) = small_answer(&HeaderMap::new(), body.clone());
        assert_eq!(plain, body);
        assert_eq!(headers[header::VARY], "Accept-Encoding");
        assert!(headers.get(header::CONTENT_ENCODING).is_none());
        // Another test may hold both turns for a moment: then it goes as it is, which is right.
        let (headers, sent) = small_answer(&asking("gzip"), body.clone());
        match headers.get(header::CONTENT_ENCODING) {
            Some(coding) => {
                assert_eq!(coding, "gzip");
                assert!(sent.len() < body.len() / 10);
                assert_eq!(gunzip(&sent), body);
            }
            None => assert_eq!(sent, body),
        }
    }

    #[test]
    fn the_kept_checkpoint_is_the_one_asked_for() {
        let kept = KeptGzip::default();
        let first = Bytes::from("log checkpoint 1\n".repeat(50));
        let second = Bytes::from("log checkpoint 2\n".repeat(50));
        for body in [&first, &first, &second, &first] {
            let (headers, sent) = kept.answer(&asking("gzip"), body.clone());
            match headers.get(header::CONTENT_ENCODING) {
                Some(_) => assert_eq!(gunzip(&sent), *body),
                None => assert_eq!(sent, *body),
            }
            let (headers, sent) = kept.answer(&HeaderMap::new(), body.clone());
            assert!(headers.get(header::CONTENT_ENCODING).is_none());
            assert_eq!(sent, *body);
        }
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
