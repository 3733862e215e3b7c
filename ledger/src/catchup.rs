//! Taking over a log in a bucket: finishing the last batch's files and rebuilding the local
//! cache from the bucket, which is the log (`crate::lease`).
//!
//! A sequencer that took the lease knows only what the bucket says: the last signed
//! checkpoint and the entries of the batch that made it. The holder before it may have died
//! after that commit and before writing the batch's files, so they are written again here
//! (create-only: identical bytes are no conflict). Its own SQLite database may be empty (a
//! new machine) or behind (it was the standby): the entries it lacks are read back from the
//! bucket's bundles and indexed. Nothing is trusted: the batch must extend the stored tiles
//! to exactly the signed root, and the cached tree must be a prefix of the bucket's.

use crate::db::{self, IndexRow, SignedTree};
use crate::lease::LeaseState;
use crate::sequencer::{check_stored_checkpoint, read_bundle, read_partial_bundle};
use crate::storage::{Storage, StorageTiles};
use election::Record;
use rusqlite::Connection;
use tlog::keys::VerifierKey;
use tlog::tile::{TILE_WIDTH, TileHashReader};
use tlog::writer::LogWriter;

/// Why a bucket's log cannot be taken over.
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// The lease's checkpoint or batch is not this log's, or not its tiles' tree.
    #[error("the bucket's log is inconsistent: {0}; refusing to serve it")]
    Inconsistent(String),
    /// The local database says more than the bucket: another log's cache, or a bucket
    /// restored from an older backup.
    #[error(
        "the local database ({db}) holds a tree of {cached} entries that is not a prefix of the bucket's ({bucket} entries): it is another log's cache, or the bucket was restored from an older copy; move it aside and start again to rebuild it from the bucket"
    )]
    CacheAhead {
        db: String,
        cached: u64,
        bucket: u64,
    },
    #[error("reading the bucket: {0}")]
    Storage(String),
    #[error("the local database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The signed tree in a lease, checked: signed by the log key for this origin, and the batch
/// ends where the tree does.
pub fn signed_tree(
    lease: &LeaseState,
    origin: &str,
    verifier: &VerifierKey,
) -> Result<SignedTree, CatchUpError> {
    let checkpoint = check_stored_checkpoint(&lease.checkpoint, origin, verifier)
        .map_err(|why| CatchUpError::Inconsistent(format!("the lease's checkpoint {why}")))?;
    if lease.batch_start + lease.batch.len() as u64 != checkpoint.size {
        return Err(CatchUpError::Inconsistent(format!(
            "the lease's batch ends at {}, its checkpoint at {}",
            lease.batch_start + lease.batch.len() as u64,
            checkpoint.size
        )));
    }
    Ok(SignedTree {
        size: checkpoint.size,
        root: checkpoint.root,
        checkpoint: lease.checkpoint.clone(),
    })
}

/// Writes the files of the lease's batch (again: the holder that committed it may have died
/// first), after checking that they make the signed tree.
pub fn finish_batch(
    storage: &dyn Storage,
    lease: &LeaseState,
    tree: &SignedTree,
) -> Result<(), CatchUpError> {
    if lease.batch.is_empty() {
        return Ok(());
    }
    let start = lease.batch_start;
    let inconsistent = |why: String| CatchUpError::Inconsistent(why);
    let bundle = read_partial_bundle(storage, start).map_err(CatchUpError::Storage)?;
    let mut writer = LogWriter::restore(start, &StorageTiles(storage), bundle)
        .map_err(|e| inconsistent(format!("the tree before the last batch: {e}")))?;
    let mut files = Vec::new();
    for entry in &lease.batch {
        files.extend(
            writer
                .append(entry)
                .map_err(|e| inconsistent(e.to_string()))?,
        );
    }
    files.extend(writer.partial_files());
    if writer.root() != tree.root {
        return Err(inconsistent(format!(
            "the last batch makes root {}, its checkpoint says {}",
            writer.root(),
            tree.root
        )));
    }
    storage
        .write_all(&files)
        .map_err(|e| CatchUpError::Storage(format!("writing the last batch's files: {e}")))
}

/// Brings the local database up to the bucket's `tree` (whose files are all written): index
/// rows for the entries it lacks, the signed tree, and the bucket's published checkpoint.
/// Returns how many entries were indexed.
pub fn index(
    conn: &mut Connection,
    db_path: &str,
    storage: &dyn Storage,
    tree: &SignedTree,
) -> Result<u64, CatchUpError> {
    let cached = db::load_tree(conn)?;
    let from = cached.as_ref().map_or(0, |t| t.size);
    let ahead = || CatchUpError::CacheAhead {
        db: db_path.to_string(),
        cached: from,
        bucket: tree.size,
    };
    if from > tree.size {
        return Err(ahead());
    }
    if let Some(cached) = &cached {
        let hashes = TileHashReader {
            size: tree.size,
            tiles: StorageTiles(storage),
        };
        let root = tlog::stored::tree_hash(cached.size, &hashes)
            .map_err(|e| CatchUpError::Storage(e.to_string()))?;
        if root != cached.root {
            return Err(ahead());
        }
    }
    let mut rows = Vec::new();
    let width = u64::from(TILE_WIDTH);
    let mut index = from;
    while index < tree.size {
        let entries =
            read_bundle(storage, index / width, tree.size).map_err(CatchUpError::Storage)?;
        for entry in &entries[(index % width) as usize..] {
            let record = Record::from_bytes(entry).map_err(|e| {
                CatchUpError::Inconsistent(format!("logged entry {index} is not a record: {e}"))
            })?;
            rows.push(IndexRow::of(index, tlog::leaf_hash(entry), &record));
            index += 1;
        }
    }
    let published = storage
        .read("checkpoint")
        .map_err(|e| CatchUpError::Storage(e.to_string()))?
        .ok_or_else(|| CatchUpError::Storage("the bucket has no checkpoint".into()))?;
    let published_size = published_size(&published)
        .ok_or_else(|| CatchUpError::Inconsistent("its checkpoint is malformed".into()))?;
    db::catch_up(conn, from, tree, &rows, (published_size, &published)).map_err(|e| match e {
        db::CommitError::Db(e) => CatchUpError::Db(e),
        db::CommitError::Lost(_) => CatchUpError::Storage(
            "the local database changed while it was being caught up: is another server using this directory?"
                .into(),
        ),
    })?;
    Ok(tree.size - from)
}

/// The tree size a published checkpoint (a signed note) states, unverified.
pub fn published_size(checkpoint: &[u8]) -> Option<u64> {
    let note = tlog::note::Note::parse(checkpoint).ok()?;
    tlog::Checkpoint::parse(&note.text).ok().map(|c| c.size)
}
