//! The sequencer: the one writer of the log.
//!
//! It runs on its own thread and turns batches of submissions into log entries:
//!
//! 1. admit each record in order through the election gate (signature, enrollment, scope),
//!    refusing duplicates;
//! 2. append the accepted entries to the tree in memory: entry bundles and hash tiles;
//! 3. check, from those tiles and the stored ones, that the new tree is consistent with the
//!    last signed checkpoint — checked, not assumed — and sign the new checkpoint;
//! 4. on a shared bucket, swap the new checkpoint and the batch into the lease, if this
//!    process still holds it (`crate::lease`): the commit point there;
//! 5. write the bundles and tiles durably;
//! 6. commit the index rows and the new signed checkpoint in one SQLite transaction that
//!    swaps in the new tree only if the old one is still there: the commit point of a log in
//!    a directory, a cache of the bucket's otherwise;
//! 7. only then tell each submitter its index.
//!
//! A failure that may pass (a full disk or descriptor table, a busy database, an unreachable
//! bucket, a faulty signer) is retried with backoff, the server unready meanwhile; one that
//! cannot (the tree would not extend the signed one, another sequencer took the log) stops
//! the process (fail-stop). Either way nothing is acknowledged before its commit, and a
//! restart resumes from the last commit.

use crate::db::{self, IndexRow, SequencerDb, SignedTree};
use crate::lease::{Lease, LeaseError};
use crate::storage::{PendingTiles, Storage, StorageTiles};
use election::audit::{Finding, Gate};
use election::{Kind, Record};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tlog::checkpoint::Checkpoint;
use tlog::keys::{SignerKey, VerifierKey};
use tlog::note::NoteSigner;
use tlog::tile::{TILE_WIDTH, Tile, TileHashReader};
use tlog::writer::LogWriter;
use tlog::{Hash, leaf_hash};
use tokio::sync::{mpsc, oneshot, watch};

/// A record waiting to be sequenced, and where to send the answer. Its encoding and
/// signature were already checked (by [`Gate::verified_record`], in the request handler).
pub struct Submission {
    pub entry: Vec<u8>,
    pub record: Record,
    pub reply: Reply,
}

/// A durably sequenced record.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Sequenced {
    pub index: u64,
    pub leaf_hash: String,
    /// The tree size of the checkpoint signed with this record's batch.
    pub tree_size: u64,
}

/// The answer to a submission, and where it goes.
pub type Answer = Result<Sequenced, Refusal>;
type Reply = oneshot::Sender<Answer>;

/// Why a submission was not sequenced.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// The gate refused it: what rule and why.
    Refused(Finding),
    /// The same entry is already logged, at this index.
    Duplicate(u64),
}

/// Everything the sequencer owns.
pub struct Sequencer {
    origin: String,
    /// Signs checkpoints: the log key, unless [`Sequencer::sign_with`] replaced it.
    signer: Box<dyn NoteSigner + Send>,
    /// The log key's verifier, which every checkpoint is checked with before its commit.
    verifier: VerifierKey,
    storage: Arc<dyn Storage>,
    db: Box<dyn SequencerDb>,
    gate: Gate,
    writer: LogWriter,
    signed: SignedTree,
    batch_interval: Duration,
    max_batch: usize,
    /// False while a commit is being retried.
    health: Arc<AtomicBool>,
    /// Set when the server stops: a failure being retried is then given up.
    stopping: Arc<AtomicBool>,
    /// This process's hold on a log in a shared bucket; `None` for a directory, which its
    /// lock keeps to one server.
    lease: Option<Arc<Mutex<Lease>>>,
}

/// The exit code of a sequencer that lost its lease to another: it stepped down without
/// answering anyone, and a restart makes it a standby.
pub const EXIT_STEPPED_DOWN: i32 = 75;

/// Why a batch was not answered. Nothing of it was acknowledged either way; whether it was
/// committed, a restart tells.
#[derive(Debug, thiserror::Error)]
pub enum SequenceError {
    /// A failure that cannot pass: this sequencer's state is no longer the log's; stop, and
    /// let a restart recover from the last commit.
    #[error("{0}")]
    Fatal(String),
    /// The server was stopping while a failure that may pass was being retried.
    #[error("stopped while retrying: {0}")]
    Stopped(String),
    /// Another sequencer holds the log now: nothing of this batch was committed.
    #[error("{0}")]
    SteppedDown(String),
}

/// Why one attempt at a step failed.
enum CommitFailure {
    /// It may pass (the disk, the descriptor table): retried.
    Transient(String),
    /// It cannot: the sequencer stops.
    Fatal(String),
    /// Another sequencer holds the log: this one steps down.
    Lost(String),
}

impl From<LeaseError> for CommitFailure {
    fn from(e: LeaseError) -> CommitFailure {
        match e {
            LeaseError::Lost { .. } => CommitFailure::Lost(e.to_string()),
            LeaseError::Io(_) => CommitFailure::Transient(e.to_string()),
            other => CommitFailure::Fatal(other.to_string()),
        }
    }
}

/// The first and the longest wait between two attempts at a step.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(20);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(2);

/// Why the log's state cannot be trusted to continue from.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("the log has no signed tree: it was never initialized")]
    NoTree,
    #[error("the tiles do not match the signed tree of size {size}: {why}; refusing to start")]
    Inconsistent { size: u64, why: String },
    /// The stored checkpoint is not this log's: another key, another origin, another tree.
    #[error(
        "the stored checkpoint {why}; refusing to start (is log.key or the origin in config.json not this log's?)"
    )]
    NotThisLog { why: String },
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// A stored checkpoint, read back: it must be signed by the log key `verifier` for `origin`
/// — what this server signed, not what a swapped key or configuration would make it claim.
/// Returns it, or why not.
pub fn check_stored_checkpoint(
    checkpoint: &[u8],
    origin: &str,
    verifier: &VerifierKey,
) -> Result<Checkpoint, String> {
    let (note, _) = tlog::note::open(checkpoint, &[verifier])
        .map_err(|e| format!("is not signed by log.key ({verifier}): {e}"))?;
    let stored = Checkpoint::parse(&note.text).map_err(|e| format!("is malformed: {e}"))?;
    if stored.origin != origin {
        return Err(format!(
            "is for origin {:?}, but this log's is {origin:?}",
            stored.origin
        ));
    }
    Ok(stored)
}

impl Sequencer {
    /// Resumes the log from its last commit, checking that the stored tiles are the tree that
    /// was signed, removing those beyond it in a directory (`leftovers`), and rebuilding the
    /// gate from the logged enrollments and registry. The caller holds the directory's lock
    /// (this deletes files another server may be writing), or the bucket's `lease`, with the
    /// database caught up to it (`crate::catchup`): a bucket is never left anything to remove.
    #[allow(clippy::too_many_arguments)]
    pub fn recover(
        origin: String,
        key: SignerKey,
        storage: Arc<dyn Storage>,
        db: Box<dyn SequencerDb>,
        gate: Gate,
        batch_interval: Duration,
        max_batch: usize,
        lease: Option<Arc<Mutex<Lease>>>,
    ) -> Result<Sequencer, RecoveryError> {
        let signed = db.load_tree()?.ok_or(RecoveryError::NoTree)?;
        let size = signed.size;
        let verifier = key.verifier();
        let stored = check_stored_checkpoint(&signed.checkpoint, &origin, &verifier)
            .map_err(|why| RecoveryError::NotThisLog { why })?;
        if (stored.size, stored.root) != (signed.size, signed.root) {
            let why = format!(
                "says size {} with root {}, the database size {size} with root {}",
                stored.size, stored.root, signed.root
            );
            return Err(RecoveryError::NotThisLog { why });
        }
        let inconsistent = |why: String| RecoveryError::Inconsistent { size, why };
        let bundle = read_partial_bundle(storage.as_ref(), signed.size).map_err(inconsistent)?;
        let writer = LogWriter::restore(signed.size, &StorageTiles(storage.as_ref()), bundle)
            .map_err(|e| inconsistent(e.to_string()))?;
        if writer.root() != signed.root {
            return Err(inconsistent(format!(
                "the tiles hash to {}, the checkpoint says {}",
                writer.root(),
                signed.root
            )));
        }
        // Only now, with the signed tree's own tiles checked, is it known what lies beyond it.
        let leftovers = match lease {
            Some(_) => vec![],
            None => crate::leftovers::remove_beyond(storage.as_ref(), signed.size)
                .map_err(|e| inconsistent(format!("removing tiles beyond the signed tree: {e}")))?,
        };
        if !leftovers.is_empty() {
            tracing::info!(
                "removed {} tiles beyond the signed tree of size {size}, written by a batch \
                 that was never committed",
                leftovers.len()
            );
        }
        let mut seq = Sequencer {
            origin,
            signer: Box::new(key),
            verifier,
            storage,
            db,
            gate,
            writer,
            signed,
            batch_interval,
            max_batch,
            health: Arc::new(AtomicBool::new(true)),
            stopping: Arc::default(),
            lease,
        };
        seq.replay_gate().map_err(inconsistent)?;
        Ok(seq)
    }

    /// Signs checkpoints with `signer` instead of the log key (an HSM's client, or a test's
    /// faulty signer). Each checkpoint is still checked with the log key before its commit: a
    /// bad signature committed would leave a log no one can verify and no server would start.
    pub fn sign_with(mut self, signer: Box<dyn NoteSigner + Send>) -> Sequencer {
        self.signer = signer;
        self
    }

    /// Re-applies the enrollments, revocations, definition and registry to the gate.
    fn replay_gate(&mut self) -> Result<(), String> {
        let kinds = [
            Kind::KeyEnrollment,
            Kind::KeyRevocation,
            Kind::ElectionDefinition,
            Kind::PrecinctRegistry,
        ]
        .map(Kind::code);
        let indexes = self
            .db
            .indexes_of_kinds(&kinds)
            .map_err(|e| e.to_string())?;
        let mut cached: Option<(u64, Vec<Vec<u8>>)> = None;
        // The keys enrollments and revocations are about, for an index made before it kept them.
        let mut subjects = Vec::new();
        for index in indexes {
            let bundle_index = index / u64::from(TILE_WIDTH);
            if cached.as_ref().is_none_or(|(b, _)| *b != bundle_index) {
                cached = Some((
                    bundle_index,
                    read_bundle(self.storage.as_ref(), bundle_index, self.signed.size)?,
                ));
            }
            let entries = &cached.as_ref().expect("just cached").1;
            let entry = &entries[(index % u64::from(TILE_WIDTH)) as usize];
            let record =
                Record::from_bytes(entry).map_err(|e| format!("logged entry {index}: {e}"))?;
            match &record.body {
                election::Body::KeyEnrollment(k) => subjects.push((index, k.key)),
                election::Body::KeyRevocation(k) => subjects.push((index, k.key)),
                _ => {}
            }
            self.gate.apply(&record);
        }
        self.db
            .fill_subjects(&subjects)
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    pub fn signed(&self) -> &SignedTree {
        &self.signed
    }

    /// Runs until the submission channel closes: collects a batch, sequences it, repeats.
    pub fn run(
        mut self,
        mut inbox: mpsc::Receiver<Submission>,
        signed_tx: watch::Sender<SignedTree>,
    ) {
        while let Some(first) = inbox.blocking_recv() {
            let deadline = Instant::now() + self.batch_interval;
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match inbox.try_recv() {
                    Ok(s) => batch.push(s),
                    Err(mpsc::error::TryRecvError::Empty) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        std::thread::sleep(left.min(Duration::from_millis(2)));
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                }
            }
            match self.sequence(batch, &signed_tx) {
                Ok(()) => {}
                Err(SequenceError::Stopped(why)) => {
                    tracing::warn!(
                        "stopping while a batch was being retried; its submitters got no answer, \
                         and a restart tells whether it was committed: {why}"
                    );
                    break;
                }
                Err(SequenceError::Fatal(why)) => {
                    // Fail-stop: nothing of this batch was acknowledged; a restart resumes
                    // from the last commit.
                    tracing::error!("sequencing failed, stopping: {why}");
                    std::process::exit(70);
                }
                Err(SequenceError::SteppedDown(why)) => step_down(&why),
            }
        }
        tracing::info!("sequencer stopped at size {}", self.signed.size);
        if let Some(lease) = &self.lease {
            // The keeper stops renewing first (`keep_lease`), or it would take the release back.
            self.stopping.store(true, Ordering::SeqCst);
            // Every batch is written: a standby may take over at once.
            match lease.lock().unwrap_or_else(|p| p.into_inner()).release() {
                Ok(()) => tracing::info!("released the sequencer lease"),
                Err(e) => tracing::warn!("releasing the sequencer lease: {e}"),
            }
        }
    }

    /// Sequences one batch. After an error nothing of the batch was answered, it may or may
    /// not have been committed (a step can fail after it took effect), and this sequencer's
    /// state may no longer be the log's: drop it and recover from storage.
    pub fn sequence(
        &mut self,
        batch: Vec<Submission>,
        signed_tx: &watch::Sender<SignedTree>,
    ) -> Result<(), SequenceError> {
        let old = self.signed.clone();
        let leaves: Vec<Hash> = batch.iter().map(|s| leaf_hash(&s.entry)).collect();
        // Looked up before the gate sees any of the batch, so that a lookup that fails and is
        // retried cannot apply a record to the gate twice.
        let logged = self.until_done("looking up duplicates", |seq| {
            batch
                .iter()
                .zip(&leaves)
                .map(|(s, leaf)| seq.db.find_leaf(s.record.time, leaf))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CommitFailure::Transient(format!("reading the index: {e}")))
        })?;
        let mut accepted: Vec<(Submission, Hash)> = Vec::new();
        let mut answers: Vec<(Reply, Answer)> = Vec::new();
        for ((s, leaf), logged) in batch.into_iter().zip(leaves).zip(logged) {
            let duplicate = logged.or_else(|| {
                accepted
                    .iter()
                    .position(|(_, l)| *l == leaf)
                    .map(|i| old.size + i as u64)
            });
            if let Some(index) = duplicate {
                metrics::counter!("shailoo_records_refused_total", "code" => "duplicate")
                    .increment(1);
                answers.push((s.reply, Err(Refusal::Duplicate(index))));
                continue;
            }
            match self.gate.admit_verified(&s.record) {
                Ok(()) => {
                    self.gate.apply(&s.record);
                    accepted.push((s, leaf));
                }
                Err(finding) => {
                    let rule = finding.rule.id();
                    metrics::counter!("shailoo_records_refused_total", "code" => rule).increment(1);
                    answers.push((s.reply, Err(Refusal::Refused(finding))));
                }
            }
        }
        if accepted.is_empty() {
            answers.into_iter().for_each(|(tx, a)| drop(tx.send(a)));
            return Ok(());
        }
        // On a failure that is returned the gate already holds this batch's keys: the caller
        // must stop (see `run`), and a restart rebuilds everything from the last commit.
        let committing = Instant::now();
        self.commit_until_done(&old, &accepted)?;
        metrics::histogram!("shailoo_batch_seconds").record(committing.elapsed().as_secs_f64());
        metrics::counter!("shailoo_records_admitted_total").increment(accepted.len() as u64);
        metrics::gauge!("shailoo_signed_size").set(self.signed.size as f64);
        let new_size = self.signed.size;
        for (i, (s, leaf)) in accepted.into_iter().enumerate() {
            let answer = Sequenced {
                index: old.size + i as u64,
                leaf_hash: leaf.to_hex(),
                tree_size: new_size,
            };
            answers.push((s.reply, Ok(answer)));
        }
        answers.into_iter().for_each(|(tx, a)| drop(tx.send(a)));
        signed_tx.send_replace(self.signed.clone());
        Ok(())
    }

    /// Writes, checks, signs and commits the accepted entries.
    fn commit(
        &mut self,
        old: &SignedTree,
        accepted: &[(Submission, Hash)],
    ) -> Result<(), CommitFailure> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut rows = Vec::with_capacity(accepted.len());
        for (i, (s, leaf)) in accepted.iter().enumerate() {
            let record = &s.record;
            let index = old.size + i as u64;
            let completed = self.writer.append(&s.entry);
            files.extend(completed.map_err(|e| CommitFailure::Fatal(e.to_string()))?);
            rows.push(IndexRow::of(index, *leaf, record));
        }
        let size = self.writer.size();
        files.extend(self.writer.partial_files());

        // Never sign a tree that does not extend the last one: prove it from the new tiles
        // (in memory, not yet written) and the stored ones.
        let root = self.writer.root();
        if old.size > 0 {
            let pending: HashMap<String, Vec<u8>> = files.iter().cloned().collect();
            let tiles = TileHashReader {
                size,
                tiles: PendingTiles {
                    pending: &pending,
                    storage: self.storage.as_ref(),
                },
            };
            let proof = tlog::proof::prove_consistency(old.size, size, &tiles)
                .map_err(|e| CommitFailure::Transient(format!("consistency proof: {e}")))?;
            tlog::proof::verify_consistency(old.size, size, &old.root, &root, &proof).map_err(
                |e| {
                    let why = format!("the new tree is not consistent with the signed one: {e}");
                    CommitFailure::Fatal(why)
                },
            )?;
        }
        let checkpoint = sign_checkpoint(&self.origin, size, root, self.signer.as_ref());
        // Checked as a restart would check it: a checkpoint committed with a bad signature
        // (a faulty signer) would be a log that no verifier accepts and no server starts from.
        let signed = check_stored_checkpoint(&checkpoint, &self.origin, &self.verifier)
            .map_err(|why| CommitFailure::Transient(format!("the new checkpoint {why}")))?;
        if (signed.size, signed.root) != (size, root) {
            let why = "the signer signed another tree than the one asked".to_string();
            return Err(CommitFailure::Transient(why));
        }
        if let Some(lease) = &self.lease {
            let entries: Vec<Vec<u8>> = accepted.iter().map(|(s, _)| s.entry.clone()).collect();
            let mut lease = lease.lock().unwrap_or_else(|p| p.into_inner());
            lease.commit(&checkpoint, old.size, &entries)?;
        }
        self.storage.write_all(&files).map_err(|e| match e.kind() {
            // A file of this tree already holds other bytes: not this log's tree, or another
            // writer's; nothing may be overwritten.
            std::io::ErrorKind::AlreadyExists => {
                CommitFailure::Fatal(format!("writing tiles: {e}"))
            }
            _ => CommitFailure::Transient(format!("writing tiles: {e}")),
        })?;
        let tree = SignedTree {
            size,
            root,
            checkpoint,
        };
        match self.db.commit_batch(old.size, &tree, &rows) {
            Ok(()) => {}
            // Committed by an earlier attempt whose answer was lost (it failed after it took
            // effect): the same tree, so this batch is in.
            Err(db::CommitError::Lost(_)) if self.stored_tree_is(&tree) => {}
            Err(e @ db::CommitError::Lost(_)) => return Err(CommitFailure::Fatal(e.to_string())),
            Err(e) => return Err(CommitFailure::Transient(format!("committing: {e}"))),
        }
        if let Some(lease) = &self.lease {
            lease
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .batch_written();
        }
        self.signed = tree;
        Ok(())
    }

    /// Whether the database's signed tree is `tree`.
    fn stored_tree_is(&self, tree: &SignedTree) -> bool {
        self.db
            .load_tree()
            .ok()
            .flatten()
            .is_some_and(|t| (t.size, t.root) == (tree.size, tree.root))
    }

    /// Commits the batch, retrying a failure that may pass (a full descriptor table, a full
    /// or failing disk) for as long as it lasts ([`Sequencer::until_done`]); nothing is
    /// answered before the commit. A failure that cannot pass (the tree would not extend the
    /// signed one; another sequencer took the log) is returned, and the caller stops.
    fn commit_until_done(
        &mut self,
        old: &SignedTree,
        accepted: &[(Submission, Hash)],
    ) -> Result<(), SequenceError> {
        let before = self.writer.clone();
        let mut retry = false;
        self.until_done("committing a batch", |seq| {
            if std::mem::replace(&mut retry, true) {
                // Each attempt starts from the tree before the batch.
                seq.writer = before.clone();
            }
            seq.commit(old, accepted)
        })
    }

    /// Runs `attempt` until it succeeds, retrying a failure that may pass with backoff, the
    /// server unready meanwhile ([`Sequencer::health`]), unless the server is stopping. A
    /// failure that cannot pass is returned at once.
    fn until_done<T>(
        &mut self,
        step: &str,
        mut attempt: impl FnMut(&mut Self) -> Result<T, CommitFailure>,
    ) -> Result<T, SequenceError> {
        let mut delay = FIRST_RETRY_DELAY;
        loop {
            let why = match attempt(self) {
                Ok(value) => {
                    self.health.store(true, Ordering::SeqCst);
                    return Ok(value);
                }
                Err(CommitFailure::Fatal(why)) => return Err(SequenceError::Fatal(why)),
                Err(CommitFailure::Lost(why)) => return Err(SequenceError::SteppedDown(why)),
                Err(CommitFailure::Transient(why)) => why,
            };
            self.health.store(false, Ordering::SeqCst);
            metrics::counter!("shailoo_storage_errors_total").increment(1);
            tracing::warn!("{step} failed, retrying in {delay:?}: {why}");
            let until = Instant::now() + delay;
            while Instant::now() < until {
                if self.stopping.load(Ordering::SeqCst) {
                    return Err(SequenceError::Stopped(format!("{step}: {why}")));
                }
                std::thread::sleep(Duration::from_millis(10).min(delay));
            }
            delay = (delay * 2).min(MAX_RETRY_DELAY);
        }
    }

    /// Stops with `flag` rather than a flag of its own: the one of the thread renewing its
    /// lease, which must stop before the lease is released (`run`).
    pub fn stop_with(mut self, flag: Arc<AtomicBool>) -> Sequencer {
        self.stopping = flag;
        self
    }

    /// Set it to make a failure being retried give up (the server is stopping).
    pub fn stopping(&self) -> Arc<AtomicBool> {
        self.stopping.clone()
    }

    /// Whether the sequencer can write: false while a commit is being retried (`/readyz`).
    pub fn health(&self) -> Arc<AtomicBool> {
        self.health.clone()
    }
}

/// Stops the process after losing the lease to another sequencer: nothing it did not commit
/// was answered, and what it committed is the other's to serve.
pub fn step_down(why: &str) -> ! {
    tracing::error!("{why}");
    std::process::exit(EXIT_STEPPED_DOWN);
}

/// Renews a lease from its own thread whenever the sequencer has not written it for a while
/// (idle, or catching up), until `stopping`; steps down if another process took it.
pub fn keep_lease(
    lease: Arc<Mutex<Lease>>,
    stopping: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("lease".into())
        .spawn(move || {
            let tick = lease
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .renew_every()
                / 4;
            while !stopping.load(Ordering::SeqCst) {
                std::thread::sleep(tick);
                let mut held = lease.lock().unwrap_or_else(|p| p.into_inner());
                if !held.due() || stopping.load(Ordering::SeqCst) {
                    continue;
                }
                match held.renew() {
                    Ok(()) => {}
                    Err(e @ LeaseError::Lost { .. }) => step_down(&e.to_string()),
                    Err(e) => tracing::warn!("renewing the lease failed, retrying: {e}"),
                }
            }
        })
        .expect("a thread for the lease")
}

/// Signs the checkpoint of a tree.
pub fn sign_checkpoint(origin: &str, size: u64, root: Hash, key: &dyn NoteSigner) -> Vec<u8> {
    let cp = Checkpoint {
        origin: origin.to_string(),
        size,
        root,
        extensions: vec![],
    };
    tlog::note::sign(&cp.to_text(), &[key])
        .expect("a valid checkpoint text and key")
        .to_bytes()
}

/// Entry `index` of a tree of `size` leaves, from its entry bundle.
pub fn read_entry(storage: &dyn Storage, index: u64, size: u64) -> Result<Vec<u8>, String> {
    let (tile, offset) = tlog::writer::entry_position(index, size)
        .ok_or_else(|| format!("entry {index} is beyond size {size}"))?;
    Ok(read_bundle(storage, tile.index, size)?.swap_remove(offset))
}

/// The entries of entry bundle `index` in a tree of `size` leaves.
pub fn read_bundle(storage: &dyn Storage, index: u64, size: u64) -> Result<Vec<Vec<u8>>, String> {
    let tile = Tile::at_tree_size(0, index, size)
        .ok_or_else(|| format!("entry bundle {index} is beyond size {size}"))?;
    let mut data = None;
    for path in tile.paths_to_read(true) {
        data = storage.read(&path).map_err(|e| e.to_string())?;
        if data.is_some() {
            break;
        }
    }
    let data = data.ok_or_else(|| format!("{} is missing", tile.entries_path()))?;
    let entries = tlog::writer::entries_of(&tile, &data)
        .map_err(|e| format!("{}: {e}", tile.entries_path()))?;
    Ok(entries.into_iter().map(<[u8]>::to_vec).collect())
}

/// The entries of the partial entry bundle of a tree of `size` leaves.
pub fn read_partial_bundle(storage: &dyn Storage, size: u64) -> Result<Vec<Vec<u8>>, String> {
    if size.is_multiple_of(u64::from(TILE_WIDTH)) {
        return Ok(vec![]);
    }
    read_bundle(storage, size / u64::from(TILE_WIDTH), size)
}
