//! What this verifier remembers between runs: for each log — its origin **and** its key (two
//! logs may share an origin, and one's checkpoints say nothing about the other's) — the last
//! checkpoint it accepted, so that the next run can prove the log only grew — and catch a
//! rollback or a fork — before believing anything new.
//!
//! The directory is `--state-dir DIR`, else `$XDG_DATA_HOME/shailoo-verifier`, else
//! `~/.local/share/shailoo-verifier`. Each log has one file, named by the lower-case hex
//! SHA-256 of `<origin>\n<the policy's vkeys for it>` ([`LogId`]), holding the signed checkpoint
//! note exactly as it was accepted. Files are replaced atomically (temporary file, fsync,
//! rename).

use crate::outcome::Failure;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use tlog::Checkpoint;
use tlog::note::Note;

/// A log as this verifier knows it: its origin and the key(s) the policy trusts for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogId {
    pub origin: String,
    /// The policy's vkeys for the origin, sorted, separated by spaces.
    pub keys: String,
}

impl LogId {
    /// The name of its state file.
    fn file_name(&self) -> String {
        // The lower-case hex SHA-256, as witnesses name logs by their origin.
        tlog::witness::origin_hash(&format!("{}\n{}", self.origin, self.keys))
    }
}

/// The state directory.
#[derive(Clone, Debug)]
pub struct State {
    dir: PathBuf,
}

/// A checkpoint remembered from an earlier run.
#[derive(Clone, Debug)]
pub struct Remembered {
    pub checkpoint: Checkpoint,
    /// The signed note, verbatim.
    pub note: Vec<u8>,
    /// When it was remembered, if the file system says.
    pub saved: Option<std::time::SystemTime>,
}

impl State {
    /// The state directory to use: `given`, else the user's data directory.
    pub fn locate(given: Option<&Path>) -> Result<State, Failure> {
        if let Some(dir) = given {
            return Ok(State {
                dir: dir.to_path_buf(),
            });
        }
        let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
                Some(home) => PathBuf::from(home).join(".local/share"),
                None => {
                    return Err(Failure::Usage(
                        "neither XDG_DATA_HOME nor HOME is set: say where to keep state with --state-dir DIR".into(),
                    ));
                }
            },
        };
        Ok(State {
            dir: base.join("shailoo-verifier"),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the last checkpoint accepted for `log`.
    pub fn path_for(&self, log: &LogId) -> PathBuf {
        self.dir.join(log.file_name())
    }

    /// The checkpoint accepted earlier for `log`, if any.
    pub fn load(&self, log: &LogId) -> Result<Option<Remembered>, Failure> {
        let origin = &log.origin;
        let path = self.path_for(log);
        let note = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Failure::Usage(format!(
                    "cannot read the remembered checkpoint {}: {e}",
                    path.display()
                )));
            }
        };
        let damaged = |why: String| {
            Failure::Usage(format!(
                "the remembered checkpoint {} is damaged ({why}); move it away to start afresh for this log",
                path.display()
            ))
        };
        let parsed = Note::parse(&note).map_err(|e| damaged(e.to_string()))?;
        let checkpoint = Checkpoint::parse(&parsed.text).map_err(|e| damaged(e.to_string()))?;
        if checkpoint.origin != *origin {
            return Err(damaged(format!("it is for {:?}", checkpoint.origin)));
        }
        let saved = fs::metadata(&path).and_then(|m| m.modified()).ok();
        Ok(Some(Remembered {
            checkpoint,
            note,
            saved,
        }))
    }

    /// What an earlier version of this verifier remembered for `origin` alone (a file named by
    /// the SHA-256 of the origin), if anything. The caller must check that the log's key
    /// signed it before taking it as this log's ([`LogId`]).
    pub fn load_by_origin_only(&self, origin: &str) -> Option<Remembered> {
        let path = self.dir.join(tlog::witness::origin_hash(origin));
        let note = fs::read(&path).ok()?;
        let parsed = Note::parse(&note).ok()?;
        let checkpoint = Checkpoint::parse(&parsed.text).ok()?;
        (checkpoint.origin == origin).then(|| Remembered {
            checkpoint,
            note,
            saved: fs::metadata(&path).and_then(|m| m.modified()).ok(),
        })
    }

    /// Remembers `note` as the last checkpoint accepted for `log`, atomically.
    pub fn save(&self, log: &LogId, note: &[u8]) -> Result<(), Failure> {
        let path = self.path_for(log);
        let fail = |e: std::io::Error| {
            Failure::Usage(format!(
                "cannot remember the checkpoint in {}: {e}",
                self.dir.display()
            ))
        };
        fs::create_dir_all(&self.dir).map_err(fail)?;
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", log.file_name(), std::process::id()));
        let mut f = fs::File::create(&tmp).map_err(fail)?;
        f.write_all(note).map_err(fail)?;
        f.sync_all().map_err(fail)?;
        drop(f);
        fs::rename(&tmp, &path).map_err(fail)?;
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::keys::{ALG_ED25519, SignerKey};

    #[test]
    fn save_load_round_trip_and_damage() {
        let dir = std::env::temp_dir().join(format!("verifier-state-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let state = State::locate(Some(&dir)).unwrap();
        let origin = "example.com/log";
        let key = SignerKey::from_seed(origin, ALG_ED25519, &[1; 32]).unwrap();
        let log = LogId {
            origin: origin.into(),
            keys: key.verifier().to_string(),
        };
        assert!(state.load(&log).unwrap().is_none());
        let cp = Checkpoint {
            origin: origin.into(),
            size: 5,
            root: tlog::leaf_hash(b"x"),
            extensions: vec![],
        };
        let note = tlog::note::sign(&cp.to_text(), &[&key]).unwrap().to_bytes();
        state.save(&log, &note).unwrap();
        let got = state.load(&log).unwrap().unwrap();
        assert_eq!((got.checkpoint, got.note), (cp, note));
        // Another log, or another key for the same origin: nothing remembered for it.
        let other_origin = LogId {
            origin: "example.com/other".into(),
            ..log.clone()
        };
        assert!(state.load(&other_origin).unwrap().is_none());
        let other_key = LogId {
            keys: "another-key".into(),
            ..log.clone()
        };
        assert!(state.load(&other_key).unwrap().is_none());
        assert_ne!(state.path_for(&other_key), state.path_for(&log));
        fs::write(state.path_for(&log), b"garbage").unwrap();
        assert!(matches!(state.load(&log), Err(Failure::Usage(m)) if m.contains("damaged")));
        fs::remove_dir_all(&dir).unwrap();
    }
}
