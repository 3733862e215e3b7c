//! The rules a precinct's own records decide, written once: [`PrecinctRules`] applies each
//! protocol, urn result, identification report and turnout report (its references, its
//! arithmetic, what counts), and [`Counted`] keeps what counts for each precinct — the first
//! protocol and the first urn result logged for a precinct and contest (until a correction
//! supersedes it), the first identification report of a precinct. The full audit runs them
//! over the whole log; the browser's precinct page runs [`precinct_findings`] over one
//! precinct's records — the same code, so that they judge a precinct alike.

use super::checks;
use super::message::{Message, Sentence};
use super::rules::{Finding, Rule};
use crate::record::Record;
use crate::records::{
    Body, ContestId, ElectionDefinition, IdentificationReport, Precinct, PrecinctId,
    PrecinctProtocol, UrnResult,
};
use std::collections::HashMap;

/// A precinct and a contest.
pub type PrecinctContest = (PrecinctId, ContestId);

/// The records that count, with their log indexes.
#[derive(Clone, Debug, Default)]
pub struct Counted {
    protocols: HashMap<PrecinctContest, (u64, PrecinctProtocol)>,
    urns: HashMap<PrecinctContest, (u64, UrnResult)>,
    identification: HashMap<PrecinctId, (u64, IdentificationReport)>,
}

impl Counted {
    /// Counts the protocol at `index`, unless one already counts for its precinct and
    /// contest: then the `protocol.single` problem.
    pub fn protocol(&mut self, index: u64, p: PrecinctProtocol) -> Vec<Message> {
        let key = (p.precinct, p.contest);
        if let Some((earlier, _)) = self.protocols.get(&key) {
            return vec![Message::new(Sentence::ProtocolRepeated, [earlier])];
        }
        self.protocols.insert(key, (index, p));
        vec![]
    }

    /// Counts the urn result at `index`, if none counts yet for its precinct and contest.
    pub fn urn(&mut self, index: u64, u: UrnResult) {
        self.urns
            .entry((u.precinct, u.contest))
            .or_insert((index, u));
    }

    /// Counts the identification report at `index`, if none counts yet for its precinct.
    pub fn identification(&mut self, index: u64, r: IdentificationReport) {
        self.identification.entry(r.precinct).or_insert((index, r));
    }

    /// A correction superseded entry `target`: if it is what counts for `key`, it no longer does.
    pub fn supersede(&mut self, key: PrecinctContest, target: u64) {
        if self.protocols.get(&key).is_some_and(|(i, _)| *i == target) {
            self.protocols.remove(&key);
        }
        if self.urns.get(&key).is_some_and(|(i, _)| *i == target) {
            self.urns.remove(&key);
        }
    }

    /// The protocols that count, for the tally.
    pub fn protocols(&self) -> HashMap<PrecinctContest, PrecinctProtocol> {
        self.protocols
            .iter()
            .map(|(k, (_, p))| (*k, p.clone()))
            .collect()
    }

    /// `urn.matches-protocol` and `ballots.within-identified` over what counts, in precinct
    /// and contest order.
    pub fn pairing_findings(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut keys: Vec<&PrecinctContest> = self.protocols.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let (index, p) = &self.protocols[key];
            if let Some((urn_index, urn)) = self.urns.get(key) {
                findings.extend(found(
                    Rule::UrnMatchesProtocol,
                    *urn_index,
                    Some(key.0),
                    checks::urn_matches_protocol(urn, p),
                ));
            }
            if let Some((_, id)) = self.identification.get(&key.0) {
                findings.extend(found(
                    Rule::BallotsWithinIdentified,
                    *index,
                    Some(key.0),
                    checks::ballots_within_identified(p, id),
                ));
            }
        }
        findings
    }
}

/// What a precinct's records refer to: the registered precincts and the election's definition.
#[derive(Clone, Copy, Debug)]
pub struct References<'a> {
    pub precincts: &'a HashMap<PrecinctId, Precinct>,
    pub definition: Option<&'a ElectionDefinition>,
}

impl References<'_> {
    /// `record.reference`: a registered precinct, a defined contest, and as many vote counts
    /// as the contest has options.
    pub fn problems(
        &self,
        precinct: PrecinctId,
        contest: Option<(ContestId, usize)>,
    ) -> Vec<Message> {
        let mut problems = Vec::new();
        if !self.precincts.contains_key(&precinct) {
            problems.push(Message::new(Sentence::PrecinctNotRegistered, [precinct]));
        }
        if let Some((id, votes)) = contest {
            match self
                .definition
                .and_then(|d| d.contests.iter().find(|c| c.id == id))
            {
                None => problems.push(Message::new(Sentence::ContestNotDefined, [id])),
                Some(c) if c.options.len() != votes => problems.push(Message::new(
                    Sentence::VoteCountsNotOptions,
                    [votes, usize::from(id), c.options.len()],
                )),
                Some(_) => {}
            }
        }
        problems
    }
}

/// What applying a precinct's record found, and what it counts under (a correction may
/// supersede it later).
#[derive(Debug, Default)]
pub struct Applied {
    pub findings: Vec<Finding>,
    pub counts_for: Option<PrecinctContest>,
    /// The record is set aside (its references do not hold, or a protocol already counts):
    /// there is nothing in it for a correction to supersede.
    pub set_aside: bool,
}

/// The rules over a precinct's records, applied in log order.
#[derive(Clone, Debug, Default)]
pub struct PrecinctRules {
    counted: Counted,
    /// The latest turnout report of each precinct: its hour and count.
    turnout: HashMap<PrecinctId, (u8, u32)>,
}

impl PrecinctRules {
    /// Applies the record at `index` if it is one of a precinct's own records — a protocol,
    /// an urn result, an identification or turnout report; any other record is not a
    /// precinct's, and nothing is applied.
    pub fn apply(&mut self, index: u64, body: Body, refs: References) -> Applied {
        // A record whose precinct or contest does not exist is set aside, whatever it says.
        let unknown = |precinct, contest| {
            let wrong = refs.problems(precinct, contest);
            (!wrong.is_empty()).then(|| Applied {
                findings: found(Rule::RecordReference, index, Some(precinct), wrong),
                counts_for: None,
                set_aside: true,
            })
        };
        let note =
            |rule, precinct, problems: Vec<Message>| found(rule, index, Some(precinct), problems);
        let mut applied = Applied::default();
        match body {
            Body::PrecinctProtocol(p) => {
                let (precinct, contest) = (p.precinct, p.contest);
                if let Some(set_aside) = unknown(precinct, Some((contest, p.votes.len()))) {
                    return set_aside;
                }
                let arithmetic = checks::protocol_arithmetic(&p);
                applied.findings = note(Rule::ProtocolArithmetic, precinct, arithmetic);
                let single = self.counted.protocol(index, p);
                applied.set_aside = !single.is_empty();
                applied
                    .findings
                    .extend(found(Rule::ProtocolSingle, index, Some(precinct), single));
                applied.counts_for = (!applied.set_aside).then_some((precinct, contest));
            }
            Body::UrnResult(u) => {
                let (precinct, contest) = (u.precinct, u.contest);
                if let Some(set_aside) = unknown(precinct, Some((contest, u.votes.len()))) {
                    return set_aside;
                }
                self.counted.urn(index, u);
                applied.counts_for = Some((precinct, contest));
            }
            Body::Turnout(t) => {
                if let Some(set_aside) = unknown(t.precinct, None) {
                    return set_aside;
                }
                if let Some(&(hour, count)) = self.turnout.get(&t.precinct)
                    && (t.hour <= hour || t.identified < count)
                {
                    let msg = Message::new(
                        Sentence::TurnoutFalls,
                        [u32::from(t.hour), t.identified, u32::from(hour), count],
                    );
                    applied.findings = note(Rule::TurnoutMonotonic, t.precinct, vec![msg]);
                }
                self.turnout.insert(t.precinct, (t.hour, t.identified));
            }
            Body::IdentificationReport(r) => {
                if let Some(set_aside) = unknown(r.precinct, None) {
                    return set_aside;
                }
                let total = u64::from(r.identified) + u64::from(r.identified_mobile);
                let problems = checks::hourly_counts_monotonic(&r.hourly, total);
                applied.findings = note(Rule::TurnoutMonotonic, r.precinct, problems);
                self.counted.identification(index, r);
            }
            _ => {}
        }
        applied
    }

    /// What counts.
    pub fn counted(&self) -> &Counted {
        &self.counted
    }

    /// A correction superseded entry `target`, which counted for `key`.
    pub fn supersede(&mut self, key: PrecinctContest, target: u64) {
        self.counted.supersede(key, target);
    }
}

/// The problem with a correction of `target`, which is not a record that stands.
pub(super) fn not_correctable(target: u64) -> Message {
    Message::new(Sentence::CorrectionOfNothing, [target])
}

fn found(
    rule: Rule,
    index: u64,
    precinct: Option<PrecinctId>,
    messages: Vec<impl Into<Message>>,
) -> Vec<Finding> {
    messages
        .into_iter()
        .map(|message| Finding {
            rule,
            index: Some(index),
            precinct,
            message: message.into(),
        })
        .collect()
}

/// One precinct's records judged as the full audit judges them, on what they decide alone:
/// `record.malformed`, `record.signature`, `record.reference` (against the definition and the
/// registry as logged before each record), `protocol.arithmetic`, `protocol.single`,
/// `turnout.monotonic`, corrections of the precinct's own records, and the pairing of the
/// records that count. Who may sign (the definition and the registry included), and everything
/// that needs the whole log (the tally, deadlines, witnessed time), are the full audit's
/// ([`super::Auditor`]) — so a correction is applied here whoever signed it, and the page says
/// its checks are local until the full audit has run.
///
/// `context`: the election definition (the first counts) and the precinct registry entries;
/// `entries`: the precinct's records; each with its log index, in log order.
pub fn precinct_findings<'a>(
    context: impl IntoIterator<Item = (u64, &'a [u8])>,
    entries: impl IntoIterator<Item = (u64, &'a [u8])>,
) -> Vec<Finding> {
    let mut context = context.into_iter().peekable();
    let mut precincts = HashMap::new();
    let mut definition = None;
    let mut findings = Vec::new();
    let mut rules = PrecinctRules::default();
    // The records that stand, by index, with what each counts for: what a correction may
    // supersede.
    let mut applied_at: HashMap<u64, Option<PrecinctContest>> = HashMap::new();
    for (index, entry) in entries {
        // What the log had defined and registered when this record was logged.
        while let Some((_, logged)) = context.next_if(|(at, _)| *at < index) {
            let Some(record) = Record::from_bytes(logged)
                .ok()
                .filter(|r| r.verify_signature().is_ok())
            else {
                continue;
            };
            match record.body {
                Body::ElectionDefinition(d) if definition.is_none() => definition = Some(d),
                Body::PrecinctRegistry(r) => {
                    precincts.extend(r.precincts.into_iter().map(|p| (p.id, p)))
                }
                _ => {}
            }
        }
        let record = match Record::from_bytes(entry) {
            Ok(r) => r,
            Err(e) => {
                let problem = vec![e.to_string()];
                findings.extend(found(Rule::RecordMalformed, index, None, problem));
                continue;
            }
        };
        if let Err(e) = record.verify_signature() {
            let precinct = record.body.precinct();
            let problem = vec![super::gate::signature_failure(e)];
            findings.extend(found(Rule::RecordSignature, index, precinct, problem));
            continue;
        }
        let refs = References {
            precincts: &precincts,
            definition: definition.as_ref(),
        };
        match record.body {
            Body::Correction(c) => {
                let target = c.supersedes;
                if !applied_at.contains_key(&target) {
                    let problem = vec![not_correctable(target)];
                    findings.extend(found(Rule::RecordReference, index, None, problem));
                } else if let Some(Some(key)) = applied_at.get(&target) {
                    rules.supersede(*key, target);
                }
            }
            body => {
                let applied = rules.apply(index, body, refs);
                findings.extend(applied.findings);
                if !applied.set_aside {
                    applied_at.insert(index, applied.counts_for);
                }
            }
        }
    }
    findings.extend(rules.counted().pairing_findings());
    findings
}
