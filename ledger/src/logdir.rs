//! A log's directory: its configuration, its keys and where its state lives.
//!
//! ```text
//! DIR/config.json   origin, CEC root key, witnesses and quorum, batching
//! DIR/log.key       the log's signing key (mode 0600)
//! DIR/root.key      the CEC root key, created by `init` for tests and demos only (mode 0600)
//! DIR/ledger.db     SQLite: signed and published checkpoints, witness state, lookup index
//! DIR/lock          held (flock) by the one `ledger serve` of this log
//! DIR/public/       what clients read: checkpoint, tile/…, blob/…
//! ```
//!
//! A log whose configuration names a bucket (`storage`) keeps `public/` there instead, with
//! the sequencer's lease beside it; `ledger.db` is then a cache of the bucket that a new
//! machine rebuilds, and two directories with the same `config.json` and `log.key` on two
//! machines are the log's two sequencers.

use serde::{Deserialize, Serialize};
use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use thiserror::Error;
use tlog::cosigner::CosignerKey;
use tlog::keys::{ALG_ED25519, SignerKey, VerifierKey};
use tlog::note::NoteVerifier;

#[derive(Debug, Error)]
pub enum DirError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DirError + '_ {
    move |source| DirError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A witness the log asks for cosignatures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WitnessConfig {
    pub name: String,
    /// The witness's keys, one per kind (Ed25519, ML-DSA-44), as `witness vkey` prints them.
    /// Read from the single `vkey` of a configuration written before witnesses had two.
    #[serde(alias = "vkey", deserialize_with = "one_or_more")]
    pub vkeys: Vec<String>,
    pub url: String,
}

impl WitnessConfig {
    /// The witness's keys, parsed.
    pub fn keys(&self) -> Result<Vec<CosignerKey>, DirError> {
        self.vkeys
            .iter()
            .map(|v| {
                CosignerKey::parse(v)
                    .map_err(|e| DirError::Invalid(format!("witness {}: {e}", self.name)))
            })
            .collect()
    }
}

/// A string or a list of strings, as a list.
fn one_or_more<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMore {
        One(String),
        More(Vec<String>),
    }
    Ok(match OneOrMore::deserialize(d)? {
        OneOrMore::One(v) => vec![v],
        OneOrMore::More(vs) => vs,
    })
}

/// The witnesses and the quorum as tlog-policy lines, for the citizens' policy: one `witness`
/// line per key, each with the witness's URL. A witness with two keys is also a group that
/// either of its cosignatures satisfies (`<name>` over `<name>-ed25519` and
/// `<name>-ml-dsa-44`), so that it counts once toward the quorum. A policy that must hold
/// after Ed25519 falls names the `-ml-dsa-44` lines alone in its groups instead.
pub fn add_witnesses_to_policy(
    policy: &mut tlog::policy::Policy,
    witnesses: &[WitnessConfig],
    quorum: usize,
) -> Result<(), String> {
    let mut members = Vec::new();
    for w in witnesses {
        let keys = w.keys().map_err(|e| e.to_string())?;
        if let [key] = &keys[..] {
            policy.add_witness(&w.name, key.clone(), Some(w.url.clone()))?;
        } else {
            let names: Vec<String> = keys
                .iter()
                .map(|k| format!("{}-{}", w.name, k.algorithm_name().to_ascii_lowercase()))
                .collect();
            for (key, name) in keys.iter().zip(&names) {
                policy.add_witness(name, key.clone(), Some(w.url.clone()))?;
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            policy.add_group(&w.name, 1, &names)?;
        }
        members.push(w.name.as_str());
    }
    if members.is_empty() {
        return policy.set_quorum("none");
    }
    policy.add_group("observers", quorum.max(1), &members)?;
    policy.set_quorum("observers")
}

/// The log's configuration, in `config.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    pub origin: String,
    /// The election id: the origin's last path segment.
    pub election: String,
    /// The CEC root key, as a vkey of type 0x01.
    pub root_vkey: String,
    pub witnesses: Vec<WitnessConfig>,
    /// How many witnesses must cosign before a checkpoint is published.
    pub quorum: usize,
    /// How long a batch collects submissions before it is sequenced.
    pub batch_interval_ms: u64,
    /// The most records in one batch.
    pub max_batch: usize,
    /// Submissions waiting beyond this many are refused with 429.
    pub max_pending: usize,
    /// How far ahead of this server's clock a record's claimed time may be (seconds).
    #[serde(default = "default_max_ahead")]
    pub max_ahead_s: u64,
    /// How far behind it may be: the offline lag (seconds).
    #[serde(default = "default_max_behind")]
    pub max_behind_s: u64,
    /// Where the log's files are: `s3://BUCKET/PREFIX`, or absent for `DIR/public`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
}

fn default_max_ahead() -> u64 {
    election::time::DEFAULT_MAX_AHEAD
}

fn default_max_behind() -> u64 {
    election::time::DEFAULT_MAX_BEHIND
}

impl Config {
    /// The admission window for records' claimed times (`spec/records.md` §6).
    pub fn time_window(&self) -> election::time::TimeWindow {
        election::time::TimeWindow {
            max_ahead: self.max_ahead_s,
            max_behind: self.max_behind_s,
        }
    }
}

pub struct LogDir {
    pub root: PathBuf,
}

impl LogDir {
    pub fn new(root: impl Into<PathBuf>) -> LogDir {
        LogDir { root: root.into() }
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.json")
    }
    pub fn log_key_path(&self) -> PathBuf {
        self.root.join("log.key")
    }
    pub fn root_key_path(&self) -> PathBuf {
        self.root.join("root.key")
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join("ledger.db")
    }
    pub fn public_path(&self) -> PathBuf {
        self.root.join("public")
    }

    pub fn load_config(&self) -> Result<Config, DirError> {
        let path = self.config_path();
        let text = fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                DirError::Invalid(format!("{} is not a log directory (no config.json); create one with `ledger init {} --origin ORIGIN`", self.root.display(), self.root.display()))
            }
            _ => DirError::Io { path: path.clone(), source: e },
        })?;
        serde_json::from_str(&text)
            .map_err(|e| DirError::Invalid(format!("{}: {e}", path.display())))
    }

    pub fn save_config(&self, config: &Config) -> Result<(), DirError> {
        let path = self.config_path();
        let tmp = self.root.join(".config.json.tmp");
        let text = serde_json::to_string_pretty(config).expect("config serializes") + "\n";
        fs::write(&tmp, text).map_err(io(&tmp))?;
        fs::rename(&tmp, &path).map_err(io(&path))
    }

    pub fn load_log_key(&self) -> Result<SignerKey, DirError> {
        if !self.config_path().exists() {
            // Not a log at all: say how to make one, rather than "No such file".
            self.load_config()?;
        }
        load_key(&self.log_key_path())
    }
}

/// Writes a new key file (mode 0600 from the moment it exists; never overwritten), unsealed:
/// the server starts unattended (`keyfile`, `spec/keys.md` §1).
pub fn write_key(path: &Path, key: &SignerKey) -> Result<(), DirError> {
    keyfile::create(path, key, keyfile::Protection::None).map_err(from_keyfile)
}

/// Reads a private key, refusing a file that other users can read: whoever read it can sign
/// as its owner, and the operator must know. A sealed one asks for its passphrase
/// (`SHAILOO_PASSPHRASE`, or the terminal).
pub fn load_key(path: &Path) -> Result<SignerKey, DirError> {
    let name = path.display().to_string();
    keyfile::load(path, || keyfile::passphrase::for_key(&name)).map_err(from_keyfile)
}

/// A key file that could not be read is a directory the log cannot start from, unless the
/// file system itself failed.
fn from_keyfile(e: keyfile::KeyFileError) -> DirError {
    match e {
        keyfile::KeyFileError::Io { path, source } => DirError::Io { path, source },
        other => DirError::Invalid(other.to_string()),
    }
}

/// The lock that keeps a second server off a log directory, held while it lives.
#[derive(Debug)]
pub struct DirLock {
    _file: fs::File,
}

impl LogDir {
    /// Takes the directory's lock (`DIR/lock`), or says that another server holds it: two
    /// sequencers on one directory would each sign their own trees.
    pub fn lock(&self) -> Result<DirLock, DirError> {
        lock_dir(
            &self.root,
            "`ledger serve`",
            "two servers on one log would sign different trees",
        )
    }
}

/// Takes `dir/lock` for the one `holder` of a directory (flock, released when the process
/// ends however it ends), or says that another holds it and `why` that matters.
pub fn lock_dir(dir: &Path, holder: &str, why: &str) -> Result<DirLock, DirError> {
    use rustix::fs::{FlockOperation, flock};
    let path = dir.join("lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(io(&path))?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(DirLock { _file: file }),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(DirError::Invalid(format!(
            "{} is in use: another {holder} holds {}; stop it first ({why})",
            dir.display(),
            path.display()
        ))),
        Err(e) => Err(io(&path)(e.into())),
    }
}

/// A new Ed25519 note key from the operating system's random source.
pub fn generate_key(name: &str) -> Result<SignerKey, DirError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| DirError::Invalid(format!("no randomness from the OS: {e}")))?;
    SignerKey::from_seed(name, ALG_ED25519, &seed).map_err(|e| DirError::Invalid(e.to_string()))
}

/// The election id of an origin: its last path segment.
pub fn election_of(origin: &str) -> Result<String, DirError> {
    if !tlog::checkpoint::is_valid_log_origin(origin) {
        return Err(DirError::Invalid(format!(
            "origin {origin:?} is not a schema-less URL such as shailoo.gov.kg/ledger/2026-11-29-parliamentary"
        )));
    }
    match origin.rsplit_once('/') {
        Some((_, id)) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(DirError::Invalid(format!(
            "origin {origin:?} has no path: name the election, e.g. {origin}/2026-11-29-parliamentary"
        ))),
    }
}

/// Parses a CEC root vkey, which must be an Ed25519 note key.
pub fn parse_root_vkey(text: &str) -> Result<VerifierKey, DirError> {
    let key =
        VerifierKey::parse(text.trim()).map_err(|e| DirError::Invalid(format!("root key: {e}")))?;
    if key.alg() != ALG_ED25519 {
        return Err(DirError::Invalid(
            "the root key must be an Ed25519 key of type 0x01".into(),
        ));
    }
    Ok(key)
}

/// The raw public key of a root vkey.
pub fn root_public_key(config: &Config) -> Result<[u8; 32], DirError> {
    Ok(parse_root_vkey(&config.root_vkey)?.public_key())
}

/// The name of the root key made for a demo log: `<origin host>/root`.
pub fn demo_root_name(origin: &str) -> String {
    format!("{}/root", origin.split('/').next().unwrap_or(origin))
}

/// Checks a witness before it is added: one or two keys, of different kinds, none already
/// configured for another witness, all under one name.
pub fn check_witness(w: &WitnessConfig, others: &[WitnessConfig]) -> Result<(), DirError> {
    let keys = w.keys().map_err(|e| {
        DirError::Invalid(format!(
            "{e}; a witness key is a cosignature/v1 (0x04) or ML-DSA-44 (0x06) vkey, as `witness vkey` prints it"
        ))
    })?;
    match &keys[..] {
        [] => return Err(DirError::Invalid("a witness needs a key (--vkey)".into())),
        [_] => {}
        [a, b] if a.alg() != b.alg() && a.name() == b.name() => {}
        [a, b] if a.alg() == b.alg() => {
            return Err(DirError::Invalid(
                "two keys of one kind: a witness has at most one Ed25519 and one ML-DSA-44 key"
                    .into(),
            ));
        }
        [_, _] => {
            return Err(DirError::Invalid(
                "the two keys have different names: they are not one witness's".into(),
            ));
        }
        _ => {
            return Err(DirError::Invalid(
                "a witness has at most two keys (Ed25519 and ML-DSA-44)".into(),
            ));
        }
    }
    check_witness_url(&w.url)?;
    if others.iter().any(|o| o.name == w.name) {
        return Err(DirError::Invalid(format!(
            "a witness named {:?} is already configured",
            w.name
        )));
    }
    let configured = |key: &CosignerKey| {
        others
            .iter()
            .filter_map(|o| o.keys().ok())
            .flatten()
            .any(|o| o.alg() == key.alg() && o.public_key() == key.public_key())
    };
    if keys.iter().any(configured) {
        return Err(DirError::Invalid(
            "that witness key is already configured".into(),
        ));
    }
    Ok(())
}

/// Refuses a witness URL that cannot work, before it is saved: the ledger would accept it and
/// then fail every round. It must be `http://` or `https://` with a host, and neither user
/// name, query nor fragment (the ledger appends `/add-checkpoint`).
pub fn check_witness_url(url: &str) -> Result<(), DirError> {
    let bad = |why: &str| {
        DirError::Invalid(format!(
            "witness URL {url:?} {why} (e.g. https://witness.observers.kg or http://127.0.0.1:7380)"
        ))
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("names no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::cosigner::CosignerSigningKey;

    fn vkey(name: &str, alg: u8, seed: u8) -> String {
        CosignerSigningKey::from_seed(name, alg, &[seed; 32])
            .unwrap()
            .verifier()
            .to_string()
    }

    fn witness(name: &str, vkeys: Vec<String>) -> WitnessConfig {
        WitnessConfig {
            name: name.into(),
            vkeys,
            url: "http://127.0.0.1:7380".into(),
        }
    }

    #[test]
    fn a_witness_has_one_key_of_each_kind_under_one_name() {
        let (ed, pq) = (0x04, tlog::ml_dsa::ALG_ML_DSA_44);
        let both = witness("w1", vec![vkey("o/w1", ed, 1), vkey("o/w1", pq, 1)]);
        check_witness(&both, &[]).unwrap();
        for (keys, reason) in [
            (vec![], "needs a key"),
            (
                vec![vkey("o/w", ed, 2), vkey("o/w", ed, 3)],
                "two keys of one kind",
            ),
            (
                vec![vkey("o/a", ed, 2), vkey("o/b", pq, 3)],
                "different names",
            ),
            (
                vec![vkey("o/w", ed, 2), vkey("o/w", pq, 2), vkey("o/w", pq, 3)],
                "at most two keys",
            ),
            (
                vec!["o/w+00000000+AQ==".into()],
                "0x04) or ML-DSA-44 (0x06)",
            ),
        ] {
            let said = check_witness(&witness("w2", keys), &[])
                .unwrap_err()
                .to_string();
            assert!(said.contains(reason), "{said}");
        }
        // A key another witness already has, of either kind, is refused.
        let again = witness("w2", vec![vkey("o/w1", pq, 1)]);
        let said = check_witness(&again, &[both]).unwrap_err().to_string();
        assert!(said.contains("already configured"), "{said}");
    }

    #[test]
    fn a_configuration_from_before_two_keys_still_reads() {
        let old = r#"{"name":"w1","vkey":"o/w1+00000000+AQ==","url":"http://x"}"#;
        let w: WitnessConfig = serde_json::from_str(old).unwrap();
        assert_eq!(w.vkeys, ["o/w1+00000000+AQ=="]);
        let saved = serde_json::to_string(&w).unwrap();
        assert!(saved.contains(r#""vkeys":["#), "{saved}");
        let again: WitnessConfig = serde_json::from_str(&saved).unwrap();
        assert_eq!(again, w);
    }

    #[test]
    fn witness_urls_that_cannot_work_are_refused_with_the_reason() {
        for good in [
            "http://127.0.0.1:7380",
            "https://witness.observers.kg",
            "https://witness.observers.kg/shailoo/",
        ] {
            check_witness_url(good).unwrap();
        }
        for (bad, reason) in [
            ("witness.observers.kg", "is not a URL"),
            ("ftp://witness.observers.kg", "http:// or https://"),
            ("https://user:pw@witness.observers.kg", "user name"),
            ("https://witness.observers.kg/?x=1", "query"),
            ("https://witness.observers.kg/#top", "fragment"),
        ] {
            let said = check_witness_url(bad).unwrap_err().to_string();
            assert!(said.contains(reason), "{bad}: {said}");
        }
    }
}
