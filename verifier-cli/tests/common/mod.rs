//! Test harness: logs made by the real ledger (run in-process on 127.0.0.1 with an
//! OS-assigned port), a tiny static file server for logs tampered with on disk, logs written
//! directly with `TileAppender`, and the real `verifier` binary. Everything is stopped by the
//! tests themselves.
#![allow(dead_code)]

use demo::simulate::{SimulateOptions, simulate};
use election::generate::Anomaly;
use election::{Kind, Record};
use ledger::storage::{FsStorage, Storage};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tlog::keys::SignerKey;
use tlog::writer::LogWriter;
use tlog::{Checkpoint, Hash};

pub const ORIGIN: &str = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";

/// A fresh directory, removed when dropped (the end-to-end suite's).
pub use shailoo_e2e::{TempDir, temp_dir};

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A server on its own runtime, stopped (cleanly) when dropped.
pub struct Running {
    pub url: String,
    rt: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.as_ref().unwrap().block_on(f)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let (Some(rt), Some(task)) = (self.rt.take(), self.task.take()) {
            let _ =
                rt.block_on(async { tokio::time::timeout(Duration::from_secs(30), task).await });
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// The real ledger serving the log in `dir`, in-process, with 1 ms batches.
pub fn ledger_serve(dir: &Path) -> Running {
    let d = ledger::logdir::LogDir::new(dir);
    let mut config = d.load_config().unwrap();
    config.batch_interval_ms = 1;
    d.save_config(&config).unwrap();
    let rt = runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let dir = dir.to_path_buf();
    let task = rt.spawn(async move {
        let options = ledger::server::ServeOptions {
            no_witnesses: ledger::server::no_witnesses_flag(&dir).is_some(),
            ..Default::default()
        };
        ledger::server::serve(&dir, listener, &options, async {
            let _ = stopped.await;
        })
        .await
        .expect("the ledger serves");
    });
    Running {
        url,
        rt: Some(rt),
        stop: Some(stop),
        task: Some(task),
    }
}

/// Serves the files under `dir` at their paths, as any static web server would.
pub fn static_serve(dir: &Path) -> Running {
    use axum::http::{StatusCode, Uri};
    use axum::response::IntoResponse;
    let rt = runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let root = Arc::new(dir.to_path_buf());
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let root = root.clone();
        async move {
            let path = uri.path().trim_start_matches('/').to_string();
            if path.split('/').any(|s| s.is_empty() || s == "..") {
                return StatusCode::NOT_FOUND.into_response();
            }
            match tokio::fs::read(root.join(&path)).await {
                Ok(bytes) => bytes.into_response(),
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Running {
        url,
        rt: Some(rt),
        stop: Some(stop),
        task: Some(task),
    }
}

/// A log made by `ledger init`: its directory and keys.
pub struct LedgerLog {
    pub dir: PathBuf,
    pub log_vkey: String,
    pub root_vkey: String,
}

impl LedgerLog {
    pub fn public(&self) -> PathBuf {
        self.dir.join("public")
    }
    pub fn log_key(&self) -> SignerKey {
        ledger::logdir::load_key(&self.dir.join("log.key")).unwrap()
    }
    pub fn root_key(&self) -> SignerKey {
        ledger::logdir::load_key(&self.dir.join("root.key")).unwrap()
    }
    /// The name of the verifier's state file for this log: its origin and key.
    pub fn state_file_name(&self) -> String {
        let key = tlog::keys::VerifierKey::parse(&self.log_vkey).unwrap();
        let origin = tlog::note::NoteVerifier::name(&key).to_string();
        tlog::witness::origin_hash(&format!("{origin}\n{}", self.log_vkey))
    }
    /// A copy of this log (stopped) in `to`.
    pub fn copy_to(&self, to: &Path) -> LedgerLog {
        copy_dir(&self.dir, to);
        LedgerLog {
            dir: to.to_path_buf(),
            log_vkey: self.log_vkey.clone(),
            root_vkey: self.root_vkey.clone(),
        }
    }
    /// The policy trusting this log at `url`, with the root line if `root`.
    pub fn policy(&self, url: &str, root: bool) -> String {
        let mut p = format!("log {} {url}\nquorum none\n", self.log_vkey);
        if root {
            p.push_str(&format!("root {}\n", self.root_vkey));
        }
        p
    }
    pub fn checkpoint(&self) -> Checkpoint {
        let bytes = std::fs::read(self.public().join("checkpoint")).unwrap();
        let note = tlog::note::Note::parse(&bytes).unwrap();
        Checkpoint::parse(&note.text).unwrap()
    }
    /// Every entry, read from the entry bundles on disk.
    pub fn entries(&self) -> Vec<Vec<u8>> {
        let size = self.checkpoint().size;
        let storage = FsStorage::new(self.public()).unwrap();
        (0..size.div_ceil(256))
            .flat_map(|n| ledger::sequencer::read_bundle(&storage, n, size).unwrap())
            .collect()
    }
}

/// Creates a log with the real ledger and submits a simulated election to it, one record at
/// a time so that the log's order is the election's (hourly turnout in order).
pub fn simulated_log(
    dir: &Path,
    precincts: u32,
    anomalies: &[election::generate::Anomaly],
) -> LedgerLog {
    let created = ledger::server::init(dir, ORIGIN, None).unwrap();
    let log = LedgerLog {
        dir: dir.to_path_buf(),
        log_vkey: created.log_vkey.to_string(),
        root_vkey: created.root_vkey.to_string(),
    };
    let server = ledger_serve(dir);
    let summary = server
        .block_on(simulate(
            SimulateOptions {
                url: server.url.clone(),
                root_key: log.root_key(),
                precincts,
                seed: 11,
                anomalies: anomalies.to_vec(),
                concurrency: 1,
                turnout_updates: true,
            },
            |_, _| {},
        ))
        .unwrap();
    assert!(summary.accepted_total() > 0);
    let last = summary.last_index.unwrap();
    // Wait for the checkpoint to cover every record.
    wait_for("the last record to be published", || {
        log.checkpoint().size > last
    });
    drop(server);
    log
}

/// A directory for logs shared by the tests of one test binary (built once), under Cargo's
/// temporary directory; leftovers of earlier runs of that binary are removed first.
pub fn shared_dir(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let prefix = format!("verifier-{}-{name}-", env!("CARGO_CRATE_NAME"));
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    base.join(format!("{prefix}{}", std::process::id()))
}

/// Polls `ready` every 20 ms for up to 60 s.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes `entries` as a C2SP tiled log under `public` with `FsStorage`, signed by `key`.
pub fn write_log(public: &Path, key: &SignerKey, entries: &[Vec<u8>]) -> Checkpoint {
    let storage = FsStorage::new(public).unwrap();
    let (writer, mut files) = LogWriter::write_all(entries.iter().map(Vec::as_slice)).unwrap();
    let size = writer.size();
    let origin = tlog::note::NoteSigner::name(key).to_string();
    let note = ledger::sequencer::sign_checkpoint(&origin, size, writer.root(), key);
    files.push(("checkpoint".into(), note));
    storage.write_all(&files).unwrap();
    Checkpoint {
        origin,
        size,
        root: writer.root(),
        extensions: vec![],
    }
}

/// The Merkle root of `entries`.
pub fn root_of(entries: &[Vec<u8>]) -> Hash {
    let mut f = tlog::Frontier::new();
    for e in entries {
        f.append(tlog::leaf_hash(e), |_, _| {});
    }
    f.root()
}

/// Flips one bit of the byte at `offset` (from the end if negative) of a file.
pub fn flip_byte(file: &Path, offset: i64) {
    let mut bytes = std::fs::read(file).unwrap();
    let at = if offset < 0 {
        (bytes.len() as i64 + offset) as usize
    } else {
        offset as usize
    };
    bytes[at] ^= 0x01;
    std::fs::write(file, bytes).unwrap();
}

/// The verifier binary, with its own state directory (`DIR/state`) and files (`DIR/…`).
pub struct Verifier {
    pub dir: TempDir,
}

/// What a verifier run printed and returned (the end-to-end suite's `Run`).
pub use shailoo_e2e::Run;

impl Verifier {
    pub fn new() -> Verifier {
        Verifier {
            dir: temp_dir("verifier"),
        }
    }
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }
    /// A file in the verifier's directory.
    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_verifier"));
        c.arg("--state-dir").arg(self.state_dir());
        c
    }
    pub fn run(&self, args: &[&str]) -> Run {
        self.command().args(args).output().unwrap().into()
    }
    /// Runs with a policy written to a file in the state's directory.
    pub fn with_policy(&self, policy: &str, args: &[&str]) -> Run {
        let file = self.file("policy", policy.as_bytes());
        let mut all: Vec<&str> = args.to_vec();
        let f = file.to_str().unwrap().to_string();
        all.push("--policy");
        all.push(&f);
        self.run(&all)
    }
    /// Starts the verifier in the background with its stdout collected.
    pub fn spawn(&self, policy: &str, args: &[&str]) -> Background {
        let file = self.file("policy", policy.as_bytes());
        let mut child = self
            .command()
            .args(args)
            .arg("--policy")
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = out.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Background {
            child,
            out,
            reader: Some(reader),
        }
    }
}

/// A verifier running in the background; killed when dropped.
pub struct Background {
    pub child: Child,
    pub out: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    pub fn stdout(&self) -> String {
        self.out.lock().unwrap().clone()
    }
    /// Waits until stdout contains `text`.
    pub fn wait_for_output(&self, text: &str) {
        wait_for(&format!("{text:?} from the verifier"), || {
            self.stdout().contains(text)
        });
    }
    /// Waits for the process to exit; returns its code and everything it printed.
    pub fn wait_exit(mut self) -> Run {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "the verifier did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        // The reader thread ends at end of file, once the process has exited.
        self.reader.take().unwrap().join().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout(),
            stderr,
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A clean election of 15 precincts, logged in order by the real ledger; built once.
pub fn clean() -> &'static LedgerLog {
    static LOG: OnceLock<LedgerLog> = OnceLock::new();
    LOG.get_or_init(|| simulated_log(&shared_dir("clean"), 15, &[]))
}

/// The same with ballot stuffing and a wrong final total.
pub fn anomalous() -> &'static LedgerLog {
    static LOG: OnceLock<LedgerLog> = OnceLock::new();
    LOG.get_or_init(|| {
        simulated_log(
            &shared_dir("anomalies"),
            15,
            &[Anomaly::BallotStuffing, Anomaly::WrongFinalTotal],
        )
    })
}

/// A stopped copy of a log, in a directory of its own.
pub fn copy(log: &LedgerLog) -> (TempDir, LedgerLog) {
    let tmp = temp_dir("copy");
    let copy = log.copy_to(&tmp.path().join("log"));
    (tmp, copy)
}

/// The first protocol in the log: its index and record.
pub fn first_protocol(log: &LedgerLog) -> (u64, Record) {
    log.entries()
        .iter()
        .enumerate()
        .find_map(|(i, e)| {
            let r = Record::from_bytes(e).ok()?;
            (r.kind() == Kind::PrecinctProtocol).then_some((i as u64, r))
        })
        .expect("a protocol")
}

pub fn signed(log: &LedgerLog, size: u64, root: tlog::Hash) -> Vec<u8> {
    ledger::sequencer::sign_checkpoint(ORIGIN, size, root, &log.log_key())
}
