//! The log's own records: each published checkpoint, logged by the log itself so that every
//! entry's witnessed time can be computed from the log alone (`spec/records.md` §6).

use minicbor::{Decode, Encode};

/// A checkpoint the log published, with the cosignatures that made it public, verbatim (a
/// signed note: c2sp.org/tlog-checkpoint, cosigned per c2sp.org/tlog-cosignature). The
/// record's signer is the log's own key; the note carries the log's and the witnesses'
/// signatures and is verified against the trust policy like any checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct LogCheckpoint {
    #[n(0)]
    pub note: String,
}
