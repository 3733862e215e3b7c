//! The audit: every rule, applied to the ordered stream of log entries.
//!
//! The same [`Auditor`] serves the verifier (a whole log), the ledger (its admission check,
//! [`Auditor::check_admission`]) and the browser. It reads entries in log order, keeps what
//! later rules need (keys, registry, current protocols, complaints), and never panics: an
//! entry that is not a record is a finding, not a crash.
//!
//! Rules that compare records of one precinct (urn against protocol, ballots against
//! identified voters) and the final result are judged in [`Auditor::report`], over the state
//! at the end, so that corrections are taken into account. So are complaint deadlines, on the
//! witnessed time of each entry ([`crate::time`]), never on the times signers claim.

mod authority;
pub mod checks;
mod gate;
pub mod message;
mod precinct;
mod rules;

pub use authority::{Authority, KeyRegistry, roles_for};
pub use gate::Gate;
pub use message::{Figure, Message, Sentence};
pub use precinct::{Applied, Counted, PrecinctRules, References, precinct_findings};
pub use rules::{Finding, Rule};

use crate::record::Record;
use crate::records::{Body, ContestId, ElectionDefinition, FinalResult, Kind, PrecinctId};
use crate::tally::{Tally, compute};
use crate::time::{
    CheckpointOrder, LoggedCheckpoint, LoggedInterval, TimeWindow, WitnessedCheckpoint,
    WitnessedCheckpoints,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use tlog::policy::Policy;
use tlog::time::rfc3339;

/// The complaint deadline when the election definition does not give one: three days.
pub const DEFAULT_COMPLAINT_DEADLINE: u64 = 3 * 24 * 3600;

/// What the audit is told rather than reads from the log.
#[derive(Clone, Debug)]
pub struct AuditConfig {
    /// The pinned CEC root key (from the trust policy's `root` line).
    pub root_key: [u8; 32],
    /// The election id the log is for; if `None`, the first record's election is taken.
    pub election: Option<String>,
    /// Overrides the definition's complaint deadline (seconds).
    pub complaint_deadline: Option<u64>,
    /// The trust policy the log's checkpoints satisfy: its log keys sign the log's own
    /// checkpoint records, and its witnesses' cosignatures on them give every entry its
    /// witnessed time. Without it, checkpoint records are not authorized and no time-based
    /// rule can be judged.
    pub policy: Option<Arc<Policy>>,
    /// The window a record's claimed time must lie in around when it was logged.
    pub time_window: TimeWindow,
}

impl AuditConfig {
    /// An audit under the pinned root key, with no policy and the default window.
    pub fn new(root_key: [u8; 32]) -> AuditConfig {
        AuditConfig {
            root_key,
            election: None,
            complaint_deadline: None,
            policy: None,
            time_window: TimeWindow::default(),
        }
    }
}

#[derive(Clone, Debug)]
struct Complaint {
    filed_index: u64,
    precinct: Option<PrecinctId>,
    /// Where its first decision was logged.
    decided_index: Option<u64>,
}

/// A record whose claimed time waits for the checkpoint that bounds when it was logged.
#[derive(Clone, Copy, Debug)]
struct ClaimedTime {
    index: u64,
    time: u64,
    precinct: Option<PrecinctId>,
}

/// What a valid record at an index was, so that a correction can point at it.
#[derive(Clone, Copy, Debug)]
struct Logged {
    kind: Kind,
    key: Option<(PrecinctId, ContestId)>,
}

/// The audit's result.
#[derive(Clone, Debug)]
pub struct AuditReport {
    pub entries: u64,
    pub records_by_kind: BTreeMap<Kind, u64>,
    pub keys_enrolled: usize,
    pub election: Option<String>,
    pub findings: Vec<Finding>,
    pub tally: Tally,
    /// The final results announced (and not superseded), by log index.
    pub final_results: Vec<(u64, FinalResult)>,
}

impl AuditReport {
    /// Whether the findings include one of `rule`.
    pub fn has(&self, rule: Rule) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }
}

/// Applies the rules to entries in log order.
#[derive(Clone, Debug)]
pub struct Auditor {
    config: AuditConfig,
    gate: Gate,
    definition: Option<ElectionDefinition>,
    precinct_rules: PrecinctRules,
    complaints: BTreeMap<String, Complaint>,
    annulled: BTreeSet<PrecinctId>,
    finals: Vec<(u64, FinalResult)>,
    superseded: HashSet<u64>,
    logged: HashMap<u64, Logged>,
    witnessed: WitnessedCheckpoints,
    /// Claimed times not yet judged: no logged checkpoint contains their records yet.
    unjudged: Vec<ClaimedTime>,
    entries: u64,
    counts: BTreeMap<Kind, u64>,
    findings: Vec<Finding>,
}

impl Auditor {
    pub fn new(config: AuditConfig) -> Auditor {
        let log_keys = config.policy.as_ref().map_or(vec![], |p| {
            p.logs.iter().map(|l| l.key.public_key()).collect()
        });
        Auditor {
            gate: Gate::new(config.root_key, config.election.clone()).with_log_keys(log_keys),
            config,
            definition: None,
            precinct_rules: PrecinctRules::default(),
            complaints: BTreeMap::new(),
            annulled: BTreeSet::new(),
            finals: Vec::new(),
            superseded: HashSet::new(),
            logged: HashMap::new(),
            witnessed: WitnessedCheckpoints::default(),
            unjudged: Vec::new(),
            entries: 0,
            counts: BTreeMap::new(),
            findings: Vec::new(),
        }
    }

    /// The findings so far.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The election definition, once logged.
    pub fn definition(&self) -> Option<&ElectionDefinition> {
        self.definition.as_ref()
    }

    /// The gate's state: election id, keys and registry as the log has built them so far.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// Whether `entry` may be admitted as the next record (see [`Gate::admit`]). The auditor
    /// is not changed: call [`Auditor::push`] once the record is sequenced.
    pub fn check_admission(&self, entry: &[u8]) -> Result<Record, Finding> {
        self.gate.admit(entry)
    }

    /// Audits the entry at `index` (entries must come in log order) and returns the findings
    /// it raised.
    pub fn push(&mut self, index: u64, entry: &[u8]) -> &[Finding] {
        let verified = Gate::verified_record(entry, &self.gate.signers());
        self.push_verified(index, verified)
    }

    /// [`Auditor::push`] for an entry that another thread decoded and whose signature it
    /// checked ([`Gate::verified_record`], the costly part: an audit spreads it over every
    /// core); every rule that needs the log's state runs here, in log order.
    pub fn push_verified(&mut self, index: u64, verified: Result<Record, Finding>) -> &[Finding] {
        let before = self.findings.len();
        self.entries += 1;
        match self.gate.check_verified(verified, Some(index)) {
            Ok(record) => {
                *self.counts.entry(record.kind()).or_insert(0) += 1;
                self.unjudged.push(ClaimedTime {
                    index,
                    time: record.time,
                    precinct: record.body.precinct(),
                });
                self.apply(index, record);
            }
            Err(f) => self.findings.push(f),
        }
        &self.findings[before..]
    }

    fn note(
        &mut self,
        rule: Rule,
        index: u64,
        precinct: Option<PrecinctId>,
        problems: Vec<impl Into<Message>>,
    ) {
        for message in problems {
            self.findings
                .push(finding(rule, Some(index), precinct, message));
        }
    }

    /// Checks that an annulled precinct is registered (`record.reference`).
    fn references_hold(&mut self, index: u64, precinct: PrecinctId) -> bool {
        let refs = References {
            precincts: self.gate.precincts(),
            definition: self.definition.as_ref(),
        };
        let problems = refs.problems(precinct, None);
        let ok = problems.is_empty();
        self.note(Rule::RecordReference, index, Some(precinct), problems);
        ok
    }

    fn apply(&mut self, index: u64, record: Record) {
        let kind = record.kind();
        let authority = self.gate.authority(&record);
        let duplicates = self.gate.apply(&record);
        match record.body {
            body @ (Body::PrecinctProtocol(_)
            | Body::UrnResult(_)
            | Body::Turnout(_)
            | Body::IdentificationReport(_)) => {
                let refs = References {
                    precincts: self.gate.precincts(),
                    definition: self.definition.as_ref(),
                };
                let applied = self.precinct_rules.apply(index, body, refs);
                self.findings.extend(applied.findings);
                if !applied.set_aside {
                    let key = applied.counts_for;
                    self.logged.insert(index, Logged { kind, key });
                }
                return;
            }
            Body::KeyEnrollment(_) | Body::KeyRevocation(_) => {}
            Body::ElectionDefinition(d) => {
                if self.definition.is_some() {
                    self.note(
                        Rule::RecordReference,
                        index,
                        None,
                        vec![Message::plain(Sentence::DefinitionRepeated)],
                    );
                } else {
                    self.definition = Some(d);
                }
            }
            Body::PrecinctRegistry(_) => {
                for p in duplicates {
                    let msg = Message::new(Sentence::PrecinctRegisteredTwice, [p]);
                    self.note(Rule::RecordReference, index, Some(p), vec![msg]);
                }
            }
            Body::LogCheckpoint(c) => self.log_checkpoint(index, &c.note),
            Body::ComplaintFiled(c) => {
                if self.complaints.contains_key(&c.complaint) {
                    self.note(
                        Rule::RecordReference,
                        index,
                        c.precinct,
                        vec![Message::new(Sentence::ComplaintFiledTwice, [&c.complaint])],
                    );
                    return;
                }
                let state = Complaint {
                    filed_index: index,
                    precinct: c.precinct,
                    decided_index: None,
                };
                self.complaints.insert(c.complaint, state);
            }
            Body::ComplaintDecision(d) => {
                let Some(c) = self.complaints.get_mut(&d.complaint) else {
                    self.note(
                        Rule::RecordReference,
                        index,
                        None,
                        vec![Message::new(
                            Sentence::DecisionWithoutComplaint,
                            [&d.complaint],
                        )],
                    );
                    return;
                };
                c.decided_index.get_or_insert(index);
            }
            Body::FinanceReport(_) => {}
            Body::BankStatement(s) => self.note(
                Rule::FinanceStatementBalance,
                index,
                None,
                checks::statement_balances(&s),
            ),
            Body::Annulment(a) => {
                if !authority.is_some_and(Authority::is_cec) {
                    let precincts: Vec<String> =
                        a.precincts.iter().map(|p| p.to_string()).collect();
                    let msg = Message::new(
                        Sentence::AnnulmentNotByCec,
                        [a.resolution.clone(), precincts.join(", ")],
                    );
                    self.note(
                        Rule::AnnulmentByCec,
                        index,
                        a.precincts.first().copied(),
                        vec![msg],
                    );
                    return;
                }
                for p in a.precincts {
                    if self.references_hold(index, p) {
                        self.annulled.insert(p);
                    }
                }
            }
            Body::Correction(c) => self.correct(index, c.supersedes),
            Body::FinalResult(f) => self.finals.push((index, f)),
        }
        self.logged.insert(index, Logged { kind, key: None });
    }

    /// A checkpoint the log logged: verified against the policy, it bounds when every entry
    /// before it was logged, and the claimed times of those entries are judged.
    fn log_checkpoint(&mut self, index: u64, note: &str) {
        let Some(policy) = self.config.policy.clone() else {
            return;
        };
        let problem = |message: Message| vec![message];
        // Mirrors copy the log after the fact: a logged checkpoint never carries their
        // cosignatures, and needs only the witnesses' part of the quorum.
        let verified = match policy.verify_logged_checkpoint(note.as_bytes()) {
            Ok(v) => v,
            Err(e) => {
                let msg = Message::new(Sentence::CheckpointNotByPolicy, [e]);
                return self.note(Rule::LogCheckpoint, index, None, problem(msg));
            }
        };
        // The checkpoint of this election's log: not another log the policy also trusts.
        // (Its root needs no check here: a quorum cosigned it and the audited checkpoint, and
        // honest witnesses cosign only trees consistent with what they cosigned before.)
        let origin = &verified.checkpoint.origin;
        if let Some(election) = self.gate.election()
            && origin.rsplit('/').next() != Some(election)
        {
            let msg = Message::new(Sentence::CheckpointOfOtherLog, [format!("{origin:?}")]);
            return self.note(Rule::LogCheckpoint, index, None, problem(msg));
        }
        let Some(checkpoint) = WitnessedCheckpoint::of(&policy, &verified) else {
            return;
        };
        let size = checkpoint.size;
        if let Err(out_of_order) = self.witnessed.push(LoggedCheckpoint { index, checkpoint }) {
            let msg = match out_of_order {
                CheckpointOrder::AfterItsEntries { size, index } => {
                    Message::new(Sentence::CheckpointAfterItsEntries, [size, index])
                }
                CheckpointOrder::DidNotGrow { size, last } => {
                    Message::new(Sentence::CheckpointsMustGrow, [size, last])
                }
            };
            return self.note(Rule::LogCheckpoint, index, None, problem(msg));
        }
        let contained = self.unjudged.partition_point(|c| c.index < size);
        let judged: Vec<ClaimedTime> = self.unjudged.drain(..contained).collect();
        let findings = self.time_findings(&judged, None);
        self.findings.extend(findings);
    }

    /// Judges the claimed times of `records` against when they were logged (`latest`: the
    /// checkpoint being audited, for records no logged checkpoint contains yet).
    fn time_findings(
        &self,
        records: &[ClaimedTime],
        latest: Option<&WitnessedCheckpoint>,
    ) -> Vec<Finding> {
        records
            .iter()
            .filter_map(|c| {
                let logged = self.witnessed.interval(c.index, latest);
                let e = self.config.time_window.check(c.time, logged).err()?;
                Some(finding(
                    Rule::RecordTime,
                    Some(c.index),
                    c.precinct,
                    e.to_string(),
                ))
            })
            .collect()
    }

    /// When the entry at `index` was logged, as witnessed.
    fn logged(&self, index: u64, latest: Option<&WitnessedCheckpoint>) -> LoggedInterval {
        self.witnessed.interval(index, latest)
    }

    /// `complaint.deadline` on witnessed time: a decision logged, for certain, more than the
    /// deadline after its filing; or no decision by the audited checkpoint's time although
    /// the deadline from the filing has passed.
    fn complaint_deadlines(&self, at: Option<&WitnessedCheckpoint>) -> Vec<Finding> {
        let deadline = self.complaint_deadline();
        let mut findings = Vec::new();
        for (number, c) in &self.complaints {
            let Some(filed_by) = self.logged(c.filed_index, at).not_after else {
                continue;
            };
            let (late_at, message) = match c.decided_index {
                Some(decision) => {
                    let decided = self.logged(decision, at);
                    let Some(decided_from) = decided.not_before else {
                        continue;
                    };
                    if decided_from.saturating_sub(filed_by) <= deadline {
                        // Not late for certain; but unless the witnessed times also show it
                        // in time, the log's checkpoint records leave the question open —
                        // which is how a log that withholds them would hide a late decision.
                        if let Some(problem) =
                            self.not_shown_in_time(number, c.filed_index, decided, at, deadline)
                        {
                            findings.push(finding(
                                Rule::ComplaintDeadline,
                                Some(decision),
                                c.precinct,
                                problem,
                            ));
                        }
                        continue;
                    }
                    let msg = Message::with_figures(
                        Sentence::ComplaintDecidedLate,
                        vec![
                            Figure::Text(number.to_string()),
                            Figure::Text(rfc3339(decided_from)),
                            Figure::Seconds(decided_from.saturating_sub(filed_by)),
                            Figure::Text(rfc3339(filed_by)),
                            Figure::Seconds(deadline),
                        ],
                    );
                    (Some((decision, decided_from)), msg)
                }
                None => {
                    let Some(now) = at.map(|a| a.time.newest_at) else {
                        continue;
                    };
                    let msg = Message::with_figures(
                        Sentence::ComplaintUndecided,
                        vec![
                            Figure::Text(number.to_string()),
                            Figure::Text(rfc3339(now)),
                            Figure::Seconds(now.saturating_sub(filed_by)),
                            Figure::Text(rfc3339(filed_by)),
                            Figure::Seconds(deadline),
                        ],
                    );
                    (Some((c.filed_index, now)), msg)
                }
            };
            if let Some((index, late)) = late_at
                && late.saturating_sub(filed_by) > deadline
            {
                findings.push(finding(
                    Rule::ComplaintDeadline,
                    Some(index),
                    c.precinct,
                    message,
                ));
            }
        }
        findings
    }

    /// Whether a decision that is not late for certain is not shown in time either: it was
    /// logged no later than `decided.not_after`, the filing no earlier than its own start, and
    /// those are further apart than the deadline. Judged only where both ends are known (a
    /// log with no checkpoint records before the filing leaves its start unknown).
    fn not_shown_in_time(
        &self,
        number: &str,
        filed_index: u64,
        decided: LoggedInterval,
        at: Option<&WitnessedCheckpoint>,
        deadline: u64,
    ) -> Option<Message> {
        let filed_from = self.logged(filed_index, at).not_before?;
        let decided_by = decided.not_after?;
        (decided_by.saturating_sub(filed_from) > deadline).then(|| {
            Message::with_figures(
                Sentence::ComplaintNotShownInTime,
                vec![
                    Figure::Text(number.to_string()),
                    Figure::Text(rfc3339(filed_from)),
                    Figure::Text(rfc3339(decided_by)),
                    Figure::Seconds(decided_by.saturating_sub(filed_from)),
                    Figure::Seconds(deadline),
                ],
            )
        })
    }

    /// Supersedes the record at `target`: it no longer counts, and a new record of its kind
    /// for its precinct may follow.
    fn correct(&mut self, index: u64, target: u64) {
        let Some(logged) = self.logged.get(&target).copied().filter(|_| target < index) else {
            self.note(
                Rule::RecordReference,
                index,
                None,
                vec![precinct::not_correctable(target)],
            );
            return;
        };
        self.superseded.insert(target);
        let Some(key) = logged.key else {
            if logged.kind == Kind::FinalResult {
                self.finals.retain(|(i, _)| *i != target);
            }
            return;
        };
        self.precinct_rules.supersede(key, target);
    }

    fn complaint_deadline(&self) -> u64 {
        self.config
            .complaint_deadline
            .or(self.definition.as_ref().map(|d| d.complaint_deadline))
            .unwrap_or(DEFAULT_COMPLAINT_DEADLINE)
    }

    /// The tally of the current protocols.
    pub fn tally(&self) -> Tally {
        let Some(definition) = &self.definition else {
            return Tally::default();
        };
        let protocols = self.precinct_rules.counted().protocols();
        compute(
            definition,
            self.gate.precincts(),
            &protocols,
            &self.annulled,
        )
    }

    /// The report at this point: the findings so far, plus the rules judged over the whole
    /// state (urn and identification against protocols, complaint deadlines, the claimed
    /// times not judged yet, and the final result). `at` is the checkpoint audited, with its
    /// witnessed time: the audit's "now", and the bound for entries no logged checkpoint
    /// contains yet.
    pub fn report(&self, at: Option<&WitnessedCheckpoint>) -> AuditReport {
        let mut findings = self.findings.clone();
        findings.extend(self.time_findings(&self.unjudged, at));
        findings.extend(self.precinct_rules.counted().pairing_findings());
        findings.extend(self.complaint_deadlines(at));
        let tally = self.tally();
        let finals: Vec<(u64, FinalResult)> = self
            .finals
            .iter()
            .filter(|(i, _)| !self.superseded.contains(i))
            .cloned()
            .collect();
        for (index, f) in &finals {
            for message in final_result_problems(f, &tally) {
                findings.push(finding(
                    Rule::FinalMatchesTally,
                    Some(*index),
                    None,
                    message,
                ));
            }
        }
        AuditReport {
            entries: self.entries,
            records_by_kind: self.counts.clone(),
            keys_enrolled: self.gate.keys().len(),
            election: self.gate.election().map(str::to_string),
            findings,
            tally,
            final_results: finals,
        }
    }
}

/// `final.matches-tally`: the announced result against the recomputed one.
fn final_result_problems(f: &FinalResult, tally: &Tally) -> Vec<Message> {
    let Some(t) = tally.contest(f.contest) else {
        return vec![Message::new(Sentence::FinalUndefinedContest, [f.contest])];
    };
    let mut problems = Vec::new();
    for (option, (announced, counted)) in f.totals.iter().zip(&t.national).enumerate() {
        if announced != counted {
            problems.push(Message::new(
                Sentence::FinalOption,
                [(option + 1) as u64, *announced, *counted],
            ));
        }
    }
    if f.totals.len() != t.national.len() {
        problems.push(Message::new(
            Sentence::FinalOptionCount,
            [f.totals.len(), t.national.len()],
        ));
    }
    if f.precincts_counted as usize != t.included.len() {
        problems.push(Message::new(
            Sentence::FinalPrecincts,
            [f.precincts_counted as usize, t.included.len()],
        ));
    }
    let mut announced_annulled = f.annulled.clone();
    announced_annulled.sort_unstable();
    if announced_annulled != t.annulled {
        problems.push(Message::new(
            Sentence::FinalAnnulled,
            [
                format!("{announced_annulled:?}"),
                format!("{:?}", t.annulled),
            ],
        ));
    }
    problems
}

fn finding(
    rule: Rule,
    index: Option<u64>,
    precinct: Option<PrecinctId>,
    message: impl Into<Message>,
) -> Finding {
    Finding {
        rule,
        index,
        precinct,
        message: message.into(),
    }
}

/// Runs the whole audit over entries in log order.
pub fn audit<'a>(config: AuditConfig, entries: impl IntoIterator<Item = &'a [u8]>) -> AuditReport {
    let mut auditor = Auditor::new(config);
    for (index, entry) in entries.into_iter().enumerate() {
        auditor.push(index as u64, entry);
    }
    auditor.report(None)
}
