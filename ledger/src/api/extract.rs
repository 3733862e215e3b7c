//! Extractors that answer malformed input with the API's JSON errors (`spec/api.md` §4), never
//! with the framework's plain text: a path or query that does not parse is `400 bad-request`,
//! a body that declares more than its route takes is `413 too-large` at once — before a byte of
//! it is read, so a client cannot hold a connection open by promising a huge body.

use super::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A path's parameters, or `400 bad-request`.
pub struct ParsedPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ParsedPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ParsedPath(value)),
            Err(e) => Err(bad_request(format!("the path: {}", e.body_text()))),
        }
    }
}

/// A query string's parameters, or `400 bad-request`.
pub struct ParsedQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ParsedQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ParsedQuery(value)),
            Err(e) => Err(bad_request(format!("the query: {}", e.body_text()))),
        }
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
}

/// A request body of at most `LIMIT` bytes, or `413 too-large`: at once if its
/// `Content-Length` says more, otherwise as soon as more arrives.
pub struct LimitedBody<const LIMIT: usize>(pub Bytes);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for LimitedBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                format!("this request takes a body of at most {LIMIT} bytes"),
            )
        };
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > LIMIT as u64) {
            return Err(too_large());
        }
        let body = axum::body::to_bytes(request.into_body(), LIMIT)
            .await
            .map_err(|_| too_large())?;
        Ok(LimitedBody(body))
    }
}
