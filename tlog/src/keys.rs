//! Ed25519 note keys: log signatures (type 0x01), timestamped cosignatures (cosignature/v1,
//! type 0x04), their key IDs, and the text forms of public (`vkey`) and private keys.
//!
//! - key ID = first 4 bytes of SHA-256(name || 0x0A || type || public key)
//! - vkey = `<name>+<8 hex digits of key ID>+<base64(type || public key)>`
//! - private key = `PRIVATE+KEY+<name>+<8 hex digits of key ID>+<base64(type || seed)>`
//!
//! Verification uses `verify_strict`: no small-order keys, no malleable signatures.

use crate::hash::{decode_base64_canonical, encode_base64, sha256};
use crate::note::{NoteSignature, NoteSigner, NoteVerifier, SignatureInfo, is_valid_key_name};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use std::fmt;
use thiserror::Error;

/// Signature type of Ed25519 note signatures (checkpoints signed by a log).
pub const ALG_ED25519: u8 = 0x01;
/// Signature type of Ed25519 timestamped cosignatures (cosignature/v1).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Why a key string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("key is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "key type 0x{0:02x} is not supported here (Ed25519 0x01 for logs, cosignature/v1 0x04 or ML-DSA-44 0x06 for witnesses)"
    )]
    UnsupportedType(u8),
    #[error("key ID does not match the key name and public key")]
    WrongKeyId,
    #[error("public key is not a valid Ed25519 point")]
    InvalidPoint,
    #[error("cannot cosign: {0}")]
    CannotCosign(&'static str),
}

/// The key ID of a key: SHA-256(name || "\n" || type || public key)[:4], big-endian.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut input = Vec::with_capacity(name.len() + 2 + public_key.len());
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(alg);
    input.extend_from_slice(public_key);
    let h = sha256(&input);
    u32::from_be_bytes(h.0[..4].try_into().expect("4 bytes"))
}

/// The message a cosignature/v1 signs: a header, the time, then the note text.
pub fn cosignature_message(timestamp: u64, text: &str) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// An Ed25519 public key with its name and signature type: a parsed vkey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    alg: u8,
    key: VerifyingKey,
    id: u32,
}

impl VerifierKey {
    /// A verifier key of type `alg` (0x01 or 0x04) for `public_key`.
    pub fn new(name: &str, alg: u8, public_key: &[u8; 32]) -> Result<VerifierKey, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::Malformed("invalid key name"));
        }
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedType(alg));
        }
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| KeyError::InvalidPoint)?;
        if key.is_weak() {
            return Err(KeyError::InvalidPoint);
        }
        Ok(VerifierKey {
            name: name.to_string(),
            alg,
            key,
            id: key_id(name, alg, public_key),
        })
    }

    /// Parses `<name>+<hex key ID>+<base64(type || key)>`, checking the key ID.
    pub fn parse(vkey: &str) -> Result<VerifierKey, KeyError> {
        let (name, id, typed) = split_vkey(vkey)?;
        let (alg, public) = ed25519_material(&typed)?;
        let key = VerifierKey::new(name, alg, &public)?;
        if key.id != id {
            return Err(KeyError::WrongKeyId);
        }
        Ok(key)
    }

    /// The signature type: [`ALG_ED25519`] or [`ALG_COSIGNATURE_V1`].
    pub fn alg(&self) -> u8 {
        self.alg
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The Ed25519 key, for protocols other than notes that reuse a note key (the election
    /// records' root key).
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = vec![self.alg];
        typed.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, encode_base64(&typed))
    }
}

impl NoteVerifier for VerifierKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, text: &str, signature: &[u8]) -> Option<SignatureInfo> {
        match self.alg {
            ALG_ED25519 => {
                let sig = Signature::from_slice(signature).ok()?;
                self.key.verify_strict(text.as_bytes(), &sig).ok()?;
                Some(SignatureInfo { timestamp: None })
            }
            ALG_COSIGNATURE_V1 => {
                if signature.len() != 8 + 64 {
                    return None;
                }
                let timestamp = u64::from_be_bytes(signature[..8].try_into().ok()?);
                if timestamp > i64::MAX as u64 {
                    return None;
                }
                let sig = Signature::from_slice(&signature[8..]).ok()?;
                self.key
                    .verify_strict(cosignature_message(timestamp, text).as_bytes(), &sig)
                    .ok()?;
                Some(SignatureInfo {
                    timestamp: Some(timestamp),
                })
            }
            _ => None,
        }
    }
}

/// An Ed25519 private key with its name and signature type: a parsed private key string.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    alg: u8,
    key: SigningKey,
    id: u32,
}

impl fmt::Debug for SignerKey {
    // Never print the private key, not even by accident in a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey({}+{:08x}, private)", self.name, self.id)
    }
}

impl SignerKey {
    /// The key of type `alg` derived from a 32-byte secret seed (from the OS's random source).
    pub fn from_seed(name: &str, alg: u8, seed: &[u8; 32]) -> Result<SignerKey, KeyError> {
        let key = SigningKey::from_bytes(seed);
        let verifier = VerifierKey::new(name, alg, key.verifying_key().as_bytes())?;
        Ok(SignerKey {
            name: name.to_string(),
            alg,
            key,
            id: verifier.id,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>`, checking the key ID.
    pub fn parse(text: &str) -> Result<SignerKey, KeyError> {
        let (name, id, typed) = split_private_key(text)?;
        let typed = zeroize::Zeroizing::new(typed);
        let (alg, seed) = ed25519_material(&typed)?;
        let seed = zeroize::Zeroizing::new(seed);
        let key = SignerKey::from_seed(name, alg, &seed)?;
        if key.id != id {
            return Err(KeyError::WrongKeyId);
        }
        Ok(key)
    }

    /// The private key string. Handle with care: store it with mode 0600, never log it.
    pub fn to_private_string(&self) -> String {
        let mut typed = vec![self.alg];
        typed.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            encode_base64(&typed)
        )
    }

    /// The matching public key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey::new(&self.name, self.alg, self.key.verifying_key().as_bytes())
            .expect("valid by construction")
    }

    pub fn alg(&self) -> u8 {
        self.alg
    }

    /// The Ed25519 key, for protocols other than notes that reuse a note key (the election
    /// records' root key). Signing other messages with it is safe only under a domain
    /// separation that no note text can match, as the election records' context string does.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// A cosignature/v1 over the note text at `timestamp` (seconds since the Unix epoch).
    /// Only keys of type [`ALG_COSIGNATURE_V1`] cosign.
    pub fn cosign(&self, text: &str, timestamp: u64) -> Result<NoteSignature, KeyError> {
        if self.alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedType(self.alg));
        }
        check_cosignature_time(timestamp)?;
        let sig = self
            .key
            .sign(cosignature_message(timestamp, text).as_bytes());
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&sig.to_bytes());
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.id,
            signature,
        })
    }
}

impl NoteSigner for SignerKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    /// Signs as a log (type 0x01). A cosigning key must use [`SignerKey::cosign`], which needs a
    /// timestamp; asking it to sign plainly is a programming error.
    fn sign(&self, text: &str) -> Vec<u8> {
        assert_eq!(
            self.alg, ALG_ED25519,
            "cosignature keys sign with SignerKey::cosign"
        );
        self.key.sign(text.as_bytes()).to_bytes().to_vec()
    }
}

/// Checks the time a witness puts on a cosignature of either type: tlog-witness forbids
/// omitting it (0), tlog-cosignature caps it at 2^63 - 1.
pub(crate) fn check_cosignature_time(timestamp: u64) -> Result<(), KeyError> {
    if timestamp == 0 || timestamp > i64::MAX as u64 {
        return Err(KeyError::Malformed(
            "cosignature timestamp must be between 1 and 2^63 - 1",
        ));
    }
    Ok(())
}

/// Splits a vkey `<name>+<hex key ID>+<base64(type || key)>` into its name, key ID and typed
/// key bytes (type byte first, at least one byte after it). The key itself is not checked.
pub(crate) fn split_vkey(vkey: &str) -> Result<(&str, u32, Vec<u8>), KeyError> {
    // The base64 part may itself contain '+'; the name and the ID cannot.
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    let [name, id_hex, b64] = parts[..] else {
        return Err(KeyError::Malformed("a vkey has three parts separated by +"));
    };
    Ok((name, parse_key_id(id_hex)?, typed_bytes(b64)?))
}

/// Splits a private key `PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>` like
/// [`split_vkey`]. The caller should wipe the returned bytes once it has built its key.
pub(crate) fn split_private_key(text: &str) -> Result<(&str, u32, Vec<u8>), KeyError> {
    let parts: Vec<&str> = text.trim_end_matches('\n').splitn(5, '+').collect();
    let ["PRIVATE", "KEY", name, id_hex, b64] = parts[..] else {
        return Err(KeyError::Malformed(
            "a private key is PRIVATE+KEY+<name>+<id>+<key>",
        ));
    };
    Ok((name, parse_key_id(id_hex)?, typed_bytes(b64)?))
}

/// The signature type of a vkey or private key string, without parsing the key: what a
/// caller that takes several kinds of key dispatches on.
pub fn key_type(text: &str) -> Result<u8, KeyError> {
    let typed = match text.strip_prefix("PRIVATE+KEY+") {
        Some(_) => split_private_key(text)?.2,
        None => split_vkey(text)?.2,
    };
    Ok(typed[0])
}

fn parse_key_id(hex_text: &str) -> Result<u32, KeyError> {
    if hex_text.len() != 8
        || !hex_text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(KeyError::Malformed("key ID is not 8 lower-case hex digits"));
    }
    u32::from_str_radix(hex_text, 16).map_err(|_| KeyError::Malformed("key ID is not hex"))
}

fn typed_bytes(b64: &str) -> Result<Vec<u8>, KeyError> {
    let bytes =
        decode_base64_canonical(b64).ok_or(KeyError::Malformed("key is not canonical base64"))?;
    if bytes.len() < 2 {
        return Err(KeyError::Malformed("empty key"));
    }
    Ok(bytes)
}

/// The type and 32 bytes of an Ed25519 key (log or cosignature/v1).
fn ed25519_material(typed: &[u8]) -> Result<(u8, [u8; 32]), KeyError> {
    let (&alg, key) = typed
        .split_first()
        .ok_or(KeyError::Malformed("empty key"))?;
    if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
        return Err(KeyError::UnsupportedType(alg));
    }
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| KeyError::Malformed("Ed25519 key is not 32 bytes"))?;
    Ok((alg, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{open, sign};

    fn signer(name: &str, alg: u8, byte: u8) -> SignerKey {
        SignerKey::from_seed(name, alg, &[byte; 32]).unwrap()
    }

    #[test]
    fn key_strings_round_trip() {
        // Seeds chosen so that some keys' base64 contains '+', which the name cannot.
        for (alg, seed) in [ALG_ED25519, ALG_COSIGNATURE_V1]
            .into_iter()
            .flat_map(|a| (0..16).map(move |s| (a, s)))
        {
            let s = signer("example.com/log", alg, seed);
            let v = s.verifier();
            assert_eq!(VerifierKey::parse(&v.to_string()).unwrap(), v);
            let again = SignerKey::parse(&s.to_private_string()).unwrap();
            assert_eq!(again.verifier(), v);
            assert!(!format!("{s:?}").contains(&s.to_private_string()[12..]));
        }
    }

    #[test]
    fn bad_key_strings() {
        let v = signer("example.com/log", ALG_ED25519, 7)
            .verifier()
            .to_string();
        let parts: Vec<&str> = v.split('+').collect();
        let wrong_id = format!("{}+{}+{}", parts[0], "00000000", parts[2]);
        assert_eq!(VerifierKey::parse(&wrong_id), Err(KeyError::WrongKeyId));
        let other_name = format!("other+{}+{}", parts[1], parts[2]);
        assert_eq!(VerifierKey::parse(&other_name), Err(KeyError::WrongKeyId));
        let upper = format!("{}+{}+{}", parts[0], parts[1].to_uppercase(), parts[2]);
        assert!(VerifierKey::parse(&upper).is_err() || parts[1] == parts[1].to_uppercase());
        assert!(VerifierKey::parse(&format!("{v}+x")).is_err());
        assert!(VerifierKey::parse(&format!("{v}A")).is_err());
        assert!(VerifierKey::parse("a+00000000+AQ==").is_err());
        let ml_dsa = format!("a+00000000+{}", encode_base64(&[6; 33]));
        assert_eq!(
            VerifierKey::parse(&ml_dsa),
            Err(KeyError::UnsupportedType(6))
        );
        assert!(SignerKey::parse(&v).is_err());
    }

    #[test]
    fn sign_and_open() {
        let log = signer("example.com/log", ALG_ED25519, 1);
        let other = signer("example.com/other", ALG_ED25519, 2);
        let note = sign("hello\n", &[&log, &other]).unwrap();
        let bytes = note.to_bytes();
        let v = log.verifier();
        let (_, verified) = open(&bytes, &[&v]).unwrap();
        assert_eq!(verified.len(), 1);
        // Unknown keys alone are not enough.
        let stranger = signer("example.com/stranger", ALG_ED25519, 3).verifier();
        assert!(open(&bytes, &[&stranger]).is_err());
        // A known key with a bad signature rejects the note.
        let mut forged = note.clone();
        forged.signatures[0].signature[0] ^= 1;
        assert!(matches!(
            open(&forged.to_bytes(), &[&v]),
            Err(crate::note::NoteError::BadSignature(_))
        ));
        // The text is what is signed.
        let mut altered = note.clone();
        altered.text = "hellO\n".into();
        assert!(open(&altered.to_bytes(), &[&v]).is_err());
    }

    #[test]
    fn cosignatures_carry_their_time() {
        let w = signer("witness.example/w1", ALG_COSIGNATURE_V1, 9);
        let text = "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let sig = w.cosign(text, 1_700_000_000).unwrap();
        assert_eq!(sig.signature.len(), 72);
        let info = w.verifier().verify(text, &sig.signature).unwrap();
        assert_eq!(info.timestamp, Some(1_700_000_000));
        let mut later = sig.signature.clone();
        later[7] ^= 1;
        assert_eq!(w.verifier().verify(text, &later), None);
        assert!(signer("l", ALG_ED25519, 1).cosign(text, 1).is_err());
        assert!(w.cosign(text, 0).is_err());
        // A cosignature key and a log key with the same seed and name have different IDs.
        assert_ne!(
            signer("n", ALG_ED25519, 4).verifier().key_id(),
            signer("n", ALG_COSIGNATURE_V1, 4).verifier().key_id()
        );
    }
}
