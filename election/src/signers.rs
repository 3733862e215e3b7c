//! Signers' public keys, decompressed once.
//!
//! A record names its signer by the 32-byte compressed Ed25519 key. Decompressing it (a
//! square root in the field) costs about a third as much as the signature verification
//! itself, and an election's ~10,000 keys sign ~45,000 records, so the ledger's admission and
//! every audit keep the keys they already decompressed. A key is kept only once a record it
//! signed passed the gate (it is enrolled: see [`crate::audit::Gate::apply`]), so refused
//! records by fresh keys cannot fill it; and it is bounded: past [`SignerKeys::CAPACITY`] keys
//! nothing more is kept, and records still verify, only slower.

use crate::record::{Record, RecordError};
use ed25519_dalek::VerifyingKey;
use std::collections::HashMap;
use std::sync::RwLock;

/// Decompressed keys of signers whose records verified, shared between threads.
#[derive(Default)]
pub struct SignerKeys {
    keys: RwLock<HashMap<[u8; 32], VerifyingKey>>,
}

impl SignerKeys {
    /// The most keys kept (about 7 MB): three times an election's enrolled keys.
    pub const CAPACITY: usize = 32_768;

    pub fn new() -> SignerKeys {
        SignerKeys::default()
    }

    /// Checks `record`'s signature against the key it names, as
    /// [`Record::verify_signature`] does, with the key already decompressed if it is kept.
    pub fn verify(&self, record: &Record) -> Result<(), RecordError> {
        match self.kept(&record.signer) {
            Some(key) => record.verify_signature_with(&key),
            None => record.verify_signature(),
        }
    }

    /// [`SignerKeys::verify`] for a checker without the log's state (a Web Worker of the
    /// browser's tally): the key of a record whose signature verified is kept, decompressed
    /// once, without knowing whether it is enrolled. A hostile log can fill the cache with
    /// keys of its own making; that costs only speed, as it is bounded like every other use.
    pub fn verify_remembering(&self, record: &Record) -> Result<(), RecordError> {
        if let Some(key) = self.kept(&record.signer) {
            return record.verify_signature_with(&key);
        }
        let key = VerifyingKey::from_bytes(&record.signer).map_err(|_| RecordError::BadKey)?;
        record.verify_signature_with(&key)?;
        self.keep(record.signer, key);
        Ok(())
    }

    /// Keeps `signer`'s key, decompressed, while there is room: call it once a record it
    /// signed was admitted.
    pub fn remember(&self, signer: &[u8; 32]) {
        if self.kept(signer).is_some() {
            return;
        }
        if let Ok(key) = VerifyingKey::from_bytes(signer) {
            self.keep(*signer, key);
        }
    }

    fn kept(&self, signer: &[u8; 32]) -> Option<VerifyingKey> {
        self.read().get(signer).copied()
    }

    /// Keeps `key` for `signer` unless [`SignerKeys::CAPACITY`] keys are kept already.
    fn keep(&self, signer: [u8; 32], key: VerifyingKey) {
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if keys.len() < Self::CAPACITY {
            keys.insert(signer, key);
        }
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<[u8; 32], VerifyingKey>> {
        // A panic elsewhere cannot leave the map half-written (inserts are single calls).
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for SignerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignerKeys({} keys)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Body;
    use crate::records::KeyRevocation;
    use ed25519_dalek::SigningKey;

    fn record(signer: u8, time: u64) -> Record {
        let body = Body::KeyRevocation(KeyRevocation {
            key: [9; 32],
            effective: time,
            reason: "test".into(),
        });
        Record::sign("e", time, body, &SigningKey::from_bytes(&[signer; 32]))
    }

    #[test]
    fn a_worker_keeps_only_the_keys_of_signatures_that_verified() {
        let keys = SignerKeys::new();
        let mut forged = record(1, 5);
        forged.signature[0] ^= 1;
        assert!(matches!(
            keys.verify_remembering(&forged),
            Err(RecordError::BadSignature)
        ));
        assert!(keys.is_empty(), "a bad signature keeps nothing");
        keys.verify_remembering(&record(1, 5)).unwrap();
        assert_eq!(keys.len(), 1);
        // Kept, the key still catches a bad signature.
        assert!(matches!(
            keys.verify_remembering(&forged),
            Err(RecordError::BadSignature)
        ));
        keys.verify_remembering(&record(1, 6)).unwrap();
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn a_remembered_key_still_checks_every_signature() {
        let keys = SignerKeys::new();
        let mut forged = record(1, 5);
        forged.signature[0] ^= 1;
        assert!(matches!(
            keys.verify(&forged),
            Err(RecordError::BadSignature)
        ));
        keys.verify(&record(1, 5)).unwrap();
        assert!(keys.is_empty(), "verifying alone keeps nothing");
        keys.remember(&record(1, 5).signer);
        keys.remember(&record(1, 6).signer);
        assert_eq!(keys.len(), 1);
        // With the key kept, a good signature verifies and a bad one is still bad.
        keys.verify(&record(1, 7)).unwrap();
        assert!(matches!(
            keys.verify(&forged),
            Err(RecordError::BadSignature)
        ));
        // A key that is not a curve point is never kept.
        let bad_key = (2u8..)
            .map(|y| {
                let mut key = [0; 32];
                key[0] = y;
                key
            })
            .find(|key| VerifyingKey::from_bytes(key).is_err())
            .unwrap();
        keys.remember(&bad_key);
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn no_more_than_capacity_keys_are_kept() {
        let keys = SignerKeys::new();
        for n in 0..=SignerKeys::CAPACITY as u32 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&n.to_le_bytes());
            keys.remember(&SigningKey::from_bytes(&seed).verifying_key().to_bytes());
        }
        assert_eq!(keys.len(), SignerKeys::CAPACITY);
        // A key beyond the bound still verifies, decompressed each time.
        keys.verify(&record(200, 1)).unwrap();
        assert_eq!(keys.len(), SignerKeys::CAPACITY);
    }
}
