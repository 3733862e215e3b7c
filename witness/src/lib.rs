//! The Shailoo Ledger witness node, run by observer organizations.
//!
//! A witness cosigns a log's checkpoint only if it extends everything the witness cosigned
//! before for that log (C2SP tlog-witness). Several independent witnesses make a rewritten or
//! forked history impossible to hide: a log that shows two histories must get both cosigned,
//! and each witness cosigns only one.
//!
//! A witness lives in one directory: `witness.key` (its cosigning key, mode 0600) and
//! `witness.db` (SQLite: the logs it witnesses, what it last cosigned for each, evidence).
//! The same functions back the `witness` command and the ledger's in-process demo:
//! [`init`], [`add_log`], [`serve`], [`vkey`], [`evidence`].
//!
//! Modules:
//! - [`config`]: the directory, the key file, checks on names and keys an operator types;
//! - [`store`]: the SQLite state and its atomic, durable compare-and-swap;
//! - `commit`: the one thread that writes, committing the writes waiting together at once;
//! - [`cosign`]: the tlog-witness rule applied inside that compare-and-swap;
//! - [`evidence`]: what a piece of evidence holds and how it is shown;
//! - [`http`]: the HTTP routes.
#![forbid(unsafe_code)]

mod commit;
pub mod config;
pub mod cosign;
pub mod error;
pub mod evidence;
pub mod http;
pub mod store;

pub use error::Error;
pub use evidence::EvidenceRecord;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tlog::cosigner::{CosignerKey, CosignerSigningKey};
use tokio::net::TcpListener;
use tracing::info;

/// How long a stopping server waits for requests in flight before it stops anyway. Their
/// state is committed or not either way; only their answers are lost.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// An opened witness: its identity and its state.
pub struct Witness {
    /// The key name, e.g. `witness.example.kg/observer-1`.
    pub name: String,
    /// The public keys (Ed25519 first), as logs and verifiers configure them.
    pub vkeys: Vec<CosignerKey>,
    /// Shared with each request's compare-and-swap (keys are not copied per request).
    signers: std::sync::Arc<Vec<CosignerSigningKey>>,
    store: Store,
}

impl Witness {
    /// Opens the witness in `dir`: loads its keys and its database.
    pub fn open(dir: &Path) -> Result<Witness, Error> {
        let signers = config::load_keys(dir)?;
        let store = Store::open(&config::db_path(dir))?;
        let vkeys: Vec<CosignerKey> = signers.iter().map(|s| s.verifier()).collect();
        Ok(Witness {
            name: tlog::note::NoteVerifier::name(&vkeys[0]).to_string(),
            vkeys,
            signers: std::sync::Arc::new(signers),
            store,
        })
    }

    /// The state database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves HTTP on `listener` until `shutdown` completes, then stops accepting and lets
    /// requests in flight finish (for at most ten seconds).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        self.serve_tls(listener, None, shutdown).await
    }

    /// [`Witness::serve`], speaking TLS itself when `tls` is given (`--tls-cert`, `--tls-key`).
    pub async fn serve_tls(
        self,
        listener: TcpListener,
        tls: Option<http_front::Tls>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let addr = listener
            .local_addr()
            .map_err(Error::io("cannot read the listening address"))?;
        let name = self.name.clone();
        let kinds: Vec<&str> = self.vkeys.iter().map(|k| k.algorithm_name()).collect();
        info!(witness = %name, %addr, keys = %kinds.join(" and "), "serving");
        let app = http::router(Arc::new(self));
        let limits = http_front::Limits {
            shutdown_grace: SHUTDOWN_GRACE,
            ..http_front::Limits::for_open_files(http_front::raise_open_files_limit())
        };
        http_front::serve_tls(listener, app, limits, tls, shutdown)
            .await
            .map_err(Error::io("the HTTP server failed"))?;
        info!(witness = %name, "stopped");
        Ok(())
    }
}

impl Witness {
    /// The identity this witness shows a bastion: its Ed25519 cosigning key (c2sp.org/
    /// https-bastion appendix B: the TLS signatures cannot be taken for cosignatures).
    pub fn bastion_identity(&self) -> Result<bastion::identity::Identity, Error> {
        let seed = self
            .signers
            .iter()
            .find_map(|k| match k {
                CosignerSigningKey::Ed25519(k) => Some(k.signing_key().to_bytes()),
                CosignerSigningKey::MlDsa44(_) => None,
            })
            .ok_or_else(|| {
                Error::Invalid(
                    "a witness reached through a bastion needs an Ed25519 key, which a bastion authenticates; this one holds only ML-DSA-44 (make one with `witness init --keys ed25519,ml-dsa-44`)".into(),
                )
            })?;
        bastion::identity::Identity::from_seed(&seed).map_err(|e| Error::Invalid(e.to_string()))
    }

    /// Serves the witness through the bastion at `bastion_url` only — no listening port —
    /// until `shutdown`; `connected` is told the witness's public URL each time the
    /// connection is up.
    pub async fn serve_through_bastion(
        self,
        bastion_url: &str,
        shutdown: impl Future<Output = ()> + Send,
        connected: impl Fn(&str),
    ) -> Result<(), Error> {
        let backend = bastion::backend::Backend::new(bastion_url, self.bastion_identity()?)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let name = self.name.clone();
        info!(witness = %name, bastion = %bastion_url, url = %backend.public_url(), "serving through a bastion");
        let app = http::router(Arc::new(self));
        backend.serve(app, shutdown, connected).await;
        info!(witness = %name, "stopped");
        Ok(())
    }
}

/// Creates a witness in `dir` (made if missing): a new cosigning key named `name` of each of
/// `kinds` (`dir/witness.key` for Ed25519, `dir/witness-ml-dsa-44.key` for ML-DSA-44, mode
/// 0600) and an empty state database. Refuses to overwrite an existing witness. Returns the
/// witness's verifier keys, Ed25519 first.
pub fn init(dir: &Path, name: &str, kinds: &[config::KeyKind]) -> Result<Vec<CosignerKey>, Error> {
    let keys = config::create_keys(dir, name, kinds)?;
    Store::create(&config::db_path(dir))?;
    config::sync_dir(dir)?;
    Ok(keys.iter().map(CosignerSigningKey::verifier).collect())
}

/// Adds a log to witness: checkpoints whose first line is `origin`, signed by the Ed25519 key
/// `vkey`. Adding another key for an origin adds a key (the state is kept); adding the same
/// key again changes nothing. There is no removal: a witness that forgot a log and met it
/// again could cosign a split view.
pub fn add_log(dir: &Path, origin: &str, vkey: &str) -> Result<(), Error> {
    add_logs(dir, &[(origin.to_string(), vkey.to_string())]).map(|_| ())
}

/// Adds every log `(origin, vkey)` as [`add_log`] does, all or none: each is checked before
/// any is added. Returns, for each, whether it was new (`false`: that key already witnessed).
pub fn add_logs(dir: &Path, logs: &[(String, String)]) -> Result<Vec<bool>, Error> {
    let mut keys = Vec::new();
    for (origin, vkey) in logs {
        config::check_origin(origin)?;
        keys.push(config::parse_log_vkey(vkey)?);
    }
    if !config::is_witness(dir) {
        return Err(Error::not_a_witness(dir));
    }
    let store = Store::open(&config::db_path(dir))?;
    let now = config::now_unix();
    logs.iter()
        .zip(&keys)
        .map(|((origin, _), key)| store.add_log(origin, key, now))
        .collect()
}

/// Adds every log of a witness-network log list (`logs/v0`, [`tlog::log_list`]), all or none.
/// Returns each listed log with whether it was new.
pub fn add_listed_logs(
    dir: &Path,
    list: &str,
) -> Result<Vec<(tlog::log_list::ListedLog, bool)>, Error> {
    let listed = tlog::log_list::parse(list)
        .map_err(|e| Error::Invalid(format!("the log list does not follow logs/v0: {e}")))?;
    // A well-formed entry this witness cannot take (an origin it refuses, a key that is not
    // a log's Ed25519 key) is named by its place in the list, before anything is added.
    for (n, log) in listed.iter().enumerate() {
        let refused = config::check_origin(&log.origin)
            .and_then(|()| config::parse_log_vkey(&log.vkey).map(|_| ()));
        if let Err(e) = refused {
            return Err(Error::Invalid(format!(
                "the log list's entry {} (vkey {}): {e}; nothing was added",
                n + 1,
                log.vkey
            )));
        }
    }
    let pairs: Vec<(String, String)> = listed
        .iter()
        .map(|l| (l.origin.clone(), l.vkey.clone()))
        .collect();
    let added = add_logs(dir, &pairs)?;
    Ok(listed.into_iter().zip(added).collect())
}

/// The verifier keys of the witness in `dir`, Ed25519 first.
pub fn vkeys(dir: &Path) -> Result<Vec<CosignerKey>, Error> {
    Ok(config::load_keys(dir)?
        .iter()
        .map(CosignerSigningKey::verifier)
        .collect())
}

/// The evidence the witness in `dir` has kept, oldest first.
pub fn evidence(dir: &Path) -> Result<Vec<EvidenceRecord>, Error> {
    if !config::is_witness(dir) {
        return Err(Error::not_a_witness(dir));
    }
    Store::open(&config::db_path(dir))?.evidence()
}

/// Opens the witness in `dir` and serves it on `listener` until `shutdown` completes.
pub async fn serve(
    dir: &Path,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    Witness::open(dir)?.serve(listener, shutdown).await
}
