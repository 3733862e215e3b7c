//! What an operator watches, the same on every server: `GET /healthz` (the process answers),
//! `GET /metrics` (Prometheus text format), an access log line per request, and the log
//! format (`--log-format text|json`).
//!
//! Metrics are recorded with the `metrics` crate's macros wherever something happens (the
//! ledger's sequencer and witnessing, the witness's cosigning, the connections here) and
//! rendered by one Prometheus recorder per process.

use axum::Router;
use axum::http::header;
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

/// How often the histograms' samples are folded into their buckets.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

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
        if metrics::set_global_recorder(recorder).is_ok() {
            // Histograms hold every sample until upkeep folds them into their buckets: without
            // it, a server nobody scrapes would grow with every request it answers.
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        upkeep.run_upkeep();
                    }
                })
                .expect("a thread for the metrics' upkeep");
        }
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

/// One request as the access log (target `access`) and the request metrics (count and
/// latency by method and status) note it: started before it is handled, finished once it is
/// answered. Paid on every request, so it allocates nothing unless the log line is written.
pub(crate) struct RequestWatch {
    started: Instant,
    method: &'static str,
    path: Option<String>,
}

impl RequestWatch {
    pub(crate) fn start<B>(request: &axum::http::Request<B>) -> RequestWatch {
        RequestWatch {
            started: Instant::now(),
            method: method_name(request.method()),
            path: tracing::enabled!(target: "access", tracing::Level::INFO)
                .then(|| request.uri().path().to_string()),
        }
    }

    pub(crate) fn finish(self, response: &Response) {
        let status = response.status();
        let seconds = self.started.elapsed().as_secs_f64();
        let method = self.method;
        if let Some(path) = self.path {
            let ms = (seconds * 1000.0) as u64;
            tracing::info!(target: "access", method, path, status = status.as_u16(), ms);
        }
        let key = (method, status.as_u16());
        let known = REQUEST_METRICS.get_or_init(Default::default);
        if let Some((count, latency)) = known.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            count.increment(1);
            latency.record(seconds);
            return;
        }
        let status = status_name(status);
        let count = metrics::counter!("http_requests_total", "method" => method, "status" => status.clone());
        let latency =
            metrics::histogram!("http_request_seconds", "method" => method, "status" => status);
        count.increment(1);
        latency.record(seconds);
        let mut known = known.write().unwrap_or_else(|p| p.into_inner());
        known.insert(key, (count, latency));
    }
}

/// The request metrics' handles by method and status, each registered once: looking a
/// labelled metric up in the registry on every request cost more than serving a tile from
/// memory. Bounded: [`method_name`] has seven names and a server answers a few statuses.
type RequestMetrics = std::sync::RwLock<
    std::collections::HashMap<(&'static str, u16), (metrics::Counter, metrics::Histogram)>,
>;
static REQUEST_METRICS: OnceLock<RequestMetrics> = OnceLock::new();

/// A method's name as a label; the rare others are one label, so a client cannot grow the
/// metrics without bound.
fn method_name(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A status code as a label, without allocating for those these servers answer.
fn status_name(status: axum::http::StatusCode) -> std::borrow::Cow<'static, str> {
    let name = match status.as_u16() {
        200 => "200",
        201 => "201",
        204 => "204",
        304 => "304",
        400 => "400",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        other => return std::borrow::Cow::Owned(other.to_string()),
    };
    std::borrow::Cow::Borrowed(name)
}
