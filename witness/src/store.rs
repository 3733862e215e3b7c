//! The witness's durable state in SQLite (`DIR/witness.db`): the logs it witnesses, the last
//! checkpoint it cosigned for each, and the evidence of log misbehaviour it has kept.
//!
//! Every change to a log's state goes through [`Store::compare_and_swap`]: inside the one
//! write transaction, it reads the log's keys and state, lets the caller decide, writes, and
//! returns only after the commit. With WAL and `synchronous=FULL` a commit is on disk when it
//! returns, so an answer is never sent for a state that a crash could lose; and because the
//! read and the write happen in one write transaction on the one writing connection, two
//! requests for one origin can never both win (the race tlog-witness warns about). Writes
//! waiting together are committed together ([`crate::commit`]): one fsync for many logs.
//!
//! Triggers refuse to shrink a state or delete one, or to remove a log: a witness that forgets
//! what it cosigned could be led to cosign a split view, so no code path, and no stray SQL
//! typed by an operator, may do it.

use crate::commit::Committer;
use crate::error::Error;
use crate::evidence::EvidenceRecord;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tlog::Hash;
use tlog::keys::VerifierKey;

/// The schema version this code reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE logs (
    origin      TEXT NOT NULL,
    origin_hash TEXT NOT NULL,
    vkey        TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (origin, vkey)
) STRICT;
CREATE TABLE state (
    origin      TEXT PRIMARY KEY,
    origin_hash TEXT NOT NULL UNIQUE,
    size        INTEGER NOT NULL CHECK (size >= 0),
    root        BLOB NOT NULL CHECK (length(root) = 32),
    checkpoint  BLOB NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE evidence (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    origin              TEXT NOT NULL,
    received_at         INTEGER NOT NULL,
    request             BLOB NOT NULL,
    reason              TEXT NOT NULL,
    cosigned_checkpoint BLOB,
    checkpoint_hash     BLOB NOT NULL UNIQUE
) STRICT;
CREATE TRIGGER state_never_shrinks BEFORE UPDATE ON state
    WHEN NEW.size < OLD.size OR NEW.origin IS NOT OLD.origin
BEGIN SELECT RAISE(ABORT, 'a witness state never goes backwards'); END;
CREATE TRIGGER state_is_kept BEFORE DELETE ON state
BEGIN SELECT RAISE(ABORT, 'a witness never forgets what it cosigned'); END;
CREATE TRIGGER logs_are_kept BEFORE DELETE ON logs
BEGIN SELECT RAISE(ABORT, 'a witnessed log is never removed'); END;
CREATE TRIGGER evidence_is_kept BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never deleted'); END;
";

/// What the witness last cosigned for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogState {
    pub size: u64,
    pub root: Hash,
    /// The checkpoint as the monitoring endpoint serves it: the log's signature(s) and this
    /// witness's cosignature.
    pub checkpoint: Vec<u8>,
    pub updated_at: u64,
}

/// A refused checkpoint to keep as evidence.
#[derive(Clone, Debug)]
pub struct NewEvidence {
    pub received_at: u64,
    /// The request body, verbatim.
    pub request: Vec<u8>,
    pub reason: String,
    /// The checkpoint this witness had cosigned when it refused, if any: with the refused one,
    /// two signed statements of the log that contradict each other.
    pub cosigned_checkpoint: Option<Vec<u8>>,
    /// SHA-256 of the refused checkpoint's text: one record per checkpoint, however often it
    /// is replayed (with other proofs or other unknown signatures).
    pub checkpoint_hash: Hash,
}

/// What [`Store::compare_and_swap`]'s caller decided, with the answer to return.
pub enum Decision<T> {
    /// Replace the state with this one, then answer.
    Advance { state: LogState, answer: T },
    /// Keep the state, record this evidence, then answer.
    Evidence { evidence: NewEvidence, answer: T },
    /// Change nothing and answer.
    Refuse(T),
}

/// One witnessed log, for listings.
#[derive(Clone, Debug)]
pub struct LogInfo {
    pub origin: String,
    pub vkeys: Vec<String>,
    pub added_at: u64,
    pub size: Option<u64>,
    pub updated_at: Option<u64>,
}

/// The open database: one connection, owned by the committing thread, for every write; one
/// for readers, so that the monitoring endpoint never waits behind an fsync.
pub struct Store {
    path: PathBuf,
    writer: Committer,
    reader: Mutex<Connection>,
    parsed_keys: Arc<KeyCache>,
}

/// Parsed log keys by their text: parsing decompresses a curve point, which showed up in the
/// benchmark's profile. A text always parses to the same key, so it never goes stale.
type KeyCache = Mutex<HashMap<String, VerifierKey>>;

/// A lock on a connection or the key cache. A panic while one was held leaves no half-done
/// transaction (the transaction rolls back when dropped) and no half-added key, so a poisoned
/// lock is safe to take over.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    /// Creates a new, empty database. Used by `witness init` only.
    pub fn create(path: &Path) -> Result<Store, Error> {
        if path.exists() {
            return Err(Error::Invalid(format!(
                "{} already exists; refusing to replace a witness's state",
                path.display()
            )));
        }
        let what = format!("cannot create {}", path.display());
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(Error::db(&what))?;
        configure(&conn).map_err(Error::db(&what))?;
        conn.execute_batch(&format!(
            "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        ))
        .map_err(Error::db(&what))?;
        drop(conn);
        Store::open(path)
    }

    /// Opens an existing database. A missing one is an error, never silently recreated: a
    /// witness that starts over from nothing could cosign a split view.
    pub fn open(path: &Path) -> Result<Store, Error> {
        if !path.exists() {
            return Err(Error::Invalid(format!(
                "{} is missing. A witness must never forget what it cosigned: restore it from \
                 your backup. If this witness never ran, run `witness init` in a new directory",
                path.display()
            )));
        }
        let what = format!("cannot open {}", path.display());
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            configure(&conn)?;
            Ok(conn)
        };
        let writer = open().map_err(Error::db(&what))?;
        let version: i64 = writer
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(Error::db(&what))?;
        if version != SCHEMA_VERSION {
            return Err(Error::Invalid(format!(
                "{} has schema version {version}, and this witness reads version \
                 {SCHEMA_VERSION}; use the witness release that wrote it",
                path.display()
            )));
        }
        let reader = open().map_err(Error::db(&what))?;
        Ok(Store {
            path: path.to_path_buf(),
            writer: Committer::start(writer, format!("cannot commit to {}", path.display()))?,
            reader: Mutex::new(reader),
            parsed_keys: Arc::default(),
        })
    }

    fn what(&self, doing: &str) -> String {
        format!("{doing} in {}", self.path.display())
    }

    /// Adds a log key for an origin. Returns false if that exact key was already there.
    pub fn add_log(&self, origin: &str, vkey: &VerifierKey, now: u64) -> Result<bool, Error> {
        let (origin, vkey) = (origin.to_owned(), vkey.to_string());
        let what = self.what("cannot add the log");
        self.writer.write(move |conn| {
            let added = conn
                .execute(
                    "INSERT OR IGNORE INTO logs (origin, origin_hash, vkey, added_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![origin, tlog::witness::origin_hash(&origin), vkey, now],
                )
                .map_err(Error::db(what))?;
            Ok(added == 1)
        })
    }

    /// The keys of one origin's log (`None` if it is not witnessed), read beside the writer:
    /// what to verify a checkpoint against before taking a place in the write queue.
    pub fn log_keys(&self, origin: &str) -> Result<Option<Vec<VerifierKey>>, Error> {
        let conn = lock(&self.reader);
        load_keys(&self.parsed_keys, &conn, origin)
    }

    /// Every witnessed log with its keys and its state.
    pub fn logs(&self) -> Result<Vec<LogInfo>, Error> {
        let conn = lock(&self.reader);
        let rows = || -> rusqlite::Result<Vec<LogInfo>> {
            let mut stmt = conn.prepare(
                "SELECT l.origin, l.vkey, l.added_at, s.size, s.updated_at
                 FROM logs l LEFT JOIN state s ON s.origin = l.origin
                 ORDER BY l.origin, l.added_at, l.vkey",
            )?;
            let mut out: Vec<LogInfo> = Vec::new();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let origin: String = r.get(0)?;
                let vkey: String = r.get(1)?;
                match out.last_mut() {
                    Some(last) if last.origin == origin => last.vkeys.push(vkey),
                    _ => out.push(LogInfo {
                        origin,
                        vkeys: vec![vkey],
                        added_at: r.get(2)?,
                        size: r.get(3)?,
                        updated_at: r.get(4)?,
                    }),
                }
            }
            Ok(out)
        };
        rows().map_err(Error::db(self.what("cannot list the logs")))
    }

    /// The checkpoint last cosigned for the origin whose SHA-256 is `origin_hash` (lower-case
    /// hex), as the monitoring endpoint serves it.
    pub fn latest_checkpoint(&self, origin_hash: &str) -> Result<Option<Vec<u8>>, Error> {
        let conn = lock(&self.reader);
        conn.query_row(
            "SELECT checkpoint FROM state WHERE origin_hash = ?1",
            [origin_hash],
            |r| r.get(0),
        )
        .optional()
        .map_err(Error::db(self.what("cannot read the state")))
    }

    /// The state of one origin.
    pub fn state(&self, origin: &str) -> Result<Option<LogState>, Error> {
        let conn = lock(&self.reader);
        load_state(&conn, origin).map_err(Error::db(self.what("cannot read the state")))
    }

    /// All evidence, oldest first.
    pub fn evidence(&self) -> Result<Vec<EvidenceRecord>, Error> {
        let conn = lock(&self.reader);
        let rows = || -> rusqlite::Result<Vec<EvidenceRecord>> {
            let mut stmt = conn.prepare(
                "SELECT id, origin, received_at, request, reason, cosigned_checkpoint
                 FROM evidence ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                let request: Vec<u8> = r.get(3)?;
                let cosigned: Option<Vec<u8>> = r.get(5)?;
                Ok(EvidenceRecord::new(
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    &request,
                    r.get(4)?,
                    cosigned.as_deref(),
                ))
            })?
            .collect()
        };
        rows().map_err(Error::db(self.what("cannot read the evidence")))
    }

    /// The compare-and-swap of one origin's state.
    ///
    /// In the write transaction: reads the origin's log keys (`None` if the origin is not
    /// witnessed) and its state, calls `decide`, and writes what it decided. Returns only after
    /// the commit is durable; on any error nothing was written and the caller must not answer
    /// as if it had been.
    pub fn compare_and_swap<T: Send + 'static>(
        &self,
        origin: &str,
        decide: impl FnOnce(Option<&[VerifierKey]>, Option<&LogState>) -> Decision<T> + Send + 'static,
    ) -> Result<T, Error> {
        let origin = origin.to_owned();
        let what = self.what("cannot record the state");
        let evidence_what = self.what("cannot record evidence");
        let key_cache = self.parsed_keys.clone();
        self.writer.write(move |tx| {
            let keys = load_keys(&key_cache, tx, &origin)?;
            let state = load_state(tx, &origin).map_err(Error::db(&what))?;
            match decide(keys.as_deref(), state.as_ref()) {
                Decision::Refuse(answer) => Ok(answer),
                Decision::Advance { state: new, answer } => {
                    let swapped =
                        swap_state(tx, &origin, state.as_ref(), &new).map_err(Error::db(&what))?;
                    if !swapped {
                        return Err(Error::Invalid(format!(
                            "{what}: the state of {origin} changed under the compare-and-swap"
                        )));
                    }
                    Ok(answer)
                }
                Decision::Evidence { evidence, answer } => {
                    keep_evidence(tx, &origin, &evidence).map_err(Error::db(evidence_what))?;
                    Ok(answer)
                }
            }
        })
    }
}

/// Replaces `old` by `new`; whether exactly the state `old` was replaced.
fn swap_state(
    tx: &Connection,
    origin: &str,
    old: Option<&LogState>,
    new: &LogState,
) -> rusqlite::Result<bool> {
    let changed = match old {
        None => tx
            .prepare_cached(
                "INSERT INTO state (origin, origin_hash, size, root, checkpoint, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                origin,
                tlog::witness::origin_hash(origin),
                new.size,
                &new.root.0[..],
                new.checkpoint,
                new.updated_at
            ])?,
        // The WHERE clause repeats the compare: belt and braces over the single writer.
        Some(old) => tx
            .prepare_cached(
                "UPDATE state SET size = ?2, root = ?3, checkpoint = ?4, updated_at = ?5
                 WHERE origin = ?1 AND size = ?6 AND root = ?7",
            )?
            .execute(params![
                origin,
                new.size,
                &new.root.0[..],
                new.checkpoint,
                new.updated_at,
                old.size,
                &old.root.0[..]
            ])?,
    };
    Ok(changed == 1)
}

/// Keeps one piece of evidence (once per refused checkpoint text).
fn keep_evidence(tx: &Connection, origin: &str, evidence: &NewEvidence) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO evidence
         (origin, received_at, request, reason, cosigned_checkpoint, checkpoint_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        origin,
        evidence.received_at,
        evidence.request,
        evidence.reason,
        evidence.cosigned_checkpoint,
        &evidence.checkpoint_hash.0[..]
    ])?;
    Ok(())
}

/// Per-connection settings. WAL lets readers run beside the writer; `synchronous=FULL` makes
/// each commit fsync the WAL, so a committed state survives power loss, not just a crash.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "the database refused WAL mode (journal_mode is {mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// The keys of `origin`'s log as stored, parsed through `cache`.
fn load_keys(
    cache: &KeyCache,
    conn: &Connection,
    origin: &str,
) -> Result<Option<Vec<VerifierKey>>, Error> {
    let what = "cannot read the log keys";
    let mut stmt = conn
        .prepare_cached("SELECT vkey FROM logs WHERE origin = ?1")
        .map_err(Error::db(what))?;
    let vkeys: Vec<String> = stmt
        .query_map([origin], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(Error::db(what))?;
    if vkeys.is_empty() {
        return Ok(None);
    }
    // Keys were checked when added; a key that no longer parses means the file was edited.
    let mut cache = lock(cache);
    vkeys
        .iter()
        .map(|v| {
            if let Some(key) = cache.get(v) {
                return Ok(key.clone());
            }
            let key = VerifierKey::parse(v).map_err(|e| {
                Error::Invalid(format!(
                    "the stored key {v:?} of {origin} does not parse ({e}): the database was \
                     altered; restore it from your backup"
                ))
            })?;
            cache.insert(v.clone(), key.clone());
            Ok(key)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn load_state(conn: &Connection, origin: &str) -> rusqlite::Result<Option<LogState>> {
    conn.prepare_cached("SELECT size, root, checkpoint, updated_at FROM state WHERE origin = ?1")?
        .query_row([origin], |r| {
            let root: Vec<u8> = r.get(1)?;
            let root: [u8; 32] = root.try_into().map_err(|_| {
                rusqlite::Error::InvalidColumnType(1, "root".into(), rusqlite::types::Type::Blob)
            })?;
            Ok(LogState {
                size: r.get(0)?,
                root: Hash(root),
                checkpoint: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "witness-store-{tag}-{}-{}",
            std::process::id(),
            crate::config::now_unix()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("witness.db")
    }

    fn state(size: u64, byte: u8) -> LogState {
        LogState {
            size,
            root: Hash([byte; 32]),
            checkpoint: vec![byte],
            updated_at: 1,
        }
    }

    #[test]
    fn the_database_refuses_to_forget() {
        let path = temp_db("forget");
        let store = Store::create(&path).unwrap();
        assert!(
            Store::create(&path).is_err(),
            "create must not replace a database"
        );
        store
            .compare_and_swap("o", |_, _| Decision::Advance {
                state: state(5, 1),
                answer: (),
            })
            .unwrap();
        let conn = Connection::open(&path).unwrap();
        for sql in [
            "UPDATE state SET size = 4",
            "DELETE FROM state",
            "UPDATE state SET origin = 'p'",
        ] {
            assert!(conn.execute(sql, []).is_err(), "{sql} was allowed");
        }
        drop(conn);
        assert_eq!(store.state("o").unwrap().unwrap().size, 5);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn compare_and_swap_sees_the_previous_state_and_refusals_write_nothing() {
        let path = temp_db("cas");
        let store = Store::create(&path).unwrap();
        let seen = store
            .compare_and_swap("o", |keys, s| {
                assert!(keys.is_none());
                Decision::Advance {
                    state: state(3, 2),
                    answer: s.cloned(),
                }
            })
            .unwrap();
        assert_eq!(seen, None);
        store
            .compare_and_swap("o", |_, s| {
                assert_eq!(s, Some(&state(3, 2)));
                Decision::Refuse(())
            })
            .unwrap();
        assert_eq!(store.state("o").unwrap(), Some(state(3, 2)));
        assert!(Store::open(&path.with_file_name("absent.db")).is_err());
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
