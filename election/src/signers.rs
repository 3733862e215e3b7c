//! Signers' public keys, decompressed once.
//!
//! A record names its signer by the 32-byte compressed Ed25519 key. Decompressing it (a
//! square root in the field) costs about a third as much as the signature verification
//! itself, and an election's ~10,000 keys sign ~45,000 records, so the ledger's admission and
//! every audit keep the keys they already decompressed. The cache is bounded: past
//! [`SignerKeys::CAPACITY`] keys nothing more is kept, and records still verify, only slower,
//! so nobody can grow it without limit by signing with fresh keys.

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
    /// [`Record::verify_signature`] does, decompressing that key only the first time.
    pub fn verify(&self, record: &Record) -> Result<(), RecordError> {
        let cached = self.read().get(&record.signer).copied();
        if let Some(key) = cached {
            return record.verify_signature_with(&key);
        }
        let key = VerifyingKey::from_bytes(&record.signer).map_err(|_| RecordError::BadKey)?;
        record.verify_signature_with(&key)?;
        // Kept only once a signature verified with it, and only while there is room.
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if keys.len() < Self::CAPACITY {
            keys.insert(record.signer, key);
        }
        Ok(())
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

impl Clone for SignerKeys {
    fn clone(&self) -> SignerKeys {
        SignerKeys {
            keys: RwLock::new(self.read().clone()),
        }
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
    fn a_key_is_kept_once_a_signature_verified_and_still_checks_every_signature() {
        let keys = SignerKeys::new();
        let mut forged = record(1, 5);
        forged.signature[0] ^= 1;
        assert!(matches!(
            keys.verify(&forged),
            Err(RecordError::BadSignature)
        ));
        assert!(keys.is_empty(), "nothing kept from a signature that failed");
        keys.verify(&record(1, 5)).unwrap();
        keys.verify(&record(1, 6)).unwrap();
        assert_eq!(keys.len(), 1);
        // With the key kept, a bad signature is still bad.
        assert!(matches!(
            keys.verify(&forged),
            Err(RecordError::BadSignature)
        ));
        // A key that is not a curve point.
        let mut bad_key = record(2, 5);
        bad_key.signer = [0xff; 32];
        bad_key.signer[31] = 0x7f;
        assert!(keys.verify(&bad_key).is_err());
        assert_eq!(keys.len(), 1);
    }
}
