//! Faults injected into the sequencer's storage at the worst moments: a write that fails, and
//! a write that fails after it took effect, several times running. The batch is retried until
//! it is durable, the sequencer says it cannot write meanwhile, the record is answered once
//! with its place, and the log's files are then exactly what it signed (`ledger check`).

mod common;
use common::*;
use election::generate::{Config, generate};
use ledger::logdir::LogDir;
use ledger::sequencer::{Sequencer, Submission};
use ledger::storage::{FsStorage, Storage};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Where a failure is injected in a write.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Before anything is written.
    Before,
    /// After every file was written and synced: the caller is told it failed.
    After,
}

/// The log's own storage, with its next `failures` writes failing as `fault` says, watching
/// the sequencer's health meanwhile.
struct Flaky {
    inner: FsStorage,
    fault: Fault,
    failures: AtomicUsize,
    attempts: AtomicUsize,
    health: std::sync::OnceLock<Arc<AtomicBool>>,
    unready_seen: AtomicBool,
}

impl Storage for Flaky {
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if let Some(h) = self.health.get()
            && !h.load(Ordering::SeqCst)
        {
            self.unready_seen.store(true, Ordering::SeqCst);
        }
        let fail = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let injected = || io::Error::other("injected: no space left on device");
        match (fail, self.fault) {
            (false, _) => self.inner.write_all(files),
            (true, Fault::Before) => Err(injected()),
            (true, Fault::After) => {
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
}

#[test]
fn a_failing_write_is_retried_until_durable_and_nothing_is_lost_or_moved() {
    for fault in [Fault::Before, Fault::After] {
        let dir = temp_dir("faults");
        let log = dir.path().join("log");
        init(&log);
        let d = LogDir::new(&log);
        let config = d.load_config().unwrap();
        let key = d.load_log_key().unwrap();
        let root = root_key(&log);
        let storage = Arc::new(Flaky {
            inner: FsStorage::new(d.public_path()).unwrap(),
            fault,
            failures: AtomicUsize::new(0),
            attempts: AtomicUsize::new(0),
            health: std::sync::OnceLock::new(),
            unready_seen: AtomicBool::new(false),
        });
        let gate = election::audit::Gate::new(
            ledger::logdir::root_public_key(&config).unwrap(),
            Some(config.election.clone()),
        )
        .with_log_keys(vec![key.verifier().public_key()]);
        let mut sequencer = Sequencer::recover(
            config.origin.clone(),
            key,
            storage.clone(),
            ledger::db::open(&d.db_path()).unwrap(),
            gate,
            Duration::from_millis(1),
            64,
        )
        .unwrap();
        storage.health.set(sequencer.health()).unwrap();
        let (signed_tx, _signed_rx) = tokio::sync::watch::channel(sequencer.signed().clone());
        let e = generate(
            &Config {
                precincts: 1,
                turnout_updates: false,
                ..Config::default()
            },
            root.signing_key(),
        );
        for (n, record) in e.records.iter().take(3).enumerate() {
            // Three failures running on each batch (a full disk for a moment).
            storage.failures.store(3, Ordering::SeqCst);
            let before = storage.attempts.load(Ordering::SeqCst);
            let (reply, answer) = tokio::sync::oneshot::channel();
            let submission = Submission {
                entry: record.to_bytes(),
                record: record.clone(),
                reply,
            };
            sequencer.sequence(vec![submission], &signed_tx).unwrap();
            let sequenced = answer.blocking_recv().unwrap().unwrap();
            assert_eq!(
                sequenced.index, n as u64,
                "{fault:?}: answered once, in its place"
            );
            assert_eq!(
                storage.attempts.load(Ordering::SeqCst) - before,
                4,
                "{fault:?}"
            );
            assert!(sequencer.health().load(Ordering::SeqCst), "writable again");
        }
        assert!(
            storage.unready_seen.load(Ordering::SeqCst),
            "{fault:?}: unready meanwhile"
        );
        drop(sequencer);
        let report = ledger::check::check(&log, |_, _| {}).unwrap();
        assert!(report.is_clean(), "{fault:?}: {:?}", report.problems);
        assert_eq!(report.size, 3);
    }
}
