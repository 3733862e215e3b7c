//! The rules that look at one record, or at two records of one precinct, as pure functions.
//! Each returns the problems it found as English sentences; the auditor turns them into
//! findings with the rule, index and precinct.

use crate::records::{BankStatement, HourCount, IdentificationReport, PrecinctProtocol, UrnResult};

/// `protocol.arithmetic`: the protocol's figures are consistent with each other.
pub fn protocol_arithmetic(p: &PrecinctProtocol) -> Vec<String> {
    let mut problems = Vec::new();
    let found = p.ballots_found();
    let marked = u64::from(p.valid) + u64::from(p.invalid);
    if marked != found {
        problems.push(format!(
            "valid ({}) + invalid ({}) = {marked}, but {found} ballots were found in the boxes ({} stationary + {} mobile)",
            p.valid, p.invalid, p.ballots_stationary, p.ballots_mobile
        ));
    }
    let votes: u64 = p.votes.iter().map(|&v| u64::from(v)).sum();
    if votes != u64::from(p.valid) {
        problems.push(format!(
            "the votes per option add up to {votes}, but the protocol reports {} valid ballots",
            p.valid
        ));
    }
    if p.ballots_issued > p.ballots_received {
        problems.push(format!(
            "{} ballots issued, more than the {} received",
            p.ballots_issued, p.ballots_received
        ));
    }
    if found > u64::from(p.ballots_issued) {
        problems.push(format!(
            "{found} ballots found in the boxes, more than the {} issued",
            p.ballots_issued
        ));
    }
    if p.ballots_issued > p.voters_on_list {
        problems.push(format!(
            "{} ballots issued, more than the {} voters on the list",
            p.ballots_issued, p.voters_on_list
        ));
    }
    problems
}

/// `urn.matches-protocol`: the machine count equals the manual count.
pub fn urn_matches_protocol(urn: &UrnResult, p: &PrecinctProtocol) -> Vec<String> {
    let mut problems = Vec::new();
    for (option, (u, m)) in urn.votes.iter().zip(&p.votes).enumerate() {
        if u != m {
            problems.push(format!(
                "option {}: the urn counted {u}, the protocol reports {m}",
                option + 1
            ));
        }
    }
    if urn.votes.len() != p.votes.len() {
        problems.push(format!(
            "the urn reports {} options, the protocol {}",
            urn.votes.len(),
            p.votes.len()
        ));
    }
    let found = p.ballots_found();
    if u64::from(urn.ballots_read) != found {
        problems.push(format!(
            "the urn read {} ballots, the protocol found {found} in the boxes",
            urn.ballots_read
        ));
    }
    if urn.rejected != p.invalid {
        problems.push(format!(
            "the urn rejected {} ballots, the protocol reports {} invalid",
            urn.rejected, p.invalid
        ));
    }
    problems
}

/// `ballots.within-identified`: no box holds more ballots than voters were identified for it.
pub fn ballots_within_identified(p: &PrecinctProtocol, id: &IdentificationReport) -> Vec<String> {
    let mut problems = Vec::new();
    if p.ballots_stationary > id.identified {
        problems.push(format!(
            "{} ballots in the stationary boxes, but only {} voters were identified in the premises",
            p.ballots_stationary, id.identified
        ));
    }
    if p.ballots_mobile > id.identified_mobile {
        problems.push(format!(
            "{} ballots in the mobile boxes, but only {} voters were identified for the mobile box",
            p.ballots_mobile, id.identified_mobile
        ));
    }
    problems
}

/// `turnout.monotonic` within one report: hours ascend and cumulative counts never fall, and
/// the day's total is not below the last hourly count.
pub fn hourly_counts_monotonic(hourly: &[HourCount], total: u64) -> Vec<String> {
    let mut problems = Vec::new();
    for pair in hourly.windows(2) {
        if pair[1].hour <= pair[0].hour || pair[1].identified < pair[0].identified {
            problems.push(format!(
                "{}:00 shows {} identified, {}:00 shows {}",
                pair[0].hour, pair[0].identified, pair[1].hour, pair[1].identified
            ));
        }
    }
    if let Some(last) = hourly.last().filter(|l| u64::from(l.identified) > total) {
        problems.push(format!(
            "{}:00 shows {} identified, more than the day's total of {total}",
            last.hour, last.identified
        ));
    }
    problems
}

/// `finance.statement-balance`.
pub fn statement_balances(s: &BankStatement) -> Vec<String> {
    let expected = (u128::from(s.opening_tyiyn) + u128::from(s.credits_tyiyn))
        .checked_sub(u128::from(s.debits_tyiyn));
    if expected == Some(u128::from(s.closing_tyiyn)) {
        return vec![];
    }
    vec![format!(
        "opening {} + credits {} − debits {} ≠ closing {} (tyiyn)",
        s.opening_tyiyn, s.credits_tyiyn, s.debits_tyiyn, s.closing_tyiyn
    )]
}
