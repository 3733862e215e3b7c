//! `mirror serve`: the follower on a thread of its own, and the ledger's read API and viewer
//! over the copy, behind the same front door (connection caps, timeouts, access log,
//! `/metrics`, `/healthz`). Writes are not routes here: a mirror accepts no records.

use crate::dir::{MirrorDir, MirrorError};
use crate::follow::{Follower, Status};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ledger::api::ReadState;
use ledger::witnessing::Published;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A mirror opened and ready to serve: everything that can fail before it listens has.
pub struct Mirror {
    follower: Follower,
    reads: Arc<ReadState>,
    status: Arc<Mutex<Status>>,
    dir: std::path::PathBuf,
    poll: Duration,
    _lock: ledger::logdir::DirLock,
}

impl Mirror {
    /// Opens the mirror in `dir`, to ask the log for news every `poll`. Call it outside an
    /// async runtime: the follower's fetcher runs one of its own.
    pub fn open(dir: &Path, poll: Duration) -> Result<Mirror, MirrorError> {
        let d = MirrorDir::new(dir);
        let config = d.load_config()?;
        let lock = ledger::logdir::lock_dir(
            dir,
            "`mirror serve`",
            "two followers would write one copy at once",
        )?;
        let storage = ledger::storage::open(config.storage.as_deref(), &d.public_dir())
            .map_err(MirrorError::io("opening the copy's storage"))?;
        let conn = ledger::db::open(&d.db_path())?;
        let published = match ledger::db::load_published(&conn) {
            Ok((size, checkpoint)) => Published { size, checkpoint },
            Err(rusqlite::Error::QueryReturnedNoRows) => Published {
                size: 0,
                checkpoint: vec![],
            },
            Err(e) => return Err(e.into()),
        };
        let (published_tx, published_rx) = watch::channel(published);
        let follower = Follower::open(&d, storage.clone(), published_tx)?;
        let status = follower.status.clone();
        Ok(Mirror {
            follower,
            reads: Arc::new(ReadState::new(storage, conn, published_rx)),
            status,
            dir: dir.to_path_buf(),
            poll,
            _lock: lock,
        })
    }

    /// Follows the log and serves the copy on `listener` until `shutdown` completes.
    pub async fn run(
        self,
        listener: TcpListener,
        tls: Option<http_front::Tls>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), MirrorError> {
        let Mirror {
            follower,
            reads,
            status,
            dir,
            poll,
            _lock,
        } = self;
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let following = std::thread::Builder::new()
            .name("follower".into())
            .spawn(move || follower.run(poll, stop_rx))
            .map_err(MirrorError::io("starting the follower"))?;
        let readiness = Readiness {
            status,
            published: reads.published.clone(),
            poll,
        };
        let app = ledger::api::read_router(reads)
            .route("/readyz", get(readyz).with_state(readiness))
            // The viewer, with the mirror's own policy beside it: a citizen's browser checks
            // the copy against the observers' policy, never against the mirror's word.
            .merge(ledger::viewer::router(Some(dir)))
            .fallback(ledger::rejections::no_such_route)
            .method_not_allowed_fallback(ledger::rejections::method_not_allowed);
        let limits = http_front::Limits {
            busy: ledger::rejections::busy,
            any_origin: true,
            ..http_front::Limits::for_open_files(http_front::raise_open_files_limit())
        };
        let served = http_front::serve_tls(listener, app, limits, tls, shutdown).await;
        drop(stop_tx);
        tokio::task::spawn_blocking(move || following.join())
            .await
            .ok();
        served.map_err(MirrorError::io("serving"))
    }
}

#[derive(Clone)]
struct Readiness {
    status: Arc<Mutex<Status>>,
    published: watch::Receiver<Published>,
    poll: Duration,
}

/// Ready once a checkpoint is published and the log was read recently (or the log is down
/// and the copy is what citizens have: still served, still `ready: false`, so an operator
/// sees it). Always the follower's status.
async fn readyz(State(r): State<Readiness>) -> Response {
    let status = r.status.lock().expect("status").clone();
    let published = r.published.borrow().size;
    let now = witness::config::now_unix();
    // Three missed rounds, and at least a minute: the log is unreachable or refused.
    let stale_after = (r.poll.as_secs() * 3).max(60);
    let following = status
        .last_success
        .is_some_and(|t| now.saturating_sub(t) <= stale_after);
    let ready = !r.published.borrow().checkpoint.is_empty() && following;
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "ready": ready,
            "published_size": published,
            "following": following,
            "status": status,
        })),
    )
        .into_response()
}
