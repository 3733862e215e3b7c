//! Complaints and campaign finance. Applicants are never named: a complaint carries its
//! registration number, category and subject, never who filed it.

use minicbor::{Decode, Encode};

use super::common::{DocumentRef, PrecinctId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(index_only)]
#[cfg_attr(feature = "json", serde(rename_all = "kebab-case"))]
pub enum ComplaintCategory {
    #[n(1)]
    VoterList,
    #[n(2)]
    Campaigning,
    #[n(3)]
    VotingProcess,
    #[n(4)]
    Counting,
    #[n(5)]
    Tabulation,
    #[n(6)]
    Finance,
    #[n(7)]
    Other,
}

/// A complaint registered with a commission. Its deadline runs from this record.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct ComplaintFiled {
    /// The registration number, unique within the election.
    #[n(0)]
    pub complaint: String,
    /// The commission it was filed with (for example "ТИК №12" or "ЦИК").
    #[n(1)]
    pub filed_with: String,
    #[n(2)]
    pub category: ComplaintCategory,
    /// The precinct it concerns, if one.
    #[n(3)]
    pub precinct: Option<PrecinctId>,
    /// What it is about, without personal data.
    #[n(4)]
    pub subject: String,
    #[n(5)]
    pub documents: Vec<DocumentRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(index_only)]
#[cfg_attr(feature = "json", serde(rename_all = "kebab-case"))]
pub enum Decider {
    #[n(1)]
    Commission,
    #[n(2)]
    Court,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(index_only)]
#[cfg_attr(feature = "json", serde(rename_all = "kebab-case"))]
pub enum Outcome {
    #[n(1)]
    Upheld,
    #[n(2)]
    PartlyUpheld,
    #[n(3)]
    Rejected,
    #[n(4)]
    NotConsidered,
}

/// A decision on a complaint, by a commission or a court.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct ComplaintDecision {
    #[n(0)]
    pub complaint: String,
    #[n(1)]
    pub decided_by: Decider,
    /// The commission or court, by name.
    #[n(2)]
    pub decider_name: String,
    #[n(3)]
    pub outcome: Outcome,
    #[n(4)]
    pub documents: Vec<DocumentRef>,
}

/// An amount of money by category, in tyiyn (1/100 of a som).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Amount {
    /// A category code: for income 1 own funds, 2 party funds, 3 donations by citizens,
    /// 4 donations by legal entities; for spending 1 media, 2 printed materials, 3 events,
    /// 4 staff, 5 other.
    #[n(0)]
    pub category: u8,
    #[n(1)]
    pub tyiyn: u64,
}

/// A party's or candidate's election-fund report.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct FinanceReport {
    /// The party or candidate (public).
    #[n(0)]
    pub filer: String,
    /// The last day covered, `YYYY-MM-DD`.
    #[n(1)]
    pub period_end: String,
    #[n(2)]
    pub income: Vec<Amount>,
    #[n(3)]
    pub spending: Vec<Amount>,
    #[n(4)]
    pub document: DocumentRef,
}

/// A bank statement of an election-fund account.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct BankStatement {
    #[n(0)]
    pub filer: String,
    /// The account, masked (for example "1280…4417").
    #[n(1)]
    pub account: String,
    #[n(2)]
    pub period_end: String,
    #[n(3)]
    pub opening_tyiyn: u64,
    #[n(4)]
    pub credits_tyiyn: u64,
    #[n(5)]
    pub debits_tyiyn: u64,
    #[n(6)]
    pub closing_tyiyn: u64,
    #[n(7)]
    pub document: DocumentRef,
}
