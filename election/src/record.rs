//! The signed envelope: every log entry is one record — kind, election, signer, time, body —
//! signed with Ed25519 over a domain-separated canonical encoding.
//!
//! ```text
//! entry     = canonical CBOR map { 0: version (1), 1: kind, 2: election id, 3: signer public
//!             key (32 bytes), 4: time (Unix seconds), 5: body (bytes: the canonical CBOR of the
//!             kind's body), 6: signature (64 bytes) }
//! signature = Ed25519(signer, "shailoo-ledger/record/v1\n" || the same map without key 6)
//! ```

use crate::cbor::{CborError, decode_canonical, encode};
use crate::records::{Body, Kind};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use minicbor::{Decode, Encode};
use thiserror::Error;

/// The envelope version this code writes and reads.
pub const RECORD_VERSION: u8 = 1;
/// Prefixed to what is signed, so a record signature can never be mistaken for a signature
/// on anything else (a note, another protocol's message).
pub const SIGNING_CONTEXT: &[u8] = b"shailoo-ledger/record/v1\n";
/// The largest record: what one tile entry can hold.
pub const MAX_RECORD_SIZE: usize = tlog::entries::MAX_ENTRY_SIZE;

/// Why an entry is not a valid record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("record is {0} bytes, more than the maximum of 65535")]
    TooLarge(usize),
    #[error("record envelope: {0}")]
    Envelope(CborError),
    #[error("record version {0} is not supported (this code reads version 1)")]
    Version(u8),
    #[error("record kind {0} is unknown")]
    UnknownKind(u16),
    #[error("record body of kind {kind}: {error}")]
    Body {
        kind: &'static str,
        error: CborError,
    },
    #[error("record has no signature")]
    Unsigned,
    #[error("record signature does not verify")]
    BadSignature,
    #[error("signer public key is not a valid Ed25519 key")]
    BadKey,
}

/// The envelope as it is encoded. Without a signature it is the message that is signed.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cbor(map)]
struct Envelope {
    #[n(0)]
    version: u8,
    #[n(1)]
    kind: u16,
    #[n(2)]
    election: String,
    #[cbor(n(3), with = "minicbor::bytes")]
    signer: [u8; 32],
    #[n(4)]
    time: u64,
    #[cbor(n(5), with = "minicbor::bytes")]
    body: Vec<u8>,
    #[cbor(n(6), with = "minicbor::bytes")]
    signature: Option<[u8; 64]>,
}

/// A decoded, well-formed record. Its signature is checked by [`Record::verify_signature`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The election's id: the last segment of the log's origin.
    pub election: String,
    /// The signer's Ed25519 public key.
    pub signer: [u8; 32],
    /// When the signer says it signed (Unix seconds). Rules compare these times; the log's
    /// witnessed checkpoints bound when the record was logged.
    pub time: u64,
    pub body: Body,
    pub signature: [u8; 64],
}

/// What signs records: a key in memory, or a device that holds one (a hardware token, a smart
/// card, an agent). Programs sign only through this, so that a new kind of signer changes no
/// caller (`spec/keys.md` §3).
pub trait RecordSigner {
    /// The signer's Ed25519 public key, as records name their signer.
    fn public_key(&self) -> [u8; 32];
    /// The Ed25519 signature of `message`, or why the signer could not make it.
    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError>;
}

/// Why a signer did not sign (a device unplugged, a PIN refused, an agent gone).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signer did not sign: {0}")]
pub struct SignerError(pub String);

impl RecordSigner for SigningKey {
    fn public_key(&self) -> [u8; 32] {
        self.verifying_key().to_bytes()
    }
    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
        Ok(self.sign(message).to_bytes())
    }
}

impl Record {
    /// Signs a record with a key in memory.
    pub fn sign(election: &str, time: u64, body: Body, key: &SigningKey) -> Record {
        Record::sign_with(election, time, body, key).expect("a key in memory always signs")
    }

    /// Signs a record with any signer, and checks the signature it made.
    pub fn sign_with(
        election: &str,
        time: u64,
        body: Body,
        signer: &dyn RecordSigner,
    ) -> Result<Record, SignerError> {
        let public_key = signer.public_key();
        let message = signing_message(election, public_key, time, &body);
        let signature = signer.sign_message(&message)?;
        let record = Record {
            election: election.to_string(),
            signer: public_key,
            time,
            body,
            signature,
        };
        // A device that returns a wrong signature (or another key's) is caught here, not by
        // the log after the record has travelled.
        record.verify_signature().map_err(|_| {
            SignerError("its signature does not verify with the public key it gave".into())
        })?;
        Ok(record)
    }

    pub fn kind(&self) -> Kind {
        self.body.kind()
    }

    /// The log entry: the canonical encoding of the signed envelope.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(&Envelope {
            version: RECORD_VERSION,
            kind: self.kind().code(),
            election: self.election.clone(),
            signer: self.signer,
            time: self.time,
            body: self.body.encode(),
            signature: Some(self.signature),
        })
    }

    /// Parses an entry strictly: size, canonical envelope and body, known version and kind,
    /// signature present. It does not check the signature.
    pub fn from_bytes(entry: &[u8]) -> Result<Record, RecordError> {
        if entry.len() > MAX_RECORD_SIZE {
            return Err(RecordError::TooLarge(entry.len()));
        }
        let env: Envelope = decode_canonical(entry).map_err(RecordError::Envelope)?;
        if env.version != RECORD_VERSION {
            return Err(RecordError::Version(env.version));
        }
        let kind = Kind::from_code(env.kind).ok_or(RecordError::UnknownKind(env.kind))?;
        let body = Body::decode(kind, &env.body).map_err(|error| RecordError::Body {
            kind: kind.name(),
            error,
        })?;
        let signature = env.signature.ok_or(RecordError::Unsigned)?;
        Ok(Record {
            election: env.election,
            signer: env.signer,
            time: env.time,
            body,
            signature,
        })
    }

    /// Checks the signature against the signer key the record names (strict Ed25519).
    /// Whether that key may sign this record is the audit's question (see `audit`).
    pub fn verify_signature(&self) -> Result<(), RecordError> {
        let key = VerifyingKey::from_bytes(&self.signer).map_err(|_| RecordError::BadKey)?;
        self.verify_signature_with(&key)
    }

    /// [`Record::verify_signature`] with the signer's key already decompressed (see
    /// [`crate::signers::SignerKeys`]). `key` must be the key the record names.
    pub(crate) fn verify_signature_with(&self, key: &VerifyingKey) -> Result<(), RecordError> {
        debug_assert_eq!(key.as_bytes(), &self.signer);
        let message = signing_message(&self.election, self.signer, self.time, &self.body);
        key.verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| RecordError::BadSignature)
    }

    /// The leaf hash of this record's entry in the log.
    pub fn leaf_hash(&self) -> tlog::Hash {
        tlog::leaf_hash(&self.to_bytes())
    }
}

fn signing_message(election: &str, signer: [u8; 32], time: u64, body: &Body) -> Vec<u8> {
    let unsigned = Envelope {
        version: RECORD_VERSION,
        kind: body.kind().code(),
        election: election.to_string(),
        signer,
        time,
        body: body.encode(),
        signature: None,
    };
    let mut message = SIGNING_CONTEXT.to_vec();
    message.extend_from_slice(&encode(&unsigned));
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device that answers with its key's signature, or refuses.
    struct Device {
        key: SigningKey,
        refuses: bool,
    }

    impl RecordSigner for Device {
        fn public_key(&self) -> [u8; 32] {
            self.key.public_key()
        }
        fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
            if self.refuses {
                return Err(SignerError("the token's PIN was refused".into()));
            }
            self.key.sign_message(message)
        }
    }

    #[test]
    fn any_signer_signs_the_same_record_and_a_refusal_is_an_error() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let body = Body::KeyRevocation(crate::records::KeyRevocation {
            key: [9; 32],
            effective: 4,
            reason: "test".into(),
        });
        let in_memory = Record::sign("e", 5, body.clone(), &key);
        let device = Device {
            key: key.clone(),
            refuses: false,
        };
        let by_device = Record::sign_with("e", 5, body.clone(), &device).unwrap();
        assert_eq!(by_device, in_memory);
        assert!(by_device.verify_signature().is_ok());
        let refusing = Device { key, refuses: true };
        let refused = Record::sign_with("e", 5, body, &refusing);
        assert_eq!(
            refused,
            Err(SignerError("the token's PIN was refused".into()))
        );
    }
}
