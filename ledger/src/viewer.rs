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

/// The HTML served at `/`.
pub fn index_html() -> String {
    String::from_utf8_lossy(FILES[0].2).into_owned()
}

/// The viewer's routes: the site at `/` and `/policy` from `dir/policy` if it exists.
pub fn router<S: Clone + Send + Sync + 'static>(dir: Option<PathBuf>) -> Router<S> {
    let mut router = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move { file("index.html", &headers) }),
    );
    for (path, _, _) in FILES {
        router = router.route(
            &format!("/{path}"),
            get(move |headers: HeaderMap| async move { file(path, &headers) }),
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
/// Modified` instead of the 0.7 MB again.
fn etag(index: usize) -> &'static str {
    static TAGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    &TAGS.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, body)| format!("\"{}\"", &tlog::hash::sha256(body).to_hex()[..32]))
            .collect()
    })[index]
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

fn file(path: &str, headers: &HeaderMap) -> Response {
    let Some(index) = FILES.iter().position(|(p, _, _)| *p == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (_, media_type, body) = FILES[index];
    let tag = etag(index);
    let cache = [
        (header::CACHE_CONTROL, "no-cache"),
        (header::ETAG, tag),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    if not_modified(headers, tag) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, media_type)], body).into_response()
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
        let first = file("pkg/web_viewer_bg.wasm", &HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(first.headers()[header::CACHE_CONTROL], "no-cache");
        for asked in [tag.clone(), format!("\"x\", W/{tag}"), "*".into()] {
            let again = file("pkg/web_viewer_bg.wasm", &asking(&asked));
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{asked}");
            assert_eq!(again.headers()[header::ETAG], tag.as_str());
        }
        // Another file's tag, or an older build's, gets the whole file.
        let other = file("app.js", &HeaderMap::new());
        let other_tag = other.headers()[header::ETAG].to_str().unwrap();
        assert_ne!(other_tag, tag);
        let stale = file("pkg/web_viewer_bg.wasm", &asking(other_tag));
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(
            file("nope", &HeaderMap::new()).status(),
            StatusCode::NOT_FOUND
        );
    }
}
