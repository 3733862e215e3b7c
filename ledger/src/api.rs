//! The HTTP API.
//!
//! Reads, at the root of the log's URL, per C2SP tlog-tiles: `/checkpoint`, `/tile/…`,
//! `/tile/entries/…`, and `/blob/<sha256>` for documents. Under `/api/v1/`: proofs, offline
//! proof bundles, the lookup index, and the two writes — records and documents. Nothing here
//! needs to be trusted: every answer can be checked against a cosigned checkpoint.
//!
//! Errors are JSON `{"error": {"code", "message", …}}` with a stable code and the status that
//! fits (400, 403, 404, 409, 413, 429, 503); bad input never gets a 500, and a refused request
//! changes nothing.

use crate::db;
use crate::documents;
use crate::published_tiles::{KeptHashes, PublishedTiles};
use crate::rejections::{ApiPath, ApiQuery, declared_size_at_most};
use crate::sequencer::{Refusal, Sequenced, Submission, read_entry};
use crate::storage::Storage;
use crate::witnessing::Published;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use election::audit::Rule;
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tlog::bundle::ProofBundle;
use tlog::tile::{Tile, TilePath, parse_tile_path};
use tokio::sync::{mpsc, oneshot, watch};

/// The largest document accepted.
pub const MAX_BLOB_SIZE: usize = 16 * 1024 * 1024;
/// How long a request may wait for a cosigned checkpoint.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// What the read handlers share: the published tree and where its files are. A ledger holds
/// one inside its [`AppState`]; a mirror (the `mirror` crate) serves its verified copy of a
/// log through the same read API with one of its own.
pub struct ReadState {
    pub storage: Arc<dyn Storage>,
    /// The lookup index, and the documents the logged records reference.
    pub conn: Arc<Mutex<Connection>>,
    pub published: watch::Receiver<Published>,
    /// The published tree's tiles and bundles read so far, served and proved from memory.
    pub published_tiles: Arc<PublishedTiles>,
    /// Documents read to be served at once (each held in memory while it is hashed).
    pub document_reads: Arc<tokio::sync::Semaphore>,
    /// The published checkpoint, gzipped once for the browsers that take it.
    pub checkpoint_gzip: crate::encoding::KeptGzip,
}

impl ReadState {
    pub fn new(
        storage: Arc<dyn Storage>,
        conn: Connection,
        published: watch::Receiver<Published>,
    ) -> ReadState {
        ReadState {
            storage,
            conn: Arc::new(Mutex::new(conn)),
            published,
            published_tiles: Default::default(),
            document_reads: Arc::new(tokio::sync::Semaphore::new(documents::MAX_DOCUMENT_READS)),
            checkpoint_gzip: Default::default(),
        }
    }
}

/// What the ledger's handlers share: the read side, and the writes' way to the sequencer.
pub struct AppState {
    pub read: Arc<ReadState>,
    pub submit: mpsc::Sender<Submission>,
    /// Admitted signers' keys, decompressed once (the sequencer's gate keeps them).
    pub signers: Arc<election::signers::SignerKeys>,
    /// The window a record's claimed time must lie in around this server's clock.
    pub time_window: election::time::TimeWindow,
    /// What `/readyz` says of the witnessing.
    pub readiness: Readiness,
    /// Uploads read at once (each holds up to a document's size in memory).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Whether the sequencer can write (false while it retries a commit that failed).
    pub writable: Arc<std::sync::atomic::AtomicBool>,
}

/// What `GET /readyz` reports besides the published size: the witness quorum, and the
/// warnings `serve` gave at start (a log publishing checkpoints no witness cosigned).
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    pub quorum: usize,
    pub witnesses: usize,
    pub warnings: Vec<String>,
    /// When the published checkpoint was last renewed (seconds since 1970; the start counts).
    pub published_at: Arc<std::sync::atomic::AtomicU64>,
    /// Not ready once the published checkpoint is older than this (`--ready-max-age`): its
    /// witnesses stopped cosigning, or nothing was logged for that long.
    pub max_age_s: Option<u64>,
}

pub(crate) type Shared = State<Arc<AppState>>;
pub(crate) type Reads = State<Arc<ReadState>>;

/// An error answer.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    extra: serde_json::Value,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: json!({}),
        }
    }
    pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; the request changed nothing",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let (Some(map), Some(extra)) = (body.as_object_mut(), self.extra.as_object()) {
            map.extend(extra.clone());
        }
        let mut response = (self.status, Json(json!({ "error": body }))).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The ledger's API: the reads of [`read_router`] and the two writes.
pub fn router(state: Arc<AppState>) -> Router {
    // Bodies declared larger than a route takes are refused before they are read.
    let at_most = |limit: usize| middleware::from_fn_with_state(limit, declared_size_at_most);
    let writes = Router::new()
        .route(
            "/api/v1/records",
            post(submit)
                .route_layer(at_most(MAX_RECORD_BODY))
                .layer(DefaultBodyLimit::max(MAX_RECORD_BODY)),
        )
        .route(
            "/api/v1/blobs/{hash}",
            put(documents::upload)
                .route_layer(at_most(MAX_BLOB_BODY))
                .layer(DefaultBodyLimit::max(MAX_BLOB_BODY)),
        )
        .route("/readyz", get(readyz))
        .with_state(state.clone());
    read_router(state.read.clone()).merge(writes)
}

/// The read API (`spec/api.md`): the tlog-tiles files, documents, proofs, bundles and the
/// lookup index, all of the published tree. What a ledger and a mirror both serve.
pub fn read_router(state: Arc<ReadState>) -> Router {
    Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .route("/blob/{hash}", get(documents::serve))
        .route("/api/v1/records", get(find_records))
        .route("/api/v1/proof/inclusion/{index}", get(inclusion))
        .route("/api/v1/proof/consistency", get(consistency))
        .route("/api/v1/bundle/{index}", get(bundle))
        .route("/api/v1/entry/{index}", get(entry))
        .with_state(state)
}

/// The largest body `POST /api/v1/records` reads (a record is at most 65,535 bytes).
const MAX_RECORD_BODY: usize = 128 * 1024;
/// The largest body `PUT /api/v1/blobs/…` reads (a document is at most 16 MiB).
const MAX_BLOB_BODY: usize = MAX_BLOB_SIZE + 1024;

/// Ready to serve and accept records, with the witnessing state and its warnings; `503` with
/// `ready: false` while the sequencer cannot write (it retries; nothing acknowledged is lost),
/// or while the published checkpoint is older than `--ready-max-age`. Every published
/// checkpoint met its quorum: that is when a checkpoint is published.
async fn readyz(State(s): Shared) -> Response {
    let published = s.read.published.borrow().size;
    let r = &s.readiness;
    let writable = s.writable.load(std::sync::atomic::Ordering::SeqCst);
    let age = crate::witnessing::unix_now()
        .saturating_sub(r.published_at.load(std::sync::atomic::Ordering::SeqCst));
    let fresh = r.max_age_s.is_none_or(|max| age <= max);
    let ready = writable && fresh;
    let status = match ready {
        true => StatusCode::OK,
        false => StatusCode::SERVICE_UNAVAILABLE,
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "ready": ready,
            "writable": writable,
            "published_size": published,
            "published_age_s": age,
            "max_age_s": r.max_age_s,
            "quorum": r.quorum,
            "witnesses": r.witnesses,
            "warnings": r.warnings,
        })),
    )
        .into_response()
}

async fn checkpoint(State(s): Reads, headers: HeaderMap) -> Response {
    let published = s.published.borrow().clone();
    // A log always has one (init signs the empty tree); a new mirror has none until it has
    // copied and verified a first one.
    if published.checkpoint.is_empty() {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "no-checkpoint",
            "no checkpoint is published here yet",
        )
        .into_response();
    }
    let (coding, body) = s
        .checkpoint_gzip
        .answer(&headers, Bytes::from(published.checkpoint));
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        coding,
        body,
    )
        .into_response()
}

/// Reads a storage file on a blocking thread.
pub(crate) async fn read(storage: &Arc<dyn Storage>, path: String) -> ApiResult<Option<Vec<u8>>> {
    let storage = storage.clone();
    tokio::task::spawn_blocking(move || storage.read(&path))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// A tile or bundle of the published tree: kept in memory once read (they never change).
async fn published_file(s: &ReadState, file: &str) -> ApiResult<Bytes> {
    if let Some(kept) = s.published_tiles.get(file) {
        return Ok(kept);
    }
    let data = read(&s.storage, file.to_owned()).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-tile",
            format!("{file} does not exist (yet)"),
        )
    })?;
    let data = Bytes::from(data);
    s.published_tiles.keep(file, data.clone());
    Ok(data)
}

async fn tile(
    State(s): Reads,
    ApiPath(path): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let full_path = format!("tile/{path}");
    let parsed = parse_tile_path(&full_path)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad-tile-path", e.to_string()))?;
    let (tile, file) = match parsed {
        TilePath::Hashes(t) => (t, t.path()),
        TilePath::Entries(t) => (t, t.entries_path()),
    };
    // Only tiles of the published tree (or an earlier one) are served: those of a batch not
    // yet cosigned — or not yet committed, and rewritten differently after a crash — are not,
    // so no cache ever holds bytes the log may not stand by (`spec/api.md` §1).
    let published = s.published.borrow().size;
    let in_published = Tile::at_tree_size(tile.level, tile.index, published)
        .is_some_and(|t| t.width >= tile.width);
    if !in_published {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-published",
            format!("{full_path} is not part of the published tree of {published} entries"),
        ));
    }
    let data = published_file(&s, &file).await?;
    // Full tiles never change. A partial tile's contents are fixed too, but it is replaced by
    // wider ones as the log grows.
    let cache = if tile.is_full() {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    let headers_for = |encoding: Option<&'static str>| {
        let mut answer = HeaderMap::new();
        let mut set = |name, value| answer.insert(name, HeaderValue::from_static(value));
        set(header::CONTENT_TYPE, "application/octet-stream");
        set(header::CACHE_CONTROL, cache);
        if matches!(parsed, TilePath::Entries(_)) {
            set(header::VARY, "Accept-Encoding");
        }
        if let Some(encoding) = encoding {
            set(header::CONTENT_ENCODING, encoding);
        }
        answer
    };
    // Entry bundles (records: they compress about 3:1) go gzipped to a browser that takes it;
    // hash tiles do not compress.
    if matches!(parsed, TilePath::Entries(_)) && crate::encoding::accepts(&headers, "gzip") {
        return Ok(match gzipped_kept(&s, format!("{file}.gz"), &data).await? {
            Some(zipped) => (headers_for(Some("gzip")), zipped).into_response(),
            None => (briefly_cached(headers_for(None)), data).into_response(),
        });
    }
    Ok((headers_for(None), data).into_response())
}

/// `plain` (a published file, or one entry of it) gzipped, compressed once and kept under
/// `key` beside the published files; `None` while every turn to compress is taken, and the
/// caller sends it as stored. The turn goes with the work: a client that hangs up does not
/// free it early.
async fn gzipped_kept(s: &ReadState, key: String, plain: &Bytes) -> ApiResult<Option<Bytes>> {
    if let Some(kept) = s.published_tiles.get(&key) {
        return Ok(Some(kept));
    }
    let Some(turn) = crate::encoding::turn_to_compress() else {
        return Ok(None);
    };
    let plain = plain.clone();
    let zipped = tokio::task::spawn_blocking(move || {
        let zipped = crate::encoding::compress(&plain, 6);
        drop(turn);
        zipped
    })
    .await
    .map_err(ApiError::internal)?;
    let zipped = Bytes::from(zipped);
    s.published_tiles.keep(&key, zipped.clone());
    Ok(Some(zipped))
}

/// An answer sent as stored to a browser that would have taken it compressed (every turn to
/// compress was taken): a cache in between keeps that only briefly.
fn briefly_cached(mut answer: HeaderMap) -> HeaderMap {
    answer.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    answer
}

#[derive(Deserialize)]
struct SubmitQuery {
    /// `cosigned`: answer only once the record is under a published, cosigned checkpoint,
    /// and include its offline proof bundle.
    wait: Option<String>,
}

async fn submit(
    State(s): Shared,
    ApiQuery(q): ApiQuery<SubmitQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "a record is at most 65535 bytes",
        )
    })?;
    if body.len() > election::record::MAX_RECORD_SIZE {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!(
                "a record is at most 65535 bytes; this one is {}",
                body.len()
            ),
        ));
    }
    // Decoding and the signature need no log state: check them here, on every core, and
    // leave the single sequencer only what must happen in order.
    let entry = body.to_vec();
    let verified = election::audit::Gate::verified_record(&entry, &s.signers);
    let refuse = |f: election::audit::Finding| {
        metrics::counter!("shailoo_records_refused_total", "code" => f.rule.id()).increment(1);
        refused(Refusal::Refused(f))
    };
    let record = verified.map_err(refuse)?;
    admissible_here(&record, s.time_window).map_err(refuse)?;
    let (reply, answer) = oneshot::channel();
    s.submit
        .try_send(Submission {
            entry,
            record,
            reply,
        })
        .map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                metrics::counter!("shailoo_records_refused_total", "code" => "overloaded")
                    .increment(1);
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "overloaded",
                    "too many records are waiting to be sequenced; retry shortly",
                )
            }
            mpsc::error::TrySendError::Closed(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting-down",
                "the log is shutting down",
            ),
        })?;
    let waiting = s.submit.max_capacity() - s.submit.capacity();
    metrics::gauge!("shailoo_queue_depth").set(waiting as f64);
    let sequenced: Sequenced = match answer.await {
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting-down",
                "the log stopped before sequencing the record",
            ));
        }
        Ok(Ok(sequenced)) => sequenced,
        Ok(Err(refusal)) => return Err(refused(refusal)),
    };
    let mut answer = serde_json::to_value(&sequenced).map_err(ApiError::internal)?;
    if q.wait.as_deref() == Some("cosigned") {
        let text = proof_bundle(&s.read, sequenced.index, MAX_WAIT).await?;
        answer["bundle"] = json!(String::from_utf8_lossy(&text));
    }
    Ok(Json(answer).into_response())
}

/// What only the door can check: the claimed time against this server's clock, and that
/// nobody but the log itself appends a log checkpoint (a replayed one would make an honest log
/// look as if it logged a checkpoint twice).
fn admissible_here(
    record: &election::Record,
    window: election::time::TimeWindow,
) -> Result<(), election::audit::Finding> {
    let finding = |rule, message: String| election::audit::Finding {
        rule,
        index: None,
        precinct: record.body.precinct(),
        message: message.into(),
    };
    if record.kind() == election::Kind::LogCheckpoint {
        return Err(finding(
            Rule::SignerAuthorized,
            "log-checkpoint records are appended by the log itself, never submitted".into(),
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    window
        .check(record.time, election::time::LoggedInterval::at(now))
        .map_err(|e| finding(Rule::RecordTime, format!("{e} (this ledger's clock)")))
}

/// The answer for a refused record.
fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Duplicate(index) => ApiError {
            extra: json!({"index": index}),
            ..ApiError::new(
                StatusCode::CONFLICT,
                "duplicate",
                format!("this record is already logged at index {index}"),
            )
        },
        Refusal::Refused(finding) => {
            let (status, code) = match finding.rule {
                Rule::RecordMalformed => (StatusCode::BAD_REQUEST, "malformed"),
                Rule::RecordUnknownKind => (StatusCode::BAD_REQUEST, "unknown-kind"),
                Rule::RecordSignature => (StatusCode::BAD_REQUEST, "bad-signature"),
                Rule::RecordElection => (StatusCode::BAD_REQUEST, "wrong-election"),
                Rule::RecordTime => (StatusCode::BAD_REQUEST, "time-out-of-window"),
                _ => (StatusCode::FORBIDDEN, "not-authorized"),
            };
            ApiError {
                extra: json!({"rule": finding.rule.id()}),
                ..ApiError::new(status, code, finding.message.to_string())
            }
        }
    }
}

/// Waits until the published checkpoint covers `index`, up to `wait`.
async fn published_covering(s: &ReadState, index: u64, wait: Duration) -> ApiResult<Published> {
    let mut rx = s.published.clone();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let published = rx.borrow_and_update().clone();
        if published.size > index {
            return Ok(published);
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not-published",
                format!(
                    "entry {index} is not yet under a published checkpoint (size {}); ask again, or add ?wait=SECONDS",
                    published.size
                ),
            ));
        }
    }
}

/// The tlog-proof bundle of entry `index` under the published checkpoint, entry in `extra`.
async fn proof_bundle(s: &ReadState, index: u64, wait: Duration) -> ApiResult<Vec<u8>> {
    let published = published_covering(s, index, wait).await?;
    let (storage, kept) = (s.storage.clone(), s.published_tiles.clone());
    tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let entry =
            read_entry(storage.as_ref(), index, published.size).map_err(ApiError::internal)?;
        let tiles = kept.reader(Some(storage.as_ref()), published.size);
        let proof = tlog::proof::prove_inclusion(index, published.size, &tiles)
            .map_err(ApiError::internal)?;
        Ok(ProofBundle {
            extra: Some(entry),
            index,
            proof,
            checkpoint: published.checkpoint,
        }
        .to_bytes())
    })
    .await
    .map_err(ApiError::internal)?
}

/// The entry at `index` as logged, alone: a reader proves it from the hash tiles (its leaf
/// hash is in the level-0 tile) without fetching the rest of its entry bundle (`spec/api.md`
/// §3). Only entries of the published tree; an entry never changes, so it may be kept.
async fn entry(
    State(s): Reads,
    ApiPath(index): ApiPath<u64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let published = s.published.borrow().size;
    let (bundle, offset) = tlog::writer::entry_position(index, published).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-published",
            format!("entry {index} is not in the published tree of {published} entries"),
        )
    })?;
    // A partial bundle is superseded by the full one once the log has grown. The full one is
    // then read as a stand-in and not kept: the published tree may not cover all of it yet.
    let data = match published_file(&s, &bundle.entries_path()).await {
        Ok(data) => data,
        Err(e) if e.status == StatusCode::NOT_FOUND && !bundle.is_full() => {
            let full = bundle
                .paths_to_read(true)
                .pop()
                .expect("a partial tile's full path");
            match s.published_tiles.get(&full) {
                Some(kept) => kept,
                None => read(&s.storage, full)
                    .await?
                    .map(Bytes::from)
                    .ok_or_else(|| {
                        ApiError::internal(format!("{} is missing", bundle.entries_path()))
                    })?,
            }
        }
        Err(e) => return Err(e),
    };
    let entries = tlog::writer::entries_of(&bundle, &data).map_err(ApiError::internal)?;
    let entry = entries
        .get(offset)
        .ok_or_else(|| ApiError::internal(format!("{} is short", bundle.entries_path())))?;
    let entry = Bytes::copy_from_slice(entry);
    let mut answer = HeaderMap::new();
    let mut set = |name, value| answer.insert(name, HeaderValue::from_static(value));
    set(header::CONTENT_TYPE, "application/octet-stream");
    set(header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    set(header::VARY, "Accept-Encoding");
    // Gzipped (once, and kept) for a browser that takes it, where that is worth it: the
    // election definition is 5 KB and 1.4 KB gzipped, most records a few hundred bytes.
    let worth = entry.len() >= crate::encoding::WORTH_COMPRESSING;
    if worth && crate::encoding::accepts(&headers, "gzip") {
        match gzipped_kept(&s, format!("entry/{index}.gz"), &entry).await? {
            Some(zipped) if zipped.len() < entry.len() => {
                answer.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                return Ok((answer, zipped).into_response());
            }
            Some(_) => {}
            None => answer = briefly_cached(answer),
        }
    }
    Ok((answer, entry).into_response())
}

#[derive(Deserialize)]
struct WaitQuery {
    /// Seconds to wait for a cosigned checkpoint covering the entry.
    wait: Option<u64>,
}

async fn bundle(
    State(s): Reads,
    ApiPath(index): ApiPath<u64>,
    ApiQuery(q): ApiQuery<WaitQuery>,
) -> ApiResult<Response> {
    let wait = Duration::from_secs(q.wait.unwrap_or(0)).min(MAX_WAIT);
    let text = proof_bundle(&s, index, wait).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Computes a proof in the published tree of `size` leaves (or an earlier one): from the
/// tiles in memory if they are all there, else on a blocking thread that reads the rest.
async fn prove_from_tiles(
    s: &ReadState,
    size: u64,
    prove: impl Fn(&KeptHashes) -> Result<Vec<tlog::Hash>, tlog::proof::ProofError> + Send + 'static,
) -> ApiResult<Vec<tlog::Hash>> {
    if let Ok(proof) = prove(&s.published_tiles.reader(None, size)) {
        return Ok(proof);
    }
    let (storage, kept) = (s.storage.clone(), s.published_tiles.clone());
    tokio::task::spawn_blocking(move || prove(&kept.reader(Some(storage.as_ref()), size)))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no-proof",
                format!("no proof at size {size}: {e}"),
            )
        })
}

#[derive(Deserialize)]
struct SizeQuery {
    size: Option<u64>,
}

async fn inclusion(
    State(s): Reads,
    ApiPath(index): ApiPath<u64>,
    ApiQuery(q): ApiQuery<SizeQuery>,
) -> ApiResult<Response> {
    let published = s.published.borrow().clone();
    let size = q.size.unwrap_or(published.size);
    if size > published.size || index >= size {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "out-of-range",
            format!(
                "need index < size <= {} (the published size)",
                published.size
            ),
        ));
    }
    let proof = prove_from_tiles(&s, size, move |tiles| {
        tlog::proof::prove_inclusion(index, size, tiles)
    })
    .await?;
    // Asked for a size, the reader has its checkpoint (the viewer: a few hundred bytes instead
    // of 10 KB), and the answer never changes; asked for none, it gets the checkpoint too.
    let answer = |checkpoint: Option<String>| {
        Json(
            json!({"index": index, "tree_size": size, "proof": proof.iter().map(tlog::Hash::to_base64).collect::<Vec<_>>(), "checkpoint": checkpoint}),
        )
    };
    Ok(match q.size {
        Some(_) => (
            [(header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            answer(None),
        )
            .into_response(),
        None => answer(Some(
            String::from_utf8_lossy(&published.checkpoint).into_owned(),
        ))
        .into_response(),
    })
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    old: u64,
    new: Option<u64>,
}

async fn consistency(
    State(s): Reads,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Response> {
    let published = s.published.borrow().size;
    let new = q.new.unwrap_or(published);
    if q.old == 0 || q.old > new || new > published {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "out-of-range",
            format!("need 0 < old <= new <= {published} (the published size)"),
        ));
    }
    let old = q.old;
    let proof = prove_from_tiles(&s, new, move |tiles| {
        tlog::proof::prove_consistency(old, new, tiles)
    })
    .await?;
    Ok(Json(json!({"old": old, "new": new, "proof": proof.iter().map(tlog::Hash::to_base64).collect::<Vec<_>>()})).into_response())
}

#[derive(Deserialize)]
struct FindQuery {
    precinct: Option<u32>,
    kind: Option<String>,
    /// A key (64 hex digits): the records that enroll or revoke it.
    key: Option<String>,
    limit: Option<u32>,
}

async fn find_records(State(s): Reads, ApiQuery(q): ApiQuery<FindQuery>) -> ApiResult<Response> {
    let kind = match &q.kind {
        None => None,
        Some(name) => Some(
            election::Kind::from_name(name)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "unknown-kind",
                        format!("no record kind named {name:?}"),
                    )
                })?
                .code(),
        ),
    };
    let key = match &q.key {
        None => None,
        Some(text) => Some(
            hex::decode(text)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad-key",
                        "key must be 64 hex digits (an Ed25519 public key)",
                    )
                })?,
        ),
    };
    let limit = q.limit.unwrap_or(1000).min(10_000);
    let conn = s.conn.clone();
    let precinct = q.precinct;
    let rows = tokio::task::spawn_blocking(move || {
        let conn = conn.lock().expect("db lock");
        match key {
            Some(key) => db::find_records_about(&conn, &key, kind, limit),
            None => db::find_records(&conn, precinct, kind, limit),
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(Json(json!({"records": rows, "note": "an index for convenience: check each record with its inclusion proof"})).into_response())
}
