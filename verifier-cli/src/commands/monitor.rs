//! `verifier monitor`: follow a log as it grows. Each round fetches the checkpoint, proves it
//! consistent with the last one accepted, reads only the new entries, recomputes the root, and
//! (with a `root` line) audits the new records, printing findings as they appear. Stops after
//! `--iterations` rounds (or never) with the exit code of an audit of everything it read.

use super::Online;
use super::audit::new_auditor;
use crate::accept::{Relation, accept};
use crate::display::{format_system_time, thousands};
use crate::outcome::{Failure, Outcome, Verdict};
use crate::scan::Scanner;
use election::audit::{Auditor, Finding};
use progress::Progress;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

pub struct MonitorArgs {
    pub interval: u64,
    pub iterations: Option<u64>,
    pub quiet: bool,
}

type Seen = HashSet<(&'static str, Option<u64>, Option<u32>, String)>;

fn key(f: &Finding) -> (&'static str, Option<u64>, Option<u32>, String) {
    (f.rule.id(), f.index, f.precinct, f.message.to_string())
}

struct Monitor<'a> {
    online: &'a Online,
    root: Option<[u8; 32]>,
    scanner: Scanner,
    auditor: Option<Auditor>,
    seen: Seen,
    quiet: bool,
}

impl Monitor<'_> {
    /// One round: returns how many new findings it printed.
    fn round(&mut self) -> Result<usize, Failure> {
        let online = self.online;
        let accepted = accept(&online.source, &online.trust, &online.state)?;
        let cp = accepted.verified.checkpoint.clone();
        let now = format_system_time(SystemTime::now());
        if self.auditor.is_none()
            && let Some(root) = self.root
        {
            self.auditor = Some(new_auditor(&cp.origin, root, &online.trust.policy, None));
        }
        let before = self.scanner.size();
        if accepted.relation != Relation::Unchanged || before < cp.size {
            println!(
                "[{now}] {} at size {}: {}",
                cp.origin,
                thousands(cp.size),
                accepted.relation_line()
            );
        }
        let mut new_findings = 0;
        let (auditor, seen) = (&mut self.auditor, &mut self.seen);
        let progress = Progress::unless(self.quiet, "new entries", cp.size.saturating_sub(before));
        self.scanner
            .advance(&online.source, &cp, &progress, |index, entry| {
                if let Some(a) = auditor.as_mut() {
                    for f in a.push(index, entry) {
                        if seen.insert(key(f)) {
                            println!("  finding: {f}");
                            new_findings += 1;
                        }
                    }
                }
            })?;
        if let Some(a) = &self.auditor {
            // Rules judged over the whole state (urn against protocol, final result, …).
            let at = super::audit::audited(online, &accepted);
            for f in a.report(at.as_ref()).findings {
                if self.seen.insert(key(&f)) {
                    println!("  finding: {f}");
                    new_findings += 1;
                }
            }
        }
        if cp.size > before {
            println!(
                "  {} new entries read; the recomputed root matches the checkpoint{}",
                thousands(cp.size - before),
                if self.auditor.is_some() {
                    format!("; {new_findings} new finding(s)")
                } else {
                    String::new()
                }
            );
        }
        Ok(new_findings)
    }
}

pub fn run(online: &Online, args: MonitorArgs) -> Outcome {
    let mut m = Monitor {
        online,
        root: online.trust.root.as_ref().map(|k| k.public_key()),
        scanner: Scanner::new(),
        auditor: None,
        seen: Seen::new(),
        quiet: args.quiet,
    };
    if m.root.is_none() {
        println!(
            "the policy has no `root` line: following the log only (consistency and entries), not auditing election records"
        );
    }
    let mut round = 0u64;
    let mut last_error;
    loop {
        round += 1;
        match m.round() {
            Ok(_) => last_error = None,
            Err(f @ Failure::Log(_)) => return Err(f),
            Err(f) => {
                eprintln!("verifier: {f} (trying again in {} s)", args.interval);
                last_error = Some(f);
            }
        }
        if args.iterations.is_some_and(|n| round >= n) {
            break;
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
    if let Some(f) = last_error {
        return Err(f);
    }
    let findings = m
        .auditor
        .as_ref()
        .map_or(0, |a| a.report(None).findings.len());
    println!(
        "stopped after {round} round(s): {} entries read and matching the signed root{}",
        thousands(m.scanner.size()),
        match (&m.auditor, findings) {
            (None, _) => String::new(),
            (Some(_), 0) => "; no findings".to_string(),
            (Some(_), n) => format!("; {n} finding(s) stand"),
        }
    );
    Ok(Verdict::Clean.or_problems(findings > 0))
}
