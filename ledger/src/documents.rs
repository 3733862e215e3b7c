//! The documents records reference (protocol scans, urn printouts, filings): uploaded after
//! their record is logged, checked against it, served as data.
//!
//! An upload is judged before its body is read: the document must be referenced by a logged
//! record, and a declared `Content-Length` must be the referenced size. The body is then read
//! up to that size only (no further byte is taken), hashed, and stored only if it is the
//! document; a few are read at once ([`MAX_UPLOADS`]; the others wait their turn, unread, for
//! a while), each in memory of at most its referenced size, and each stored through its own
//! temporary file. A stored
//! document is hashed again before it is served: bytes that are not the document (a damaged
//! disk, an insider's edit) are never served as it. Reads too are bounded
//! ([`MAX_DOCUMENT_READS`]): each holds the document in memory while hashing it, so a crowd
//! asking for the biggest scan at once waits its turn instead of exhausting memory and CPU.

use crate::api::{ApiError, ApiResult, ReadState, Reads, Shared, read};
use crate::db;
use crate::rejections::ApiPath;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::json;

/// Uploads read at once.
pub const MAX_UPLOADS: usize = 16;

/// Documents read (and hashed) at once to be served.
pub const MAX_DOCUMENT_READS: usize = 32;

/// How long an upload or a read past its bound waits for its turn before it is refused (429).
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A turn among the `places`, waited for up to [`QUEUE_WAIT`]; then `429 overloaded`.
async fn take_turn(
    places: &std::sync::Arc<tokio::sync::Semaphore>,
    what: &str,
) -> ApiResult<tokio::sync::OwnedSemaphorePermit> {
    match tokio::time::timeout(QUEUE_WAIT, places.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "overloaded",
            format!("too many documents are being {what}; try again in a moment"),
        )),
    }
}

fn parse_sha256(hex_text: &str) -> ApiResult<[u8; 32]> {
    tlog::Hash::from_hex(hex_text).map(|h| h.0).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-hash",
            "a document is named by 64 lower-case hex digits of its SHA-256",
        )
    })
}

/// The media type and size a logged record gives the document `sha`, if one references it.
async fn referenced(s: &ReadState, sha: [u8; 32]) -> ApiResult<Option<(String, u64)>> {
    let conn = s.conn.clone();
    tokio::task::spawn_blocking(move || db::document(&conn.lock().expect("db lock"), &sha))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// `GET /blob/<sha256>`: a stored document, hashed again before it is served.
pub async fn serve(State(s): Reads, ApiPath(hash): ApiPath<String>) -> ApiResult<Response> {
    let sha = parse_sha256(&hash)?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-document",
            format!("document {hash} is not stored here"),
        )
    };
    let (media_type, size) = referenced(&s, sha).await?.ok_or_else(not_found)?;
    let _reading = take_turn(&s.document_reads, "read").await?;
    let data = read(&s.storage, format!("blob/{hash}"))
        .await?
        .ok_or_else(not_found)?;
    let reference = election::records::DocumentRef {
        sha256: sha,
        media_type: media_type.clone(),
        size,
    };
    // Hashing takes a while for a large scan: off the async workers.
    let (checked, data) = tokio::task::spawn_blocking(move || (reference.check(&data), data))
        .await
        .map_err(ApiError::internal)?;
    if let Err(e) = checked {
        return Err(ApiError::internal(format!(
            "the stored document {hash} {e}: it is not served"
        )));
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    // Documents are data, never pages: a script inside an SVG must not run on this origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok((headers, data).into_response())
}

/// `PUT /api/v1/blobs/<sha256>`: a document a logged record references.
pub async fn upload(
    State(s): Shared,
    ApiPath(hash): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let sha = parse_sha256(&hash)?;
    let (_, size) = referenced(&s.read, sha).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unreferenced",
            "no logged record references this document: submit the record first, then its documents",
        )
    })?;
    if size > crate::api::MAX_BLOB_SIZE as u64 {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!(
                "the record references {size} bytes; documents are at most {} bytes",
                crate::api::MAX_BLOB_SIZE
            ),
        ));
    }
    let mismatch = |what: String| ApiError::new(StatusCode::BAD_REQUEST, "hash-mismatch", what);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|d| d != size) {
        return Err(mismatch(format!(
            "the body is declared as {} bytes; the record references {size}",
            declared.unwrap_or_default()
        )));
    }
    let path = format!("blob/{hash}");
    // Already stored and intact: nothing to do. Stored but damaged: this upload repairs it.
    let stored = read(&s.read.storage, path.clone()).await?;
    let intact = match stored {
        Some(bytes) => tokio::task::spawn_blocking(move || {
            tlog::hash::sha256(&bytes).0 == sha && bytes.len() as u64 == size
        })
        .await
        .map_err(ApiError::internal)?,
        None => false,
    };
    if intact {
        return Ok((
            StatusCode::OK,
            Json(json!({"stored": false, "sha256": hash})),
        )
            .into_response());
    }
    // Past the bound, an upload waits its turn (its body unread) for a while, then is refused.
    let _reading = take_turn(&s.uploads, "uploaded").await?;
    let bytes = read_document(body, size).await.map_err(mismatch)?;
    let (hashed, bytes) = tokio::task::spawn_blocking(move || (tlog::hash::sha256(&bytes), bytes))
        .await
        .map_err(ApiError::internal)?;
    if hashed.0 != sha {
        return Err(mismatch(
            "the body's SHA-256 is not the one the record references".into(),
        ));
    }
    let storage = s.read.storage.clone();
    tokio::task::spawn_blocking(move || storage.write_all(&[(path, bytes)]))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"stored": true, "sha256": hash})),
    )
        .into_response())
}

/// Reads a body of exactly `size` bytes, refusing it as soon as it is longer, or if it ends
/// shorter.
async fn read_document(body: Body, size: u64) -> Result<Vec<u8>, String> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("the body could not be read: {e}"))?;
        if bytes.len() as u64 + chunk.len() as u64 > size {
            return Err(format!(
                "the body is longer than the {size} bytes the record references"
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    if (bytes.len() as u64) < size {
        return Err(format!(
            "the body has {} bytes; the record references {size}",
            bytes.len()
        ));
    }
    Ok(bytes)
}
