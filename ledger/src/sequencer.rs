//! The sequencer: the one writer of the log.
//!
//! It runs on its own thread and turns batches of submissions into log entries:
//!
//! 1. admit each record in order through the election gate (signature, enrollment, scope),
//!    refusing duplicates;
//! 2. append the accepted entries: entry bundles and hash tiles, written durably;
//! 3. check, from the tiles just written, that the new tree is consistent with the last
//!    signed checkpoint — checked, not assumed — and sign the new checkpoint;
//! 4. commit the index rows and the new signed checkpoint in one SQLite transaction that
//!    swaps in the new tree only if the old one is still there;
//! 5. only then tell each submitter its index.
//!
//! Any storage or database failure stops the process (fail-stop): a restart resumes from the
//! last commit, and nothing acknowledged is ever lost.

use crate::db::{self, IndexRow, SignedTree};
use crate::storage::{Storage, StorageTiles};
use election::audit::{Finding, Gate};
use election::{Kind, Record};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tlog::checkpoint::Checkpoint;
use tlog::keys::SignerKey;
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
    key: SignerKey,
    storage: Arc<dyn Storage>,
    conn: Connection,
    gate: Gate,
    writer: LogWriter,
    signed: SignedTree,
    batch_interval: Duration,
    max_batch: usize,
    /// False while a commit is being retried.
    health: Arc<AtomicBool>,
}

/// Why a batch was not committed.
enum CommitFailure {
    /// It may pass (the disk, the descriptor table): retried.
    Transient(String),
    /// It cannot: the sequencer stops.
    Fatal(String),
}

/// The longest wait between two attempts at a commit.
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

/// A stored checkpoint, read back: it must be signed by `key` for `origin` — what this
/// server signed, not what a swapped key or configuration would make it claim. Returns it, or
/// why not.
pub fn check_stored_checkpoint(
    checkpoint: &[u8],
    origin: &str,
    key: &SignerKey,
) -> Result<Checkpoint, String> {
    let verifier = key.verifier();
    let (note, _) = tlog::note::open(checkpoint, &[&verifier])
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
    /// Resumes the log from its last commit, checking that the tiles on disk are the tree that
    /// was signed, and rebuilding the gate from the logged enrollments and registry.
    #[allow(clippy::too_many_arguments)]
    pub fn recover(
        origin: String,
        key: SignerKey,
        storage: Arc<dyn Storage>,
        conn: Connection,
        gate: Gate,
        batch_interval: Duration,
        max_batch: usize,
    ) -> Result<Sequencer, RecoveryError> {
        let signed = db::load_tree(&conn)?.ok_or(RecoveryError::NoTree)?;
        let size = signed.size;
        let stored = check_stored_checkpoint(&signed.checkpoint, &origin, &key)
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
        let mut seq = Sequencer {
            origin,
            key,
            storage,
            conn,
            gate,
            writer,
            signed,
            batch_interval,
            max_batch,
            health: Arc::new(AtomicBool::new(true)),
        };
        seq.replay_gate().map_err(inconsistent)?;
        Ok(seq)
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
        let indexes = db::indexes_of_kinds(&self.conn, &kinds).map_err(|e| e.to_string())?;
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
        db::fill_subjects(&mut self.conn, &subjects).map_err(|e| e.to_string())?;
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
            if let Err(e) = self.sequence(batch, &signed_tx) {
                // Fail-stop: nothing of this batch was acknowledged; a restart resumes from
                // the last commit.
                tracing::error!("sequencing failed, stopping: {e}");
                std::process::exit(70);
            }
        }
        tracing::info!("sequencer stopped at size {}", self.signed.size);
    }

    /// Sequences one batch. An error means the batch was not committed and this sequencer's
    /// state is no longer the log's: drop it and recover from storage.
    pub fn sequence(
        &mut self,
        batch: Vec<Submission>,
        signed_tx: &watch::Sender<SignedTree>,
    ) -> Result<(), String> {
        let old = self.signed.clone();
        let mut accepted: Vec<(Submission, Hash)> = Vec::new();
        let mut answers: Vec<(Reply, Answer)> = Vec::new();
        for s in batch {
            let leaf = leaf_hash(&s.entry);
            let duplicate = db::find_leaf(&self.conn, s.record.time, &leaf)
                .map_err(|e| e.to_string())?
                .or_else(|| {
                    accepted
                        .iter()
                        .position(|(_, l)| *l == leaf)
                        .map(|i| old.size + i as u64)
                });
            if let Some(index) = duplicate {
                answers.push((s.reply, Err(Refusal::Duplicate(index))));
                continue;
            }
            match self.gate.admit_verified(&s.record) {
                Ok(()) => {
                    self.gate.apply(&s.record);
                    accepted.push((s, leaf));
                }
                Err(finding) => answers.push((s.reply, Err(Refusal::Refused(finding)))),
            }
        }
        if accepted.is_empty() {
            answers.into_iter().for_each(|(tx, a)| drop(tx.send(a)));
            return Ok(());
        }
        // On a failure that is returned the gate already holds this batch's keys: the caller
        // must stop (see `run`), and a restart rebuilds everything from the last commit.
        self.commit_until_done(&old, &accepted)?;
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
            rows.push(IndexRow {
                index,
                leaf_hash: *leaf,
                kind: record.kind().code(),
                precinct: record.body.precinct(),
                signer: record.signer,
                time: record.time,
                documents: record.body.documents().into_iter().cloned().collect(),
                subject: match &record.body {
                    election::Body::KeyEnrollment(k) => Some(k.key),
                    election::Body::KeyRevocation(k) => Some(k.key),
                    _ => None,
                },
                corrects: match &record.body {
                    election::Body::Correction(c) => Some(c.supersedes),
                    _ => None,
                },
            });
        }
        let size = self.writer.size();
        files.extend(self.writer.partial_files());
        self.storage
            .write_all(&files)
            .map_err(|e| CommitFailure::Transient(format!("writing tiles: {e}")))?;

        // Never sign a tree that does not extend the last one: prove it from the tiles.
        let root = self.writer.root();
        if old.size > 0 {
            let tiles = TileHashReader {
                size,
                tiles: StorageTiles(self.storage.as_ref()),
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
        let checkpoint = sign_checkpoint(&self.origin, size, root, &self.key);
        let tree = SignedTree {
            size,
            root,
            checkpoint,
        };
        match db::commit_batch(&mut self.conn, old.size, &tree, &rows) {
            Ok(()) => {}
            // Committed by an earlier attempt whose answer was lost (it failed after it took
            // effect): the same tree, so this batch is in.
            Err(db::CommitError::Lost(_)) if self.stored_tree_is(&tree) => {}
            Err(e @ db::CommitError::Lost(_)) => return Err(CommitFailure::Fatal(e.to_string())),
            Err(e) => return Err(CommitFailure::Transient(format!("committing: {e}"))),
        }
        self.signed = tree;
        Ok(())
    }

    /// Whether the database's signed tree is `tree`.
    fn stored_tree_is(&self, tree: &SignedTree) -> bool {
        db::load_tree(&self.conn)
            .ok()
            .flatten()
            .is_some_and(|t| (t.size, t.root) == (tree.size, tree.root))
    }

    /// Commits the batch, retrying a failure that may pass (a full descriptor table, a full
    /// or failing disk) with backoff for as long as it lasts, the server unready meanwhile
    /// ([`Sequencer::health`]); nothing is answered before the commit. A failure that cannot
    /// pass (the tree would not extend the signed one; another sequencer took the log) is
    /// returned, and the caller stops.
    fn commit_until_done(
        &mut self,
        old: &SignedTree,
        accepted: &[(Submission, Hash)],
    ) -> Result<(), String> {
        let writer = self.writer.clone();
        let mut delay = Duration::from_millis(20);
        loop {
            match self.commit(old, accepted) {
                Ok(()) => {
                    self.health.store(true, Ordering::SeqCst);
                    return Ok(());
                }
                Err(CommitFailure::Fatal(why)) => return Err(why),
                Err(CommitFailure::Transient(why)) => {
                    self.health.store(false, Ordering::SeqCst);
                    tracing::warn!(
                        "batch of {} not committed, retrying in {delay:?}: {why}",
                        accepted.len()
                    );
                    // The next attempt starts from the tree before the batch.
                    self.writer = writer.clone();
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(MAX_RETRY_DELAY);
                }
            }
        }
    }

    /// Whether the sequencer can write: false while a commit is being retried (`/readyz`).
    pub fn health(&self) -> Arc<AtomicBool> {
        self.health.clone()
    }
}

/// Signs the checkpoint of a tree.
pub fn sign_checkpoint(origin: &str, size: u64, root: Hash, key: &SignerKey) -> Vec<u8> {
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
fn read_partial_bundle(storage: &dyn Storage, size: u64) -> Result<Vec<Vec<u8>>, String> {
    if size.is_multiple_of(u64::from(TILE_WIDTH)) {
        return Ok(vec![]);
    }
    read_bundle(storage, size / u64::from(TILE_WIDTH), size)
}
