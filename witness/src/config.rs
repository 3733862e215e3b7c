//! The witness's directory and its cosigning keys: where things live, how the keys are created
//! and loaded, and the checks on what an operator types (witness name, log origin, log key).
//!
//! A witness holds one or two keys under its one name: Ed25519 (cosignature/v1, type 0x04),
//! which every client of 2026 verifies, and ML-DSA-44 (subtree/v1, type 0x06), which
//! tlog-cosignature v1.1 asks new deployments to use and which stays convincing if Ed25519
//! falls to a quantum computer. Each key is the witness's whole identity: whoever holds it can
//! cosign anything. So it is created with mode 0600 from the start (never chmod-ed after,
//! which would leave a window), from the operating system's random source, and it is never
//! printed or logged.

use crate::error::Error;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use tlog::cosigner::CosignerSigningKey;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, VerifierKey};
use tlog::ml_dsa::ALG_ML_DSA_44;
use tlog::note::NoteVerifier;

/// The SQLite state database inside the witness directory.
pub const DB_FILE: &str = "witness.db";

/// A node that cosigns with keys kept in its directory: a witness, or a mirror (the `mirror`
/// crate), each under its own file names so that one is never taken for the other.
#[derive(Clone, Copy, Debug)]
pub struct Cosigner {
    /// What it is called in messages and commands: `witness`, `mirror`.
    pub node: &'static str,
    /// Its key files: `<stem>.key` (Ed25519) and `<stem>-ml-dsa-44.key`.
    pub stem: &'static str,
    /// A file whose presence also means the directory is taken (its state database).
    pub state: &'static str,
}

/// The witness's keys: DIR/witness.key and DIR/witness-ml-dsa-44.key.
pub const WITNESS: Cosigner = Cosigner {
    node: "witness",
    stem: "witness",
    state: DB_FILE,
};

/// A kind of cosigning key a witness holds (`witness init --keys`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyKind {
    /// Ed25519, cosignature/v1 (type 0x04).
    Ed25519,
    /// ML-DSA-44, subtree/v1 (type 0x06): post-quantum.
    #[value(name = "ml-dsa-44")]
    MlDsa44,
}

impl KeyKind {
    /// Both kinds, Ed25519 first: the order of the witness's cosignature lines.
    pub const ALL: [KeyKind; 2] = [KeyKind::Ed25519, KeyKind::MlDsa44];

    fn alg(self) -> u8 {
        match self {
            KeyKind::Ed25519 => ALG_COSIGNATURE_V1,
            KeyKind::MlDsa44 => ALG_ML_DSA_44,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => ".key",
            KeyKind::MlDsa44 => "-ml-dsa-44.key",
        }
    }
}

/// The file of the witness's key of `kind`.
pub fn key_path(dir: &Path, kind: KeyKind) -> PathBuf {
    WITNESS.key_path(dir, kind)
}

/// Whether `dir` holds a witness (a key of either kind).
pub fn is_witness(dir: &Path) -> bool {
    WITNESS.holds_keys(dir)
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

/// Creates the directory (if needed) and a new witness key of each of `kinds` in it;
/// refuses to replace a witness.
pub fn create_keys(
    dir: &Path,
    name: &str,
    kinds: &[KeyKind],
) -> Result<Vec<CosignerSigningKey>, Error> {
    WITNESS.create_keys(dir, name, kinds)
}

/// Makes a new directory entry durable (the file's own fsync does not cover its name).
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(format!("cannot sync {}", dir.display())))
}

/// Loads the witness's cosigning keys (Ed25519 first).
pub fn load_keys(dir: &Path) -> Result<Vec<CosignerSigningKey>, Error> {
    WITNESS.load_keys(dir)
}

impl Cosigner {
    /// The file of this node's key of `kind` in `dir`.
    pub fn key_path(&self, dir: &Path, kind: KeyKind) -> PathBuf {
        dir.join(format!("{}{}", self.stem, kind.suffix()))
    }

    /// Whether `dir` holds this node's keys (a key of either kind).
    pub fn holds_keys(&self, dir: &Path) -> bool {
        KeyKind::ALL.iter().any(|&k| self.key_path(dir, k).exists())
    }

    /// Creates the directory (if needed) and a new cosigning key of each of `kinds` in it;
    /// refuses to replace keys or state already there.
    pub fn create_keys(
        &self,
        dir: &Path,
        name: &str,
        kinds: &[KeyKind],
    ) -> Result<Vec<CosignerSigningKey>, Error> {
        let node = self.node;
        check_witness_name(name)?;
        if kinds.is_empty() {
            return Err(Error::Invalid(format!("a {node} needs at least one key")));
        }
        if name.len() > 255 && kinds.contains(&KeyKind::MlDsa44) {
            return Err(Error::Invalid(format!(
                "{name:?} is longer than 255 bytes, too long for an ML-DSA-44 cosigner's name"
            )));
        }
        // 0700: the directory holds the keys and the state; nobody else needs to list it.
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(Error::io(format!("cannot create {}", dir.display())))?;
        if self.holds_keys(dir) || dir.join(self.state).exists() {
            return Err(Error::Invalid(format!(
                "{} already holds a {node}; refusing to overwrite its keys (a new key is a new \
                 {node}: use another directory)",
                dir.display()
            )));
        }
        let mut keys = Vec::new();
        for kind in KeyKind::ALL.into_iter().filter(|k| kinds.contains(k)) {
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(&mut seed[..]).map_err(|e| {
                Error::Invalid(format!(
                    "the operating system's random source failed ({e}); no key was written"
                ))
            })?;
            let key = CosignerSigningKey::from_seed(name, kind.alg(), &seed)
                .map_err(|e| Error::Invalid(format!("cannot make a key named {name:?}: {e}")))?;
            // Never overwritten: if another `init` raced us, one of the two fails instead of
            // both writing. Unsealed: the node starts unattended.
            keyfile::create(&self.key_path(dir, kind), &key, keyfile::Protection::None)
                .map_err(from_keyfile)?;
            keys.push(key);
        }
        Ok(keys)
    }

    /// Loads this node's cosigning keys (Ed25519 first), refusing a key file that others can
    /// read (anyone who read it could cosign as this node: retire it), a file holding a key of
    /// the other kind, and keys under two names.
    pub fn load_keys(&self, dir: &Path) -> Result<Vec<CosignerSigningKey>, Error> {
        let node = self.node;
        if !self.holds_keys(dir) {
            return Err(Error::Invalid(format!(
                "{} has no {node} key; run `{node} init {} --name NAME` first",
                dir.display(),
                dir.display()
            )));
        }
        let mut keys: Vec<CosignerSigningKey> = Vec::new();
        for kind in KeyKind::ALL {
            let path = self.key_path(dir, kind);
            if !path.exists() {
                continue;
            }
            let shown = path.display().to_string();
            let key: CosignerSigningKey =
                keyfile::load(&path, || keyfile::passphrase::for_key(&shown))
                    .map_err(from_keyfile)?;
            if key.alg() != kind.alg() {
                return Err(Error::Invalid(format!(
                    "{shown} holds a type 0x{:02x} key, not the {kind:?} key (type 0x{:02x}) \
                     its name says; {node} keys are made by `{node} init`",
                    key.alg(),
                    kind.alg()
                )));
            }
            if let Some(first) = keys.first()
                && first.verifier().name() != key.verifier().name()
            {
                return Err(Error::Invalid(format!(
                    "the {node}'s keys have two names ({} and {}); a {node} has one",
                    first.verifier().name(),
                    key.verifier().name()
                )));
            }
            keys.push(key);
        }
        Ok(keys)
    }
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
