//! The witness's HTTP interface, at the root of its URL:
//!
//! - `POST /add-checkpoint`: C2SP tlog-witness, answered exactly as spec/tlog.md §8 orders;
//! - `GET /<sha256 hex of origin>/checkpoint`: the latest cosigned checkpoint (monitoring);
//! - `GET /evidence`: the evidence of log misbehaviour, as JSON;
//! - `GET /`: a short page saying who this witness is and which logs it witnesses;
//! - `GET /readyz`: whether its state database answers (and `GET /healthz`, `GET /metrics`,
//!   which every server has: `http_front::watch`).
//!
//! Bad input is answered 4xx, never 500: a 500 means the state could not be read or written,
//! and then no cosignature is given.

use crate::Witness;
use crate::cosign;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::fmt::Write as _;
use std::sync::Arc;
use tlog::witness::{AddCheckpointRequest, AddCheckpointResponse};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::{Level, error, info, warn};

/// The largest `add-checkpoint` body accepted; larger ones get 413. A checkpoint with a
/// hundred signatures and 63 proof lines is under 16 KiB.
pub const MAX_BODY: usize = 64 * 1024;

const TEXT: &str = "text/plain; charset=utf-8";

/// The routes, sharing one witness.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(latest_checkpoint))
        .route("/evidence", get(evidence))
        .route("/", get(home))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(witness)
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, TEXT)], body.into()).into_response()
}

fn internal_error(what: &str, e: &dyn std::fmt::Display) -> Response {
    error!("{what}: {e}");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the witness could not read or write its state; nothing was cosigned, try again later\n",
    )
}

/// Ready while the state database answers: a witness that cannot read its state cosigns
/// nothing.
async fn readyz(State(witness): State<Arc<Witness>>) -> Response {
    let logs = tokio::task::spawn_blocking(move || witness.store().logs().map(|l| l.len())).await;
    let (status, body) = match logs {
        Ok(Ok(logs)) => (
            StatusCode::OK,
            serde_json::json!({"ready": true, "logs": logs}),
        ),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"ready": false, "why": e.to_string()}),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"ready": false, "why": e.to_string()}),
        ),
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

fn answer(response: &AddCheckpointResponse) -> Response {
    let status = StatusCode::from_u16(response.status()).expect("tlog-witness status codes");
    // 200 cosigned, 409 a stale size, the rest refusals: what an operator graphs.
    metrics::counter!("witness_answers_total", "status" => status.as_str().to_string())
        .increment(1);
    (
        status,
        [(header::CONTENT_TYPE, response.content_type())],
        response.body(),
    )
        .into_response()
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let request = match AddCheckpointRequest::parse(&body) {
        Ok(r) => r,
        Err(e) => return answer(&AddCheckpointResponse::BadRequest(e.to_string())),
    };
    // For the log line: the checkpoint's origin and size lines, as sent (unchecked).
    let head = checkpoint_head(&request.checkpoint);
    // Verification, SQLite and the wait for the group's fsync block: run them off the async
    // workers. The answer is built only from what compare_and_swap returns, which is after
    // its COMMIT.
    let w = witness.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        cosign::add_checkpoint(&w.store, &w.signers, request, body.to_vec())
    })
    .await;
    match outcome {
        Ok(Ok(response)) => {
            let (name, why) = (&witness.name, response.body());
            match response.status() {
                200 => info!(witness = %name, checkpoint = %head, "cosigned"),
                // A validly signed checkpoint that contradicts the state: worth a warning.
                422 => {
                    warn!(witness = %name, checkpoint = %head, why = why.trim_end(), "refused: 422")
                }
                s => {
                    info!(witness = %name, checkpoint = %head, why = why.trim_end(), "refused: {s}")
                }
            }
            answer(&response)
        }
        Ok(Err(e)) => internal_error("add-checkpoint failed", &e),
        Err(e) => internal_error("add-checkpoint panicked", &e),
    }
}

/// `<origin> <size>` from a checkpoint's first two lines, for logs.
fn checkpoint_head(checkpoint: &[u8]) -> String {
    let text = String::from_utf8_lossy(&checkpoint[..checkpoint.len().min(512)]).into_owned();
    let mut lines = text.split('\n');
    format!(
        "{} {}",
        lines.next().unwrap_or(""),
        lines.next().unwrap_or("")
    )
}

async fn latest_checkpoint(
    State(witness): State<Arc<Witness>>,
    Path(origin_hash): Path<String>,
) -> Response {
    let well_formed = origin_hash.len() == 64
        && origin_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return text(
            StatusCode::NOT_FOUND,
            "not found: the path is /<lower-case hex SHA-256 of the log's origin>/checkpoint\n",
        );
    }
    let w = witness.clone();
    match tokio::task::spawn_blocking(move || w.store.latest_checkpoint(&origin_hash)).await {
        Ok(Ok(Some(checkpoint))) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, TEXT)], checkpoint).into_response()
        }
        Ok(Ok(None)) => text(
            StatusCode::NOT_FOUND,
            "this witness has cosigned no checkpoint for that origin\n",
        ),
        Ok(Err(e)) => internal_error("reading a checkpoint failed", &e),
        Err(e) => internal_error("reading a checkpoint panicked", &e),
    }
}

async fn evidence(State(witness): State<Arc<Witness>>) -> Response {
    let w = witness.clone();
    match tokio::task::spawn_blocking(move || w.store.evidence()).await {
        Ok(Ok(records)) => match serde_json::to_string_pretty(&records) {
            Ok(json) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                json + "\n",
            )
                .into_response(),
            Err(e) => internal_error("encoding evidence failed", &e),
        },
        Ok(Err(e)) => internal_error("reading evidence failed", &e),
        Err(e) => internal_error("reading evidence panicked", &e),
    }
}

async fn home(State(witness): State<Arc<Witness>>) -> Response {
    let w = witness.clone();
    let logs = match tokio::task::spawn_blocking(move || w.store.logs()).await {
        Ok(Ok(logs)) => logs,
        Ok(Err(e)) => return internal_error("listing logs failed", &e),
        Err(e) => return internal_error("listing logs panicked", &e),
    };
    let mut page = String::new();
    let _ = writeln!(
        page,
        "Shailoo Ledger witness (C2SP tlog-witness; tlog-cosignature v1.1)\n"
    );
    let _ = writeln!(page, "name: {}", witness.name);
    for vkey in &witness.vkeys {
        let _ = writeln!(page, "vkey ({}): {vkey}", vkey.algorithm_name());
    }
    let _ = writeln!(page);
    let _ = writeln!(page, "logs witnessed: {}", logs.len());
    for log in &logs {
        let state = match (log.size, log.updated_at) {
            (Some(size), Some(at)) => {
                format!("size {size}, cosigned {}", crate::evidence::utc(at))
            }
            _ => "nothing cosigned yet".into(),
        };
        let _ = writeln!(page, "- {} ({state})", log.origin);
        let _ = writeln!(
            page,
            "  monitoring: /{}/checkpoint",
            tlog::witness::origin_hash(&log.origin)
        );
        for vkey in &log.vkeys {
            let _ = writeln!(page, "  log key: {vkey}");
        }
    }
    let _ = writeln!(
        page,
        "\nPOST /add-checkpoint  submit a checkpoint (c2sp.org/tlog-witness)\n\
         GET /<sha256 hex of origin>/checkpoint  the latest cosigned checkpoint of a log\n\
         GET /evidence  checkpoints that contradict what this witness cosigned (JSON)"
    );
    text(StatusCode::OK, page)
}
