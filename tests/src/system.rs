//! Election night on one machine: the CEC's ledger, three observer organizations' witnesses
//! (the log publishes a checkpoint once 2 of the 3 cosigned it), the trust policy the
//! observers publish, and citizens' verifiers — each a separate process, set up with the same
//! commands README.md gives.

use crate::binaries::binaries;
use crate::process::{Daemon, Run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tlog::Checkpoint;

/// The log's origin (the election id is its last segment).
pub const ORIGIN: &str = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";

/// Where [`ElectionNight::start_in_a_bucket`] keeps the log.
const BUCKET: &str = "election";
const PREFIX: &str = "night";

/// How many witnesses, and how many of them must cosign.
pub const WITNESSES: usize = 3;
pub const QUORUM: usize = 2;

/// Where the ledger keeps the log's public files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `log/public`, the embedded default.
    Directory,
    /// A bucket of a SeaweedFS started for the log (`ledger init --storage s3://…`).
    Bucket,
}

/// One observer organization's witness node.
pub struct WitnessNode {
    pub name: String,
    pub dir: PathBuf,
    /// Its verifier keys, as `witness vkey` prints them: observer-1 holds both kinds
    /// (the default), observer-2 ML-DSA-44 only, observer-3 Ed25519 only.
    pub vkeys: Vec<String>,
    /// The address it serves on; kept when it is stopped, so it comes back on the same one.
    pub address: String,
    pub daemon: Option<Daemon>,
}

/// The whole system, in a temporary directory removed when dropped (after every process
/// stopped).
pub struct ElectionNight {
    pub ledger: Option<Daemon>,
    /// What `ledger serve` runs with besides the store's settings (`SSL_CERT_FILE` once a
    /// witness is reached through a bastion with a private CA).
    pub(crate) ledger_env: Vec<(&'static str, String)>,
    /// The log's public files as the harness reads them: `log/public`, or the log's bucket.
    files: std::sync::Arc<dyn ledger::storage::Storage>,
    /// The object store the log is kept in, when it is (stopped after the ledger).
    store: Option<crate::seaweed::Seaweed>,
    pub witnesses: Vec<WitnessNode>,
    pub log_vkey: String,
    pub root_vkey: String,
    /// The trust policy: the log, the three witnesses, quorum 2 of 3, the CEC's root key.
    pub policy: PathBuf,
    dir: tempfile::TempDir,
}

impl ElectionNight {
    /// `ledger init`; for each witness `witness init`, `witness add-log` (the first:
    /// `witness add-logs` from a log list with the entry `ledger list-entry` printed),
    /// `witness serve`;
    /// `ledger witness add` and `ledger witness quorum 2`; `ledger serve` (50 ms batches);
    /// and the policy file.
    pub fn start() -> ElectionNight {
        ElectionNight::start_with(None)
    }

    /// [`ElectionNight::start`], with the log kept in a bucket of a SeaweedFS started for it
    /// (`ledger init --storage s3://election/night`).
    pub fn start_in_a_bucket() -> ElectionNight {
        ElectionNight::start_on(Backend::Bucket)
    }

    /// [`ElectionNight::start`] with the log kept on `backend`.
    pub fn start_on(backend: Backend) -> ElectionNight {
        match backend {
            Backend::Directory => ElectionNight::start_with(None),
            Backend::Bucket => {
                let store = crate::seaweed::Seaweed::start();
                store.create_bucket(BUCKET);
                ElectionNight::start_with(Some(store))
            }
        }
    }

    fn start_with(store: Option<crate::seaweed::Seaweed>) -> ElectionNight {
        let dir = tempfile::Builder::new()
            .prefix("shailoo-e2e-")
            .tempdir()
            .expect("a temporary directory");
        let log = dir.path().join("log");
        let mut init = Command::new(&binaries().ledger);
        init.args(["init", path(&log), "--origin", ORIGIN]);
        let files: std::sync::Arc<dyn ledger::storage::Storage> = match &store {
            None => std::sync::Arc::new(
                ledger::storage::FsStorage::new(log.join("public")).expect("the public directory"),
            ),
            Some(store) => {
                init.args(["--storage", &format!("s3://{BUCKET}/{PREFIX}")]);
                store.configure(&mut init);
                let url = ledger::storage::StorageUrl::parse(&format!("s3://{BUCKET}/{PREFIX}"))
                    .expect("a storage URL");
                std::sync::Arc::new(
                    ledger::storage::BucketStorage::open_with(&url, &store.env())
                        .expect("the bucket"),
                )
            }
        };
        let init = Run::of(init);
        init.expect(0, &["generated a CEC root key"]);
        let log_vkey = init.last_line().to_string();
        let root_vkey = config(&log)["root_vkey"]
            .as_str()
            .expect("config.json names the root key")
            .to_string();

        let mut witnesses = Vec::new();
        for n in 1..=WITNESSES {
            let name = format!("observer-{n}");
            let wdir = dir.path().join(&name);
            let identity = format!("observers.example.kg/{name}");
            let mut init = vec!["init", path(&wdir), "--name", &identity];
            match n {
                1 => {}
                2 => init.extend(["--keys", "ml-dsa-44"]),
                _ => init.extend(["--keys", "ed25519"]),
            }
            witness(&init).expect(0, &[]);
            let vkeys: Vec<String> = witness(&["vkey", path(&wdir)])
                .expect(0, &[])
                .stdout
                .lines()
                .map(str::to_string)
                .collect();
            let vkey = vkeys.join("\n");
            if n == 1 {
                // The first observer configures itself from a witness-network log list, with
                // the entry the ledger prints for its own log.
                let entry = ledger(&["list-entry", path(&log), "--contact", "it@shailoo.gov.kg"]);
                entry.expect(0, &["vkey ", "qpd ", "contact it@shailoo.gov.kg"]);
                let list = dir.path().join("logs-v0");
                std::fs::write(&list, format!("logs/v0\n\n{}", entry.stdout))
                    .expect("the log list");
                witness(&["add-logs", path(&wdir), "--list", path(&list)])
                    .expect(0, &[&format!("added: {ORIGIN} signed by {log_vkey}")]);
            } else {
                witness(&[
                    "add-log",
                    path(&wdir),
                    "--origin",
                    ORIGIN,
                    "--vkey",
                    &log_vkey,
                ])
                .expect(0, &[]);
            }
            let daemon = serve_witness(&wdir, "127.0.0.1:0");
            let address = daemon.address().to_string();
            let url = format!("http://{address}");
            let add = [
                "witness",
                "add",
                path(&log),
                "--name",
                &name,
                "--vkey",
                &vkey,
            ];
            ledger(&[&add[..], &["--url", &url]].concat()).expect(0, &[]);
            witnesses.push(WitnessNode {
                name,
                dir: wdir,
                vkeys,
                address,
                daemon: Some(daemon),
            });
        }
        ledger(&["witness", "quorum", path(&log), &QUORUM.to_string()])
            .expect(0, &[&format!("quorum: {QUORUM} of {WITNESSES}")]);

        let mut night = ElectionNight {
            ledger: None,
            ledger_env: vec![],
            files,
            store,
            witnesses,
            log_vkey,
            root_vkey,
            policy: dir.path().join("policy"),
            dir,
        };
        night.start_ledger();
        let policy = night.policy_text(night.url());
        std::fs::write(&night.policy, policy).expect("the policy file");
        night
    }

    /// The log's directory (keys, config, database, public files).
    pub fn log_dir(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// The files the log serves (checkpoint, tiles, entry bundles, blobs) as a directory,
    /// what a mirror or any static web server serves (`verifier --log DIR` reads it): the
    /// log's own directory, or for a log kept in a bucket a copy of the bucket made now —
    /// edit the log itself with [`ElectionNight::overwrite`].
    pub fn public(&self) -> PathBuf {
        if self.store.is_none() {
            return self.log_dir().join("public");
        }
        static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let copy = self.file(&format!("bucket-copy-{n}"));
        // The checkpoint first: the tiles and bundles it covers were written before it, and
        // never change, so the copy is a whole log even while the ledger goes on.
        let checkpoint = self.read("checkpoint").expect("a published checkpoint");
        copy_storage(self.files.as_ref(), "tile", &copy);
        copy_storage(self.files.as_ref(), "blob", &copy);
        std::fs::write(copy.join("checkpoint"), checkpoint).expect("the copy's checkpoint");
        copy
    }

    /// One of the log's public files (`checkpoint`, `tile/0/000`, `blob/<hex>`), as stored.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.files.read(path).expect("the log's storage reads")
    }

    /// The operator replaces one of the log's public files where the log keeps it, with no
    /// log code involved: a file written in `log/public`, or a plain PUT into the bucket.
    pub fn overwrite(&self, path: &str, bytes: &[u8]) {
        match &self.store {
            None => std::fs::write(self.log_dir().join("public").join(path), bytes)
                .expect("writing the file"),
            Some(store) => store.put(BUCKET, &format!("{PREFIX}/{path}"), bytes),
        }
    }

    /// The log's public files, read and written with the ledger's own storage code (new
    /// tiles and bundles; use [`ElectionNight::overwrite`] to replace one).
    pub fn storage(&self) -> &dyn ledger::storage::Storage {
        self.files.as_ref()
    }

    /// Where the log's files are read exactly as they are stored (`verifier --log` takes
    /// it): the log's directory, as any static web server in front of it serves it; the
    /// bucket's own GETs, as a CDN in front of it serves it. (The ledger serves the tiles of
    /// its published tree from memory once read, so an edit in storage reaches citizens
    /// through these.)
    pub fn stored_url(&self) -> String {
        match &self.store {
            None => path(&self.log_dir().join("public")).to_string(),
            Some(store) => store.read_url(BUCKET, PREFIX),
        }
    }

    /// Every entry of the published log.
    pub fn entries(&self) -> Vec<Vec<u8>> {
        self.entries_from(0, self.published().size)
    }

    /// The entries `from..size` of the log, wherever it keeps its files.
    pub fn entries_from(&self, from: u64, size: u64) -> Vec<Vec<u8>> {
        crate::operator::entries_from_in(self.files.as_ref(), from, size)
    }

    /// A path in the system's temporary directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The ledger's URL.
    pub fn url(&self) -> &str {
        &self.ledger.as_ref().expect("the ledger runs").url
    }

    /// `ledger serve` (again, after a stop).
    pub fn start_ledger(&mut self) {
        let log = self.log_dir();
        let mut command = Command::new(&binaries().ledger);
        command.args([
            "serve",
            path(&log),
            "--listen",
            "127.0.0.1:0",
            "--batch-ms",
            "50",
        ]);
        if let Some(store) = &self.store {
            store.configure(&mut command);
        }
        command.envs(self.ledger_env.iter().map(|(k, v)| (*k, v.as_str())));
        self.ledger = Some(Daemon::start(command, &self.file("ledger.log")));
    }

    /// `demo simulate` of an election of `precincts` precincts with `anomalies` injected,
    /// on an empty log; returns what it printed once a checkpoint covering every record it
    /// got accepted is published.
    pub fn simulate(&self, precincts: u32, anomalies: &[&str]) -> Simulated {
        let root_key = self.log_dir().join("root.key");
        let precincts = precincts.to_string();
        let mut args = vec![
            "simulate",
            "--url",
            self.url(),
            "--root-key",
            path(&root_key),
        ];
        args.extend(["--precincts", &precincts, "--seed", "29"]);
        let anomalies = anomalies.join(",");
        if !anomalies.is_empty() {
            args.extend(["--anomalies", &anomalies]);
        }
        let run = demo(&args);
        run.expect(0, &["records accepted"]);
        let accepted = count_before(&run.stdout, " records accepted");
        self.wait_records_published(accepted);
        let size = self.wait_settled().size;
        let entries = self.entries_from(0, size);
        let checkpoint_records = entries.iter().filter(|e| is_log_checkpoint(e)).count() as u64;
        assert_eq!(
            (size, entries.len() as u64),
            (accepted + checkpoint_records, size),
            "the log holds what was accepted and its own checkpoint records, nothing else, and settled"
        );
        Simulated { run, size }
    }

    /// Waits (up to a minute) until the published checkpoint covers `records` records (the
    /// log's own checkpoint records, interleaved with them, not counted).
    pub fn wait_records_published(&self, records: u64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let published = self.published().size;
            if published >= records {
                let entries = self.entries_from(0, published);
                let logged = entries.iter().filter(|e| !is_log_checkpoint(e)).count();
                if logged as u64 >= records {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no checkpoint covering {records} records was published"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (up to a minute) until the log is settled: every entry past the newest checkpoint
    /// its checkpoint records hold is itself a checkpoint record, so the log appends nothing
    /// more until a new record arrives (`spec/records.md` §6). Call it once every record
    /// submitted is published (as `submit(…, true)` or
    /// [`ElectionNight::wait_records_published`] ensure): before that, the log may look
    /// settled between two batches.
    pub fn wait_settled(&self) -> Checkpoint {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let published = self.published();
            // The tail of the log: enough to hold the trailing checkpoint records.
            let from = published.size.saturating_sub(512);
            // Read at that size: the checkpoint file may move on meanwhile.
            let tail = self.entries_from(from, published.size);
            let recorded = tail.iter().filter_map(|e| logged_checkpoint_size(e)).max();
            let settled = recorded.is_some_and(|size| {
                size >= from
                    && tail[(size - from) as usize..]
                        .iter()
                        .all(|e| is_log_checkpoint(e))
            });
            if settled {
                return published;
            }
            assert!(
                Instant::now() < deadline,
                "the log did not settle at size {}; the ledger said:\n{}",
                published.size,
                self.ledger.as_ref().map(Daemon::stderr).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The policy trusting this log at `url`, its three witnesses with quorum 2 of 3, and the
    /// CEC's root key.
    ///
    /// A witness with two keys is a group either of its cosignatures satisfies
    /// (`ledger::logdir::add_witnesses_to_policy`).
    pub fn policy_text(&self, url: &str) -> String {
        let mut policy = tlog::policy::Policy::default();
        let log_key = tlog::keys::VerifierKey::parse(&self.log_vkey).expect("the log's vkey");
        policy
            .add_log(log_key, Some(url.to_string()))
            .expect("one log");
        let witnesses: Vec<ledger::logdir::WitnessConfig> = self
            .witnesses
            .iter()
            .map(|w| ledger::logdir::WitnessConfig {
                name: w.name.clone(),
                vkeys: w.vkeys.clone(),
                url: format!("http://{}", w.address),
            })
            .collect();
        ledger::logdir::add_witnesses_to_policy(&mut policy, &witnesses, QUORUM)
            .expect("the witnesses' keys");
        format!("{}root {}\n", policy.to_text(), self.root_vkey)
    }

    /// `GET path` from the ledger, as a browser or `curl` would: the body, on status 200.
    pub fn get(&self, path: &str) -> Vec<u8> {
        let client = shailoo::client::LedgerClient::new(self.url());
        block_on(client.get(path)).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The CEC's root key (made by `ledger init` for tests and demos).
    pub fn root_key(&self) -> tlog::keys::SignerKey {
        ledger::logdir::load_key(&self.log_dir().join("root.key")).expect("the root key")
    }

    /// Submits one signed record through `POST /api/v1/records`; with `cosigned`, waits for
    /// a checkpoint that a quorum of witnesses cosigned and that covers it.
    pub fn submit(
        &self,
        record: &election::Record,
        cosigned: bool,
    ) -> Result<shailoo::client::Sequenced, shailoo::client::ClientError> {
        let client = shailoo::client::LedgerClient::new(self.url());
        block_on(client.submit(record.to_bytes(), cosigned))
    }

    /// A citizen's verifier with the observers' policy and a memory of its own.
    pub fn verifier(&self) -> Verifier {
        Verifier::new(&self.policy)
    }

    /// The checkpoint the log publishes now (what `GET /checkpoint` serves).
    pub fn published(&self) -> Checkpoint {
        crate::operator::checkpoint_in(self.files.as_ref())
    }

    /// Waits (up to a minute) until the published checkpoint covers `size` entries.
    pub fn wait_published(&self, size: u64) -> Checkpoint {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let published = self.published();
            if published.size >= size {
                return published;
            }
            assert!(
                Instant::now() < deadline,
                "no checkpoint of size {size} published; the ledger said:\n{}",
                self.ledger.as_ref().map(Daemon::stderr).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops witness `n` (0-based) with SIGKILL: it is simply gone.
    pub fn kill_witness(&mut self, n: usize) {
        self.witnesses[n].daemon.take().expect("it runs").kill();
    }

    /// Stops witness `n` and starts it again, with its state, on a new address the OS picks,
    /// which it returns: the address the ledger knows it by is left free (for a proxy).
    pub fn move_witness(&mut self, n: usize) -> String {
        self.kill_witness(n);
        let daemon = try_serve_witness(&self.witnesses[n].dir, "127.0.0.1:0").expect("started");
        let address = daemon.address().to_string();
        self.witnesses[n].daemon = Some(daemon);
        address
    }

    /// Starts witness `n` again on its old address (the ledger knows it by that URL), with
    /// its state. Another process may hold the port for a moment after the kill: retried.
    pub fn restart_witness(&mut self, n: usize) {
        let w = &mut self.witnesses[n];
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match try_serve_witness(&w.dir, &w.address) {
                Ok(daemon) => break w.daemon = Some(daemon),
                Err(e) if Instant::now() > deadline => panic!("{e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

impl Drop for ElectionNight {
    fn drop(&mut self) {
        // Stop the processes before their directory goes.
        self.ledger.take();
        for w in &mut self.witnesses {
            w.daemon.take();
        }
    }
}

/// Whether an entry is the log's own record of a checkpoint.
pub fn is_log_checkpoint(entry: &[u8]) -> bool {
    logged_checkpoint_size(entry).is_some()
}

/// The size of the checkpoint an entry records, if it is the log's record of one.
fn logged_checkpoint_size(entry: &[u8]) -> Option<u64> {
    let record = election::Record::from_bytes(entry).ok()?;
    let election::Body::LogCheckpoint(c) = record.body else {
        return None;
    };
    let note = tlog::note::Note::parse(c.note.as_bytes()).ok()?;
    Some(Checkpoint::parse(&note.text).ok()?.size)
}

/// What `demo simulate` printed, and the log's size once it is all published.
pub struct Simulated {
    pub run: Run,
    pub size: u64,
}

/// The number printed just before the first `words` in `text` (`demo simulate`'s summary
/// says `… 631 records accepted …, 145 documents uploaded`).
pub fn count_before(text: &str, words: &str) -> u64 {
    let before = &text[..text.find(words).expect("the words")];
    let number = before.rsplit(' ').next().expect("a number");
    number.parse().expect("a count")
}

/// The SHA-256 of the scan that `verifier inclusion` showed a protocol referencing.
pub fn scan_hash(inclusion: &Run) -> String {
    let line = inclusion
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("document:"))
        .expect("the protocol references its scan");
    line.rsplit("SHA-256 ").next().unwrap().trim().to_string()
}

/// A citizen's `verifier`: the policy, and a state directory of its own (what it accepted).
pub struct Verifier {
    policy: PathBuf,
    state: tempfile::TempDir,
}

impl Verifier {
    pub fn new(policy: &Path) -> Verifier {
        Verifier {
            policy: policy.to_path_buf(),
            state: tempfile::Builder::new()
                .prefix("shailoo-e2e-verifier-")
                .tempdir()
                .expect("a temporary directory"),
        }
    }

    /// Another citizen with the same policy and a copy of this one's memory.
    pub fn copy(&self) -> Verifier {
        self.with_policy(&self.policy)
    }

    /// The same memory with another policy file.
    pub fn with_policy(&self, policy: &Path) -> Verifier {
        let other = Verifier::new(policy);
        copy_tree(self.state.path(), other.state.path());
        other
    }

    /// `verifier inclusion` of precinct `precinct`'s protocol, with `--document scan` if given.
    pub fn protocol(&self, precinct: &str, scan: Option<&Path>) -> Run {
        let mut args = vec!["inclusion", "--precinct", precinct, "--kind", "protocol"];
        if let Some(scan) = scan {
            args.extend(["--document", path(scan)]);
        }
        self.run(&args)
    }

    /// `verifier --state-dir STATE <args> --policy POLICY`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args))
    }

    /// The command [`Verifier::run`] runs, to add to (an environment, say).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&binaries().verifier);
        command
            .arg("--state-dir")
            .arg(self.state.path())
            .args(args)
            .arg("--policy")
            .arg(&self.policy);
        command
    }
}

/// Copies the files below `dir` in `storage` into `to/dir`.
fn copy_storage(storage: &dyn ledger::storage::Storage, dir: &str, to: &Path) {
    for name in storage.list(dir).expect("listing the log's storage") {
        let path = format!("{dir}/{name}");
        match storage.read(&path).expect("reading the log's storage") {
            Some(bytes) => {
                let target = to.join(&path);
                std::fs::create_dir_all(target.parent().expect("a parent"))
                    .expect("the copy's directory");
                std::fs::write(target, bytes).expect("the copy's file");
            }
            None => copy_storage(storage, &path, to),
        }
    }
}

/// Copies the files of a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the target directory");
    for entry in std::fs::read_dir(from).expect("the source directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("a copy");
        }
    }
}

/// `ledger ARGS`, run to its end.
pub fn ledger(args: &[&str]) -> Run {
    let mut command = Command::new(&binaries().ledger);
    command.args(args);
    Run::of(command)
}

/// `demo ARGS` (the simulator, the benchmark), run to its end.
pub fn demo(args: &[&str]) -> Run {
    let mut command = Command::new(&binaries().demo);
    command.args(args);
    Run::of(command)
}

/// `witness ARGS`, run to its end.
pub fn witness(args: &[&str]) -> Run {
    let mut command = Command::new(&binaries().witness);
    command.args(args);
    Run::of(command)
}

fn serve_witness(dir: &Path, listen: &str) -> Daemon {
    try_serve_witness(dir, listen).unwrap_or_else(|e| panic!("{e}"))
}

fn try_serve_witness(dir: &Path, listen: &str) -> Result<Daemon, String> {
    let mut command = Command::new(&binaries().witness);
    command.args(["serve", path(dir), "--listen", listen]);
    let name = dir.file_name().expect("a named directory");
    let log = dir.with_file_name(format!("{}.log", name.to_string_lossy()));
    Daemon::try_start(command, &log)
}

fn config(log: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(log.join("config.json")).expect("config.json");
    serde_json::from_str(&text).expect("config.json is JSON")
}

/// A path as a command-line argument (the tests' paths are UTF-8).
pub fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Runs a future to its end on a runtime of its own (the tests themselves are synchronous).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}
