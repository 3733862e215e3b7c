//! The framework's own rejections, answered in the documented JSON (`spec/api.md` §4) like
//! every other error: a path or query parameter that does not parse (`400 bad-request`: a
//! negative index, `?old=x`, a number past 2^64), a route that does not exist
//! (`404 no-such-route`), a method the route does not take (`405 method-not-allowed`), and a
//! body declared larger than the route takes (`413 too-large`, answered from `Content-Length`
//! before a byte of the body is read, so that a client cannot hold a connection open by
//! promising a body it never sends), and the front door's `503 busy`.

use crate::api::ApiError;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A path parameter, as `axum::extract::Path`, refused as a JSON `400 bad-request`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(e) => Err(bad_request(format!("the path: {}", e.body_text()))),
        }
    }
}

/// Query parameters, as `axum::extract::Query`, refused as a JSON `400 bad-request`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(e) => Err(bad_request(format!("the query: {}", e.body_text()))),
        }
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
}

/// The answer for a path no route serves.
pub async fn no_such_route(request: Request) -> ApiError {
    let message = format!("nothing is served at {}", request.uri().path());
    ApiError::new(StatusCode::NOT_FOUND, "no-such-route", message)
}

/// The answer for a method the route does not take.
pub async fn method_not_allowed(request: Request) -> ApiError {
    let message = format!(
        "{} is not taken at {}",
        request.method(),
        request.uri().path()
    );
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        message,
    )
}

/// The answer to a request whose share of the server (reads or writes) stayed full for the
/// front door's whole queue wait: `503 busy`, to be retried in a moment.
pub fn busy(share: http_front::Share) -> Response {
    let what = match share {
        http_front::Share::Reads => "reads",
        http_front::Share::Writes => "submissions and uploads",
    };
    let message = format!("the server is handling as many {what} as it can; try again in a moment");
    let mut response =
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

/// Middleware (`from_fn_with_state(limit, ...)`) refusing a body declared larger than `limit`
/// bytes before reading any of it. (A body sent without a length is cut at the same limit by
/// `DefaultBodyLimit`.)
pub async fn declared_size_at_most(
    State(limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request.headers().get(header::CONTENT_LENGTH);
    match declared.map(|v| v.to_str().ok().and_then(|v| v.parse::<u64>().ok())) {
        Some(Some(size)) if size > limit as u64 => {
            let message =
                format!("the body is declared as {size} bytes; at most {limit} are taken here");
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", message).into_response()
        }
        Some(None) => bad_request("the Content-Length is not a number".into()).into_response(),
        _ => next.run(request).await,
    }
}
