//! The browser viewer served at `/`: the static site of `web-viewer/site/` (HTML, CSS, JS and
//! the WebAssembly build of the `tlog` and `election` verification code, committed under
//! `web-viewer/site/pkg/`), embedded in the binary, plus the log's trust policy at `/policy`
//! when the log directory has one (the demo writes it). This is the operator's own copy: its
//! policy comes from the server whose log it checks, and the page says so and links to the
//! copies observers host with their own policy built in (`web-viewer/bundle.sh`,
//! `spec/tlog.md` §11.1).

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::PathBuf;

/// The site's files: path under `/`, media type, contents.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../web-viewer/site/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/app.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/i18n.js"),
    ),
    (
        "ui.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/ui.js"),
    ),
    (
        "charts.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/charts.js"),
    ),
    (
        "precinct.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/precinct.js"),
    ),
    (
        "tally-worker.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/tally-worker.js"),
    ),
    (
        "tally.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/tally.js"),
    ),
    (
        "filings.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/filings.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web-viewer/site/style.css"),
    ),
    (
        "pkg/web_viewer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web-viewer/site/pkg/web_viewer.js"),
    ),
    (
        "pkg/web_viewer_bg.wasm",
        "application/wasm",
        include_bytes!("../../web-viewer/site/pkg/web_viewer_bg.wasm"),
    ),
];

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
    String::from_utf8_lossy(FILES[0].2).into_owned()
}

/// The viewer's routes: the site at `/` and `/policy` from `dir/policy` if it exists.
pub fn router<S: Clone + Send + Sync + 'static>(dir: Option<PathBuf>) -> Router<S> {
    // Compressed once, off the request path: until it is done, files go uncompressed.
    std::thread::spawn(|| gzipped(0));
    let mut router = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move { file("index.html", None, &headers) }),
    );
    for (path, _, _) in FILES {
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
        get(move || {
            let dir = dir.clone();
            async move { policy(dir).await }
        }),
    )
}

/// A strong entity tag for each file, by its contents: a returning citizen's browser
/// revalidates (`no-cache`: the page is the verifier, never run stale) and gets `304 Not
/// Modified` instead of the 0.7 MB again. The gzipped form is another representation, with a
/// tag of its own.
fn etag(index: usize, gzip: bool) -> &'static str {
    static TAGS: std::sync::OnceLock<Vec<[String; 2]>> = std::sync::OnceLock::new();
    &TAGS.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, body)| {
                let hex = tlog::hash::sha256(body).to_hex();
                [
                    format!("\"{}\"", &hex[..32]),
                    format!("\"{}-gz\"", &hex[..32]),
                ]
            })
            .collect()
    })[index][usize::from(gzip)]
}

/// The version `web-viewer/build.sh` writes into the wasm's URL (`web_viewer_bg.wasm?v=…`, the
/// first 16 hex digits of its SHA-256): a request naming this build's version may be cached
/// for a year, as a new build is asked for under a new URL.
fn wasm_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let wasm = FILES
            .iter()
            .find(|(p, _, _)| p.ends_with(".wasm"))
            .expect("the wasm");
        tlog::hash::sha256(wasm.2).to_hex()[..16].to_string()
    })
}

/// Each file gzipped (level 9), once for the process; `None` until ready. The wasm, most of a
/// first visit's bytes, goes from about 630 KB to 210 KB.
fn gzipped(index: usize) -> Option<&'static [u8]> {
    static GZIPPED: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    static STARTED: std::sync::Once = std::sync::Once::new();
    if let Some(all) = GZIPPED.get() {
        return Some(&all[index]);
    }
    // The first caller compresses; one that arrives meanwhile is answered uncompressed.
    let mut first = false;
    STARTED.call_once(|| first = true);
    if first {
        let all = FILES
            .iter()
            .map(|(_, _, body)| crate::gzip::compress(body, 9))
            .collect();
        let _ = GZIPPED.set(all);
        return GZIPPED.get().map(|all| &all[index][..]);
    }
    None
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

/// One of the site's files: gzipped when the browser takes it, with its entity tag, and cached
/// for a year when it is the wasm asked for by this build's version (`query` `v=…`).
fn file(path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    let Some(index) = FILES.iter().position(|(p, _, _)| *p == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (_, media_type, body) = FILES[index];
    let compressed = crate::gzip::accepted(headers)
        .then(|| gzipped(index))
        .flatten();
    let tag = etag(index, compressed.is_some());
    let versioned = path.ends_with(".wasm")
        && query.is_some_and(|q| q.split('&').any(|kv| kv == format!("v={}", wasm_version())));
    let cache = [
        (
            header::CACHE_CONTROL,
            match versioned {
                true => "public, max-age=31536000, immutable",
                false => "no-cache",
            },
        ),
        (header::ETAG, tag),
        (header::VARY, "Accept-Encoding"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ];
    if not_modified(headers, tag) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    match compressed {
        Some(gz) => (
            cache,
            [
                (header::CONTENT_TYPE, media_type),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            gz,
        )
            .into_response(),
        None => (cache, [(header::CONTENT_TYPE, media_type)], body).into_response(),
    }
}

async fn policy(dir: Option<PathBuf>) -> Response {
    let Some(dir) = dir else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(dir.join("policy")).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            text,
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

    #[test]
    fn a_browser_that_takes_gzip_gets_the_same_bytes_compressed() {
        let asking_gzip = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            headers
        };
        let plain = file("pkg/web_viewer_bg.wasm", None, &HeaderMap::new());
        let plain_tag = plain.headers()[header::ETAG].clone();
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::VARY], "Accept-Encoding");
        let original = body_of(plain);
        gzipped(0); // compressed here, as the router's thread would
        let zipped = file(
            "pkg/web_viewer_bg.wasm",
            None,
            &asking_gzip("br, gzip;q=0.8"),
        );
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        let zipped_tag = zipped.headers()[header::ETAG].clone();
        assert_ne!(zipped_tag, plain_tag, "two representations, two tags");
        let body = body_of(zipped);
        assert!(
            body.len() * 2 < original.len(),
            "{} of {}",
            body.len(),
            original.len()
        );
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, original);
        // Refused with q=0, or not offered: the plain bytes.
        for refusing in ["gzip;q=0", "br", "identity"] {
            let answer = file("pkg/web_viewer_bg.wasm", None, &asking_gzip(refusing));
            assert!(
                answer.headers().get(header::CONTENT_ENCODING).is_none(),
                "{refusing}"
            );
        }
    }

    #[test]
    fn only_this_builds_wasm_url_is_cached_for_a_year() {
        let cache = |query: Option<&str>| {
            file("pkg/web_viewer_bg.wasm", query, &HeaderMap::new()).headers()
                [header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .to_string()
        };
        let current = format!("v={}", wasm_version());
        assert_eq!(cache(Some(&current)), "public, max-age=31536000, immutable");
        assert_eq!(cache(Some("v=0123456789abcdef")), "no-cache");
        assert_eq!(cache(None), "no-cache");
        // The glue the site loads names exactly this version.
        let glue = FILES
            .iter()
            .find(|(p, _, _)| *p == "pkg/web_viewer.js")
            .unwrap()
            .2;
        let glue = String::from_utf8_lossy(glue);
        assert!(
            glue.contains(&format!("web_viewer_bg.wasm?{current}")),
            "build.sh writes the version"
        );
        let app = file("app.js", Some(&current), &HeaderMap::new());
        assert_eq!(app.headers()[header::CACHE_CONTROL], "no-cache");
    }
}
