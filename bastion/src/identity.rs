//! A backend's identity: its Ed25519 key as a self-signed TLS client certificate, and the
//! hex SHA-256 of its public key that names it in the bastion's URLs.

use crate::BastionError;
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410) up to the 32-byte key.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// The DER of an Ed25519 private key in PKCS #8 v1 (RFC 8410) up to the 32-byte seed.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The name of a backend in a bastion's URLs: the hex SHA-256 of its Ed25519 public key.
pub fn key_hash(public: &[u8; 32]) -> String {
    hex::encode(Sha256::digest(public))
}

/// Whether `text` is a key hash: 64 lower-case hex digits.
pub fn is_key_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The Ed25519 public key a certificate (DER) carries, if it carries one. The key found is
/// the one the TLS handshake's signature is then checked with, so a certificate that holds
/// the pattern elsewhere proves possession of that key, or nothing.
pub fn ed25519_key_of(cert: &[u8]) -> Option<[u8; 32]> {
    let at = cert
        .windows(SPKI_PREFIX.len())
        .position(|w| w == SPKI_PREFIX)?;
    cert.get(at + SPKI_PREFIX.len()..at + SPKI_PREFIX.len() + 32)?
        .try_into()
        .ok()
}

/// A backend's certificate and key, made from its Ed25519 seed.
pub struct Identity {
    pub certificate: CertificateDer<'static>,
    pub private_key: PrivateKeyDer<'static>,
    pub public_key: [u8; 32],
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        write!(f, "Identity({})", self.key_hash())
    }
}

impl Identity {
    /// The identity of the Ed25519 key with this 32-byte seed: a self-signed certificate of
    /// it (its self-signature and the TLS signatures are on messages no cosignature can be,
    /// c2sp.org/https-bastion appendix B, so a witness may use its cosigning key).
    pub fn from_seed(seed: &[u8; 32]) -> Result<Identity, BastionError> {
        let mut pkcs8 = PKCS8_PREFIX.to_vec();
        pkcs8.extend_from_slice(seed);
        let der = PrivatePkcs8KeyDer::from(pkcs8);
        let invalid = |e: rcgen::Error| BastionError::Invalid(format!("the backend's key: {e}"));
        let key_pair = rcgen::KeyPair::try_from(&der).map_err(invalid)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(invalid)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Shailoo bastion backend");
        let certificate = params.self_signed(&key_pair).map_err(invalid)?;
        let public_key = ed25519_dalek::SigningKey::from_bytes(seed)
            .verifying_key()
            .to_bytes();
        Ok(Identity {
            certificate: certificate.der().clone(),
            private_key: PrivateKeyDer::Pkcs8(der),
            public_key,
        })
    }

    /// The hash that names this backend at a bastion.
    pub fn key_hash(&self) -> String {
        key_hash(&self.public_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_carries_the_key_it_names() {
        let identity = Identity::from_seed(&[7; 32]).unwrap();
        assert_eq!(
            ed25519_key_of(identity.certificate.as_ref()),
            Some(identity.public_key)
        );
        assert!(is_key_hash(&identity.key_hash()));
        assert_ne!(
            identity.key_hash(),
            Identity::from_seed(&[8; 32]).unwrap().key_hash()
        );
        assert!(!is_key_hash(&"A".repeat(64)));
        assert!(!is_key_hash("00"));
        assert_eq!(ed25519_key_of(b"no key here"), None);
    }
}
