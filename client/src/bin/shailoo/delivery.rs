//! `shailoo submit`, `outbox` and `receipt verify`: records delivered through the outbox, what
//! waits there, and receipts checked offline.

use crate::Failure;
use election::policy::TrustPolicy;
use shailoo::client::LedgerClient;
use shailoo::outbox::{Added, Item, Outbox};
use shailoo::submit::{Delivered, Delivery, Outcome, SubmitError, submit_waiting};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tlog::bundle::ProofBundle;

/// What `shailoo submit` was asked.
pub struct Submission {
    pub url: String,
    pub records: Vec<PathBuf>,
    pub policy: Option<PathBuf>,
    pub outbox: Option<PathBuf>,
    pub patience: Duration,
    pub json: bool,
}

/// Exit codes, worst last: a refusal says most, then a ledger not reached, then a file not
/// read.
fn worse(code: u8, this: u8) -> u8 {
    let rank = |c: u8| [0, 2, 3, 1].iter().position(|&x| x == c);
    if rank(this) > rank(code) { this } else { code }
}

fn load_policy(path: &Path) -> Result<TrustPolicy, Failure> {
    let failure = |why: String| Failure::Policy {
        path: path.to_path_buf(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failure(e.to_string()))?;
    TrustPolicy::parse(&text).map_err(|e| failure(e.to_string()))
}

fn print_delivered(d: &Delivered, json: bool) {
    if json {
        println!("{}", serde_json::to_string(d).expect("plain data"));
    } else {
        println!(
            "{}: logged at index {}{} ({} document(s) uploaded); receipt {}",
            d.record.display(),
            d.index,
            if d.already_logged { " (already)" } else { "" },
            d.documents,
            d.receipt.display()
        );
    }
}

/// Puts the records in the outbox, then delivers everything waiting there.
pub fn submit(s: &Submission) -> Result<u8, Failure> {
    let policy = s.policy.as_deref().map(load_policy).transpose()?;
    let dir = s
        .outbox
        .clone()
        .unwrap_or_else(shailoo::outbox::default_dir);
    let outbox = Outbox::open(&dir)?;
    let mut code = 0;
    for record in &s.records {
        match outbox.add(record) {
            // Delivered by an earlier run: its receipt is beside it again.
            Ok(Added::AlreadyDelivered(item)) => match delivered_before(record, &item) {
                Some(d) => print_delivered(&d, s.json),
                None => println!("{}: delivered before", record.display()),
            },
            Ok(Added::Queued(_) | Added::AlreadyWaiting(_)) => {}
            Err(e) => {
                eprintln!("shailoo: {e}");
                code = worse(code, 2);
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = LedgerClient::new(&s.url);
    let retrying = |what: &str| eprintln!("shailoo: {what}");
    let delivery = Delivery {
        until: Instant::now() + s.patience,
        policy: policy.as_ref().map(|p| &p.policy),
        retrying: &retrying,
    };
    let mut waiting = 0;
    let total = outbox.waiting()?.len() as u64;
    let bar = progress::Progress::unless(total < 2, "records delivered", total);
    let mut done = 0;
    runtime.block_on(submit_waiting(
        &client,
        &outbox,
        &delivery,
        &mut |outcome| {
            done += 1;
            bar.update(done);
            report(outcome, s.json, &mut waiting, &mut code);
        },
    ))?;
    bar.finish();
    if waiting > 0 {
        eprintln!(
            "shailoo: {waiting} record(s) wait in the outbox {}; `shailoo submit --url {}` delivers them, `shailoo outbox` shows why they wait",
            dir.display(),
            s.url
        );
    }
    Ok(code)
}

/// Tells of one record's outcome, counting those left waiting and raising the exit code.
fn report(outcome: Outcome, json: bool, waiting: &mut u64, code: &mut u8) {
    match outcome {
        Outcome::Delivered(d) => print_delivered(&d, json),
        Outcome::Failed(e) => {
            eprintln!("shailoo: {e}");
            let this = match e {
                SubmitError::Refused { .. } => 1,
                // Kept waiting: a later `submit` asks for the receipt again.
                SubmitError::BadReceipt { .. } => {
                    *waiting += 1;
                    1
                }
                SubmitError::GaveUp { .. } => {
                    *waiting += 1;
                    3
                }
                SubmitError::Io { .. } | SubmitError::Outbox(_) => 2,
            };
            *code = worse(*code, this);
        }
    }
}

/// The delivery an earlier run made of `record`, from the receipt it kept.
fn delivered_before(record: &Path, item: &Item) -> Option<Delivered> {
    let receipt = shailoo::submit::receipt_path(record);
    let bundle = ProofBundle::parse(&std::fs::read(&receipt).ok()?).ok()?;
    Some(Delivered {
        record: record.to_path_buf(),
        index: bundle.index,
        leaf_hash: item.leaf_hash.clone(),
        already_logged: true,
        documents: 0,
        receipt,
    })
}

/// A record of the outbox, as `shailoo outbox` shows it.
fn describe(item: &Item) -> serde_json::Value {
    let record = std::fs::read(&item.entry)
        .ok()
        .and_then(|entry| election::Record::from_bytes(&entry).ok());
    serde_json::json!({
        "record": item.status.origin.as_ref().unwrap_or(&item.entry),
        "leaf_hash": item.leaf_hash,
        "kind": record.as_ref().map(|r| r.kind().name()),
        "signer": record.as_ref().map(|r| hex::encode(r.signer)),
        "queued": item.status.queued,
        "attempts": item.status.attempts,
        "last_attempt": item.status.last_attempt,
        "last_failure": item.status.last_failure,
        "refusal": item.status.refusal,
    })
}

/// Shows what waits in the outbox and why.
pub fn list_outbox(dir: Option<PathBuf>, json: bool) -> Result<u8, Failure> {
    let dir = dir.unwrap_or_else(shailoo::outbox::default_dir);
    let listing = Outbox::open(&dir)?.listing()?;
    let waiting: Vec<serde_json::Value> = listing.waiting.iter().map(describe).collect();
    let refused: Vec<serde_json::Value> = listing.refused.iter().map(describe).collect();
    if json {
        let answer = serde_json::json!({
            "dir": listing.dir,
            "waiting": waiting,
            "refused": refused,
            "delivered": listing.delivered,
        });
        println!("{answer}");
        return Ok(0);
    }
    println!(
        "outbox {}: {} waiting, {} refused, {} delivered",
        listing.dir.display(),
        waiting.len(),
        refused.len(),
        listing.delivered
    );
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or("?").to_string();
    for item in &waiting {
        let why = match item["last_failure"].as_str() {
            Some(why) => format!("{} attempt(s); the last: {why}", item["attempts"]),
            None => "not tried yet".to_string(),
        };
        println!(
            "  waiting  {} ({}): {why}",
            text(item, "record"),
            text(item, "kind")
        );
    }
    for item in &refused {
        println!(
            "  refused  {} ({}): {}",
            text(item, "record"),
            text(item, "kind"),
            text(item, "refusal")
        );
    }
    Ok(0)
}

/// Checks receipts offline against a trust policy.
pub fn verify_receipts(policy: &Path, receipts: &[PathBuf], json: bool) -> Result<u8, Failure> {
    let policy = load_policy(policy)?;
    let mut code = 0;
    for path in receipts {
        match verify_receipt(&policy, path) {
            Ok(verified) if json => println!("{verified}"),
            Ok(verified) => println!(
                "{}: OK, {} signed by {} is entry {} of the log {} ({} entries; cosigned by {})",
                path.display(),
                verified["kind"].as_str().unwrap_or("?"),
                verified["signer"].as_str().unwrap_or("?"),
                verified["index"],
                verified["origin"].as_str().unwrap_or("?"),
                verified["tree_size"],
                match verified["cosigners"].as_array() {
                    Some(c) if !c.is_empty() => c
                        .iter()
                        .filter_map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => "no witness".to_string(),
                }
            ),
            Err(problem) => {
                if json {
                    let why = problem.to_string();
                    println!(
                        "{}",
                        serde_json::json!({"receipt": path, "verified": false, "why": why})
                    );
                }
                eprintln!("shailoo: {}: NOT verified: {problem}", path.display());
                let this = match problem {
                    ReceiptProblem::Unreadable(_) => 2,
                    ReceiptProblem::NotProven(_) => 1,
                };
                code = worse(code, this);
            }
        }
    }
    Ok(code)
}

/// Why a receipt was not verified.
#[derive(Debug, thiserror::Error)]
enum ReceiptProblem {
    #[error("cannot read it: {0}")]
    Unreadable(std::io::Error),
    #[error("{0}")]
    NotProven(String),
}

/// One receipt checked: what it proves, or why it does not.
fn verify_receipt(policy: &TrustPolicy, path: &Path) -> Result<serde_json::Value, ReceiptProblem> {
    let not = ReceiptProblem::NotProven;
    let bytes = std::fs::read(path).map_err(ReceiptProblem::Unreadable)?;
    let bundle =
        ProofBundle::parse(&bytes).map_err(|e| not(format!("it is not a proof bundle: {e}")))?;
    let (verified, entry) = bundle
        .verify_entry(&policy.policy)
        .map_err(|e| not(e.to_string()))?;
    let record = election::Record::from_bytes(entry).map_err(|e| {
        not(format!(
            "the entry it proves is not an election record: {e}"
        ))
    })?;
    record
        .verify_signature()
        .map_err(|e| not(format!("the record it proves: {e}")))?;
    Ok(serde_json::json!({
        "receipt": path,
        "verified": true,
        "origin": verified.checkpoint.origin,
        "tree_size": verified.checkpoint.size,
        "index": bundle.index,
        "leaf_hash": tlog::leaf_hash(entry).to_hex(),
        "kind": record.kind().name(),
        "election": record.election,
        "signer": hex::encode(record.signer),
        "cosigners": verified.cosigners.iter().map(|(name, _)| name).collect::<Vec<_>>(),
    }))
}
