//! The browser viewer served at `/`: the static site of `web-viewer/site/` (HTML, CSS, JS and
//! the WebAssembly build of the `tlog` and `election` verification code, committed under
//! `web-viewer/site/pkg/`), embedded in the binary, plus the log's trust policy at `/policy`
//! when the log directory has one (the demo writes it). This is the operator's own copy: its
//! policy comes from the server whose log it checks, and the page says so and links to the
//! copies observers host with their own policy built in (`web-viewer/bundle.sh`,
//! `spec/tlog.md` §11.1).

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::PathBuf;

/// One of the site's files: its path under `/`, media type, and contents as written, gzipped
/// and brotli-compressed (both made when the ledger is built: `build.rs`).
struct SiteFile {
    path: &'static str,
    media_type: &'static str,
    plain: &'static [u8],
    gzip: &'static [u8],
    brotli: &'static [u8],
}

/// Every HTML, JS and CSS file of `web-viewer/site/` and the JS and wasm of its `pkg/`.
const FILES: &[SiteFile] = include!(concat!(env!("OUT_DIR"), "/site_files.rs"));

/// A representation of a file: as written, or in one of the two codings browsers take.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Coding {
    Plain,
    Gzip,
    Brotli,
}

impl Coding {
    /// The coding to send: brotli where the browser takes it (the smallest), else gzip. The
    /// weights a browser gives (`br;q=0.1, gzip`) choose nothing but a refusal (`q=0`): every
    /// coding taken decodes to the same bytes, so the server picks the smallest.
    fn for_request(headers: &HeaderMap) -> Coding {
        if crate::encoding::accepts(headers, "br") {
            Coding::Brotli
        } else if crate::encoding::accepts(headers, "gzip") {
            Coding::Gzip
        } else {
            Coding::Plain
        }
    }

    fn body(self, file: &SiteFile) -> &'static [u8] {
        match self {
            Coding::Plain => file.plain,
            Coding::Gzip => file.gzip,
            Coding::Brotli => file.brotli,
        }
    }

    /// `Content-Encoding`, and the suffix of the entity tag (each representation has its own).
    fn names(self) -> Option<(&'static str, &'static str)> {
        match self {
            Coding::Plain => None,
            Coding::Gzip => Some(("gzip", "-gz")),
            Coding::Brotli => Some(("br", "-br")),
        }
    }
}

/// What the page may do, should a crafted record or document ever slip markup past it: run
/// only its own scripts and its own wasm, show images from itself or the scans it checked
/// (`blob:`), read any log or mirror (`?log=`) and a policy given in a link (`data:` too), and
/// never be framed or load plugins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     worker-src 'self'; img-src 'self' blob:; connect-src 'self' https: http: data:; \
     style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The HTML served at `/`.
pub fn index_html() -> String {
    let index = FILES.iter().find(|f| f.path == "index.html");
    String::from_utf8_lossy(index.expect("the site has its index.html").plain).into_owned()
}

/// The viewer's routes: the site at `/` and `/policy` from `dir/policy` if it exists.
pub fn router<S: Clone + Send + Sync + 'static>(dir: Option<PathBuf>) -> Router<S> {
    let mut router = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move { file("index.html", None, &headers) }),
    );
    for SiteFile { path, .. } in FILES {
        router = router.route(
            &format!("/{path}"),
            get(
                move |query: axum::extract::RawQuery, headers: HeaderMap| async move {
                    file(path, query.0.as_deref(), &headers)
                },
            ),
        );
    }
    router.route(
        "/policy",
        get(move |headers: HeaderMap| {
            let dir = dir.clone();
            async move { policy(dir, &headers).await }
        }),
    )
}

/// The first 32 hex digits of the file's SHA-256, computed once for the process.
fn content_hash(index: usize) -> &'static str {
    static HASHES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    &HASHES.get_or_init(|| {
        FILES
            .iter()
            .map(|f| tlog::hash::sha256(f.plain).to_hex()[..32].to_string())
            .collect()
    })[index]
}

/// A strong entity tag for each file, by its contents: a returning citizen's browser
/// revalidates (`no-cache`: the page is the verifier, never run stale) and gets `304 Not
/// Modified` instead of the 0.7 MB again. Each compressed form is another representation, with
/// a tag of its own.
fn etag(index: usize, coding: Coding) -> String {
    let suffix = coding.names().map_or("", |(_, suffix)| suffix);
    format!("\"{}{suffix}\"", content_hash(index))
}

/// The version `web-viewer/build.sh` writes into each wasm module's URL (`…_bg.wasm?v=…`, the
/// first 16 hex digits of its SHA-256): a request naming the version served may be cached for
/// a year, as a new build is asked for under a new URL.
fn wasm_version(index: usize) -> &'static str {
    &content_hash(index)[..16]
}

/// Whether an `If-None-Match` header names `tag` (or is `*`).
fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

/// One of the site's files, in the smallest coding the browser takes, with its entity tag, and
/// cached for a year when it is a wasm module asked for by its version (`query` `v=…`).
fn file(path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    let Some(index) = FILES.iter().position(|f| f.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let file = &FILES[index];
    let coding = Coding::for_request(headers);
    let tag = etag(index, coding);
    let versioned = path.ends_with(".wasm")
        && query.is_some_and(|q| {
            q.split('&')
                .any(|kv| kv == format!("v={}", wasm_version(index)))
        });
    let mut answer = HeaderMap::new();
    let mut set = |name, value: &str| {
        answer.insert(
            name,
            HeaderValue::from_str(value).expect("a valid header value"),
        );
    };
    set(
        header::CACHE_CONTROL,
        match versioned {
            true => "public, max-age=31536000, immutable",
            false => "no-cache",
        },
    );
    set(header::ETAG, &tag);
    set(header::VARY, "Accept-Encoding");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    if not_modified(headers, &tag) {
        return (StatusCode::NOT_MODIFIED, answer).into_response();
    }
    set(header::CONTENT_TYPE, file.media_type);
    if let Some((encoding, _)) = coding.names() {
        set(header::CONTENT_ENCODING, encoding);
    }
    (answer, coding.body(file)).into_response()
}

async fn policy(dir: Option<PathBuf>, headers: &HeaderMap) -> Response {
    let Some(dir) = dir else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(dir.join("policy")).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            crate::encoding::small_answer(headers, text.into()),
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            "no policy file in the log directory\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn asking(tags: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(tags).unwrap());
        headers
    }

    #[test]
    fn a_returning_browser_revalidates_and_gets_no_body_again() {
        let first = file("pkg/web_viewer_bg.wasm", None, &HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(first.headers()[header::CACHE_CONTROL], "no-cache");
        for asked in [tag.clone(), format!("\"x\", W/{tag}"), "*".into()] {
            let again = file("pkg/web_viewer_bg.wasm", None, &asking(&asked));
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{asked}");
            assert_eq!(again.headers()[header::ETAG], tag.as_str());
        }
        // Another file's tag, or an older build's, gets the whole file.
        let other = file("app.js", None, &HeaderMap::new());
        let other_tag = other.headers()[header::ETAG].to_str().unwrap();
        assert_ne!(other_tag, tag);
        let stale = file("pkg/web_viewer_bg.wasm", None, &asking(other_tag));
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(
            file("nope", None, &HeaderMap::new()).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn every_file_of_the_site_is_served_under_its_content_security_policy() {
        let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web-viewer/site");
        for entry in std::fs::read_dir(site).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if !(name.ends_with(".js") || name.ends_with(".html") || name.ends_with(".css")) {
                continue;
            }
            let response = file(&name, None, &HeaderMap::new());
            assert_eq!(response.status(), StatusCode::OK, "{name} is not served");
            let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap();
            assert!(policy.contains("object-src 'none'"), "{name}: {policy}");
            assert!(!policy.contains("unsafe-inline"), "{name}: {policy}");
        }
    }

    fn body_of(response: Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
            .unwrap()
            .to_vec()
    }

    use crate::encoding::tests::asking as asking_for;

    fn gunzip(body: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body), &mut plain).unwrap();
        plain
    }

    fn unbrotli(body: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &body[..], &mut plain).unwrap();
        plain
    }

    #[test]
    fn a_browser_gets_the_same_bytes_in_the_smallest_coding_it_takes() {
        let plain = file("pkg/web_viewer_bg.wasm", None, &HeaderMap::new());
        let plain_tag = plain.headers()[header::ETAG].clone();
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::VARY], "Accept-Encoding");
        let original = body_of(plain);
        let mut tags = vec![plain_tag];
        let mut sizes = vec![];
        // What a browser asks, and what each coding alone gets.
        for (asked, coding, decode) in [
            (
                "gzip, deflate, br, zstd",
                "br",
                unbrotli as fn(&[u8]) -> Vec<u8>,
            ),
            ("gzip, deflate", "gzip", gunzip),
            ("br;q=0, gzip", "gzip", gunzip),
        ] {
            let answer = file("pkg/web_viewer_bg.wasm", None, &asking_for(asked));
            assert_eq!(
                answer.headers()[header::CONTENT_ENCODING],
                coding,
                "{asked}"
            );
            tags.push(answer.headers()[header::ETAG].clone());
            let body = body_of(answer);
            sizes.push(body.len());
            assert_eq!(decode(&body), original, "{asked}");
        }
        assert!(sizes[0] < sizes[1], "brotli is the smaller: {sizes:?}");
        assert!(
            sizes[1] * 2 < original.len(),
            "{sizes:?} of {}",
            original.len()
        );
        assert_ne!(tags[0], tags[1], "each representation has its own tag");
        assert_ne!(tags[1], tags[2]);
        assert_eq!(tags[2], tags[3], "the same representation, the same tag");
        // Refused with q=0, or not offered: the plain bytes.
        for refusing in ["gzip;q=0", "identity", "br;q=0, gzip;q=0", "zstd"] {
            let answer = file("pkg/web_viewer_bg.wasm", None, &asking_for(refusing));
            assert!(
                answer.headers().get(header::CONTENT_ENCODING).is_none(),
                "{refusing}"
            );
        }
    }

    #[test]
    fn every_served_file_is_compressed_from_the_committed_site() {
        // build.rs read these: each coding decodes to the file as it is in the tree now.
        let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web-viewer/site");
        assert!(FILES.iter().any(|f| f.path == "index.html"));
        assert!(FILES.iter().any(|f| f.path == "pkg/web_viewer_bg.wasm"));
        for f in FILES {
            assert_eq!(
                f.plain,
                std::fs::read(site.join(f.path)).unwrap(),
                "{}",
                f.path
            );
            assert_eq!(gunzip(f.gzip), f.plain, "{}", f.path);
            assert_eq!(unbrotli(f.brotli), f.plain, "{}", f.path);
        }
    }

    #[test]
    fn only_this_builds_wasm_url_is_cached_for_a_year() {
        for module in ["web_viewer", "web_viewer_core"] {
            let wasm = format!("pkg/{module}_bg.wasm");
            let cache = |query: Option<&str>| {
                file(&wasm, query, &HeaderMap::new()).headers()[header::CACHE_CONTROL]
                    .to_str()
                    .unwrap()
                    .to_string()
            };
            let index = FILES.iter().position(|f| f.path == wasm).unwrap();
            let current = format!("v={}", wasm_version(index));
            assert_eq!(cache(Some(&current)), "public, max-age=31536000, immutable");
            assert_eq!(cache(Some("v=0123456789abcdef")), "no-cache");
            assert_eq!(cache(None), "no-cache");
            // The glue beside it names exactly this version.
            let glue = format!("pkg/{module}.js");
            let glue = FILES.iter().find(|f| f.path == glue).unwrap().plain;
            assert!(
                String::from_utf8_lossy(glue).contains(&format!("{module}_bg.wasm?{current}")),
                "build.sh writes the version of {module}"
            );
            let app = file("app.js", Some(&current), &HeaderMap::new());
            assert_eq!(app.headers()[header::CACHE_CONTROL], "no-cache");
        }
        // One module's version does not make the other's URL long-lived.
        let core = FILES
            .iter()
            .position(|f| f.path == "pkg/web_viewer_core_bg.wasm")
            .unwrap();
        let other = format!("v={}", wasm_version(core));
        let answer = file("pkg/web_viewer_bg.wasm", Some(&other), &HeaderMap::new());
        assert_eq!(answer.headers()[header::CACHE_CONTROL], "no-cache");
    }
}
