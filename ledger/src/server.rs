//! Creating a log, and running its server: recovery, the sequencer thread, the witnessing
//! task and the HTTP API, with a clean stop.

use crate::api::{AppState, ReadState, router};
use crate::db::{self, SignedTree};
use crate::lease::{self, Lease, LeaseError};
use crate::logdir::{self, Config, DirError, LogDir};
use crate::sequencer::{Sequencer, sign_checkpoint};
use crate::storage::Storage;
use crate::witnessing::{LogCheckpoints, Published, WITNESS_TIMEOUT, Witnessing};
use election::audit::Gate;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tlog::Hash;
use tlog::keys::VerifierKey;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// What `ledger init` made.
pub struct Created {
    pub log_vkey: VerifierKey,
    pub root_vkey: VerifierKey,
    /// Whether the root key was generated here (for tests and demos) rather than given.
    pub root_generated: bool,
}

/// Creates a log in `dir`: keys (mode 0600), configuration, database, and the signed and
/// published empty checkpoint. `root_vkey` is the CEC root key; without it one is generated
/// at `DIR/root.key`, for tests and demos.
pub fn init(dir: &Path, origin: &str, root_vkey: Option<&str>) -> Result<Created, DirError> {
    init_on(dir, origin, root_vkey, None)
}

/// [`init`], with the log's files in `storage` (`s3://BUCKET/PREFIX`) rather than in
/// `DIR/public`: the keys and configuration stay in `dir`, the bucket must hold no log yet.
pub fn init_on(
    dir: &Path,
    origin: &str,
    root_vkey: Option<&str>,
    storage: Option<&str>,
) -> Result<Created, DirError> {
    let election = logdir::election_of(origin)?;
    let d = LogDir::new(dir);
    std::fs::create_dir_all(dir).map_err(|source| DirError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if d.config_path().exists() || d.log_key_path().exists() {
        return Err(DirError::Invalid(format!(
            "{} already holds a log; refusing to overwrite it",
            dir.display()
        )));
    }
    let (root, root_generated) = match root_vkey {
        Some(text) => (logdir::parse_root_vkey(text)?, false),
        None => {
            let key = logdir::generate_key(&logdir::demo_root_name(origin))?;
            logdir::write_key(&d.root_key_path(), &key)?;
            (key.verifier(), true)
        }
    };
    let storage_error = |source| DirError::Io {
        path: d.public_path(),
        source,
    };
    let store = crate::storage::open(storage, &d.public_path()).map_err(storage_error)?;
    if storage.is_some() {
        // Refused before any key is made: one bucket prefix holds one log.
        match lease::read(store.as_ref()) {
            Err(LeaseError::NoLog) => {}
            Ok(_) | Err(LeaseError::Malformed(_)) => {
                return Err(DirError::Invalid(format!(
                    "{} already holds a log; refusing to overwrite it (choose another prefix)",
                    storage.unwrap_or_default()
                )));
            }
            Err(e) => {
                return Err(DirError::Invalid(format!(
                    "{}: {e}",
                    storage.unwrap_or_default()
                )));
            }
        }
    }
    let log_key = logdir::generate_key(origin)?;
    logdir::write_key(&d.log_key_path(), &log_key)?;
    let config = Config {
        origin: origin.to_string(),
        election,
        root_vkey: root.to_string(),
        witnesses: vec![],
        quorum: 0,
        batch_interval_ms: 1000,
        max_batch: 20_000,
        max_pending: 100_000,
        max_ahead_s: election::time::DEFAULT_MAX_AHEAD,
        max_behind_s: election::time::DEFAULT_MAX_BEHIND,
        storage: storage.map(str::to_string),
    };
    d.save_config(&config)?;
    let empty = Hash::empty_tree();
    let checkpoint = sign_checkpoint(origin, 0, empty, &log_key);
    let mut empty_log = |_: Option<&[u8]>| Some(checkpoint.clone());
    store
        .update("checkpoint", &mut empty_log)
        .map_err(storage_error)?;
    if storage.is_some() {
        lease::create(store.as_ref(), checkpoint.clone())
            .map_err(|e| DirError::Invalid(format!("{}: {e}", storage.unwrap_or_default())))?;
    }
    let db_err = |e: rusqlite::Error| DirError::Invalid(format!("{}: {e}", d.db_path().display()));
    let conn = db::open(&d.db_path()).map_err(db_err)?;
    db::init_tree(
        &conn,
        &SignedTree {
            size: 0,
            root: empty,
            checkpoint,
        },
    )
    .map_err(db_err)?;
    Ok(Created {
        log_vkey: log_key.verifier(),
        root_vkey: root,
        root_generated,
    })
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Dir(#[from] DirError),
    #[error("{0}")]
    Recovery(#[from] crate::sequencer::RecoveryError),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Quorum 0 without `--no-witnesses`: the log would publish what no witness checked.
    #[error(
        "{dir}: no witness quorum is set, so this log would publish checkpoints no witness cosigned, which verifiers with a witness policy refuse. Add witnesses (`ledger witness add {dir} --name NAME --vkey VKEY --url URL`, which sets quorum 1) or, for a test log, serve with --no-witnesses"
    )]
    NoWitnesses { dir: String },
    /// `--no-witnesses` on a log that has a quorum: contradictory, so refused.
    #[error(
        "{dir} has quorum {quorum}: --no-witnesses is only for a log without one (lower it with `ledger witness quorum {dir} 0` if you mean it)"
    )]
    QuorumSet { dir: String, quorum: usize },
}

/// How `ledger serve` runs a log.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Publish checkpoints that no witness cosigned (quorum 0): for test logs only, and said
    /// at start and in `/readyz`.
    pub no_witnesses: bool,
    /// For a log in a bucket: how long a standby waits on a silent holder before taking over.
    pub lease_period: Duration,
    /// `/readyz` says not ready once the published checkpoint is older than this.
    pub ready_max_age: Option<Duration>,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            no_witnesses: false,
            lease_period: lease::DEFAULT_PERIOD,
            ready_max_age: None,
        }
    }
}

/// Runs the log in `dir` on `listener` until `shutdown` completes, then stops cleanly: no new
/// requests, the batch in progress committed, the sequencer stopped.
pub async fn serve(
    dir: &Path,
    listener: TcpListener,
    options: &ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    prepare(dir, options).await?.run(listener, shutdown).await
}

/// A log recovered and ready to serve: what [`prepare`] made, [`Prepared::run`] runs.
pub struct Prepared {
    dir: std::path::PathBuf,
    config: Config,
    _lock: logdir::DirLock,
    storage: Arc<dyn Storage>,
    sequencer: Sequencer,
    log_checkpoints: Option<LogCheckpoints>,
    published: Published,
    warnings: Vec<String>,
    signers: Arc<election::signers::SignerKeys>,
    tls: Option<http_front::Tls>,
    ready_max_age: Option<Duration>,
    /// Renews a bucket's lease from the moment it was taken until the sequencer stops.
    keeper: Option<Keeper>,
}

/// The thread renewing a lease; told to stop when dropped.
struct Keeper {
    thread: Option<std::thread::JoinHandle<()>>,
    stopping: Arc<AtomicBool>,
}

impl Keeper {
    fn start(lease: Arc<Mutex<Lease>>) -> Keeper {
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = crate::sequencer::keep_lease(lease, stopping.clone());
        Keeper {
            thread: Some(thread),
            stopping,
        }
    }

    /// Stops it and waits for its last renewal to end.
    fn stop(mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
    }
}

/// Sets a flag when dropped: a wait abandoned (the server stopped while a standby) ends.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Recovers the log in `dir` up to the moment it can serve. A log in a bucket first waits,
/// as a standby, until this process holds its lease (`crate::lease`), then finishes the last
/// batch and catches the local cache up (`crate::catchup`). Drop the future to give up.
pub async fn prepare(dir: &Path, options: &ServeOptions) -> Result<Prepared, ServeError> {
    let d = LogDir::new(dir);
    let config = d.load_config()?;
    let warnings = witness_warnings(dir, &config, options)?;
    // One server per log directory, held until the server stops.
    let lock = d.lock()?;
    let key = d.load_log_key()?;
    let storage = crate::storage::open(config.storage.as_deref(), &d.public_path())?;
    let lease = match &config.storage {
        None => None,
        Some(url) => {
            let stopping = Arc::new(AtomicBool::new(false));
            let _abandoned = SetOnDrop(stopping.clone());
            let (storage, url, origin) = (storage.clone(), url.clone(), config.origin.clone());
            let (period, db_path) = (options.lease_period, d.db_path());
            let verifier = key.verifier();
            let held = tokio::task::spawn_blocking(move || {
                take_over(
                    &storage, &url, &origin, &verifier, period, &db_path, &stopping,
                )
            })
            .await
            .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))??;
            Some(held)
        }
    };
    let (lease, keeper) = match lease {
        Some((lease, keeper)) => (Some(lease), Some(keeper)),
        None => (None, None),
    };
    let gate = Gate::new(
        logdir::root_public_key(&config)?,
        Some(config.election.clone()),
    )
    .with_log_keys(vec![key.verifier().public_key()]);
    let log_checkpoints = if config.quorum > 0 {
        let conn = db::open(&d.db_path())?;
        let records = LogCheckpoints::recover(&config.election, key.clone(), &conn, &*storage)
            .map_err(|e| DirError::Invalid(format!("the log's checkpoint records: {e}")))?;
        Some(records)
    } else {
        None
    };
    let signers = gate.signers();
    let sequencer = Sequencer::recover(
        config.origin.clone(),
        key.clone(),
        storage.clone(),
        Box::new(db::open(&d.db_path())?),
        gate,
        Duration::from_millis(config.batch_interval_ms),
        config.max_batch,
        lease,
    )?;
    // The keeper renewing the lease stops when the sequencer does, before it releases it.
    let sequencer = match &keeper {
        Some(keeper) => sequencer.stop_with(keeper.stopping.clone()),
        None => sequencer,
    };
    let (size, checkpoint) = db::load_published(&db::open(&d.db_path())?)?;
    if size > 0 {
        // The published checkpoint too is this log's (its cosignatures are the witnesses').
        let not_this_log = |why: String| crate::sequencer::RecoveryError::NotThisLog {
            why: format!("published {why}"),
        };
        let published =
            crate::sequencer::check_stored_checkpoint(&checkpoint, &config.origin, &key.verifier())
                .map_err(not_this_log)?;
        if published.size != size {
            return Err(
                not_this_log(format!("says size {}, the database {size}", published.size)).into(),
            );
        }
    }
    Ok(Prepared {
        dir: dir.to_path_buf(),
        config,
        _lock: lock,
        storage,
        sequencer,
        log_checkpoints,
        published: Published { size, checkpoint },
        warnings,
        signers,
        tls: None,
        ready_max_age: options.ready_max_age,
        keeper,
    })
}

/// Waits for the lease of the log in a bucket, then makes its state this process's: the last
/// batch's files written, the local database caught up. Returns the lease with the thread
/// that renews it from now on (the catch-up and the recovery may outlast a period).
fn take_over(
    storage: &Arc<dyn Storage>,
    url: &str,
    origin: &str,
    verifier: &tlog::keys::VerifierKey,
    period: Duration,
    db_path: &Path,
    stopping: &AtomicBool,
) -> Result<(Arc<Mutex<Lease>>, Keeper), ServeError> {
    let holder = Lease::holder_name();
    let waiting = |held: &lease::LeaseState| {
        tracing::info!(
            "standby: {url} is held by {} (lease generation {}); taking over if it stays silent for {period:?}",
            held.holder,
            held.generation
        );
    };
    let lease_error = |e: LeaseError| DirError::Invalid(format!("{url}: {e}"));
    let (held, state) = Lease::acquire(storage.clone(), holder.clone(), period, stopping, waiting)
        .map_err(lease_error)?;
    let held = Arc::new(Mutex::new(held));
    let keeper = Keeper::start(held.clone());
    let catch_up = (|| {
        let tree = crate::catchup::signed_tree(&state, origin, verifier)?;
        crate::catchup::finish_batch(storage.as_ref(), &state, &tree)?;
        let mut conn = db::open(db_path)?;
        let indexed = crate::catchup::index(
            &mut conn,
            &db_path.display().to_string(),
            storage.as_ref(),
            &tree,
        )?;
        Ok::<_, crate::catchup::CatchUpError>((tree, indexed))
    })();
    let (tree, indexed) = catch_up.map_err(|e| DirError::Invalid(format!("{url}: {e}")))?;
    held.lock()
        .unwrap_or_else(|p| p.into_inner())
        .batch_written();
    tracing::info!(
        "{holder} holds {url}: the log is at size {}, {indexed} entries indexed from the bucket",
        tree.size
    );
    Ok((held, keeper))
}

impl Prepared {
    /// Speaks HTTPS with `tls` rather than plain HTTP (`--tls-cert`, `--tls-key`).
    pub fn with_tls(mut self, tls: Option<http_front::Tls>) -> Prepared {
        self.tls = tls;
        self
    }

    /// Serves the prepared log on `listener` until `shutdown` completes, then stops cleanly.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Prepared {
            dir,
            config,
            _lock,
            storage,
            sequencer,
            log_checkpoints,
            published,
            warnings,
            signers,
            tls,
            ready_max_age,
            keeper,
        } = self;
        let published_at = Arc::new(std::sync::atomic::AtomicU64::new(
            crate::witnessing::unix_now(),
        ));
        let dir = dir.as_path();
        let d = LogDir::new(dir);
        let (published_tx, published_rx) = watch::channel(published.clone());
        let (signed_tx, signed_rx) = watch::channel(sequencer.signed().clone());
        let (submit_tx, submit_rx) = mpsc::channel(config.max_pending.max(1));
        for warning in &warnings {
            tracing::warn!("{warning}");
        }
        tracing::info!(
            "log {} resumed at size {}, published {}",
            config.origin,
            sequencer.signed().size,
            published.size
        );
        let writable = sequencer.health();
        let stopping = sequencer.stopping();
        let sequencer_thread = std::thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || sequencer.run(submit_rx, signed_tx))?;

        let witnesses = config
            .witnesses
            .iter()
            .map(|w| Ok((w.clone(), w.keys()?)))
            .collect::<Result<Vec<_>, DirError>>()?;
        let witnessing = Witnessing {
            witnesses,
            quorum: config.quorum,
            storage: storage.clone(),
            conn: Arc::new(Mutex::new(db::open(&d.db_path())?)),
            client: reqwest::Client::builder()
                .timeout(WITNESS_TIMEOUT)
                .build()
                .map_err(|e| std::io::Error::other(e.to_string()))?,
            published: published_tx,
            published_at: published_at.clone(),
            log_checkpoints: log_checkpoints.map(|c| (c, submit_tx.downgrade())),
        };
        let witness_task = tokio::spawn(witnessing.run(signed_rx));

        let state = Arc::new(AppState {
            read: Arc::new(ReadState::new(
                storage,
                db::open(&d.db_path())?,
                published_rx,
            )),
            submit: submit_tx,
            signers,
            time_window: config.time_window(),
            uploads: Arc::new(tokio::sync::Semaphore::new(crate::documents::MAX_UPLOADS)),
            writable,
            readiness: crate::api::Readiness {
                quorum: config.quorum,
                witnesses: config.witnesses.len(),
                warnings,
                published_at,
                max_age_s: ready_max_age.map(|d| d.as_secs()),
            },
        });
        // The browser viewer at `/`, and the log's trust policy at `/policy` when it has one.
        let app = router(state)
            .merge(crate::viewer::router(Some(dir.to_path_buf())))
            .fallback(crate::rejections::no_such_route)
            .method_not_allowed_fallback(crate::rejections::method_not_allowed);
        // The front door: connections capped to what the raised open-files limit leaves, headers
        // and idle connections timed out, accept errors waited out (`http_front`).
        let limits = http_front::Limits {
            busy: crate::rejections::busy,
            // Lets a copy of the viewer on any other origin (a static host, `?log=<this log's
            // URL>`) read the log. Everything the log serves is public and every answer is
            // checked by the page; no request carries credentials.
            any_origin: true,
            ..http_front::Limits::for_open_files(http_front::raise_open_files_limit())
        };
        http_front::serve_tls(listener, app, limits, tls, shutdown).await?;
        // The router (and with it the last submission sender) is gone: the sequencer drains its
        // inbox, commits, and stops; then the witnessing task ends with it. A commit being
        // retried (a full disk) is given up rather than holding the stop forever: its submitters
        // were never acknowledged.
        stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        tokio::task::spawn_blocking(move || sequencer_thread.join())
            .await
            .ok();
        if let Some(keeper) = keeper {
            tokio::task::spawn_blocking(move || keeper.stop())
                .await
                .ok();
        }
        witness_task.await.ok();
        Ok(())
    }
}

/// Whether `serve` would run the log in `dir` with these options, checked before binding a
/// port: the warnings it would give, or why it refuses.
pub fn check_witness_quorum(dir: &Path, options: &ServeOptions) -> Result<Vec<String>, ServeError> {
    witness_warnings(dir, &LogDir::new(dir).load_config()?, options)
}

/// Refuses quorum 0 unless `--no-witnesses` asked for it (and the flag on a log with a
/// quorum); returns what `serve` warns of at start and in `/readyz`.
fn witness_warnings(
    dir: &Path,
    config: &Config,
    options: &ServeOptions,
) -> Result<Vec<String>, ServeError> {
    let dir = dir.display().to_string();
    match (config.quorum, options.no_witnesses) {
        (0, false) => Err(ServeError::NoWitnesses { dir }),
        (0, true) => Ok(vec![
            "--no-witnesses: this log publishes checkpoints that no witness cosigned; verifiers with a witness policy refuse them".into(),
        ]),
        (quorum, true) => Err(ServeError::QuorumSet { dir, quorum }),
        (_, false) => Ok(vec![]),
    }
}

/// Resolves on SIGINT or SIGTERM; the handlers are installed when it is made (inside a Tokio
/// runtime).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    // Registered now, not when first polled: a SIGTERM right after `listening on` is said
    // must stop the server cleanly, not kill it.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
    async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = term.recv() => {}
        }
        tracing::info!("stopping");
    }
}

/// Starts `exe serve DIR --listen 127.0.0.1:0 --batch-ms BATCH_MS` (with `--no-witnesses` if
/// the log has no quorum) as a child process and returns it with its URL, read from the
/// `listening on` line it prints once bound. For the load benchmark and tests, which run a
/// real server on an OS-assigned port.
pub fn spawn_process(
    exe: &Path,
    dir: &Path,
    batch_ms: u64,
) -> std::io::Result<(std::process::Child, String)> {
    spawn_process_with(exe, dir, batch_ms, &[])
}

/// [`spawn_process`] with more arguments for `serve` (`--tls-cert`, `--tls-key`, say).
pub fn spawn_process_with(
    exe: &Path,
    dir: &Path,
    batch_ms: u64,
    more: &[std::ffi::OsString],
) -> std::io::Result<(std::process::Child, String)> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(exe)
        .arg("serve")
        .arg(dir)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--batch-ms",
            &batch_ms.to_string(),
        ])
        .args(no_witnesses_flag(dir))
        .args(more)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line)?;
    match line.trim().strip_prefix("listening on ") {
        Some(url) => Ok((child, url.to_string())),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(std::io::Error::other(format!(
                "the server did not start (it said {line:?})"
            )))
        }
    }
}

/// `--no-witnesses` for a log directory whose configuration has quorum 0, for the tools that
/// start test logs; nothing otherwise.
pub fn no_witnesses_flag(dir: &Path) -> Option<&'static str> {
    let config = LogDir::new(dir).load_config().ok()?;
    (config.quorum == 0).then_some("--no-witnesses")
}
