//! The mirror's directory:
//!
//! ```text
//! DIR/mirror.json            the log it follows: its URL and origin, where the copy is kept
//! DIR/policy                 the observers' trust policy: checks the log, served to the viewer
//! DIR/mirror.key             the Ed25519 cosigning key (0600)
//! DIR/mirror-ml-dsa-44.key   the ML-DSA-44 cosigning key (0600)
//! DIR/mirror.db              SQLite: the tree held, the published checkpoint, the lookup index
//! DIR/public/                the copy (tiles, bundles, documents, checkpoint), unless in a bucket
//! DIR/evidence/              checkpoints of the log that contradict the copy
//! DIR/lock                   held by the one `mirror serve`
//! ```

use election::policy::TrustPolicy;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use tlog::cosigner::{CosignerKey, CosignerSigningKey};
use tlog::note::NoteVerifier;
use witness::config::{Cosigner, KeyKind};

/// The mirror's keys and their files.
pub const MIRROR: Cosigner = Cosigner {
    node: "mirror",
    stem: "mirror",
    state: CONFIG_FILE,
};

const CONFIG_FILE: &str = "mirror.json";

/// Why a mirror command failed.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// What was asked cannot be done as asked; the message says what to do instead.
    #[error("{0}")]
    Invalid(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the mirror's database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Keys(#[from] witness::Error),
    #[error(transparent)]
    Dir(#[from] ledger::logdir::DirError),
}

impl MirrorError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> MirrorError {
        let what = what.into();
        move |source| MirrorError::Io { what, source }
    }
}

/// What `mirror.json` says.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MirrorConfig {
    /// Where the log is read: the ledger's URL (or another mirror's), or a directory holding
    /// a copy of its files (a static server's, a disk carried over).
    pub upstream: String,
    /// The origin of the log mirrored: one of the policy's logs.
    pub origin: String,
    /// `s3://BUCKET/PREFIX` to keep the copy in a bucket; `DIR/public/` if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
}

/// A mirror's directory.
pub struct MirrorDir {
    pub root: PathBuf,
}

impl MirrorDir {
    pub fn new(root: &Path) -> MirrorDir {
        MirrorDir {
            root: root.to_path_buf(),
        }
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }
    pub fn policy_path(&self) -> PathBuf {
        self.root.join("policy")
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join("mirror.db")
    }
    pub fn public_dir(&self) -> PathBuf {
        self.root.join("public")
    }
    pub fn evidence_dir(&self) -> PathBuf {
        self.root.join("evidence")
    }

    pub fn load_config(&self) -> Result<MirrorConfig, MirrorError> {
        let path = self.config_path();
        if !path.exists() {
            return Err(MirrorError::Invalid(format!(
                "{} is not a mirror; run `mirror init {} --name NAME --log URL --policy FILE` first",
                self.root.display(),
                self.root.display()
            )));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(MirrorError::io(format!("reading {}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| MirrorError::Invalid(format!("{} is malformed: {e}", path.display())))
    }

    /// The policy's text and its parsed form.
    pub fn load_policy(&self) -> Result<(String, TrustPolicy), MirrorError> {
        let path = self.policy_path();
        let text = std::fs::read_to_string(&path)
            .map_err(MirrorError::io(format!("reading {}", path.display())))?;
        let policy = TrustPolicy::parse(&text)
            .map_err(|e| MirrorError::Invalid(format!("{}: {e}", path.display())))?;
        Ok((text, policy))
    }

    pub fn load_keys(&self) -> Result<Vec<CosignerSigningKey>, MirrorError> {
        Ok(MIRROR.load_keys(&self.root)?)
    }
}

/// What `mirror init` is given.
pub struct InitOptions<'a> {
    pub name: &'a str,
    pub upstream: &'a str,
    pub policy_text: &'a str,
    /// Needed only when the policy names several logs.
    pub origin: Option<&'a str>,
    pub storage: Option<&'a str>,
    pub keys: &'a [KeyKind],
}

/// Creates a mirror in `dir`: its keys, its policy and configuration. Returns the public keys
/// to put in the observers' policy (`mirror <name> <vkey> <url>` lines).
pub fn init(dir: &Path, options: &InitOptions<'_>) -> Result<Vec<CosignerKey>, MirrorError> {
    let policy = TrustPolicy::parse(options.policy_text)
        .map_err(|e| MirrorError::Invalid(format!("the policy: {e}")))?;
    let origin = choose_origin(&policy, options.origin)?;
    let url = options.upstream.starts_with("http://") || options.upstream.starts_with("https://");
    if !url && !Path::new(options.upstream).is_absolute() {
        return Err(MirrorError::Invalid(format!(
            "--log {}: give the log's http:// or https:// URL, or the absolute path of a \
             directory holding a copy of its files",
            options.upstream
        )));
    }
    if let Some(url) = options.storage {
        ledger::storage::StorageUrl::parse(url)
            .map_err(|e| MirrorError::Invalid(format!("--storage {url}: {e}")))?;
    }
    let keys = MIRROR.create_keys(dir, options.name, options.keys)?;
    let d = MirrorDir::new(dir);
    std::fs::write(d.policy_path(), options.policy_text).map_err(MirrorError::io(format!(
        "writing {}",
        d.policy_path().display()
    )))?;
    let config = MirrorConfig {
        upstream: match url {
            true => options.upstream.trim_end_matches('/').to_string() + "/",
            false => options.upstream.to_string(),
        },
        origin,
        storage: options.storage.map(str::to_string),
    };
    // Written last and never over another: its presence is what makes DIR a mirror.
    let path = d.config_path();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(MirrorError::io(format!("creating {}", path.display())))?;
    let text = serde_json::to_string_pretty(&config).expect("the configuration encodes");
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(MirrorError::io(format!("writing {}", path.display())))?;
    witness::config::sync_dir(dir)?;
    Ok(keys.iter().map(CosignerSigningKey::verifier).collect())
}

/// The origin to mirror: the one given, which the policy must know, or the policy's only log.
fn choose_origin(policy: &TrustPolicy, given: Option<&str>) -> Result<String, MirrorError> {
    let mut origins: Vec<&str> = policy.policy.logs.iter().map(|l| l.key.name()).collect();
    // Two keys of one log (a key rotation) are one origin to mirror.
    origins.sort_unstable();
    origins.dedup();
    match (given, origins.as_slice()) {
        (Some(origin), known) if known.contains(&origin) => Ok(origin.to_string()),
        (Some(origin), _) => Err(MirrorError::Invalid(format!(
            "the policy has no log with origin {origin:?}; its logs: {}",
            origins.join(", ")
        ))),
        (None, [only]) => Ok(only.to_string()),
        (None, _) => Err(MirrorError::Invalid(format!(
            "the policy names {} logs: say which one to mirror with --origin",
            origins.len()
        ))),
    }
}

/// The mirror's public keys, as `mirror init` printed them.
pub fn vkeys(dir: &Path) -> Result<Vec<CosignerKey>, MirrorError> {
    MirrorDir::new(dir).load_config()?;
    KeyKind::ALL
        .into_iter()
        .filter(|&k| MIRROR.key_path(dir, k).exists())
        .map(|k| keyfile::public_key::<CosignerSigningKey>(&MIRROR.key_path(dir, k)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| MirrorError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(origins: &[&str]) -> TrustPolicy {
        let mut text = String::new();
        for (i, origin) in origins.iter().enumerate() {
            let key = tlog::keys::SignerKey::from_seed(origin, 0x01, &[i as u8 + 1; 32]).unwrap();
            text.push_str(&format!("log {}\n", key.verifier()));
        }
        text.push_str("quorum none\n");
        TrustPolicy::parse(&text).unwrap()
    }

    #[test]
    fn the_origin_is_the_policys_only_log_or_the_one_named() {
        let one = policy(&["a.example/log", "a.example/log"]);
        assert_eq!(choose_origin(&one, None).unwrap(), "a.example/log");
        let two = policy(&["b.example/log", "a.example/log", "b.example/log"]);
        let err = choose_origin(&two, None).unwrap_err().to_string();
        assert!(
            err.contains("names 2 logs") && err.contains("--origin"),
            "{err}"
        );
        assert_eq!(
            choose_origin(&two, Some("b.example/log")).unwrap(),
            "b.example/log"
        );
        let err = choose_origin(&two, Some("c.example/log"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no log with origin \"c.example/log\""),
            "{err}"
        );
    }
}
