//! The ledger's small transactional state, in SQLite: the last signed checkpoint (its
//! compare-and-swap is the commit point of every batch), the last published one, what each
//! witness last cosigned, and the lookup index of records and documents.
//!
//! The index is a convenience for clients, who need not trust it: every answer it gives can
//! be checked against the log with a proof.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use tlog::Hash;

pub type DbResult<T> = Result<T, rusqlite::Error>;

/// Opens (and creates if needed) the database, durable on every commit.
pub fn open(path: &Path) -> DbResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS tree (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            size INTEGER NOT NULL,
            root BLOB NOT NULL,
            checkpoint BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS published (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            size INTEGER NOT NULL,
            checkpoint BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS witness_state (
            name TEXT PRIMARY KEY,
            size INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS records (
            idx INTEGER PRIMARY KEY,
            leaf_hash BLOB NOT NULL,
            kind INTEGER NOT NULL,
            precinct INTEGER,
            signer BLOB NOT NULL,
            time INTEGER NOT NULL);
         -- Duplicates are found by (time, leaf hash): the same bytes have the same time, and
         -- records arrive roughly in time order, so the index grows at its end and a lookup
         -- touches recent pages. Keyed by the leaf hash alone, every insert and lookup lands
         -- on a random page, which grows slower and slower as the log grows. (Databases made
         -- before this index keep their UNIQUE leaf_hash index too: correct, only slower.)
         CREATE UNIQUE INDEX IF NOT EXISTS records_by_time ON records (time, leaf_hash);
         CREATE INDEX IF NOT EXISTS records_by_precinct ON records (precinct, kind);
         CREATE INDEX IF NOT EXISTS records_by_kind ON records (kind);
         CREATE TABLE IF NOT EXISTS documents (
            sha256 BLOB PRIMARY KEY,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            idx INTEGER NOT NULL);",
    )?;
    // The key a record enrolls or revokes, for finding a signer's enrollment. Added in place
    // to databases made before it (their earlier rows have none: the index is a convenience).
    let has_subject = conn
        .prepare("SELECT 1 FROM pragma_table_info('records') WHERE name = 'subject'")?
        .exists([])?;
    if !has_subject {
        conn.execute_batch("ALTER TABLE records ADD COLUMN subject BLOB")?;
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS records_by_subject ON records (subject)")?;
    Ok(conn)
}

/// What the sequencer asks of the database. A trait so that tests can wrap the real
/// connection and make any step fail, before or after it took effect (ledger/tests/faults.rs);
/// the server passes its [`Connection`].
pub trait SequencerDb: Send {
    /// The last signed tree ([`load_tree`]).
    fn load_tree(&self) -> DbResult<Option<SignedTree>>;
    /// An already logged record with this time and leaf hash ([`find_leaf`]).
    fn find_leaf(&self, time: u64, leaf: &Hash) -> DbResult<Option<u64>>;
    /// The commit point of a batch ([`commit_batch`]).
    fn commit_batch(
        &mut self,
        old_size: u64,
        tree: &SignedTree,
        rows: &[IndexRow],
    ) -> Result<(), CommitError>;
    /// The indexes of records of these kinds ([`indexes_of_kinds`]).
    fn indexes_of_kinds(&self, kinds: &[u16]) -> DbResult<Vec<u64>>;
    /// Fills in missing enrollment subjects ([`fill_subjects`]).
    fn fill_subjects(&mut self, subjects: &[(u64, [u8; 32])]) -> DbResult<()>;
}

impl SequencerDb for Connection {
    fn load_tree(&self) -> DbResult<Option<SignedTree>> {
        load_tree(self)
    }
    fn find_leaf(&self, time: u64, leaf: &Hash) -> DbResult<Option<u64>> {
        find_leaf(self, time, leaf)
    }
    fn commit_batch(
        &mut self,
        old_size: u64,
        tree: &SignedTree,
        rows: &[IndexRow],
    ) -> Result<(), CommitError> {
        commit_batch(self, old_size, tree, rows)
    }
    fn indexes_of_kinds(&self, kinds: &[u16]) -> DbResult<Vec<u64>> {
        indexes_of_kinds(self, kinds)
    }
    fn fill_subjects(&mut self, subjects: &[(u64, [u8; 32])]) -> DbResult<()> {
        fill_subjects(self, subjects)
    }
}

/// The last signed checkpoint: size, root and the log-signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTree {
    pub size: u64,
    pub root: Hash,
    pub checkpoint: Vec<u8>,
}

pub fn load_tree(conn: &Connection) -> DbResult<Option<SignedTree>> {
    conn.query_row(
        "SELECT size, root, checkpoint FROM tree WHERE id = 1",
        [],
        |row| {
            let root: Vec<u8> = row.get(1)?;
            Ok(SignedTree {
                size: row.get::<_, i64>(0)? as u64,
                root: Hash(root.try_into().unwrap_or([0; 32])),
                checkpoint: row.get(2)?,
            })
        },
    )
    .optional()
}

/// Records the first (empty) signed tree of a new log.
pub fn init_tree(conn: &Connection, tree: &SignedTree) -> DbResult<()> {
    conn.execute(
        "INSERT INTO tree (id, size, root, checkpoint) VALUES (1, ?1, ?2, ?3)",
        params![tree.size as i64, tree.root.0.to_vec(), tree.checkpoint],
    )?;
    conn.execute(
        "INSERT INTO published (id, size, checkpoint) VALUES (1, ?1, ?2)",
        params![tree.size as i64, tree.checkpoint],
    )?;
    Ok(())
}

/// One sequenced record, for the lookup index.
#[derive(Clone, Debug)]
pub struct IndexRow {
    pub index: u64,
    pub leaf_hash: Hash,
    pub kind: u16,
    pub precinct: Option<u32>,
    pub signer: [u8; 32],
    pub time: u64,
    pub documents: Vec<election::records::DocumentRef>,
    /// The key the record enrolls or revokes.
    pub subject: Option<[u8; 32]>,
    /// The entry a correction supersedes: the correction is listed under that entry's
    /// precinct, so that a precinct's page sees its corrections.
    pub corrects: Option<u64>,
}

impl IndexRow {
    /// The index row of `record`, logged at `index` with leaf hash `leaf`.
    pub fn of(index: u64, leaf_hash: Hash, record: &election::Record) -> IndexRow {
        IndexRow {
            index,
            leaf_hash,
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
        }
    }
}

/// Why a batch could not be committed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("the signed tree is no longer at size {0}: another sequencer wrote to this log")]
    Lost(u64),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// The commit point of a batch: in one transaction, the index rows and the new signed tree,
/// swapped in only if the stored tree is still the one the batch extended.
pub fn commit_batch(
    conn: &mut Connection,
    old_size: u64,
    tree: &SignedTree,
    rows: &[IndexRow],
) -> Result<(), CommitError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let changed = tx.execute(
        "UPDATE tree SET size = ?1, root = ?2, checkpoint = ?3 WHERE id = 1 AND size = ?4",
        params![
            tree.size as i64,
            tree.root.0.to_vec(),
            tree.checkpoint,
            old_size as i64
        ],
    )?;
    if changed != 1 {
        return Err(CommitError::Lost(old_size));
    }
    insert_rows(&tx, rows)?;
    tx.commit()?;
    Ok(())
}

fn insert_rows(tx: &rusqlite::Transaction, rows: &[IndexRow]) -> DbResult<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO records (idx, leaf_hash, kind, precinct, signer, time, subject) VALUES (?1, ?2, ?3, COALESCE(?4, (SELECT precinct FROM records WHERE idx = ?8)), ?5, ?6, ?7)",
    )?;
    let mut document = tx.prepare_cached(
        "INSERT OR IGNORE INTO documents (sha256, media_type, size, idx) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for r in rows {
        insert.execute(params![
            r.index as i64,
            r.leaf_hash.0.to_vec(),
            r.kind,
            r.precinct,
            r.signer.to_vec(),
            r.time as i64,
            r.subject.map(|k| k.to_vec()),
            r.corrects.map(|i| i as i64)
        ])?;
        for d in &r.documents {
            document.execute(params![
                d.sha256.to_vec(),
                d.media_type,
                d.size as i64,
                r.index as i64
            ])?;
        }
    }
    Ok(())
}

/// Brings a cache of a bucket's log up to `tree`: the index rows of the entries from
/// `from_size` on, the signed tree, and the published checkpoint if it is newer than the
/// cached one, in one transaction. A new database gets its tree and published rows here.
pub fn catch_up(
    conn: &mut Connection,
    from_size: u64,
    tree: &SignedTree,
    rows: &[IndexRow],
    published: (u64, &[u8]),
) -> Result<(), CommitError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let changed = tx.execute(
        "INSERT INTO tree (id, size, root, checkpoint) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root, checkpoint = excluded.checkpoint WHERE size = ?4",
        params![
            tree.size as i64,
            tree.root.0.to_vec(),
            tree.checkpoint,
            from_size as i64
        ],
    )?;
    if changed != 1 {
        return Err(CommitError::Lost(from_size));
    }
    insert_rows(&tx, rows)?;
    tx.execute(
        "INSERT INTO published (id, size, checkpoint) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET size = excluded.size, checkpoint = excluded.checkpoint WHERE size <= excluded.size",
        params![published.0 as i64, published.1],
    )?;
    tx.commit()?;
    Ok(())
}

/// The index of an already logged record with this time and leaf hash.
pub fn find_leaf(conn: &Connection, time: u64, leaf: &Hash) -> DbResult<Option<u64>> {
    conn.prepare_cached("SELECT idx FROM records WHERE time = ?1 AND leaf_hash = ?2")?
        .query_row(params![time as i64, leaf.0.to_vec()], |row| {
            row.get::<_, i64>(0)
        })
        .optional()
        .map(|o| o.map(|i| i as u64))
}

/// The indexes of records of the given kinds, in log order.
pub fn indexes_of_kinds(conn: &Connection, kinds: &[u16]) -> DbResult<Vec<u64>> {
    let list = kinds
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT idx FROM records WHERE kind IN ({list}) ORDER BY idx"
    ))?;
    let rows = stmt.query_map([], |row| row.get::<_, i64>(0))?;
    rows.map(|r| r.map(|i| i as u64)).collect()
}

/// A row of the lookup index, as the API returns it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Found {
    pub index: u64,
    /// The kind's name (`records.md` §4), as the query names it.
    pub kind: &'static str,
    pub precinct: Option<u32>,
    pub time: u64,
    pub signer: String,
    pub leaf_hash: String,
}

/// Records by precinct and/or kind, in log order, at most `limit`.
pub fn find_records(
    conn: &Connection,
    precinct: Option<u32>,
    kind: Option<u16>,
    limit: u32,
) -> DbResult<Vec<Found>> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx, kind, precinct, time, signer, leaf_hash FROM records
         WHERE (?1 IS NULL OR precinct = ?1) AND (?2 IS NULL OR kind = ?2) ORDER BY idx LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![precinct, kind, limit], found)?;
    rows.collect()
}

/// Sets the key each record at these indexes enrolls or revokes, where the index lacks it (a
/// database made before it kept them), in one transaction.
pub fn fill_subjects(conn: &mut Connection, subjects: &[(u64, [u8; 32])]) -> DbResult<()> {
    let missing: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM records WHERE kind IN (?1, ?2) AND subject IS NULL)",
        params![
            election::Kind::KeyEnrollment.code(),
            election::Kind::KeyRevocation.code()
        ],
        |row| row.get(0),
    )?;
    if !missing {
        return Ok(());
    }
    let tx = conn.transaction()?;
    {
        let mut update = tx
            .prepare_cached("UPDATE records SET subject = ?2 WHERE idx = ?1 AND subject IS NULL")?;
        for (index, key) in subjects {
            update.execute(params![*index as i64, key.to_vec()])?;
        }
    }
    tx.commit()
}

/// The records that enroll or revoke `key` (of `kind`, if given), in log order, at most `limit`.
pub fn find_records_about(
    conn: &Connection,
    key: &[u8; 32],
    kind: Option<u16>,
    limit: u32,
) -> DbResult<Vec<Found>> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx, kind, precinct, time, signer, leaf_hash FROM records
         WHERE subject = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY idx LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![key.to_vec(), kind, limit], found)?;
    rows.collect()
}

fn found(row: &rusqlite::Row) -> rusqlite::Result<Found> {
    Ok(Found {
        index: row.get::<_, i64>(0)? as u64,
        kind: election::Kind::from_code(row.get(1)?).map_or("unknown", election::Kind::name),
        precinct: row.get(2)?,
        time: row.get::<_, i64>(3)? as u64,
        signer: hex::encode(row.get::<_, Vec<u8>>(4)?),
        leaf_hash: hex::encode(row.get::<_, Vec<u8>>(5)?),
    })
}

/// A referenced document: its media type and size, if a logged record references it.
pub fn document(conn: &Connection, sha256: &[u8; 32]) -> DbResult<Option<(String, u64)>> {
    conn.prepare_cached("SELECT media_type, size FROM documents WHERE sha256 = ?1")?
        .query_row([sha256.to_vec()], |row| {
            Ok((row.get(0)?, row.get::<_, i64>(1)? as u64))
        })
        .optional()
}

/// Every document a logged record references: its SHA-256, media type and size.
pub fn all_documents(conn: &Connection) -> DbResult<Vec<([u8; 32], String, u64)>> {
    let mut query = conn.prepare("SELECT sha256, media_type, size FROM documents ORDER BY idx")?;
    let rows = query.query_map([], |row| {
        let sha: Vec<u8> = row.get(0)?;
        let sha: [u8; 32] = sha.try_into().unwrap_or([0; 32]);
        Ok((sha, row.get(1)?, row.get::<_, i64>(2)? as u64))
    })?;
    rows.collect()
}

/// The published (cosigned) checkpoint.
pub fn load_published(conn: &Connection) -> DbResult<(u64, Vec<u8>)> {
    conn.query_row(
        "SELECT size, checkpoint FROM published WHERE id = 1",
        [],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)),
    )
}

/// Publishes a checkpoint, never one smaller than what is published.
pub fn publish(conn: &Connection, size: u64, checkpoint: &[u8]) -> DbResult<bool> {
    let changed = conn.execute(
        "UPDATE published SET size = ?1, checkpoint = ?2 WHERE id = 1 AND size <= ?1",
        params![size as i64, checkpoint],
    )?;
    Ok(changed == 1)
}

/// The size a witness last cosigned for this log (0 if never).
pub fn witness_size(conn: &Connection, name: &str) -> DbResult<u64> {
    Ok(conn
        .query_row(
            "SELECT size FROM witness_state WHERE name = ?1",
            [name],
            |row| row.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0) as u64)
}

/// Records that a witness cosigned a tree of `size`, unless it is known to have cosigned a
/// larger one (answers to two asks can arrive out of order).
pub fn raise_witness_size(conn: &Connection, name: &str, size: u64) -> DbResult<()> {
    conn.execute(
        "INSERT INTO witness_state (name, size) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET size = max(size, excluded.size)",
        params![name, size as i64],
    )?;
    Ok(())
}

/// Records the size a witness says it cosigned last (its 409 answer), whatever was known.
pub fn set_witness_size(conn: &Connection, name: &str, size: u64) -> DbResult<()> {
    conn.execute(
        "INSERT INTO witness_state (name, size) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET size = excluded.size",
        params![name, size as i64],
    )?;
    Ok(())
}
