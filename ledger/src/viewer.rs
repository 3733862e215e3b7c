//! The browser viewer served at `/`: the static site of `web-viewer/site/` (HTML, CSS, JS and
//! the WebAssembly build of the `tlog` and `election` verification code, committed under
//! `web-viewer/site/pkg/`), embedded in the binary, plus the log's trust policy at `/policy`
//! when the log directory has one (the demo writes it). This is the operator's own copy: its
//! policy comes from the server whose log it checks, and the page says so and links to the
//! copies observers host with their own policy built in (`web-viewer/bundle.sh`,
//! `spec/tlog.md` §11.1).

use axum::Router;
use axum::http::{StatusCode, header};
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
    let mut router = Router::new().route("/", get(|| async { file("index.html") }));
    for (path, _, _) in FILES {
        router = router.route(&format!("/{path}"), get(move || async move { file(path) }));
    }
    router.route(
        "/policy",
        get(move || {
            let dir = dir.clone();
            async move { policy(dir).await }
        }),
    )
}

fn file(path: &str) -> Response {
    match FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, media_type, body)) => (
            [
                (header::CONTENT_TYPE, *media_type),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
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
