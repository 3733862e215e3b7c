//! `verifier audit`: the whole election, checked from scratch. Every entry bundle is
//! downloaded and the Merkle root recomputed and compared with the signed checkpoint; every
//! record goes through the election's audit (signatures through the enrollment chain from the
//! CEC root key, and every rule); the tally is recomputed and compared with the announced
//! final result; with `--documents`, every referenced document is fetched and checked.

use super::Online;
use crate::accept::{Accepted, accept};
use crate::documents::{self, DocumentCheck, Referenced};
use crate::outcome::{Failure, Outcome};
use crate::parallel::ParallelAudit;
use crate::report;
use crate::scan::Scanner;
use crate::trust::election_of;
use election::audit::{AuditConfig, AuditReport, Auditor};
use election::time::WitnessedCheckpoint;
use progress::Progress;
use std::sync::Arc;
use std::time::Instant;
use tlog::policy::Policy;

/// What to do besides the log and the rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditOptions {
    /// Fetch and check every referenced document.
    pub documents: bool,
    /// No progress on stderr.
    pub quiet: bool,
    /// The complaint deadline in seconds, instead of the election definition's.
    pub complaint_deadline: Option<u64>,
}

/// A contest's names, for the report, in every language the definition gives.
#[derive(Clone, Debug)]
pub struct ContestNames {
    pub id: u16,
    pub name: election::records::Names,
    pub options: Vec<election::records::Names>,
}

/// Everything an audit found.
pub struct AuditResult {
    pub accepted: Accepted,
    pub report: AuditReport,
    pub contests: Vec<ContestNames>,
    pub documents: Option<DocumentCheck>,
    pub seconds: f64,
}

impl AuditResult {
    /// Whether the election records have any problem.
    pub fn has_problems(&self) -> bool {
        !self.report.findings.is_empty()
            || self
                .documents
                .as_ref()
                .is_some_and(|d| !d.problems.is_empty())
    }
}

/// The contests and option names of the election definition, once it is logged.
pub fn contest_names(auditor: &Auditor) -> Vec<ContestNames> {
    auditor
        .definition()
        .map(|d| {
            d.contests
                .iter()
                .map(|c| ContestNames {
                    id: c.id,
                    name: c.name.clone(),
                    options: c.options.iter().map(|o| o.name.clone()).collect(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The auditor for a log with this origin under the pinned root key and the trust policy
/// (whose witnesses' cosignatures give every entry its witnessed time).
pub fn new_auditor(
    origin: &str,
    root_key: [u8; 32],
    policy: &Policy,
    complaint_deadline: Option<u64>,
) -> Auditor {
    Auditor::new(AuditConfig {
        election: election_of(origin),
        complaint_deadline,
        policy: Some(Arc::new(policy.clone())),
        ..AuditConfig::new(root_key)
    })
}

/// The audited checkpoint with its witnessed time: the audit's "now".
pub fn audited(online: &Online, accepted: &Accepted) -> Option<WitnessedCheckpoint> {
    WitnessedCheckpoint::of(&online.trust.policy, &accepted.verified)
}

/// Runs the audit and returns what it found, printing nothing but progress.
pub fn audit(online: &Online, options: AuditOptions) -> Result<AuditResult, Failure> {
    let root_key = online.trust.require_root()?;
    let started = Instant::now();
    let accepted = accept(&online.source, &online.trust, &online.state)?;
    let checkpoint = &accepted.verified.checkpoint;
    let policy = &online.trust.policy;
    let mut auditor = new_auditor(
        &checkpoint.origin,
        root_key,
        policy,
        options.complaint_deadline,
    );
    let mut refs: Vec<Referenced> = Vec::new();
    let progress = Progress::unless(options.quiet, "entries", checkpoint.size);
    // Signatures are checked on every core; the rules run here, in log order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    ParallelAudit::run(&mut auditor, threads, |audit| {
        Scanner::new().advance(&online.source, checkpoint, &progress, |index, entry| {
            audit.push(index, entry);
            if options.documents {
                documents::references(index, entry, &mut refs);
            }
        })
    })?;
    let report = auditor.report(audited(online, &accepted).as_ref());
    let documents = if options.documents {
        Some(documents::check(&online.source, &refs, options.quiet)?)
    } else {
        None
    };
    Ok(AuditResult {
        contests: contest_names(&auditor),
        accepted,
        report,
        documents,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// `verifier audit`: audits and prints the report (for people, or JSON).
/// `lang`: the language of the findings for people (`en`, `ky`, `ru`).
pub fn run(online: &Online, options: AuditOptions, json: bool, lang: &str) -> Outcome {
    let result = audit(online, options);
    match (&result, json) {
        (Ok(r), false) => print!("{}", report::human(online, r, lang)),
        (Ok(r), true) => println!("{:#}", report::json(online, r)),
        (Err(f), true) => println!("{:#}", report::json_failure(f)),
        (Err(_), false) => {}
    }
    let result = result?;
    Ok(report::verdict(&result))
}
