//! Following the log: a [`Follower::round`] copies and verifies whatever the log added since
//! the last one, and [`Follower::run`] repeats rounds until told to stop.
//!
//! A round, in order, each step refusing rather than trusting:
//! 1. the log's checkpoint, signed by the policy's key for the mirrored origin;
//! 2. a tree no larger than the one held must be a prefix of it (else: a fork, kept as
//!    evidence); a larger one is copied:
//! 3. the new entries' bundles, appended to the tiles held: the result must be the signed root
//!    exactly, which proves the new tree extends the held one and every entry is the log's;
//! 4. the new tiles and bundles written and synced, the entries indexed with the tree;
//! 5. the checkpoint cosigned by every mirror key ("durably stored here"), and published if it
//!    satisfies the policy with that cosignature.
//!
//! Documents are not part of the tree: those the new records reference are fetched after, each
//! kept only if it hashes to its reference, and retried each round until the log serves them.

use crate::dir::{MirrorDir, MirrorError};
use election::Record;
use election::records::DocumentRef;
use ledger::api::MAX_BLOB_SIZE;
use ledger::db::{self, IndexRow, SignedTree};
use ledger::storage::{Storage, StorageTiles};
use ledger::witnessing::Published;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tlog::Hash;
use tlog::checkpoint::Checkpoint;
use tlog::cosigner::CosignerSigningKey;
use tlog::note::{Note, NoteVerifier};
use tlog::policy::Policy;
use tlog::tile::{TILE_WIDTH, Tile, TileHashReader};
use tlog::writer::LogWriter;
use tokio::sync::watch;
use verifier::fetch::{FetchError, MAX_NOTE, Source};

/// Documents fetched per round at most.
const DOCUMENTS_PER_ROUND: usize = 64;
/// Documents fetched at once, held in memory until stored (each at most 16 MiB).
const DOCUMENTS_AT_ONCE: usize = 8;

/// The most entry bytes one round holds (the new entries and their files are in memory until
/// they are checked against the signed root): an election's 45,000 records are about 25 MB.
const MAX_ROUND_BYTES: usize = 256 << 20;

/// Why a round changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The log could not be reached or answered with an error: the next round tries again.
    #[error("the log could not be read: {0}")]
    Upstream(String),
    /// The log (or whoever answers for it) served something that does not verify; nothing
    /// of it was written.
    #[error("refused what the log served: {0}")]
    Refused(String),
    /// A checkpoint signed by the log contradicts the copy held here.
    #[error("the log forked: {why}; its checkpoint is kept in {evidence}")]
    Fork { why: String, evidence: String },
    #[error("storing the copy: {0}")]
    Storage(String),
    #[error("the mirror's database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// What a round did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Nothing new: the log's tree is the one held (or an earlier one).
    UpToDate { size: u64 },
    /// Entries `from..to` copied and verified; `published` if the checkpoint satisfied the
    /// policy with this mirror's cosignature.
    Copied { from: u64, to: u64, published: bool },
}

/// What `/readyz` and the operator see of the following.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Status {
    /// The size of the tree copied and verified here.
    pub mirrored_size: u64,
    /// The size of the log's latest checkpoint seen.
    pub log_size: Option<u64>,
    /// Documents referenced by copied records and not yet fetched.
    pub documents_missing: usize,
    /// When a round last succeeded (seconds since 1970).
    pub last_success: Option<u64>,
    /// Why the last round failed, if it did.
    pub last_error: Option<String>,
    /// Checkpoints of the log that contradicted the copy.
    pub forks_seen: u64,
}

/// The mirror's side of following one log.
pub struct Follower {
    source: Source,
    policy: Policy,
    origin: String,
    keys: Vec<CosignerSigningKey>,
    storage: Arc<dyn Storage>,
    conn: Connection,
    published: watch::Sender<Published>,
    evidence_dir: PathBuf,
    /// Referenced documents not stored yet, by hash.
    missing: BTreeMap<[u8; 32], DocumentRef>,
    /// The hash of the last document asked for: the next round goes on after it.
    documents_cursor: [u8; 32],
    pub status: Arc<Mutex<Status>>,
}

impl Follower {
    /// Opens the follower of the mirror in `dir`, storing into `storage` and announcing what
    /// it publishes on `published`.
    pub fn open(
        dir: &MirrorDir,
        storage: Arc<dyn Storage>,
        published: watch::Sender<Published>,
    ) -> Result<Follower, MirrorError> {
        let config = dir.load_config()?;
        let (_, policy) = dir.load_policy()?;
        let keys = dir.load_keys()?;
        let source = Source::open(&config.upstream)
            .map_err(|e| MirrorError::Invalid(e.message().to_string()))?;
        let conn = db::open(&dir.db_path())?;
        let mut missing = BTreeMap::new();
        for (sha256, media_type, size) in db::all_documents(&conn)? {
            if !storage.exists(&blob_path(&sha256)) {
                let reference = DocumentRef {
                    sha256,
                    media_type,
                    size,
                };
                missing.insert(sha256, reference);
            }
        }
        let mirrored_size = db::load_tree(&conn)?.map_or(0, |t| t.size);
        let status = Status {
            mirrored_size,
            documents_missing: missing.len(),
            ..Status::default()
        };
        Ok(Follower {
            source,
            policy: policy.policy,
            origin: config.origin,
            keys,
            storage,
            conn,
            published,
            evidence_dir: dir.evidence_dir(),
            missing,
            documents_cursor: [0; 32],
            status: Arc::new(Mutex::new(status)),
        })
    }

    /// Copies and verifies what the log added since the last round, and publishes it.
    pub fn round(&mut self) -> Result<Progress, FollowError> {
        let note = self
            .source
            .get("checkpoint", MAX_NOTE)
            .map_err(|e| FollowError::Upstream(fetch_message(e)))?;
        let verified = self
            .policy
            .verify_log_signature(&note)
            .map_err(|e| FollowError::Refused(format!("its checkpoint: {e}")))?;
        let checkpoint = verified.checkpoint;
        if checkpoint.origin != self.origin {
            return Err(FollowError::Refused(format!(
                "its checkpoint is for {:?}, this mirror copies {:?}",
                checkpoint.origin, self.origin
            )));
        }
        self.status.lock().expect("status").log_size = Some(checkpoint.size);
        let held = db::load_tree(&self.conn)?;
        let (held_size, held_root) = held
            .as_ref()
            .map_or((0, Hash::empty_tree()), |t| (t.size, t.root));
        if checkpoint.size <= held_size {
            let ours = self.root_at(checkpoint.size, held_size)?;
            if ours != checkpoint.root {
                return Err(self.fork(&note, &checkpoint, ours));
            }
            // The tree held may be stored and indexed but not yet published (a stop between
            // the two): publish it now.
            if checkpoint.size == held_size && self.published.borrow().size < held_size {
                self.publish(&note, checkpoint.size)?;
            }
            return Ok(Progress::UpToDate {
                size: checkpoint.size,
            });
        }
        let entries = self.fetch_entries(held_size, checkpoint.size)?;
        let files = self.rehash(held_size, held_root, &entries, &checkpoint)?;
        let mut rows = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let index = held_size + i as u64;
            let record = Record::from_bytes(entry).map_err(|e| {
                FollowError::Refused(format!("logged entry {index} is not a record: {e}"))
            })?;
            rows.push(IndexRow::of(index, tlog::leaf_hash(entry), &record));
        }
        self.storage
            .write_all(&files)
            .map_err(|e| FollowError::Storage(e.to_string()))?;
        let tree = SignedTree {
            size: checkpoint.size,
            root: checkpoint.root,
            checkpoint: note.clone(),
        };
        let published = self.published.borrow().clone();
        db::catch_up(
            &mut self.conn,
            held_size,
            &tree,
            &rows,
            (published.size, &published.checkpoint),
        )
        .map_err(|e| match e {
            db::CommitError::Db(e) => FollowError::Db(e),
            db::CommitError::Lost(_) => FollowError::Storage(
                "the database changed under the mirror: is another process using its directory?"
                    .into(),
            ),
        })?;
        // The new records' documents are wanted, unasked whether they are stored: only a
        // document two records reference can be, and storing it again is no error. (One
        // question per document to a bucket is what made a first copy slow.)
        for document in rows.iter().flat_map(|r| &r.documents) {
            self.missing.insert(document.sha256, document.clone());
        }
        let published = self.publish(&note, checkpoint.size)?;
        let mut status = self.status.lock().expect("status");
        status.mirrored_size = checkpoint.size;
        status.documents_missing = self.missing.len();
        Ok(Progress::Copied {
            from: held_size,
            to: checkpoint.size,
            published,
        })
    }

    /// The root of the first `size` entries of the tree held (of `held` entries).
    fn root_at(&self, size: u64, held: u64) -> Result<Hash, FollowError> {
        if size == 0 {
            return Ok(Hash::empty_tree());
        }
        let hashes = TileHashReader {
            size: held,
            tiles: StorageTiles(self.storage.as_ref()),
        };
        tlog::stored::tree_hash(size, &hashes)
            .map_err(|e| FollowError::Storage(format!("reading the tiles held: {e}")))
    }

    /// Keeps a checkpoint of the log that contradicts the copy, and says so.
    fn fork(&self, note: &[u8], checkpoint: &Checkpoint, ours: Hash) -> FollowError {
        let name = format!(
            "checkpoint-{}-{}",
            checkpoint.size,
            &checkpoint.root.to_hex()[..16]
        );
        let path = self.evidence_dir.join(name);
        let kept = std::fs::create_dir_all(&self.evidence_dir)
            .and_then(|()| std::fs::write(&path, note))
            .map(|()| path.display().to_string())
            .unwrap_or_else(|e| format!("nowhere (writing {} failed: {e})", path.display()));
        self.status.lock().expect("status").forks_seen += 1;
        let why = format!(
            "its signed checkpoint of size {} has root {}, the copy's tree of that size has root {ours}",
            checkpoint.size, checkpoint.root
        );
        tracing::error!("the log forked: {why}; kept in {kept}");
        FollowError::Fork {
            why,
            evidence: kept,
        }
    }

    /// The entries `from..to` of the log, from its entry bundles, at most [`MAX_ROUND_BYTES`]
    /// of them: nothing is checked until the last entry is in (only the signed root vouches
    /// for them), so a server sending huge bundles is stopped there instead of exhausting
    /// memory.
    fn fetch_entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, FollowError> {
        let width = u64::from(TILE_WIDTH);
        let bundles = (from / width..to.div_ceil(width))
            .map(|n| Tile::at_tree_size(0, n, to).expect("a bundle of the tree"));
        let mut entries = Vec::with_capacity((to - from) as usize);
        let (mut bytes, mut failure) = (0usize, None);
        self.source.for_each_tile(bundles, true, |tile, data| {
            let data = match data {
                Ok(data) => data,
                Err(FetchError::Failed(m)) => {
                    failure = Some(FollowError::Upstream(m));
                    return false;
                }
                Err(other) => {
                    let why = format!("entry bundle {}: {}", tile.entries_path(), fetch_message(other));
                    failure = Some(FollowError::Refused(why));
                    return false;
                }
            };
            let in_bundle = match tlog::writer::entries_of(&tile, &data) {
                Ok(in_bundle) => in_bundle,
                Err(e) => {
                    let why = format!("entry bundle {}: {e}", tile.entries_path());
                    failure = Some(FollowError::Refused(why));
                    return false;
                }
            };
            let skip = from.saturating_sub(tile.index * width) as usize;
            for entry in &in_bundle[skip..] {
                bytes += entry.len();
                entries.push(entry.to_vec());
            }
            if bytes > MAX_ROUND_BYTES {
                failure = Some(FollowError::Refused(format!(
                    "the entries from {from} to {to} are more than {MAX_ROUND_BYTES} bytes: more than this mirror copies in one step"
                )));
                return false;
            }
            true
        });
        match failure {
            Some(failure) => Err(failure),
            None => Ok(entries),
        }
    }

    /// The files of the tree made by appending `entries` to the tree held, checked to be the
    /// tree `checkpoint` signs.
    fn rehash(
        &self,
        held_size: u64,
        held_root: Hash,
        entries: &[Vec<u8>],
        checkpoint: &Checkpoint,
    ) -> Result<Vec<(String, Vec<u8>)>, FollowError> {
        let storage = self.storage.as_ref();
        let partial = ledger::sequencer::read_partial_bundle(storage, held_size)
            .map_err(FollowError::Storage)?;
        let mut writer = LogWriter::restore(held_size, &StorageTiles(storage), partial)
            .map_err(|e| FollowError::Storage(format!("the tiles held: {e}")))?;
        if writer.root() != held_root {
            return Err(FollowError::Storage(format!(
                "the tiles held make root {}, the database says {held_root}: the copy is damaged",
                writer.root()
            )));
        }
        let mut files = Vec::new();
        for entry in entries {
            files.extend(
                writer
                    .append(entry)
                    .map_err(|e| FollowError::Refused(e.to_string()))?,
            );
        }
        files.extend(writer.partial_files());
        if writer.root() != checkpoint.root {
            return Err(FollowError::Refused(format!(
                "the entries served for {held_size}..{} make root {}, the log's signed checkpoint says {}: \
                 a server altering what it serves, or a log whose tree does not extend the copy held here",
                checkpoint.size,
                writer.root(),
                checkpoint.root
            )));
        }
        Ok(files)
    }

    /// Cosigns the log's checkpoint `note` (of `size` entries, all stored) with every mirror
    /// key, and publishes it if it then satisfies the policy. Returns whether it did.
    fn publish(&mut self, note: &[u8], size: u64) -> Result<bool, FollowError> {
        let mut note =
            Note::parse(note).map_err(|e| FollowError::Refused(format!("its checkpoint: {e}")))?;
        // A checkpoint this mirror cosigned before may come back (another mirror's copy):
        // its old lines are replaced, never doubled.
        let ours: Vec<(String, u32)> = self
            .keys
            .iter()
            .map(|k| (k.verifier().name().to_string(), k.verifier().key_id()))
            .collect();
        note.signatures
            .retain(|s| !ours.contains(&(s.name.clone(), s.key_id)));
        let now = witness::config::now_unix();
        for key in &self.keys {
            let mut randomness = [0u8; 32];
            getrandom::fill(&mut randomness).map_err(|e| {
                FollowError::Storage(format!(
                    "the operating system's random source failed ({e}); nothing was cosigned"
                ))
            })?;
            let line = key
                .cosign(&note.text, now, &randomness)
                .map_err(|e| FollowError::Refused(format!("cannot cosign it: {e}")))?;
            note.signatures.push(line);
        }
        let cosigned = note.to_bytes();
        if let Err(e) = self.policy.verify_checkpoint(&cosigned) {
            let why = format!(
                "the log's checkpoint of size {size} does not satisfy the policy even with this mirror's cosignature ({e}); the copy is kept, the published checkpoint stays"
            );
            tracing::warn!("{why}");
            self.status.lock().expect("status").last_error = Some(why);
            return Ok(false);
        }
        let bytes = cosigned.clone();
        self.storage
            .update("checkpoint", &mut |_| Some(bytes.clone()))
            .map_err(|e| FollowError::Storage(e.to_string()))?;
        db::publish(&self.conn, size, &cosigned)?;
        self.published.send_replace(Published {
            size,
            checkpoint: cosigned,
        });
        tracing::info!("published the log's tree of {size} entries, cosigned");
        Ok(true)
    }

    /// Fetches documents referenced by copied records and not stored yet, at most
    /// [`DOCUMENTS_PER_ROUND`]; keeps those whose hash is their reference's. Returns how many
    /// were stored.
    pub fn fetch_documents(&mut self) -> usize {
        // Round-robin from where the last round stopped: documents the log never serves do
        // not keep the others waiting.
        let after = self.documents_cursor;
        let mut wanted: Vec<DocumentRef> = self
            .missing
            .range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
            .chain(self.missing.range(..=after))
            .map(|(_, d)| d.clone())
            .take(DOCUMENTS_PER_ROUND)
            .collect();
        if let Some(last) = wanted.last() {
            self.documents_cursor = last.sha256;
        }
        // No document is larger than the ledger accepts: a record that says otherwise does
        // not make this mirror read without end.
        wanted.retain(|d| d.size <= MAX_BLOB_SIZE as u64);
        // Fetched a few at a time and stored between fetches, never from inside the fetcher's
        // runtime: a bucket's store runs on a runtime of its own, and waiting for it from
        // within another one could stall both.
        let mut stored = Vec::new();
        for batch in wanted.chunks(DOCUMENTS_AT_ONCE) {
            let paths = batch
                .iter()
                .map(|d| (blob_path(&d.sha256), d.size as usize));
            let mut fetched = Vec::new();
            self.source.for_each(paths, |i, data| {
                let document = &batch[i];
                match data {
                    Ok(bytes) => match document.check(&bytes) {
                        Ok(()) => fetched.push((document.sha256, bytes)),
                        Err(e) => tracing::warn!(
                            "the log served bytes that are not document {}: {e}; not kept",
                            hex::encode(document.sha256)
                        ),
                    },
                    // Uploaded after its record: a later round asks again.
                    Err(FetchError::Missing(_)) => {}
                    Err(e) => tracing::debug!(
                        "document {}: {}",
                        hex::encode(document.sha256),
                        fetch_message(e)
                    ),
                }
                true
            });
            for (sha256, bytes) in fetched {
                match self.storage.write_all(&[(blob_path(&sha256), bytes)]) {
                    Ok(()) => stored.push(sha256),
                    Err(e) => tracing::warn!("storing a document: {e}"),
                }
            }
        }
        for sha in &stored {
            self.missing.remove(sha);
        }
        self.status.lock().expect("status").documents_missing = self.missing.len();
        stored.len()
    }

    /// Runs rounds every `poll` (at once again while there is more to copy) until `stop`
    /// says so or is dropped.
    pub fn run(mut self, poll: Duration, stop: std::sync::mpsc::Receiver<()>) {
        loop {
            let copied = match self.round() {
                Ok(progress) => {
                    let published = self.published.borrow().size;
                    let mut status = self.status.lock().expect("status");
                    status.last_success = Some(witness::config::now_unix());
                    // Why a tree held is not published stays said until it is.
                    if published >= status.mirrored_size {
                        status.last_error = None;
                    }
                    matches!(progress, Progress::Copied { .. })
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    self.status.lock().expect("status").last_error = Some(e.to_string());
                    false
                }
            };
            let documents = self.fetch_documents();
            let more = copied || documents == DOCUMENTS_PER_ROUND;
            let wait = if more { Duration::ZERO } else { poll };
            match stop.recv_timeout(wait) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return,
            }
        }
    }
}

/// Where a document is stored and served.
pub fn blob_path(sha256: &[u8; 32]) -> String {
    format!("blob/{}", hex::encode(sha256))
}

fn fetch_message(e: FetchError) -> String {
    match e {
        FetchError::Missing(url) => format!("{url} does not exist (404)"),
        FetchError::TooLarge(url) => format!("{url} is larger than any valid one"),
        FetchError::Failed(m) => m,
    }
}
