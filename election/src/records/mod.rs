//! The record kinds and their bodies. Each kind has a stable number, the key under which its
//! body is interpreted; `spec/records.md` lists them all.

mod actions;
mod common;
mod definition;
mod filings;
mod keys;
mod log;
mod results;

pub use actions::{Annulment, Correction};
pub use common::{ContestId, DocumentMismatch, DocumentRef, Names, PrecinctId, TerritoryId};
pub use definition::{
    Contest, ContestOption, ElectionDefinition, ElectionType, Precinct, PrecinctRegistry, Region,
    Territory,
};
pub use filings::{
    Amount, BankStatement, ComplaintCategory, ComplaintDecision, ComplaintFiled, Decider,
    FinanceReport, Outcome,
};
pub use keys::{KeyEnrollment, KeyRevocation, Role, Scope};
pub use log::LogCheckpoint;
pub use results::{
    FinalResult, HourCount, IdentificationReport, PrecinctProtocol, Turnout, UrnResult,
};

use crate::cbor::{CborError, decode_canonical, encode};

/// The kinds of record, with their numbers on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    KeyEnrollment = 1,
    KeyRevocation = 2,
    ElectionDefinition = 3,
    PrecinctRegistry = 4,
    PrecinctProtocol = 5,
    UrnResult = 6,
    Turnout = 7,
    IdentificationReport = 8,
    ComplaintFiled = 9,
    ComplaintDecision = 10,
    FinanceReport = 11,
    BankStatement = 12,
    Annulment = 13,
    Correction = 14,
    FinalResult = 15,
    LogCheckpoint = 16,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::KeyEnrollment,
        Kind::KeyRevocation,
        Kind::ElectionDefinition,
        Kind::PrecinctRegistry,
        Kind::PrecinctProtocol,
        Kind::UrnResult,
        Kind::Turnout,
        Kind::IdentificationReport,
        Kind::ComplaintFiled,
        Kind::ComplaintDecision,
        Kind::FinanceReport,
        Kind::BankStatement,
        Kind::Annulment,
        Kind::Correction,
        Kind::FinalResult,
        Kind::LogCheckpoint,
    ];

    /// The number written in the envelope.
    pub fn code(self) -> u16 {
        self as u16
    }

    pub fn from_code(code: u16) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A stable lower-case name, used by the CLI (`--kind`) and the API.
    pub fn name(self) -> &'static str {
        match self {
            Kind::KeyEnrollment => "key-enrollment",
            Kind::KeyRevocation => "key-revocation",
            Kind::ElectionDefinition => "election-definition",
            Kind::PrecinctRegistry => "precinct-registry",
            Kind::PrecinctProtocol => "protocol",
            Kind::UrnResult => "urn-result",
            Kind::Turnout => "turnout",
            Kind::IdentificationReport => "identification-report",
            Kind::ComplaintFiled => "complaint-filed",
            Kind::ComplaintDecision => "complaint-decision",
            Kind::FinanceReport => "finance-report",
            Kind::BankStatement => "bank-statement",
            Kind::Annulment => "annulment",
            Kind::Correction => "correction",
            Kind::FinalResult => "final-result",
            Kind::LogCheckpoint => "log-checkpoint",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A record's content, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    KeyEnrollment(KeyEnrollment),
    KeyRevocation(KeyRevocation),
    ElectionDefinition(ElectionDefinition),
    PrecinctRegistry(PrecinctRegistry),
    PrecinctProtocol(PrecinctProtocol),
    UrnResult(UrnResult),
    Turnout(Turnout),
    IdentificationReport(IdentificationReport),
    ComplaintFiled(ComplaintFiled),
    ComplaintDecision(ComplaintDecision),
    FinanceReport(FinanceReport),
    BankStatement(BankStatement),
    Annulment(Annulment),
    Correction(Correction),
    FinalResult(FinalResult),
    LogCheckpoint(LogCheckpoint),
}

/// Applies `$action` to the inner value of every `Body` variant.
macro_rules! each_body {
    ($body:expr, $inner:ident => $action:expr) => {
        match $body {
            Body::KeyEnrollment($inner) => $action,
            Body::KeyRevocation($inner) => $action,
            Body::ElectionDefinition($inner) => $action,
            Body::PrecinctRegistry($inner) => $action,
            Body::PrecinctProtocol($inner) => $action,
            Body::UrnResult($inner) => $action,
            Body::Turnout($inner) => $action,
            Body::IdentificationReport($inner) => $action,
            Body::ComplaintFiled($inner) => $action,
            Body::ComplaintDecision($inner) => $action,
            Body::FinanceReport($inner) => $action,
            Body::BankStatement($inner) => $action,
            Body::Annulment($inner) => $action,
            Body::Correction($inner) => $action,
            Body::FinalResult($inner) => $action,
            Body::LogCheckpoint($inner) => $action,
        }
    };
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::KeyEnrollment(_) => Kind::KeyEnrollment,
            Body::KeyRevocation(_) => Kind::KeyRevocation,
            Body::ElectionDefinition(_) => Kind::ElectionDefinition,
            Body::PrecinctRegistry(_) => Kind::PrecinctRegistry,
            Body::PrecinctProtocol(_) => Kind::PrecinctProtocol,
            Body::UrnResult(_) => Kind::UrnResult,
            Body::Turnout(_) => Kind::Turnout,
            Body::IdentificationReport(_) => Kind::IdentificationReport,
            Body::ComplaintFiled(_) => Kind::ComplaintFiled,
            Body::ComplaintDecision(_) => Kind::ComplaintDecision,
            Body::FinanceReport(_) => Kind::FinanceReport,
            Body::BankStatement(_) => Kind::BankStatement,
            Body::Annulment(_) => Kind::Annulment,
            Body::Correction(_) => Kind::Correction,
            Body::FinalResult(_) => Kind::FinalResult,
            Body::LogCheckpoint(_) => Kind::LogCheckpoint,
        }
    }

    /// The canonical CBOR of the body (without its kind, which the envelope carries).
    pub fn encode(&self) -> Vec<u8> {
        each_body!(self, b => encode(b))
    }

    /// Decodes a body of `kind`, accepting only its canonical encoding.
    pub fn decode(kind: Kind, bytes: &[u8]) -> Result<Body, CborError> {
        Ok(match kind {
            Kind::KeyEnrollment => Body::KeyEnrollment(decode_canonical(bytes)?),
            Kind::KeyRevocation => Body::KeyRevocation(decode_canonical(bytes)?),
            Kind::ElectionDefinition => Body::ElectionDefinition(decode_canonical(bytes)?),
            Kind::PrecinctRegistry => Body::PrecinctRegistry(decode_canonical(bytes)?),
            Kind::PrecinctProtocol => Body::PrecinctProtocol(decode_canonical(bytes)?),
            Kind::UrnResult => Body::UrnResult(decode_canonical(bytes)?),
            Kind::Turnout => Body::Turnout(decode_canonical(bytes)?),
            Kind::IdentificationReport => Body::IdentificationReport(decode_canonical(bytes)?),
            Kind::ComplaintFiled => Body::ComplaintFiled(decode_canonical(bytes)?),
            Kind::ComplaintDecision => Body::ComplaintDecision(decode_canonical(bytes)?),
            Kind::FinanceReport => Body::FinanceReport(decode_canonical(bytes)?),
            Kind::BankStatement => Body::BankStatement(decode_canonical(bytes)?),
            Kind::Annulment => Body::Annulment(decode_canonical(bytes)?),
            Kind::Correction => Body::Correction(decode_canonical(bytes)?),
            Kind::FinalResult => Body::FinalResult(decode_canonical(bytes)?),
            Kind::LogCheckpoint => Body::LogCheckpoint(decode_canonical(bytes)?),
        })
    }

    /// The precinct a record speaks for, if it speaks for one: what a signer's scope must cover.
    pub fn precinct(&self) -> Option<PrecinctId> {
        match self {
            Body::PrecinctProtocol(b) => Some(b.precinct),
            Body::UrnResult(b) => Some(b.precinct),
            Body::Turnout(b) => Some(b.precinct),
            Body::IdentificationReport(b) => Some(b.precinct),
            Body::ComplaintFiled(b) => b.precinct,
            _ => None,
        }
    }

    /// Every document the record references.
    pub fn documents(&self) -> Vec<&DocumentRef> {
        match self {
            Body::PrecinctProtocol(b) => b.pages.iter().collect(),
            Body::UrnResult(b) => b.printout.iter().collect(),
            Body::IdentificationReport(b) => b.scan.iter().collect(),
            Body::ComplaintFiled(b) => b.documents.iter().collect(),
            Body::ComplaintDecision(b) => b.documents.iter().collect(),
            Body::FinanceReport(b) => vec![&b.document],
            Body::BankStatement(b) => vec![&b.document],
            Body::Annulment(b) => b.document.iter().collect(),
            Body::Correction(b) => b.document.iter().collect(),
            Body::FinalResult(b) => b.document.iter().collect(),
            _ => vec![],
        }
    }
}
