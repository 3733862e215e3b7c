//! What counts for each precinct, and the rules that compare its records: the first protocol
//! and the first urn result logged for a precinct and contest (until a correction supersedes
//! it), the first identification report of a precinct. The full audit keeps one [`Counted`]
//! for the whole log; the browser's precinct page runs [`precinct_findings`] over one
//! precinct's records — both with this code, so that they judge a precinct alike.

use super::checks;
use super::rules::{Finding, Rule};
use crate::record::Record;
use crate::records::{
    Body, ContestId, IdentificationReport, PrecinctId, PrecinctProtocol, UrnResult,
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
    pub fn protocol(&mut self, index: u64, p: PrecinctProtocol) -> Vec<String> {
        let key = (p.precinct, p.contest);
        if let Some((earlier, _)) = self.protocols.get(&key) {
            return vec![format!(
                "a protocol for this precinct and contest is already logged at entry {earlier}, and no correction supersedes it"
            )];
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
                    key.0,
                    checks::urn_matches_protocol(urn, p),
                ));
            }
            if let Some((_, id)) = self.identification.get(&key.0) {
                findings.extend(found(
                    Rule::BallotsWithinIdentified,
                    *index,
                    key.0,
                    checks::ballots_within_identified(p, id),
                ));
            }
        }
        findings
    }
}

fn found(rule: Rule, index: u64, precinct: PrecinctId, messages: Vec<String>) -> Vec<Finding> {
    messages
        .into_iter()
        .map(|message| Finding {
            rule,
            index: Some(index),
            precinct: Some(precinct),
            message,
        })
        .collect()
}

/// The rules that need only one precinct's records (given in log order), judged as the full
/// audit judges them: `record.malformed`, `record.signature`, `protocol.arithmetic`,
/// `protocol.single`, and the pairing of the records that count. The rules that need the whole
/// log — the registry and the definition, who may sign, corrections, the tally — are the full
/// audit's ([`super::Auditor`]).
pub fn precinct_findings<'a>(entries: impl IntoIterator<Item = (u64, &'a [u8])>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut counted = Counted::default();
    for (index, entry) in entries {
        let record = match Record::from_bytes(entry) {
            Ok(r) => r,
            Err(e) => {
                findings.extend(found_anywhere(
                    Rule::RecordMalformed,
                    index,
                    None,
                    e.to_string(),
                ));
                continue;
            }
        };
        let precinct = record.body.precinct();
        if let Err(e) = record.verify_signature() {
            findings.extend(found_anywhere(
                Rule::RecordSignature,
                index,
                precinct,
                e.to_string(),
            ));
            continue;
        }
        match record.body {
            Body::PrecinctProtocol(p) => {
                let precinct = p.precinct;
                findings.extend(found(
                    Rule::ProtocolArithmetic,
                    index,
                    precinct,
                    checks::protocol_arithmetic(&p),
                ));
                let single = counted.protocol(index, p);
                findings.extend(found(Rule::ProtocolSingle, index, precinct, single));
            }
            Body::UrnResult(u) => counted.urn(index, u),
            Body::IdentificationReport(r) => counted.identification(index, r),
            _ => {}
        }
    }
    findings.extend(counted.pairing_findings());
    findings
}

fn found_anywhere(
    rule: Rule,
    index: u64,
    precinct: Option<PrecinctId>,
    message: String,
) -> Vec<Finding> {
    vec![Finding {
        rule,
        index: Some(index),
        precinct,
        message,
    }]
}
