//! The witness's directory and its cosigning key: where things live, how the key is created
//! and loaded, and the checks on what an operator types (witness name, log origin, log key).
//!
//! The key is the witness's whole identity: whoever holds it can cosign anything. So it is
//! created with mode 0600 from the start (never chmod-ed after, which would leave a window),
//! from the operating system's random source, and it is never printed or logged.

use crate::error::Error;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey, VerifierKey};

/// The private key file inside the witness directory.
pub const KEY_FILE: &str = "witness.key";
/// The SQLite state database inside the witness directory.
pub const DB_FILE: &str = "witness.db";

pub fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

/// Seconds since the Unix epoch, at least 1: a cosignature's timestamp must never be 0, and a
/// clock set before 1970 must not make the witness sign one.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_secs().max(1))
}

/// Checks a witness name: a signed-note key name, ideally a schema-less URL.
pub fn check_witness_name(name: &str) -> Result<(), Error> {
    if !tlog::note::is_valid_key_name(name) {
        return Err(Error::Invalid(format!(
            "{name:?} cannot be a witness name: a name is non-empty and has no spaces and no '+'; \
             use a schema-less URL naming your organization's witness, such as \
             witness.example.kg/observer-1"
        )));
    }
    Ok(())
}

/// Creates the directory (if needed) and a new cosigning key in it; refuses to replace a key.
pub fn create_key(dir: &Path, name: &str) -> Result<SignerKey, Error> {
    check_witness_name(name)?;
    // 0700: the directory holds the key and the evidence; nobody else needs to list it.
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(Error::io(format!("cannot create {}", dir.display())))?;
    let path = key_path(dir);
    if path.exists() || db_path(dir).exists() {
        return Err(Error::Invalid(format!(
            "{} already holds a witness; refusing to overwrite its key (a new key is a new \
             witness: use another directory)",
            dir.display()
        )));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| {
        Error::Invalid(format!(
            "the operating system's random source failed ({e}); no key was written"
        ))
    })?;
    let key = SignerKey::from_seed(name, ALG_COSIGNATURE_V1, &seed)
        .map_err(|e| Error::Invalid(format!("cannot make a key named {name:?}: {e}")))?;
    seed.fill(0);
    // Never overwritten: if another `init` raced us, one of the two fails instead of both
    // writing. Unsealed: the witness starts unattended.
    keyfile::create(&path, &key, keyfile::Protection::None).map_err(from_keyfile)?;
    Ok(key)
}

/// Makes a new directory entry durable (the file's own fsync does not cover its name).
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(format!("cannot sync {}", dir.display())))
}

/// Loads the cosigning key, refusing a key file that others can read (anyone who read it
/// could cosign as this witness: retire it).
pub fn load_key(dir: &Path) -> Result<SignerKey, Error> {
    let path = key_path(dir);
    if !path.exists() {
        return Err(Error::not_a_witness(dir));
    }
    let name = path.display().to_string();
    let key = keyfile::load(&path, || keyfile::passphrase::for_key(&name)).map_err(from_keyfile)?;
    if key.alg() != ALG_COSIGNATURE_V1 {
        return Err(Error::Invalid(format!(
            "{} is not a cosignature/v1 key (type 0x04); a witness key is made by `witness init`",
            path.display()
        )));
    }
    Ok(key)
}

/// A key file's failure, as the witness reports it.
fn from_keyfile(e: keyfile::KeyFileError) -> Error {
    match e {
        keyfile::KeyFileError::Io { path, source } => Error::Io {
            what: format!("{}", path.display()),
            source,
        },
        other => Error::Invalid(other.to_string()),
    }
}

/// Checks a log origin typed by the operator: it must be able to be a checkpoint's first line.
pub fn check_origin(origin: &str) -> Result<(), Error> {
    if origin.is_empty() || origin.chars().any(|c| (c as u32) < 0x20) {
        return Err(Error::Invalid(format!(
            "{origin:?} cannot be a log origin: an origin is the first line of the log's \
             checkpoints, non-empty and without control characters (for example \
             shailoo.gov.kg/ledger/2026-11-30-parliamentary)"
        )));
    }
    Ok(())
}

/// Parses a log's public key: a vkey of type 0x01 (Ed25519), as C2SP checkpoints are signed.
pub fn parse_log_vkey(vkey: &str) -> Result<VerifierKey, Error> {
    let key = VerifierKey::parse(vkey.trim()).map_err(|e| {
        Error::Invalid(format!(
            "{vkey:?} is not a log verifier key ({e}); ask the log operator for its vkey, of \
             the form <name>+<8 hex digits>+<base64 key>"
        ))
    })?;
    if key.alg() != ALG_ED25519 {
        return Err(Error::Invalid(format!(
            "{vkey:?} is a type 0x{:02x} key; a log signs its checkpoints with an Ed25519 key \
             (type 0x01). A cosignature (witness) key cannot be a log key",
            key.alg()
        )));
    }
    Ok(key)
}
