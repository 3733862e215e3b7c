//! Faults injected at each step of a batch, in the spirit of Sunlight's tests: a storage
//! wrapper, a database wrapper and a signer wrapper around the real ones make one step fail —
//! once before it took effect, once after — and then either the sequencer retries, or the
//! process "crashes" (the sequencer is told to stop, is dropped, and what a crash would lose is
//! undone) and a new one recovers from the directory.
//!
//! After every case: each acknowledged record is at the index it was given; no two
//! checkpoints of one size with different roots were ever committed or published; the log
//! recovers and `ledger check` finds it exactly as signed; the sequencer was unready while it
//! retried; and the log goes on accepting records, published as before.

mod common;
use common::*;
use election::Record;
use election::generate::{Config, generate};
use ledger::db::{CommitError, DbResult, IndexRow, SequencerDb, SignedTree};
use ledger::logdir::LogDir;
use ledger::sequencer::{Answer, SequenceError, Sequencer, Submission};
use ledger::storage::{FsStorage, Storage};
use ledger::witnessing::{Published, Witnessing};
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tlog::Hash;
use tlog::keys::SignerKey;
use tlog::note::NoteSigner;
use tokio::sync::watch;

/// The steps of a batch, and of its publication, at which a fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Reading the index for duplicates.
    Lookup,
    /// Writing the hash tiles.
    TileWrite,
    /// Writing the entry bundles.
    BundleWrite,
    /// Making the written files' directory entries durable.
    DirSync,
    /// Signing the checkpoint (a faulty signer: a signature that does not verify).
    Sign,
    /// The database commit of the batch.
    Commit,
    /// Writing the published checkpoint.
    Publish,
}

/// When the fault strikes, relative to the step taking effect. (A lookup and a signature
/// have no effect to fail after: they fail before only.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    Before,
    After,
}

/// What follows the fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    /// The sequencer retries.
    Retry,
    /// The process dies before it could retry.
    Crash,
}

/// The fault to inject, shared by the wrappers; it strikes once.
struct Plan {
    armed: Mutex<Option<(Step, When)>>,
    then: Then,
    /// The running sequencer's stop flag: set when a fault strikes and a crash follows.
    stopping: Mutex<Arc<AtomicBool>>,
    /// The running sequencer's health: whether it was seen unready while retrying.
    health: Mutex<Arc<AtomicBool>>,
    unready_seen: AtomicBool,
    /// Files whose writing a crash undoes (renames in a directory never synced), with what
    /// they held before.
    lost_in_a_crash: Mutex<Vec<(String, Option<Vec<u8>>)>>,
    /// Every tree that was committed or published, by size: never two roots for one size.
    history: Mutex<BTreeMap<u64, Hash>>,
}

impl Plan {
    fn new(then: Then) -> Arc<Plan> {
        Arc::new(Plan {
            armed: Mutex::new(None),
            then,
            stopping: Mutex::default(),
            health: Mutex::default(),
            unready_seen: AtomicBool::new(false),
            lost_in_a_crash: Mutex::default(),
            history: Mutex::default(),
        })
    }

    fn arm(&self, step: Step, when: When) {
        *self.armed.lock().unwrap() = Some((step, when));
    }

    fn struck(&self) -> bool {
        self.armed.lock().unwrap().is_none()
    }

    /// Whether the fault strikes now, at `step`; if so, when.
    fn strike(&self, step: Step) -> Option<When> {
        if !self.health.lock().unwrap().load(Ordering::SeqCst) {
            self.unready_seen.store(true, Ordering::SeqCst);
        }
        let mut armed = self.armed.lock().unwrap();
        let when = match *armed {
            Some((s, when)) if s == step => when,
            _ => return None,
        };
        *armed = None;
        if self.then == Then::Crash {
            self.stopping.lock().unwrap().store(true, Ordering::SeqCst);
        }
        Some(when)
    }

    /// Records that a tree of `size` with `root` left the process (committed or published).
    fn saw(&self, what: &str, size: u64, root: Hash) {
        let mut history = self.history.lock().unwrap();
        let known = *history.entry(size).or_insert(root);
        assert_eq!(
            known, root,
            "{what}: a second tree of size {size} with another root"
        );
    }
}

/// Every file under `dir`, named by its path from the log's public directory.
fn tiles_on_disk(dir: &std::path::Path, prefix: &str) -> Vec<String> {
    let mut tiles = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let entry = entry.unwrap();
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            tiles.extend(tiles_on_disk(&entry.path(), &name));
        } else if !name.ends_with(".tmp") {
            tiles.push(name);
        }
    }
    tiles
}

fn injected() -> io::Error {
    io::Error::other("injected: input/output error")
}

/// The log's storage, failing as the plan says.
struct FaultyStorage {
    inner: FsStorage,
    root: PathBuf,
    plan: Arc<Plan>,
}

impl FaultyStorage {
    fn kind(path: &str) -> Step {
        match path {
            "checkpoint" => Step::Publish,
            p if p.starts_with("tile/entries/") => Step::BundleWrite,
            _ => Step::TileWrite,
        }
    }
}

impl Storage for FaultyStorage {
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let steps: Vec<Step> = files.iter().map(|(p, _)| Self::kind(p)).collect();
        let mut fault = None;
        for step in [Step::TileWrite, Step::BundleWrite, Step::Publish] {
            if steps.contains(&step) {
                fault = fault.or_else(|| self.plan.strike(step).map(|w| (step, w)));
            }
        }
        let sync_fault = fault.is_none() && steps.contains(&Step::TileWrite);
        let fault = fault.or_else(|| {
            sync_fault
                .then(|| self.plan.strike(Step::DirSync).map(|w| (Step::DirSync, w)))
                .flatten()
        });
        let checkpoint = files.iter().find(|(p, _)| p == "checkpoint");
        if let Some((_, bytes)) = checkpoint
            && fault != Some((Step::Publish, When::Before))
        {
            let note = tlog::note::Note::parse(bytes).unwrap();
            let published = tlog::Checkpoint::parse(&note.text).unwrap();
            self.plan.saw("published", published.size, published.root);
        }
        match fault {
            None => self.inner.write_all(files),
            // The files were renamed into place but their directories never synced: a crash
            // may take the renames back.
            Some((Step::DirSync, When::Before)) => {
                let before: Vec<_> = files
                    .iter()
                    .map(|(p, _)| (p.clone(), self.inner.read(p).unwrap()))
                    .collect();
                self.inner.write_all(files)?;
                self.plan.lost_in_a_crash.lock().unwrap().extend(before);
                Err(injected())
            }
            // The step's own files fail; the others of the call were written.
            Some((step, When::Before)) => {
                let others: Vec<_> = files
                    .iter()
                    .filter(|(p, _)| Self::kind(p) != step)
                    .cloned()
                    .collect();
                self.inner.write_all(&others)?;
                Err(injected())
            }
            // Everything is durable; the caller is told it failed.
            Some((_, When::After)) => {
                self.inner.write_all(files)?;
                Err(injected())
            }
        }
    }
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        self.inner.read(path)
    }
    fn exists(&self, path: &str) -> bool {
        self.inner.exists(path)
    }
    fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        self.inner.list(dir)
    }
    fn remove(&self, path: &str) -> io::Result<()> {
        self.inner.remove(path)
    }
}

impl FaultyStorage {
    /// What a crash does to files whose directory was never synced: the worst case, each
    /// rename lost.
    fn crash(&self) {
        for (path, before) in self.plan.lost_in_a_crash.lock().unwrap().drain(..) {
            let file = self.root.join(&path);
            match before {
                Some(bytes) => std::fs::write(&file, bytes).unwrap(),
                None => std::fs::remove_file(&file).unwrap(),
            }
        }
    }
}

/// The log's database, failing as the plan says.
struct FaultyDb {
    inner: rusqlite::Connection,
    plan: Arc<Plan>,
}

fn db_fault() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR),
        Some("injected: disk I/O error".into()),
    )
}

impl SequencerDb for FaultyDb {
    fn load_tree(&self) -> DbResult<Option<SignedTree>> {
        self.inner.load_tree()
    }
    fn find_leaf(&self, time: u64, leaf: &Hash) -> DbResult<Option<u64>> {
        match self.plan.strike(Step::Lookup) {
            None => self.inner.find_leaf(time, leaf),
            Some(_) => Err(db_fault()),
        }
    }
    fn commit_batch(
        &mut self,
        old_size: u64,
        tree: &SignedTree,
        rows: &[IndexRow],
    ) -> Result<(), CommitError> {
        let fault = self.plan.strike(Step::Commit);
        if fault == Some(When::Before) {
            return Err(db_fault().into());
        }
        self.inner.commit_batch(old_size, tree, rows)?;
        self.plan.saw("committed", tree.size, tree.root);
        match fault {
            Some(_) => Err(db_fault().into()),
            None => Ok(()),
        }
    }
    fn indexes_of_kinds(&self, kinds: &[u16]) -> DbResult<Vec<u64>> {
        self.inner.indexes_of_kinds(kinds)
    }
    fn fill_subjects(&mut self, subjects: &[(u64, [u8; 32])]) -> DbResult<()> {
        self.inner.fill_subjects(subjects)
    }
}

/// The log key, signing badly when the plan says (a faulty signing device).
struct FaultySigner {
    key: SignerKey,
    plan: Arc<Plan>,
}

impl NoteSigner for FaultySigner {
    fn name(&self) -> &str {
        self.key.name()
    }
    fn key_id(&self) -> u32 {
        self.key.key_id()
    }
    fn sign(&self, text: &str) -> Vec<u8> {
        let mut signature = self.key.sign(text);
        if self.plan.strike(Step::Sign).is_some() {
            signature[0] ^= 1;
        }
        signature
    }
}

/// One log under test: its directory, and a sequencer and publisher running on it.
struct Log {
    dir: shailoo_e2e::TempDir,
    plan: Arc<Plan>,
    storage: Arc<FaultyStorage>,
    sequencer: Option<Sequencer>,
    signed_tx: watch::Sender<SignedTree>,
    published: watch::Receiver<Published>,
    runtime: tokio::runtime::Runtime,
}

impl Log {
    fn path(dir: &shailoo_e2e::TempDir) -> PathBuf {
        dir.path().join("log")
    }

    fn new(then: Then) -> Log {
        let dir = temp_dir("faults");
        init(&Log::path(&dir));
        Log::open(dir, Plan::new(then))
    }

    /// Starts a sequencer and a publisher (no witnesses: every signed tree is published) on
    /// the directory, as `ledger serve` does.
    fn open(dir: shailoo_e2e::TempDir, plan: Arc<Plan>) -> Log {
        let d = LogDir::new(Log::path(&dir));
        let config = d.load_config().unwrap();
        let key = d.load_log_key().unwrap();
        let storage = Arc::new(FaultyStorage {
            inner: FsStorage::new(d.public_path()).unwrap(),
            root: d.public_path(),
            plan: plan.clone(),
        });
        let gate = election::audit::Gate::new(
            ledger::logdir::root_public_key(&config).unwrap(),
            Some(config.election.clone()),
        )
        .with_log_keys(vec![key.verifier().public_key()]);
        let db = FaultyDb {
            inner: ledger::db::open(&d.db_path()).unwrap(),
            plan: plan.clone(),
        };
        let signer = FaultySigner {
            key: key.clone(),
            plan: plan.clone(),
        };
        let sequencer = Sequencer::recover(
            config.origin.clone(),
            key,
            storage.clone(),
            Box::new(db),
            gate,
            Duration::from_millis(1),
            64,
            None,
        )
        .unwrap_or_else(|e| panic!("the log must recover: {e}"))
        .sign_with(Box::new(signer));
        *plan.stopping.lock().unwrap() = sequencer.stopping();
        *plan.health.lock().unwrap() = sequencer.health();
        let conn = ledger::db::open(&d.db_path()).unwrap();
        let (size, checkpoint) = ledger::db::load_published(&conn).unwrap();
        let (published_tx, published) = watch::channel(Published { size, checkpoint });
        let (signed_tx, signed_rx) = watch::channel(sequencer.signed().clone());
        let runtime = runtime();
        let witnessing = Witnessing {
            witnesses: vec![],
            quorum: 0,
            storage: storage.clone(),
            conn: Arc::new(Mutex::new(conn)),
            client: reqwest::Client::new(),
            published: published_tx,
            published_at: Arc::default(),
            log_checkpoints: None,
        };
        runtime.spawn(witnessing.run(signed_rx));
        Log {
            dir,
            plan,
            storage,
            sequencer: Some(sequencer),
            signed_tx,
            published,
            runtime,
        }
    }

    /// Submits one record and returns the sequencer's outcome and the record's answer.
    fn submit(&mut self, record: &Record) -> (Result<(), SequenceError>, Option<Answer>) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let submission = Submission {
            entry: record.to_bytes(),
            record: record.clone(),
            reply,
        };
        let sequencer = self.sequencer.as_mut().unwrap();
        let outcome = sequencer.sequence(vec![submission], &self.signed_tx);
        (outcome, answer.blocking_recv().ok())
    }

    /// Waits until the publisher published the signed tree (it retries every 2 s).
    fn wait_published(&mut self) {
        let size = self.sequencer.as_ref().unwrap().signed().size;
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.published.borrow().size < size {
            assert!(Instant::now() < deadline, "size {size} never published");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A crash and a restart: everything in memory is gone, and so are renames whose
    /// directories were never synced.
    fn crash_and_restart(self) -> Log {
        let Log {
            dir,
            plan,
            storage,
            sequencer,
            runtime,
            ..
        } = self;
        drop(sequencer);
        // Nothing of the old process may still write once it has "crashed".
        runtime.shutdown_timeout(Duration::from_secs(10));
        storage.crash();
        drop(storage);
        Log::open(dir, plan)
    }

    /// The log on disk is exactly what it signed, and holds each acknowledged record where
    /// it was told.
    fn check(&self, acknowledged: &BTreeMap<u64, Record>, case: &str) {
        let report = ledger::check::check(&Log::path(&self.dir), |_, _| {}).unwrap();
        assert!(report.is_clean(), "{case}: {:?}", report.problems);
        let public = LogDir::new(Log::path(&self.dir)).public_path();
        for tile in tiles_on_disk(&public.join("tile"), "tile") {
            let (level, index, width) = match tlog::tile::parse_tile_path(&tile).unwrap() {
                tlog::tile::TilePath::Hashes(t) | tlog::tile::TilePath::Entries(t) => {
                    (t.level, t.index, t.width)
                }
            };
            let in_tree = tlog::tile::Tile::at_tree_size(level, index, report.size);
            assert!(
                in_tree.is_some_and(|t| t.width >= width),
                "{case}: {tile} is beyond the tree of size {}: a never-committed batch's",
                report.size
            );
        }
        for (index, record) in acknowledged {
            let entry =
                ledger::sequencer::read_entry(self.storage.as_ref(), *index, report.size).unwrap();
            assert_eq!(entry, record.to_bytes(), "{case}: entry {index} moved");
        }
    }
}

/// Submits `record`, which must be logged (or found logged), at `expected` if given; keeps
/// where it was acknowledged.
fn accept(
    log: &mut Log,
    acknowledged: &mut BTreeMap<u64, Record>,
    record: &Record,
    expected: Option<u64>,
    case: &str,
) {
    let (outcome, answer) = log.submit(record);
    outcome.unwrap_or_else(|e| panic!("{case}: {e}"));
    let index = match answer.unwrap() {
        Ok(sequenced) => sequenced.index,
        Err(ledger::sequencer::Refusal::Duplicate(index)) => index,
        Err(refused) => panic!("{case}: refused {refused:?}"),
    };
    if let Some(expected) = expected {
        assert_eq!(index, expected, "{case}: answered in its place");
    }
    acknowledged.insert(index, record.clone());
}

/// One case of the matrix: two records logged, the fault armed for the third, and then four
/// more after the retry or the restart, one of them the faulted record again.
fn run_case(step: Step, when: When, then: Then) {
    let case = format!("{step:?} fails {when:?} taking effect, then {then:?}");
    let mut log = Log::new(then);
    let root = root_key(&Log::path(&log.dir));
    let records = generate(
        &Config {
            precincts: 2,
            turnout_updates: false,
            ..Config::default()
        },
        root.signing_key(),
    )
    .records;
    let mut acknowledged = BTreeMap::new();
    let ack = &mut acknowledged;
    accept(&mut log, ack, &records[0], Some(0), &case);
    accept(&mut log, ack, &records[1], Some(1), &case);
    log.wait_published();

    log.plan.arm(step, when);
    if step == Step::Publish {
        // The publication of the next tree is what fails.
        accept(&mut log, ack, &records[2], Some(2), &case);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !log.plan.struck() {
            assert!(Instant::now() < deadline, "{case}: the fault never struck");
            std::thread::sleep(Duration::from_millis(5));
        }
        if then == Then::Crash {
            log = log.crash_and_restart();
        }
    } else {
        match then {
            Then::Retry => {
                accept(&mut log, ack, &records[2], Some(2), &case);
                assert!(
                    log.plan.unready_seen.load(Ordering::SeqCst),
                    "{case}: unready while retrying"
                );
                assert!(
                    log.sequencer
                        .as_ref()
                        .unwrap()
                        .health()
                        .load(Ordering::SeqCst),
                    "{case}: ready again"
                );
            }
            Then::Crash => {
                let (outcome, answer) = log.submit(&records[2]);
                assert!(
                    matches!(outcome, Err(SequenceError::Stopped(_))),
                    "{case}: {outcome:?}"
                );
                assert!(answer.is_none(), "{case}: nothing acknowledged");
                log = log.crash_and_restart();
            }
        }
    }
    assert!(log.plan.struck(), "{case}: the fault never struck");
    log.check(ack, &case);

    // The log goes on: another record first (had the crash lost a committed tree, it would
    // now take that tree's size with another root), then the faulted one again, which lands
    // once (or is found where the fault had already put it).
    accept(&mut log, ack, &records[3], None, &case);
    accept(&mut log, ack, &records[2], None, &case);
    accept(&mut log, ack, &records[4], None, &case);
    log.wait_published();
    log.check(ack, &case);
    let indexes: Vec<u64> = acknowledged.keys().copied().collect();
    assert_eq!(
        indexes,
        (0..5).collect::<Vec<_>>(),
        "{case}: no gap, no repeat"
    );
}

/// Every step, with every "when" that means something for it.
fn cases() -> Vec<(Step, When)> {
    let mut cases = vec![(Step::Lookup, When::Before), (Step::Sign, When::Before)];
    for step in [
        Step::TileWrite,
        Step::BundleWrite,
        Step::DirSync,
        Step::Commit,
        Step::Publish,
    ] {
        cases.extend([(step, When::Before), (step, When::After)]);
    }
    cases
}

#[test]
fn every_step_of_a_batch_fails_before_and_after_taking_effect_then_retried() {
    for (step, when) in cases() {
        run_case(step, when, Then::Retry);
    }
}

#[test]
fn every_step_of_a_batch_fails_before_and_after_taking_effect_then_the_process_dies() {
    for (step, when) in cases() {
        run_case(step, when, Then::Crash);
    }
}
