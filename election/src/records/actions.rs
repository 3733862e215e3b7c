//! What changes the meaning of earlier records without touching them: annulments and
//! corrections. The log is append-only; these records point back.

use minicbor::{Decode, Encode};

use super::common::{DocumentRef, PrecinctId};

/// The CEC's resolution removing precincts' results from the count.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Annulment {
    #[n(0)]
    pub precincts: Vec<PrecinctId>,
    /// The resolution number (for example "№524").
    #[n(1)]
    pub resolution: String,
    #[n(2)]
    pub reason: String,
    #[n(3)]
    pub document: Option<DocumentRef>,
}

/// Supersedes an earlier record, named by its index in the log. A replacement, if any, is a
/// new record of the same kind for the same precinct logged after the correction.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Correction {
    #[n(0)]
    pub supersedes: u64,
    #[n(1)]
    pub reason: String,
    #[n(2)]
    pub document: Option<DocumentRef>,
}
