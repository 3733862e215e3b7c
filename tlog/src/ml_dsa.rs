//! ML-DSA-44 cosignatures (C2SP tlog-cosignature v1.1, signature type 0x06): post-quantum
//! cosignatures over the `subtree/v1` message.
//!
//! An election's cosignatures must stay convincing for years after the vote, longer than
//! Ed25519 may resist a quantum computer. Unlike cosignature/v1, the signed message is binary
//! and commits to the cosigner's name:
//!
//! ```text
//! "subtree/v1\n\0" || len || cosigner name || u64 timestamp || len || origin
//!                  || u64 start || u64 end || 32-byte root hash
//! ```
//!
//! (lengths one byte, integers big-endian). A checkpoint is the subtree `[0, size)`. The
//! message does not cover checkpoint extension lines, so these keys neither sign nor accept a
//! checkpoint that has any: nothing would vouch for them (this project writes none).
//!
//! - vkey = `<name>+<8 hex digits of key ID>+<base64(0x06 || 1312-byte public key)>`
//! - private key = `PRIVATE+KEY+<name>+<key ID>+<base64(0x06 || 32-byte seed ξ)>`; the key
//!   pair is FIPS 204 `ML-DSA.KeyGen_internal(ξ)`, so the seed is the whole private key.
//!
//! Signatures are pure ML-DSA (FIPS 204 Algorithm 2) with an empty context string, hedged:
//! the signer mixes fresh randomness in, as FIPS 204 recommends against fault and side-channel
//! attacks. The implementation is RustCrypto's `ml-dsa` (pure Rust, so the browser verifies
//! too); `tests/ml_dsa_differential.rs` checks it against OpenSSL's, both ways.

use crate::checkpoint::Checkpoint;
use crate::hash::{Hash, encode_base64};
use crate::keys::{KeyError, check_cosignature_time, key_id, split_private_key, split_vkey};
use crate::note::{NoteSignature, NoteVerifier, SignatureInfo, is_valid_key_name};
use ml_dsa::{EncodedSignature, EncodedVerifyingKey, ExpandedSigningKey, MlDsa44, Signature};
use std::fmt;
use zeroize::Zeroizing;

/// Signature type of ML-DSA-44 cosignatures (subtree/v1).
pub const ALG_ML_DSA_44: u8 = 0x06;
/// Bytes in an ML-DSA-44 public key.
pub const PUBLIC_KEY_SIZE: usize = 1312;
/// Bytes in an ML-DSA-44 signature.
pub const SIGNATURE_SIZE: usize = 2420;

/// The domain-separation label that starts every subtree/v1 message.
const LABEL: &[u8; 12] = b"subtree/v1\n\0";

/// The subtree/v1 message: what an ML-DSA-44 cosigner signs for the leaves `[start, end)` of
/// the log `origin` with root `hash`. `None` if the name or the origin is empty or longer than
/// 255 bytes (one length byte each), or if a subtree not starting at 0 is empty or carries a
/// timestamp. Whether `[start, end)` is a valid subtree otherwise is the caller's to ensure.
///
/// For a checkpoint, `start` is 0 and `end` its size; a `timestamp` other than 0 also states
/// that this is the largest tree the cosigner has seen. A subtree that does not start at 0
/// carries no such statement, so its timestamp must be 0.
pub fn subtree_message(
    cosigner: &str,
    timestamp: u64,
    origin: &str,
    start: u64,
    end: u64,
    hash: &Hash,
) -> Option<Vec<u8>> {
    let short = |s: &str| (1..=255).contains(&s.len());
    if !short(cosigner) || !short(origin) || (start != 0 && (timestamp != 0 || start >= end)) {
        return None;
    }
    let mut m = Vec::with_capacity(12 + 2 + cosigner.len() + origin.len() + 8 * 3 + 32);
    m.extend_from_slice(LABEL);
    m.push(cosigner.len() as u8);
    m.extend_from_slice(cosigner.as_bytes());
    m.extend_from_slice(&timestamp.to_be_bytes());
    m.push(origin.len() as u8);
    m.extend_from_slice(origin.as_bytes());
    m.extend_from_slice(&start.to_be_bytes());
    m.extend_from_slice(&end.to_be_bytes());
    m.extend_from_slice(&hash.0);
    Some(m)
}

/// The subtree/v1 message for a checkpoint's note text, or `None` if it is not a checkpoint
/// this type can cosign: one with extension lines (not covered), or a name or origin too long
/// for the message.
fn checkpoint_message(cosigner: &str, timestamp: u64, text: &str) -> Option<Vec<u8>> {
    let checkpoint = Checkpoint::parse(text).ok()?;
    if !checkpoint.extensions.is_empty() {
        return None;
    }
    subtree_message(
        cosigner,
        timestamp,
        &checkpoint.origin,
        0,
        checkpoint.size,
        &checkpoint.root,
    )
}

/// An ML-DSA-44 cosigner's public key with its name: a parsed vkey of type 0x06.
#[derive(Clone)]
pub struct MlDsaVerifierKey {
    name: String,
    id: u32,
    encoded: Box<[u8; PUBLIC_KEY_SIZE]>,
    // Decoding expands the public matrix (about 16 KiB): done once, when the key is parsed.
    key: Box<ml_dsa::VerifyingKey<MlDsa44>>,
}

impl MlDsaVerifierKey {
    /// The verifier key named `name` for a 1312-byte encoded public key.
    pub fn new(name: &str, public_key: &[u8]) -> Result<MlDsaVerifierKey, KeyError> {
        if !is_valid_key_name(name) || name.len() > 255 {
            return Err(KeyError::Malformed(
                "invalid key name (an ML-DSA-44 cosigner's name is at most 255 bytes)",
            ));
        }
        let encoded: [u8; PUBLIC_KEY_SIZE] = public_key
            .try_into()
            .map_err(|_| KeyError::Malformed("an ML-DSA-44 public key is 1312 bytes"))?;
        // Every 1312-byte string decodes (rho, then t1 packed in 10-bit fields).
        let key =
            ml_dsa::VerifyingKey::<MlDsa44>::decode(&EncodedVerifyingKey::<MlDsa44>::from(encoded));
        Ok(MlDsaVerifierKey {
            name: name.to_string(),
            id: key_id(name, ALG_ML_DSA_44, &encoded),
            encoded: Box::new(encoded),
            key: Box::new(key),
        })
    }

    /// Parses `<name>+<hex key ID>+<base64(0x06 || public key)>`, checking the key ID.
    pub fn parse(vkey: &str) -> Result<MlDsaVerifierKey, KeyError> {
        let (name, id, typed) = split_vkey(vkey)?;
        if typed[0] != ALG_ML_DSA_44 {
            return Err(KeyError::UnsupportedType(typed[0]));
        }
        let key = MlDsaVerifierKey::new(name, &typed[1..])?;
        if key.id != id {
            return Err(KeyError::WrongKeyId);
        }
        Ok(key)
    }

    /// The encoded public key.
    pub fn public_key(&self) -> &[u8; PUBLIC_KEY_SIZE] {
        &self.encoded
    }

    /// Verifies a signature on a subtree/v1 message built by the caller ([`subtree_message`]).
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(encoded) = <[u8; SIGNATURE_SIZE]>::try_from(signature) else {
            return false;
        };
        let Some(signature) =
            Signature::<MlDsa44>::decode(&EncodedSignature::<MlDsa44>::from(encoded))
        else {
            return false;
        };
        self.key.verify_with_context(message, &[], &signature)
    }
}

impl PartialEq for MlDsaVerifierKey {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.encoded == other.encoded
    }
}

impl Eq for MlDsaVerifierKey {}

impl fmt::Debug for MlDsaVerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MlDsaVerifierKey({}+{:08x})", self.name, self.id)
    }
}

impl fmt::Display for MlDsaVerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = Vec::with_capacity(1 + PUBLIC_KEY_SIZE);
        typed.push(ALG_ML_DSA_44);
        typed.extend_from_slice(&self.encoded[..]);
        write!(f, "{}+{:08x}+{}", self.name, self.id, encode_base64(&typed))
    }
}

impl NoteVerifier for MlDsaVerifierKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    /// Verifies a `timestamped_signature` (u64 time, then the ML-DSA-44 signature) over the
    /// checkpoint in `text`.
    fn verify(&self, text: &str, signature: &[u8]) -> Option<SignatureInfo> {
        if signature.len() != 8 + SIGNATURE_SIZE {
            return None;
        }
        let timestamp = u64::from_be_bytes(signature[..8].try_into().ok()?);
        if timestamp > i64::MAX as u64 {
            return None;
        }
        let message = checkpoint_message(&self.name, timestamp, text)?;
        self.verify_message(&message, &signature[8..])
            .then_some(SignatureInfo {
                timestamp: Some(timestamp),
            })
    }
}

/// An ML-DSA-44 cosigner's private key with its name: a parsed private key string of type 0x06.
#[derive(Clone)]
pub struct MlDsaSignerKey {
    name: String,
    id: u32,
    seed: Zeroizing<[u8; 32]>,
    key: Box<ExpandedSigningKey<MlDsa44>>,
    verifier: MlDsaVerifierKey,
}

impl fmt::Debug for MlDsaSignerKey {
    // Never print the private key, not even by accident in a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MlDsaSignerKey({}+{:08x}, private)", self.name, self.id)
    }
}

impl MlDsaSignerKey {
    /// The key pair FIPS 204 derives from the 32-byte seed ξ (from the OS's random source).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<MlDsaSignerKey, KeyError> {
        let key = ExpandedSigningKey::<MlDsa44>::from_seed(&(*seed).into());
        let verifier = MlDsaVerifierKey::new(name, &key.verifying_key().encode()[..])?;
        Ok(MlDsaSignerKey {
            name: name.to_string(),
            id: verifier.id,
            seed: Zeroizing::new(*seed),
            key: Box::new(key),
            verifier,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x06 || seed)>`, checking the key ID.
    pub fn parse(text: &str) -> Result<MlDsaSignerKey, KeyError> {
        let (name, id, typed) = split_private_key(text)?;
        let typed = Zeroizing::new(typed);
        if typed[0] != ALG_ML_DSA_44 {
            return Err(KeyError::UnsupportedType(typed[0]));
        }
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            typed[1..]
                .try_into()
                .map_err(|_| KeyError::Malformed("an ML-DSA-44 seed is 32 bytes"))?,
        );
        let key = MlDsaSignerKey::from_seed(name, &seed)?;
        if key.id != id {
            return Err(KeyError::WrongKeyId);
        }
        Ok(key)
    }

    /// The private key string. Handle with care: store it with mode 0600, never log it.
    pub fn to_private_string(&self) -> String {
        let mut typed = Zeroizing::new(vec![ALG_ML_DSA_44]);
        typed.extend_from_slice(&self.seed[..]);
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            encode_base64(&typed)
        )
    }

    /// The matching public key.
    pub fn verifier(&self) -> &MlDsaVerifierKey {
        &self.verifier
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Signs a subtree/v1 message built by the caller ([`subtree_message`]), hedged with
    /// `randomness` (32 fresh bytes from the OS; all zeros gives FIPS 204's deterministic
    /// variant, which tests use for reproducible vectors).
    pub fn sign_message(&self, message: &[u8], randomness: &[u8; 32]) -> [u8; SIGNATURE_SIZE] {
        // Pure ML-DSA.Sign (FIPS 204 Algorithm 2) with an empty context: the internal
        // algorithm over M' = 0x00 (not pre-hashed) || 0x00 (context length) || message.
        let signature = self
            .key
            .sign_internal(&[&[0, 0], message], &(*randomness).into());
        signature.encode().into()
    }

    /// An ML-DSA-44 cosignature on the checkpoint `text` at `timestamp` (seconds since the
    /// Unix epoch, 1 to 2^63 - 1: a witness always states the time).
    pub fn cosign(
        &self,
        text: &str,
        timestamp: u64,
        randomness: &[u8; 32],
    ) -> Result<NoteSignature, KeyError> {
        check_cosignature_time(timestamp)?;
        let message = checkpoint_message(&self.name, timestamp, text).ok_or(
            KeyError::CannotCosign(
                "not a checkpoint of a non-empty tree without extension lines, with an origin of at most 255 bytes",
            ),
        )?;
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&self.sign_message(&message, randomness));
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.id,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    fn signer(byte: u8) -> MlDsaSignerKey {
        MlDsaSignerKey::from_seed("witness.example/w1", &[byte; 32]).unwrap()
    }

    #[test]
    fn key_strings_round_trip() {
        let s = signer(1);
        let v = s.verifier().clone();
        assert_eq!(MlDsaVerifierKey::parse(&v.to_string()).unwrap(), v);
        let again = MlDsaSignerKey::parse(&s.to_private_string()).unwrap();
        assert_eq!(again.verifier(), &v);
        assert!(!format!("{s:?}").contains(&s.to_private_string()[12..]));
        // The key ID commits to the type: the same name and bytes under 0x04 would differ.
        assert_ne!(v.key_id(), key_id(v.name(), 0x04, v.public_key()));
        // Another type's key string is refused with its type named.
        let ed = crate::keys::SignerKey::from_seed("w", 0x04, &[1; 32]).unwrap();
        assert_eq!(
            MlDsaVerifierKey::parse(&ed.verifier().to_string()),
            Err(KeyError::UnsupportedType(0x04))
        );
        assert!(MlDsaSignerKey::parse(&ed.to_private_string()).is_err());
    }

    #[test]
    fn a_cosignature_verifies_and_binds_time_name_and_tree() {
        let s = signer(2);
        let sig = s.cosign(TEXT, 1_700_000_000, &[7; 32]).unwrap();
        assert_eq!(sig.signature.len(), 8 + SIGNATURE_SIZE);
        let info = s.verifier().verify(TEXT, &sig.signature).unwrap();
        assert_eq!(info.timestamp, Some(1_700_000_000));
        let mut later = sig.signature.clone();
        later[7] ^= 1;
        assert_eq!(s.verifier().verify(TEXT, &later), None);
        let other_tree = TEXT.replace("\n5\n", "\n6\n");
        assert_eq!(s.verifier().verify(&other_tree, &sig.signature), None);
        // The name is in the message: the same key under another name does not verify.
        let renamed = MlDsaVerifierKey::new("witness.example/w2", s.verifier().public_key());
        assert_eq!(renamed.unwrap().verify(TEXT, &sig.signature), None);
        let mut flipped = sig.signature.clone();
        flipped[100] ^= 1;
        assert_eq!(s.verifier().verify(TEXT, &flipped), None);
        assert_eq!(s.verifier().verify(TEXT, &sig.signature[..100]), None);
    }

    #[test]
    fn hedged_signatures_differ_and_deterministic_ones_repeat() {
        let s = signer(3);
        let a = s.cosign(TEXT, 1, &[1; 32]).unwrap();
        let b = s.cosign(TEXT, 1, &[2; 32]).unwrap();
        assert_ne!(a.signature, b.signature);
        assert!(s.verifier().verify(TEXT, &b.signature).is_some());
        let c = s.cosign(TEXT, 1, &[0; 32]).unwrap();
        assert_eq!(c, s.cosign(TEXT, 1, &[0; 32]).unwrap());
    }

    #[test]
    fn what_cannot_be_cosigned() {
        let s = signer(4);
        assert!(s.cosign(TEXT, 0, &[0; 32]).is_err());
        let extended = format!("{TEXT}extension line\n");
        assert!(matches!(
            s.cosign(&extended, 1, &[0; 32]),
            Err(KeyError::CannotCosign(_))
        ));
        // The empty tree is a checkpoint like any other (a log's first).
        let empty = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
        let first = s.cosign(empty, 1, &[0; 32]).unwrap();
        assert!(s.verifier().verify(empty, &first.signature).is_some());
        // A valid cosignature does not carry over to the same tree with an extension line.
        let sig = s.cosign(TEXT, 1, &[0; 32]).unwrap();
        assert_eq!(s.verifier().verify(&extended, &sig.signature), None);
    }

    #[test]
    fn the_message_layout() {
        let root = Hash([0xab; 32]);
        let m = subtree_message("w", 2, "o", 0, 3, &root).unwrap();
        let mut expected = b"subtree/v1\n\0\x01w".to_vec();
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(b"\x01o");
        expected.extend_from_slice(&0u64.to_be_bytes());
        expected.extend_from_slice(&3u64.to_be_bytes());
        expected.extend_from_slice(&[0xab; 32]);
        assert_eq!(m, expected);
        assert!(subtree_message("w", 2, "o", 1, 3, &root).is_none());
        assert!(subtree_message("w", 0, "o", 1, 3, &root).is_some());
        assert!(subtree_message("", 0, "o", 0, 3, &root).is_none());
        assert!(subtree_message("w", 0, &"o".repeat(256), 0, 3, &root).is_none());
        assert!(subtree_message("w", 0, "o", 3, 3, &root).is_none());
        assert!(subtree_message("w", 9, "o", 0, 0, &root).is_some());
    }
}
