//! A cosigner's keys of either type: Ed25519 cosignature/v1 (0x04) or ML-DSA-44 subtree/v1
//! (0x06), for the places that take both — a policy's witnesses, the keys a log collects
//! cosignatures by, and a witness's own signing keys.
//!
//! One witness may hold one key of each type under one name: the two key IDs differ (the ID
//! hashes the type byte), so its two cosignature lines on a checkpoint never collide.

use crate::keys::{ALG_COSIGNATURE_V1, KeyError, SignerKey, VerifierKey, key_type};
use crate::ml_dsa::{ALG_ML_DSA_44, MlDsaSignerKey, MlDsaVerifierKey};
use crate::note::{NoteSignature, NoteVerifier, SignatureInfo};
use std::fmt;

/// A cosigner's public key: a vkey of type 0x04 or 0x06.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CosignerKey {
    Ed25519(VerifierKey),
    MlDsa44(MlDsaVerifierKey),
}

impl CosignerKey {
    /// Parses a cosigner's vkey of either type, checking its key ID.
    pub fn parse(vkey: &str) -> Result<CosignerKey, KeyError> {
        match key_type(vkey)? {
            ALG_COSIGNATURE_V1 => Ok(CosignerKey::Ed25519(VerifierKey::parse(vkey)?)),
            ALG_ML_DSA_44 => Ok(CosignerKey::MlDsa44(MlDsaVerifierKey::parse(vkey)?)),
            other => Err(KeyError::UnsupportedType(other)),
        }
    }

    /// The signature type: 0x04 or 0x06.
    pub fn alg(&self) -> u8 {
        match self {
            CosignerKey::Ed25519(_) => ALG_COSIGNATURE_V1,
            CosignerKey::MlDsa44(_) => ALG_ML_DSA_44,
        }
    }

    /// The encoded public key (32 or 1312 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        match self {
            CosignerKey::Ed25519(k) => k.public_key().to_vec(),
            CosignerKey::MlDsa44(k) => k.public_key().to_vec(),
        }
    }

    /// What a person reads to tell the types apart: "Ed25519" or "ML-DSA-44".
    pub fn algorithm_name(&self) -> &'static str {
        match self {
            CosignerKey::Ed25519(_) => "Ed25519",
            CosignerKey::MlDsa44(_) => "ML-DSA-44",
        }
    }

    fn verifier(&self) -> &dyn NoteVerifier {
        match self {
            CosignerKey::Ed25519(k) => k,
            CosignerKey::MlDsa44(k) => k,
        }
    }
}

impl TryFrom<VerifierKey> for CosignerKey {
    type Error = KeyError;

    /// A cosignature/v1 key; a log's key (0x01) is not a cosigner's.
    fn try_from(key: VerifierKey) -> Result<CosignerKey, KeyError> {
        if key.alg() != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedType(key.alg()));
        }
        Ok(CosignerKey::Ed25519(key))
    }
}

impl From<MlDsaVerifierKey> for CosignerKey {
    fn from(key: MlDsaVerifierKey) -> CosignerKey {
        CosignerKey::MlDsa44(key)
    }
}

impl fmt::Display for CosignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CosignerKey::Ed25519(k) => k.fmt(f),
            CosignerKey::MlDsa44(k) => k.fmt(f),
        }
    }
}

impl NoteVerifier for CosignerKey {
    fn name(&self) -> &str {
        self.verifier().name()
    }

    fn key_id(&self) -> u32 {
        self.verifier().key_id()
    }

    fn verify(&self, text: &str, signature: &[u8]) -> Option<SignatureInfo> {
        self.verifier().verify(text, signature)
    }
}

/// A cosigner's private key of either type.
#[derive(Clone, Debug)]
pub enum CosignerSigningKey {
    Ed25519(SignerKey),
    MlDsa44(MlDsaSignerKey),
}

impl CosignerSigningKey {
    /// Parses a cosigner's private key string of either type, checking its key ID.
    pub fn parse(text: &str) -> Result<CosignerSigningKey, KeyError> {
        match key_type(text)? {
            ALG_COSIGNATURE_V1 => Ok(CosignerSigningKey::Ed25519(SignerKey::parse(text)?)),
            ALG_ML_DSA_44 => Ok(CosignerSigningKey::MlDsa44(MlDsaSignerKey::parse(text)?)),
            other => Err(KeyError::UnsupportedType(other)),
        }
    }

    /// A new key of type `alg` (0x04 or 0x06) from a 32-byte seed from the OS's random source.
    pub fn from_seed(name: &str, alg: u8, seed: &[u8; 32]) -> Result<CosignerSigningKey, KeyError> {
        match alg {
            ALG_COSIGNATURE_V1 => Ok(CosignerSigningKey::Ed25519(SignerKey::from_seed(
                name, alg, seed,
            )?)),
            ALG_ML_DSA_44 => Ok(CosignerSigningKey::MlDsa44(MlDsaSignerKey::from_seed(
                name, seed,
            )?)),
            other => Err(KeyError::UnsupportedType(other)),
        }
    }

    /// The private key string. Handle with care: store it with mode 0600, never log it.
    pub fn to_private_string(&self) -> String {
        match self {
            CosignerSigningKey::Ed25519(k) => k.to_private_string(),
            CosignerSigningKey::MlDsa44(k) => k.to_private_string(),
        }
    }

    /// The matching public key.
    pub fn verifier(&self) -> CosignerKey {
        match self {
            CosignerSigningKey::Ed25519(k) => CosignerKey::Ed25519(k.verifier()),
            CosignerSigningKey::MlDsa44(k) => CosignerKey::MlDsa44(k.verifier().clone()),
        }
    }

    /// The signature type: 0x04 or 0x06.
    pub fn alg(&self) -> u8 {
        match self {
            CosignerSigningKey::Ed25519(_) => ALG_COSIGNATURE_V1,
            CosignerSigningKey::MlDsa44(_) => ALG_ML_DSA_44,
        }
    }

    /// A cosignature on the checkpoint `text` at `timestamp` (1 to 2^63 - 1). `randomness`
    /// (32 fresh bytes) hedges an ML-DSA-44 signature; Ed25519 is deterministic and ignores it.
    pub fn cosign(
        &self,
        text: &str,
        timestamp: u64,
        randomness: &[u8; 32],
    ) -> Result<NoteSignature, KeyError> {
        match self {
            CosignerSigningKey::Ed25519(k) => k.cosign(text, timestamp),
            CosignerSigningKey::MlDsa44(k) => k.cosign(text, timestamp, randomness),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    #[test]
    fn both_types_parse_sign_and_verify_through_one_interface() {
        for alg in [ALG_COSIGNATURE_V1, ALG_ML_DSA_44] {
            let signer = CosignerSigningKey::from_seed("w.example/1", alg, &[5; 32]).unwrap();
            let again = CosignerSigningKey::parse(&signer.to_private_string()).unwrap();
            let key = CosignerKey::parse(&signer.verifier().to_string()).unwrap();
            assert_eq!(again.verifier(), key);
            assert_eq!(key.alg(), alg);
            let sig = signer.cosign(TEXT, 42, &[9; 32]).unwrap();
            assert_eq!(
                key.verify(TEXT, &sig.signature).unwrap().timestamp,
                Some(42)
            );
        }
        // One seed and one name, two types: two different key IDs.
        let ed = CosignerSigningKey::from_seed("w", ALG_COSIGNATURE_V1, &[1; 32]).unwrap();
        let pq = CosignerSigningKey::from_seed("w", ALG_ML_DSA_44, &[1; 32]).unwrap();
        assert_ne!(ed.verifier().key_id(), pq.verifier().key_id());
    }

    #[test]
    fn a_log_key_is_not_a_cosigner_key() {
        let log = SignerKey::from_seed("log.example", 0x01, &[1; 32]).unwrap();
        assert_eq!(
            CosignerKey::parse(&log.verifier().to_string()),
            Err(KeyError::UnsupportedType(0x01))
        );
        assert!(CosignerKey::try_from(log.verifier()).is_err());
        assert!(CosignerSigningKey::parse(&log.to_private_string()).is_err());
        assert!(CosignerSigningKey::from_seed("w", 0x01, &[1; 32]).is_err());
    }
}
