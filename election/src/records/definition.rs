//! The election definition and its precinct registry.

use minicbor::{Decode, Encode};

use super::common::{ContestId, Names, PrecinctId, TerritoryId};

/// The kind of election.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(index_only)]
#[cfg_attr(feature = "json", serde(rename_all = "kebab-case"))]
pub enum ElectionType {
    #[n(1)]
    Presidential,
    /// Jogorku Kenesh: proportional party lists and single-member districts.
    #[n(2)]
    Parliamentary,
    /// Local keneshes.
    #[n(3)]
    Local,
    #[n(4)]
    Referendum,
}

/// One choice on a ballot, in ballot order.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct ContestOption {
    #[n(0)]
    pub name: Names,
}

/// One ballot: a party-list vote, a district race or a referendum question.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Contest {
    #[n(0)]
    pub id: ContestId,
    #[n(1)]
    pub name: Names,
    /// Seats to fill (0 for a referendum).
    #[n(2)]
    pub seats: u16,
    /// The options in ballot order; protocols list votes in this order.
    #[n(3)]
    pub options: Vec<ContestOption>,
}

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Region {
    #[n(0)]
    pub id: u16,
    #[n(1)]
    pub name: Names,
}

/// A territorial election commission and the region it lies in.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Territory {
    #[n(0)]
    pub id: TerritoryId,
    #[n(1)]
    pub region: u16,
    #[n(2)]
    pub name: Names,
}

/// What the election is: published by the CEC before any result.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct ElectionDefinition {
    #[n(0)]
    pub election_type: ElectionType,
    /// Polling day, `YYYY-MM-DD`.
    #[n(1)]
    pub date: String,
    #[n(2)]
    pub name: Names,
    #[n(3)]
    pub contests: Vec<Contest>,
    #[n(4)]
    pub regions: Vec<Region>,
    #[n(5)]
    pub territories: Vec<Territory>,
    /// How long a commission has to decide a complaint, in seconds from the filing record.
    #[n(6)]
    pub complaint_deadline: u64,
    /// How many registry parts follow; the registry is complete when all are logged.
    #[n(7)]
    pub registry_parts: u16,
}

/// A precinct and its polling station. The station's name and address are public (citizens
/// look their precinct up by address); a registry made from the CEC's own files carries them,
/// a generated one may not.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Precinct {
    #[n(0)]
    pub id: PrecinctId,
    #[n(1)]
    pub territory: TerritoryId,
    /// Voters on the list when the registry was published.
    #[n(2)]
    pub registered: u32,
    /// The polling station's name, in Kyrgyz and Russian (English if given).
    #[n(3)]
    pub station: Option<Names>,
    /// The polling station's address, likewise.
    #[n(4)]
    pub address: Option<Names>,
}

/// A part of the precinct registry. The registry of ~2,500 precincts does not fit one entry
/// (65,535 bytes), so it is published in parts, numbered from 0, each as full as fits.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct PrecinctRegistry {
    #[n(0)]
    pub part: u16,
    #[n(1)]
    pub precincts: Vec<Precinct>,
}
