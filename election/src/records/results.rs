//! What polling day produces: protocols, urn results, turnout and identification counts,
//! and the CEC's final result.

use minicbor::{Decode, Encode};

use super::common::{ContestId, DocumentRef, PrecinctId};

/// A precinct commission's protocol of the manual count, with its scanned pages.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct PrecinctProtocol {
    #[n(0)]
    pub precinct: PrecinctId,
    #[n(1)]
    pub contest: ContestId,
    /// Voters on the list at the close of polls.
    #[n(2)]
    pub voters_on_list: u32,
    #[n(3)]
    pub ballots_received: u32,
    /// Ballots issued to voters, in the premises and for the mobile box.
    #[n(4)]
    pub ballots_issued: u32,
    /// Spoiled and unused ballots cancelled by the commission.
    #[n(5)]
    pub ballots_cancelled: u32,
    /// Ballots found in the stationary boxes.
    #[n(6)]
    pub ballots_stationary: u32,
    /// Ballots found in the mobile boxes.
    #[n(7)]
    pub ballots_mobile: u32,
    #[n(8)]
    pub invalid: u32,
    #[n(9)]
    pub valid: u32,
    /// Votes per option, in the contest's ballot order.
    #[n(10)]
    pub votes: Vec<u32>,
    /// The scanned pages of the signed paper protocol.
    #[n(11)]
    pub pages: Vec<DocumentRef>,
}

impl PrecinctProtocol {
    /// Ballots found in all boxes.
    pub fn ballots_found(&self) -> u64 {
        u64::from(self.ballots_stationary) + u64::from(self.ballots_mobile)
    }
}

/// An automatic ballot-counting urn's result, as it transmitted and printed it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct UrnResult {
    #[n(0)]
    pub precinct: PrecinctId,
    #[n(1)]
    pub contest: ContestId,
    /// The device's serial number.
    #[n(2)]
    pub device: String,
    /// Ballots the urn read, counted or rejected.
    #[n(3)]
    pub ballots_read: u32,
    /// Ballots it could not count as a vote (invalid).
    #[n(4)]
    pub rejected: u32,
    #[n(5)]
    pub votes: Vec<u32>,
    /// The scanned printout observers received.
    #[n(6)]
    pub printout: Option<DocumentRef>,
}

/// The identification device's cumulative count of identified voters at one hour of
/// polling day.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Turnout {
    #[n(0)]
    pub precinct: PrecinctId,
    /// Local hour, 8 to 20.
    #[n(1)]
    pub hour: u8,
    #[n(2)]
    pub identified: u32,
}

/// One hour of the identification report.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct HourCount {
    #[n(0)]
    pub hour: u8,
    #[n(1)]
    pub identified: u32,
}

/// The identification device's report after polls close: how many voters it identified.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct IdentificationReport {
    #[n(0)]
    pub precinct: PrecinctId,
    /// Voters identified in the premises (who may vote in the stationary boxes).
    #[n(1)]
    pub identified: u32,
    /// Voters identified for the mobile box.
    #[n(2)]
    pub identified_mobile: u32,
    /// Cumulative counts through the day.
    #[n(3)]
    pub hourly: Vec<HourCount>,
    #[n(4)]
    pub scan: Option<DocumentRef>,
}

/// The CEC's announced result of one contest.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct FinalResult {
    #[n(0)]
    pub contest: ContestId,
    /// Votes per option, in ballot order.
    #[n(1)]
    pub totals: Vec<u64>,
    /// How many precincts' protocols are counted.
    #[n(2)]
    pub precincts_counted: u32,
    /// The precincts excluded by annulment.
    #[n(3)]
    pub annulled: Vec<PrecinctId>,
    /// The scanned final protocol.
    #[n(4)]
    pub document: Option<DocumentRef>,
}
