//! What an operator watches, the same on every server: `GET /healthz` (the process answers),
//! `GET /metrics` (Prometheus text format), an access log line per request, and the log
//! format (`--log-format text|json`).
//!
//! Metrics are recorded with the `metrics` crate's macros wherever something happens (the
//! ledger's sequencer and witnessing, the witness's cosigning, the connections here) and
//! rendered by one Prometheus recorder per process.

use axum::Router;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// For a terminal or journald.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

impl LogFormat {
    /// The names `--log-format` takes.
    pub const NAMES: [&'static str; 2] = ["text", "json"];

    pub fn parse(name: &str) -> Option<LogFormat> {
        match name {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// Sets up logging to stderr in `format`, filtered by `RUST_LOG` or else `default_filter`.
pub fn init_logging(format: LogFormat, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's metrics, installed on first use (every server calls it at start).
pub fn metrics() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .expect("buckets are given")
            .build_recorder();
        let handle = recorder.handle();
        // Only the first recorder of a process counts (tests run several servers in one).
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// `GET /healthz` and `GET /metrics`, merged into every server's router by [`crate::serve`].
pub(crate) fn routes() -> Router {
    metrics();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(render))
}

async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n").into_response()
}

async fn render() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        metrics().render(),
    )
        .into_response()
}

/// Middleware: one access log line per request (target `access`), and its count and latency
/// by method and status.
pub(crate) async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(target: "access", %method, path, status, ms = (seconds * 1000.0) as u64);
    let labels = [
        ("method", method.as_str().to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_seconds", &labels).record(seconds);
    response
}
