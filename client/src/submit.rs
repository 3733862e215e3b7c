//! Delivering signed records (`shailoo sign`'s output) to a ledger: the record, then the
//! documents kept beside it, and a receipt — the tlog-proof bundle the ledger answers with —
//! written next to the record only once it proves that this very entry is in the log.
//!
//! A network that drops, a ledger that restarts or says it is busy (429, 503) is waited out
//! with backoff, for as long as the caller's patience allows; a ledger that refuses the record
//! for a reason (a bad signature, a key not enrolled) is not asked again. A `409 duplicate` is
//! the log saying it already holds these exact bytes (duplicates are found by leaf hash), so
//! it is a delivery, and its receipt is fetched.

use crate::client::{ClientError, LedgerClient};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tlog::bundle::ProofBundle;

/// A record delivered.
#[derive(Debug, serde::Serialize)]
pub struct Delivered {
    pub record: PathBuf,
    pub index: u64,
    pub leaf_hash: String,
    /// The log held it already (an earlier delivery whose answer was lost).
    pub already_logged: bool,
    pub documents: usize,
    /// The tlog-proof bundle, written beside the record.
    pub receipt: PathBuf,
}

/// Why a record was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the ledger refused it: {refusal}", path.display())]
    Refused { path: PathBuf, refusal: String },
    #[error("{}: not delivered after {patience:?}: {last}", path.display())]
    GaveUp {
        path: PathBuf,
        patience: Duration,
        last: String,
    },
    #[error("{}: the ledger's receipt does not prove this record: {why}", path.display())]
    BadReceipt { path: PathBuf, why: String },
}

/// Where the receipt of the signed record at `record` is written.
pub fn receipt_path(record: &Path) -> PathBuf {
    let mut name = record.as_os_str().to_os_string();
    name.push(".receipt");
    PathBuf::from(name)
}

/// Delivers the signed record at `record`, then its documents, waiting out failures that may
/// pass for at most `patience`; `retrying` is told of each wait.
pub async fn deliver(
    client: &LedgerClient,
    record: &Path,
    patience: Duration,
    retrying: &dyn Fn(&str),
) -> Result<Delivered, SubmitError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SubmitError::Io { path, source }
    };
    let entry = std::fs::read(record).map_err(io(record))?;
    let leaf = tlog::leaf_hash(&entry);
    let until = Instant::now() + patience;
    let mut delay = Duration::from_millis(250);
    let mut wait = |last: String| {
        if Instant::now() + delay > until {
            return Err(SubmitError::GaveUp {
                path: record.to_path_buf(),
                patience,
                last,
            });
        }
        retrying(&format!(
            "{}: {last}; retrying in {delay:?}",
            record.display()
        ));
        let this = delay;
        delay = (delay * 2).min(Duration::from_secs(5));
        Ok(this)
    };
    let (bundle, already_logged) = loop {
        let outcome = match client.submit(entry.clone(), true).await {
            Ok(sequenced) => match sequenced.bundle {
                Some(bundle) => Ok((bundle.into_bytes(), false)),
                None => Err("the ledger answered without a receipt".to_string()),
            },
            Err(ClientError::Refused(r)) if r.code == "duplicate" => {
                let index = r.index.unwrap_or(u64::MAX);
                match client.get(&format!("api/v1/bundle/{index}?wait=60")).await {
                    Ok(bundle) => Ok((bundle, true)),
                    Err(e) => Err(e.to_string()),
                }
            }
            // Busy, stopping, or a proof not ready yet: it passes.
            Err(ClientError::Refused(r)) if [429, 503, 504].contains(&r.status) => {
                Err(r.to_string())
            }
            Err(ClientError::Refused(r)) => {
                return Err(SubmitError::Refused {
                    path: record.to_path_buf(),
                    refusal: r.to_string(),
                });
            }
            Err(e @ ClientError::Transport(_)) => Err(e.to_string()),
        };
        match outcome {
            Ok(answer) => break answer,
            Err(last) => tokio::time::sleep(wait(last)?).await,
        }
    };
    let index = proves(&bundle, &entry).map_err(|why| SubmitError::BadReceipt {
        path: record.to_path_buf(),
        why,
    })?;
    let receipt = receipt_path(record);
    std::fs::write(&receipt, &bundle).map_err(io(&receipt))?;
    let documents = upload_documents(client, record).await?;
    Ok(Delivered {
        record: record.to_path_buf(),
        index,
        leaf_hash: leaf.to_hex(),
        already_logged,
        documents,
        receipt,
    })
}

/// The index at which `bundle` proves `entry` to be in the tree its checkpoint signs. (Whose
/// signatures that checkpoint needs is a trust policy's to say:
/// `verifier bundle RECEIPT --policy P`.)
fn proves(bundle: &[u8], entry: &[u8]) -> Result<u64, String> {
    let bundle = ProofBundle::parse(bundle).map_err(|e| e.to_string())?;
    if bundle.extra.as_deref() != Some(entry) {
        return Err("it carries another entry".into());
    }
    let note = tlog::note::Note::parse(&bundle.checkpoint).map_err(|e| e.to_string())?;
    let checkpoint = tlog::Checkpoint::parse(&note.text).map_err(|e| e.to_string())?;
    tlog::proof::verify_inclusion(
        bundle.index,
        checkpoint.size,
        &tlog::leaf_hash(entry),
        &bundle.proof,
        &checkpoint.root,
    )
    .map_err(|e| e.to_string())?;
    Ok(bundle.index)
}

/// Uploads each document `shailoo sign` kept beside the record.
async fn upload_documents(client: &LedgerClient, record: &Path) -> Result<usize, SubmitError> {
    let dir = crate::sign::documents_dir(record);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut uploaded = 0;
    for entry in entries {
        let path = entry
            .map_err(|source| SubmitError::Io {
                path: dir.clone(),
                source,
            })?
            .path();
        let Some(hex) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let bytes = std::fs::read(&path).map_err(|source| SubmitError::Io {
            path: path.clone(),
            source,
        })?;
        client
            .upload(&hex, bytes)
            .await
            .map_err(|e| SubmitError::Refused {
                path: path.clone(),
                refusal: e.to_string(),
            })?;
        uploaded += 1;
    }
    Ok(uploaded)
}
