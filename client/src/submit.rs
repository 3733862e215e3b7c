//! Delivering signed records (`shailoo sign`'s output) to a ledger: the record, then the
//! documents kept beside it, and a receipt — the tlog-proof bundle the ledger answers with —
//! written next to the record only once it proves that this very entry is in the log.
//!
//! A network that drops, a ledger that restarts or says it is busy (429, 503) is waited out
//! with backoff, for as long as the caller's patience allows; a ledger that refuses the record
//! for a reason (a bad signature, a key not enrolled) is not asked again. A `409 duplicate` is
//! the log saying it already holds these exact bytes (duplicates are found by leaf hash), so
//! it is a delivery, and its receipt is fetched. A ledger (or a proxy before it) that says
//! `Retry-After: N` is left alone for N seconds.
//!
//! [`submit_waiting`] does this for every record in an [`Outbox`], so what is not delivered
//! now is delivered by the next `shailoo submit`.

use crate::client::{ClientError, LedgerClient};
use crate::files::write_durably;
use crate::outbox::{Item, Outbox, OutboxError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tlog::bundle::ProofBundle;
use tlog::policy::Policy;

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
    #[error("{}: not delivered in time: {last}", path.display())]
    GaveUp { path: PathBuf, last: String },
    #[error("{}: the ledger's receipt does not prove this record: {why}", path.display())]
    BadReceipt { path: PathBuf, why: String },
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

impl SubmitError {
    /// The same failure, told of `origin` where it was told of `copy` (the outbox's copy of
    /// the file the user gave).
    fn told_of(self, copy: &Path, origin: &Path) -> SubmitError {
        let rename = |path: PathBuf| {
            if path == copy {
                origin.to_path_buf()
            } else {
                path
            }
        };
        match self {
            SubmitError::Refused { path, refusal } => SubmitError::Refused {
                path: rename(path),
                refusal,
            },
            SubmitError::GaveUp { path, last } => SubmitError::GaveUp {
                path: rename(path),
                last,
            },
            SubmitError::BadReceipt { path, why } => SubmitError::BadReceipt {
                path: rename(path),
                why,
            },
            other => other,
        }
    }
}

/// How a delivery is checked and how long it may take.
pub struct Delivery<'a> {
    /// When to stop waiting for a ledger that does not answer.
    pub until: Instant,
    /// The observers' trust policy the receipt's checkpoint must satisfy (the log's key and
    /// the witness quorum); without it, the receipt is checked against its own checkpoint's
    /// root only.
    pub policy: Option<&'a Policy>,
    /// Told of each wait.
    pub retrying: &'a dyn Fn(&str),
}

/// Where the receipt of the signed record at `record` is written.
pub fn receipt_path(record: &Path) -> PathBuf {
    let mut name = record.as_os_str().to_os_string();
    name.push(".receipt");
    PathBuf::from(name)
}

/// The waits of one delivery: what the ledger asked for, or a backoff doubling from 250 ms up
/// to 5 s, until the delivery's deadline.
struct Waits<'a> {
    delivery: &'a Delivery<'a>,
    name: &'a Path,
    backoff: Duration,
}

/// What an attempt found: done, or a failure that may pass (with the ledger's `Retry-After`).
type Attempt<T> = Result<T, (String, Option<Duration>)>;

impl Waits<'_> {
    /// Waits before the next attempt, or gives up if that would pass the deadline.
    async fn wait(&mut self, last: String, asked: Option<Duration>) -> Result<(), SubmitError> {
        let this = asked.unwrap_or(self.backoff);
        if Instant::now() + this > self.delivery.until {
            return Err(SubmitError::GaveUp {
                path: self.name.to_path_buf(),
                last,
            });
        }
        (self.delivery.retrying)(&format!(
            "{}: {last}; retrying in {this:?}",
            self.name.display()
        ));
        self.backoff = (self.backoff * 2).min(Duration::from_secs(5));
        tokio::time::sleep(this).await;
        Ok(())
    }
}

/// Sorts a ledger's answer: a failure that may pass (unreachable, busy, stopping, a proof not
/// ready yet), or a refusal for a reason, which asking again will not change.
fn passing(e: ClientError, name: &Path) -> Result<(String, Option<Duration>), SubmitError> {
    match e {
        ClientError::Refused(r)
            if [429, 503, 504].contains(&r.status) || r.code == "not-published" =>
        {
            Ok((r.to_string(), r.retry_after))
        }
        ClientError::Refused(r) => Err(SubmitError::Refused {
            path: name.to_path_buf(),
            refusal: r.to_string(),
        }),
        e @ ClientError::Transport(_) => Ok((e.to_string(), None)),
    }
}

/// Delivers the signed record at `record`, then its documents, waiting out failures that may
/// pass until `delivery.until`, and writes its receipt beside it.
pub async fn deliver(
    client: &LedgerClient,
    record: &Path,
    delivery: &Delivery<'_>,
) -> Result<Delivered, SubmitError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SubmitError::Io { path, source }
    };
    let entry = std::fs::read(record).map_err(io(record))?;
    let leaf = tlog::leaf_hash(&entry);
    let mut waits = Waits {
        delivery,
        name: record,
        backoff: Duration::from_millis(250),
    };
    let (bundle, already_logged) = loop {
        let attempt: Attempt<(Vec<u8>, bool)> = match client.submit(entry.clone(), true).await {
            Ok(sequenced) => match sequenced.bundle {
                Some(bundle) => Ok((bundle.into_bytes(), false)),
                None => Err(("the ledger answered without a receipt".to_string(), None)),
            },
            Err(ClientError::Refused(r)) if r.code == "duplicate" => {
                let index = r.index.unwrap_or(u64::MAX);
                match client.get(&format!("api/v1/bundle/{index}?wait=60")).await {
                    Ok(bundle) => Ok((bundle, true)),
                    Err(e) => Err(passing(e, record)?),
                }
            }
            Err(e) => Err(passing(e, record)?),
        };
        match attempt {
            Ok(answer) => break answer,
            Err((last, asked)) => waits.wait(last, asked).await?,
        }
    };
    let index =
        proves(&bundle, &entry, delivery.policy).map_err(|why| SubmitError::BadReceipt {
            path: record.to_path_buf(),
            why,
        })?;
    let receipt = receipt_path(record);
    write_durably(&receipt, &bundle, false).map_err(io(&receipt))?;
    let documents = upload_documents(client, record, &mut waits).await?;
    Ok(Delivered {
        record: record.to_path_buf(),
        index,
        leaf_hash: leaf.to_hex(),
        already_logged,
        documents,
        receipt,
    })
}

/// The index at which `bundle` proves `entry` to be in the tree its checkpoint signs, the
/// checkpoint satisfying `policy` if there is one.
fn proves(bundle: &[u8], entry: &[u8], policy: Option<&Policy>) -> Result<u64, String> {
    let bundle = ProofBundle::parse(bundle).map_err(|e| e.to_string())?;
    if bundle.extra.as_deref() != Some(entry) {
        return Err("it carries another entry".into());
    }
    if let Some(policy) = policy {
        bundle
            .verify(&tlog::leaf_hash(entry), policy)
            .map_err(|e| format!("{e} (under your trust policy)"))?;
        return Ok(bundle.index);
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

/// Uploads each document `shailoo sign` kept beside the record (the ledger takes one it
/// holds already as a success, so a delivery cut short uploads them all again).
async fn upload_documents(
    client: &LedgerClient,
    record: &Path,
    waits: &mut Waits<'_>,
) -> Result<usize, SubmitError> {
    let dir = crate::sign::documents_dir(record);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SubmitError::Io { path, source }
    };
    let mut uploaded = 0;
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        let Some(hex) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        loop {
            match client.upload(&hex, bytes.clone()).await {
                Ok(()) => break,
                Err(e) => {
                    let (last, asked) = passing(e, &path)?;
                    waits.wait(last, asked).await?;
                }
            }
        }
        uploaded += 1;
    }
    Ok(uploaded)
}

/// What became of one record of the outbox.
#[derive(Debug)]
pub enum Outcome {
    Delivered(Delivered),
    /// Not delivered; it waits in the outbox (or, refused, in its `refused/`).
    Failed(SubmitError),
}

/// How many records of one run (see [`runs`]) are delivered at once.
pub const AT_ONCE: usize = 32;

/// The waiting records cut into runs of consecutive records of one kind by one signer. A
/// record may depend on one before it (a registry on its definition, what a key signs on its
/// enrollment, a correction on what it corrects), but never on one of its own kind and signer:
/// a run is delivered at once, runs one after another. (A ledger sequences a batch about once
/// a second; one record at a time, the CEC's 2,500 enrollments would take most of an hour.)
fn runs(items: Vec<Item>) -> Vec<Vec<Item>> {
    let author = |item: &Item| {
        std::fs::read(&item.entry)
            .ok()
            .and_then(|entry| election::Record::from_bytes(&entry).ok())
            .map(|r| (r.kind(), r.signer))
    };
    let mut runs: Vec<Vec<Item>> = Vec::new();
    let mut last = None;
    for item in items {
        let this = author(&item);
        match runs.last_mut() {
            Some(run) if this.is_some() && this == last => run.push(item),
            _ => runs.push(vec![item]),
        }
        last = this;
    }
    runs
}

/// Delivers every record waiting in `outbox`, in order (runs of one kind by one signer at
/// once), moving each delivered one (with its receipt, also copied beside the file it came
/// from) to `delivered/` and each refused one to `refused/`; `each` is told of every outcome.
pub async fn submit_waiting(
    client: &LedgerClient,
    outbox: &Outbox,
    delivery: &Delivery<'_>,
    each: &mut dyn FnMut(Outcome),
) -> Result<(), OutboxError> {
    use futures::StreamExt;
    for run in runs(outbox.waiting()?) {
        let outcomes: Vec<(Item, Result<Delivered, SubmitError>)> =
            futures::stream::iter(run.into_iter().map(|item| async move {
                let delivered = deliver(client, &item.entry, delivery).await;
                (item, delivered)
            }))
            .buffered(AT_ONCE)
            .collect()
            .await;
        for (mut item, delivered) in outcomes {
            let copy = item.entry.clone();
            match delivered {
                Ok(mut delivered) => {
                    delivered.receipt = outbox.delivered(&mut item)?;
                    if let Some(origin) = &item.status.origin {
                        delivered.record = origin.clone();
                    }
                    each(Outcome::Delivered(delivered));
                }
                Err(e) => {
                    let why = e.to_string();
                    match &e {
                        SubmitError::Refused { refusal, .. } => {
                            outbox.refused(&mut item, refusal)?
                        }
                        _ => outbox.failed(&mut item, &why)?,
                    }
                    let e = match &item.status.origin {
                        Some(origin) => e.told_of(&copy, origin),
                        None => e,
                    };
                    each(Outcome::Failed(e));
                }
            }
        }
    }
    Ok(())
}
