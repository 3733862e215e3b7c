//! The rules that look at one record, or at two records of one precinct, as pure functions.
//! Each returns the problems it found as sentences with their figures (`message.rs`); the
//! auditor turns them into findings with the rule, index and precinct.

use super::message::{Message, Sentence};
use crate::records::{BankStatement, HourCount, IdentificationReport, PrecinctProtocol, UrnResult};

/// `protocol.arithmetic`: the protocol's figures are consistent with each other.
pub fn protocol_arithmetic(p: &PrecinctProtocol) -> Vec<Message> {
    let mut problems = Vec::new();
    let found = p.ballots_found();
    let marked = u64::from(p.valid) + u64::from(p.invalid);
    if marked != found {
        problems.push(Message::new(
            Sentence::MarkedNotFound,
            [
                u64::from(p.valid),
                u64::from(p.invalid),
                marked,
                found,
                u64::from(p.ballots_stationary),
                u64::from(p.ballots_mobile),
            ],
        ));
    }
    let votes: u64 = p.votes.iter().map(|&v| u64::from(v)).sum();
    if votes != u64::from(p.valid) {
        problems.push(Message::new(
            Sentence::VotesNotValid,
            [votes, u64::from(p.valid)],
        ));
    }
    if p.ballots_issued > p.ballots_received {
        problems.push(Message::new(
            Sentence::IssuedOverReceived,
            [p.ballots_issued, p.ballots_received],
        ));
    }
    if found > u64::from(p.ballots_issued) {
        problems.push(Message::new(
            Sentence::FoundOverIssued,
            [found, u64::from(p.ballots_issued)],
        ));
    }
    if p.ballots_issued > p.voters_on_list {
        problems.push(Message::new(
            Sentence::IssuedOverList,
            [p.ballots_issued, p.voters_on_list],
        ));
    }
    problems
}

/// `urn.matches-protocol`: the machine count equals the manual count.
pub fn urn_matches_protocol(urn: &UrnResult, p: &PrecinctProtocol) -> Vec<Message> {
    let mut problems = Vec::new();
    for (option, (u, m)) in urn.votes.iter().zip(&p.votes).enumerate() {
        if u != m {
            problems.push(Message::new(
                Sentence::UrnOption,
                [(option + 1).to_string(), u.to_string(), m.to_string()],
            ));
        }
    }
    if urn.votes.len() != p.votes.len() {
        problems.push(Message::new(
            Sentence::UrnOptionCount,
            [urn.votes.len(), p.votes.len()],
        ));
    }
    let found = p.ballots_found();
    if u64::from(urn.ballots_read) != found {
        problems.push(Message::new(
            Sentence::UrnRead,
            [u64::from(urn.ballots_read), found],
        ));
    }
    if urn.rejected != p.invalid {
        problems.push(Message::new(
            Sentence::UrnRejected,
            [urn.rejected, p.invalid],
        ));
    }
    problems
}

/// `ballots.within-identified`: no box holds more ballots than voters were identified for it.
pub fn ballots_within_identified(p: &PrecinctProtocol, id: &IdentificationReport) -> Vec<Message> {
    let mut problems = Vec::new();
    if p.ballots_stationary > id.identified {
        problems.push(Message::new(
            Sentence::StationaryOverIdentified,
            [p.ballots_stationary, id.identified],
        ));
    }
    if p.ballots_mobile > id.identified_mobile {
        problems.push(Message::new(
            Sentence::MobileOverIdentified,
            [p.ballots_mobile, id.identified_mobile],
        ));
    }
    problems
}

/// `turnout.monotonic` within one report: hours ascend and cumulative counts never fall, and
/// the day's total is not below the last hourly count.
pub fn hourly_counts_monotonic(hourly: &[HourCount], total: u64) -> Vec<Message> {
    let mut problems = Vec::new();
    for pair in hourly.windows(2) {
        if pair[1].hour <= pair[0].hour || pair[1].identified < pair[0].identified {
            problems.push(Message::new(
                Sentence::HourlyFalls,
                [
                    pair[0].hour.to_string(),
                    pair[0].identified.to_string(),
                    pair[1].hour.to_string(),
                    pair[1].identified.to_string(),
                ],
            ));
        }
    }
    if let Some(last) = hourly.last().filter(|l| u64::from(l.identified) > total) {
        problems.push(Message::new(
            Sentence::HourlyOverTotal,
            [
                last.hour.to_string(),
                last.identified.to_string(),
                total.to_string(),
            ],
        ));
    }
    problems
}

/// `finance.statement-balance`.
pub fn statement_balances(s: &BankStatement) -> Vec<Message> {
    let expected = (u128::from(s.opening_tyiyn) + u128::from(s.credits_tyiyn))
        .checked_sub(u128::from(s.debits_tyiyn));
    if expected == Some(u128::from(s.closing_tyiyn)) {
        return vec![];
    }
    vec![Message::new(
        Sentence::StatementUnbalanced,
        [
            s.opening_tyiyn,
            s.credits_tyiyn,
            s.debits_tyiyn,
            s.closing_tyiyn,
        ],
    )]
}
