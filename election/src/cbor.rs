//! Canonical CBOR: the one byte string each record value has.
//!
//! Records are encoded with `minicbor` as maps with small integer keys in ascending order,
//! shortest-form integers, definite lengths and no floats. Decoding accepts an input only if
//! encoding the decoded value gives back exactly the same bytes, so every record has one
//! encoding and two honest parties can never disagree about what was signed.

use minicbor::{Decode, Encode};
use thiserror::Error;

/// Why bytes are not the canonical encoding of a value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CborError {
    #[error("not valid CBOR for this value: {0}")]
    Invalid(String),
    #[error("not in canonical form (re-encoding differs)")]
    NotCanonical,
}

/// The canonical encoding of `value`.
pub fn encode<T: Encode<()>>(value: &T) -> Vec<u8> {
    minicbor::to_vec(value).expect("encoding into a Vec cannot fail")
}

/// Decodes `bytes`, accepting them only if they are the canonical encoding of the result.
pub fn decode_canonical<'b, T>(bytes: &'b [u8]) -> Result<T, CborError>
where
    T: Decode<'b, ()> + Encode<()>,
{
    let value: T = minicbor::decode(bytes).map_err(|e| CborError::Invalid(e.to_string()))?;
    if encode(&value) != bytes {
        return Err(CborError::NotCanonical);
    }
    Ok(value)
}
