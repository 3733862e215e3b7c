//! The servers' front door: the ledger's and the witness's routers served with the limits a
//! public server needs when someone tries to take it down on election night.
//!
//! - **Connections** are capped ([`Limits::max_connections`]); past the cap, new ones wait in
//!   the kernel's backlog instead of taking descriptors the server needs for its own files.
//! - **Headers** must arrive within [`Limits::header_timeout`], and a kept-alive connection
//!   may idle no longer than that between requests: a client that opens connections and
//!   never finishes a request (slowloris) holds each for seconds, not forever.
//! - **Open files**: [`raise_open_files_limit`] lifts the soft limit to the hard one at start
//!   (a server started with the usual soft limit of 1,024 runs out at about 1,000 clients).
//! - **Bodies** must arrive within [`Limits::body_deadline`] (each route limits their size).
//! - **A fair share** for reads and writes: each has its own bound on requests handled at
//!   once ([`Limits::reads_in_flight`], [`Limits::writes_in_flight`]) and its own queue, so a
//!   flood of one never takes the other's place — a crowd refreshing results cannot keep a
//!   commission's submission out, nor a flood of submissions the citizens' reads. A request
//!   that waits longer than [`Limits::queue_wait`] for a place is answered busy (503).
//! - **Accept errors** never stop the server: a full descriptor table is waited out.
//! - **A stop** lets requests in flight finish for a grace period, then cuts them off, so
//!   that every clone of the router (and what its state holds open) is gone when
//!   [`serve`] returns.
//! - **TLS**, when the server terminates it itself ([`tls`]): the handshake too must finish
//!   within the header timeout.
//! - **What an operator watches** ([`watch`]): `GET /healthz`, `GET /metrics` and an access
//!   log on every server served here.
#![forbid(unsafe_code)]

pub mod tls;
pub mod watch;
pub use tls::{Tls, TlsError, load_pem};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::timeout::DeadlineBody;

/// What one server allows its clients.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections held at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may wait for its next request.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive, whole.
    pub body_deadline: Duration,
    /// How long connections in flight may take to finish once the server is told to stop.
    pub shutdown_grace: Duration,
    /// Reads (GET, HEAD, OPTIONS) handled at once.
    pub reads_in_flight: usize,
    /// Writes (every other method) handled at once.
    pub writes_in_flight: usize,
    /// How long a request waits for a place in its share before it is answered busy.
    pub queue_wait: Duration,
    /// The busy answer (503), worded as each server words its errors.
    pub busy: fn(Share) -> Response,
    /// Whether a page on any other origin may read the answers (`Access-Control-Allow-Origin:
    /// *` on every one): for a server whose every answer is public and checked by the reader.
    pub any_origin: bool,
}

/// The share of the server a request takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    Reads,
    Writes,
}

impl Share {
    /// Reads are what a citizen's browser or a mirror sends; writes, what a commission sends.
    pub fn of(method: &Method) -> Share {
        if [Method::GET, Method::HEAD, Method::OPTIONS].contains(method) {
            Share::Reads
        } else {
            Share::Writes
        }
    }
}

/// A plain-text busy answer, for servers with no error format of their own.
pub fn busy_text(share: Share) -> Response {
    use axum::response::IntoResponse;
    let what = match share {
        Share::Reads => "reads",
        Share::Writes => "writes",
    };
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "1")],
        format!("the server is handling as many {what} as it can; try again in a moment\n"),
    )
        .into_response()
}

/// Descriptors kept for the server's own files (tiles, the database, documents) whatever the
/// clients do.
const RESERVED_FILES: u64 = 512;

impl Limits {
    /// The limits for a process allowed `open_files` descriptors: connections take what the
    /// server's own files leave, up to 16,384.
    pub fn for_open_files(open_files: u64) -> Limits {
        let spare = open_files.saturating_sub(RESERVED_FILES).max(64);
        let max_connections = spare.min(16_384) as usize;
        Limits {
            max_connections,
            header_timeout: Duration::from_secs(10),
            // A 16 MiB scan over a slow link; a body that takes longer is cut off.
            body_deadline: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(30),
            // Half the connections each: far more than two cores serve at once (a submission
            // in flight mostly waits for its batch), and neither share can take them all.
            reads_in_flight: (max_connections / 2).max(1),
            writes_in_flight: (max_connections / 2).max(1),
            queue_wait: Duration::from_secs(10),
            busy: busy_text,
            any_origin: false,
        }
    }
}

/// Binds `listen` and says `listening on <scheme>://<address bound>` on stdout, flushed at
/// once: scripts and tests read the real port (port 0: the OS chooses) from that line.
pub async fn bind_and_announce(
    listen: std::net::SocketAddr,
    scheme: &str,
) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(listen).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot listen on {listen} ({e}); choose another address with --listen"),
        )
    })?;
    let bound = listener.local_addr()?;
    use std::io::Write;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {scheme}://{bound}")?;
    stdout.flush()?;
    Ok(listener)
}

/// Raises this process's soft limit on open files to its hard limit (bounded by what the
/// kernel takes), and returns the soft limit now in force.
pub fn raise_open_files_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    // No hard limit: ask for a million, the kernel's usual ceiling (`fs.nr_open`).
    let wanted = limit.maximum.unwrap_or(1 << 20);
    if limit.current.is_some_and(|current| current < wanted) {
        let raised = Rlimit {
            current: Some(wanted),
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!("could not raise the open-files limit to {wanted}: {e}");
        }
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting and lets the connections in flight finish (for at most the grace period). The
/// router, and every clone of it, is dropped before this returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    serve_tls(listener, router, limits, None, shutdown).await
}

/// [`serve`], speaking TLS on every connection when `tls` is given.
pub async fn serve_tls(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let shares = Arc::new(Shares {
        reads: Semaphore::new(limits.reads_in_flight),
        writes: Semaphore::new(limits.writes_in_flight),
        limits,
    });
    let front_door = FrontDoor {
        router: router.merge(watch::routes()),
        shares,
    };
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = tokio::task::JoinSet::new();
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        // A connection is accepted only once it can be held: past the cap, clients wait in
        // the backlog rather than the server running out of descriptors.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    wait_out(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(front_door.clone());
        let (http, watcher, tls) = (http.clone(), graceful.watcher(), tls.clone());
        while connections.try_join_next().is_some() {} // forget the finished ones
        metrics::gauge!("http_connections_open").increment(1.0);
        connections.spawn(async move {
            // A client that breaks off or times out is the client's affair.
            let served = match tls {
                None => watcher
                    .watch(http.serve_connection(TokioIo::new(stream), service))
                    .await
                    .map_err(io::Error::other),
                Some(tls) => {
                    let handshake = tls.acceptor.accept(stream);
                    match tokio::time::timeout(limits.header_timeout, handshake).await {
                        Ok(Ok(stream)) => watcher
                            .watch(http.serve_connection(TokioIo::new(stream), service))
                            .await
                            .map_err(io::Error::other),
                        Ok(Err(e)) => Err(tls::handshake_failed(e)),
                        Err(_) => Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "TLS handshake timed out",
                        )),
                    }
                }
            };
            if let Err(e) = served {
                tracing::debug!("connection closed: {e}");
            }
            metrics::gauge!("http_connections_open").decrement(1.0);
            drop(permit);
        });
    }
    drop(listener);
    drop(front_door);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("connections still open after {:?}: closed", limits.shutdown_grace);
        }
    }
    // Whatever is still running is cut off, and its clone of the router dropped with it.
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// The places of each share.
struct Shares {
    reads: Semaphore,
    writes: Semaphore,
    limits: Limits,
}

/// What every request goes through around the router, in one service (as middleware layers
/// they cost a quarter of the tile-serving rate, BENCHMARKS.md): the access log and metrics,
/// the body deadline, the fair share, and the any-origin header.
#[derive(Clone)]
struct FrontDoor {
    router: Router,
    shares: Arc<Shares>,
}

impl tower_service::Service<Request<hyper::body::Incoming>> for FrontDoor {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // The router is always ready; the fair share waits inside the call.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<hyper::body::Incoming>) -> Self::Future {
        let (mut router, shares) = (self.router.clone(), self.shares.clone());
        Box::pin(async move {
            let watch = watch::RequestWatch::start(&request);
            // A body must arrive whole within the deadline; a request without one (every
            // read) needs no timer.
            let deadline = shares.limits.body_deadline;
            let request = if hyper::body::Body::is_end_stream(request.body()) {
                request.map(Body::new)
            } else {
                request.map(|body| Body::new(DeadlineBody::new(deadline, body)))
            };
            let response = match shares.place_for(Share::of(request.method())).await {
                Ok(place) => {
                    let response = tower_service::Service::call(&mut router, request).await;
                    drop(place);
                    response?
                }
                Err(busy) => busy,
            };
            let mut response = response;
            if shares.limits.any_origin {
                response.headers_mut().insert(
                    axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    axum::http::HeaderValue::from_static("*"),
                );
            }
            watch.finish(&response);
            Ok(response)
        })
    }
}

impl Shares {
    /// A place in `share` for one request, or the busy answer once it waited too long.
    async fn place_for(&self, share: Share) -> Result<tokio::sync::SemaphorePermit<'_>, Response> {
        let places = match share {
            Share::Reads => &self.reads,
            Share::Writes => &self.writes,
        };
        // The usual case, a free place, costs no timer.
        if let Ok(place) = places.try_acquire() {
            return Ok(place);
        }
        match tokio::time::timeout(self.limits.queue_wait, places.acquire()).await {
            Ok(Ok(place)) => Ok(place),
            _ => {
                let name = match share {
                    Share::Reads => "reads",
                    Share::Writes => "writes",
                };
                metrics::counter!("http_busy_total", "share" => name).increment(1);
                Err((self.limits.busy)(share))
            }
        }
    }
}

/// An accept that failed. A client that hung up before it was accepted is nothing; a full
/// descriptor table (ours or the system's) or memory pressure is waited out briefly, so that
/// connections closing free what the next accept needs — the server never stops for it.
async fn wait_out(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::warn!("accepting a connection failed: {e}; retrying shortly");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
