//! `keyfile`: a private key on disk, as `spec/keys.md` §1 defines the file, for every program
//! that holds one (the submitters' `shailoo`, the log's server, the witness): readable by its owner alone
//! (mode 0600, never overwritten), and sealed with a passphrase — Argon2id stretches it into a
//! key for XChaCha20-Poly1305, which encrypts the private key and authenticates the header
//! lines (the public key among them), so that the public key can be read without the
//! passphrase and no line can be changed unnoticed.
//!
//! An unsealed file (the bare `PRIVATE+KEY+…` line that `ledger init` writes for a demo's root
//! key) is read too, and made only when asked for by name (`--no-passphrase`): for tests, and
//! for servers that start unattended (the log's key, a witness's key).
//!
//! [`passphrase`]: where a passphrase comes from.
#![forbid(unsafe_code)]

pub mod passphrase;

use crate::passphrase::PassphraseError;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tlog::cosigner::{CosignerKey, CosignerSigningKey};
use tlog::keys::{KeyError, SignerKey, VerifierKey};
use zeroize::Zeroizing;

/// A kind of private key a key file holds, with its public half: an Ed25519 note key (the CEC's
/// and the commissions' keys, a log's key) or a cosigner's key of either type (a witness's).
pub trait PrivateKey: Sized {
    type Public: Display + PartialEq;
    /// Parses the private key string.
    fn parse(text: &str) -> Result<Self, KeyError>;
    /// The private key string.
    fn to_private_string(&self) -> String;
    /// The public key.
    fn public(&self) -> Self::Public;
    /// Parses a public key as the header of a sealed file writes it.
    fn parse_public(vkey: &str) -> Result<Self::Public, KeyError>;
}

impl PrivateKey for SignerKey {
    type Public = VerifierKey;
    fn parse(text: &str) -> Result<Self, KeyError> {
        SignerKey::parse(text)
    }
    fn to_private_string(&self) -> String {
        SignerKey::to_private_string(self)
    }
    fn public(&self) -> VerifierKey {
        self.verifier()
    }
    fn parse_public(vkey: &str) -> Result<VerifierKey, KeyError> {
        VerifierKey::parse(vkey)
    }
}

impl PrivateKey for CosignerSigningKey {
    type Public = CosignerKey;
    fn parse(text: &str) -> Result<Self, KeyError> {
        CosignerSigningKey::parse(text)
    }
    fn to_private_string(&self) -> String {
        CosignerSigningKey::to_private_string(self)
    }
    fn public(&self) -> CosignerKey {
        self.verifier()
    }
    fn parse_public(vkey: &str) -> Result<CosignerKey, KeyError> {
        CosignerKey::parse(vkey)
    }
}

/// The first line of a sealed key file.
pub const SEALED_HEADER: &str = "shailoo-sealed-key/v1";

/// How a new key file is protected.
pub enum Protection<'a> {
    /// Sealed with this passphrase.
    Passphrase(&'a str),
    /// Not at all: for tests and demos only.
    None,
}

/// The cost of stretching a passphrase: Argon2id with 64 MiB, three passes, one lane (about
/// a third of a second here), so that each guess at a stolen file costs as much.
pub const STRETCH: Stretch = Stretch {
    memory_kib: 64 * 1024,
    passes: 3,
    lanes: 1,
};

/// Argon2id's parameters, as a sealed file records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stretch {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

/// The most a file may ask of Argon2id: a hostile file cannot make opening it take all the
/// memory or all day.
const MAX_STRETCH: Stretch = Stretch {
    memory_kib: 1024 * 1024,
    passes: 16,
    lanes: 16,
};

/// Why a key file could not be made or read. Messages never include key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(
        "{} already exists; a key file is never overwritten (choose another path)",
        path.display()
    )]
    Exists { path: PathBuf },
    #[error(
        "{} is open to other users (mode {mode:o}); anyone who read it may sign as its \
         owner. Run `chmod 600 {}`, and if others may have read it, replace the key",
        path.display(),
        path.display()
    )]
    Readable { path: PathBuf, mode: u32 },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} is not a key file: {why}", path.display())]
    Malformed { path: PathBuf, why: String },
    #[error("{}: the passphrase is wrong, or the file was altered", path.display())]
    WrongPassphrase { path: PathBuf },
    #[error(transparent)]
    Passphrase(#[from] PassphraseError),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `key` to a new file at `path` (mode 0600; an existing file is never replaced), made
/// durable in its directory.
pub fn create<K: PrivateKey>(
    path: &Path,
    key: &K,
    protection: Protection,
) -> Result<(), KeyFileError> {
    // Claimed first: an existing file is said before the passphrase is stretched.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => KeyFileError::Exists {
                path: path.to_path_buf(),
            },
            _ => io_error(path)(e),
        })?;
    let text = match protection {
        Protection::Passphrase(passphrase) => seal(key, passphrase, STRETCH),
        Protection::None => Zeroizing::new(format!("{}\n", key.to_private_string())),
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        // A half-written key file is no key: removed, so that the next try is not refused.
        let _ = std::fs::remove_file(path);
        return Err(io_error(path)(e));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(io_error(parent))
}

/// Reads the key in `path`, asking `passphrase` for the passphrase if the file is sealed.
pub fn load<K: PrivateKey>(
    path: &Path,
    passphrase: impl FnOnce() -> Result<Zeroizing<String>, PassphraseError>,
) -> Result<K, KeyFileError> {
    let text = read_private(path)?;
    let malformed = |why: String| KeyFileError::Malformed {
        path: path.to_path_buf(),
        why,
    };
    if !text.starts_with(SEALED_HEADER) {
        return unsealed(&text).map_err(malformed);
    }
    let sealed = Sealed::<K>::parse(&text).map_err(malformed)?;
    let passphrase = passphrase()?;
    let key = sealed
        .open(&passphrase)
        .ok_or_else(|| KeyFileError::WrongPassphrase {
            path: path.to_path_buf(),
        })?;
    if key.public() != sealed.vkey {
        let why = "the sealed key is not the public key its header names".to_string();
        return Err(malformed(why));
    }
    Ok(key)
}

/// The public key of the key in `path`, read without the passphrase.
pub fn public_key<K: PrivateKey>(path: &Path) -> Result<K::Public, KeyFileError> {
    let text = read_private(path)?;
    let malformed = |why: String| KeyFileError::Malformed {
        path: path.to_path_buf(),
        why,
    };
    if text.starts_with(SEALED_HEADER) {
        Ok(Sealed::<K>::parse(&text).map_err(malformed)?.vkey)
    } else {
        Ok(unsealed::<K>(&text).map_err(malformed)?.public())
    }
}

/// An unsealed file: the private key string and one newline, nothing else.
fn unsealed<K: PrivateKey>(text: &str) -> Result<K, String> {
    let line = text
        .strip_suffix('\n')
        .filter(|line| !line.contains(['\n', '\r', ' ', '\t']))
        .ok_or("an unsealed key file is one line: the private key and a newline")?;
    K::parse(line).map_err(|e| e.to_string())
}

/// Whether the key file at `path` is sealed with a passphrase.
pub fn is_sealed(path: &Path) -> Result<bool, KeyFileError> {
    Ok(read_private(path)?.starts_with(SEALED_HEADER))
}

/// The most a key file holds.
const MAX_FILE: u64 = 4096;

/// The file's text, refused if others can read or write it, or if it is larger than a key
/// file is (it is then not read whole).
fn read_private(path: &Path) -> Result<Zeroizing<String>, KeyFileError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mode = file
        .metadata()
        .map_err(io_error(path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Readable {
            path: path.to_path_buf(),
            mode: mode & 0o777,
        });
    }
    // Room for all of it at once: a buffer that grew would leave copies behind, unzeroed.
    let mut text = Zeroizing::new(String::with_capacity(MAX_FILE as usize + 1));
    file.take(MAX_FILE + 1)
        .read_to_string(&mut text)
        .map_err(io_error(path))?;
    if text.len() as u64 > MAX_FILE {
        return Err(KeyFileError::Malformed {
            path: path.to_path_buf(),
            why: format!("it is larger than {MAX_FILE} bytes"),
        });
    }
    Ok(text)
}

/// Seals `key` with `passphrase`: the file's text.
fn seal<K: PrivateKey>(key: &K, passphrase: &str, stretch: Stretch) -> Zeroizing<String> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut salt).expect("the OS's random source");
    getrandom::fill(&mut nonce).expect("the OS's random source");
    let header = header(&key.public(), stretch, &salt, &nonce);
    let secret = Zeroizing::new(key.to_private_string());
    let sealing_key = stretch_passphrase(passphrase, &salt, stretch);
    let sealed = XChaCha20Poly1305::new_from_slice(sealing_key.as_ref())
        .expect("a 32-byte key")
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: header.as_bytes(),
            },
        )
        .expect("XChaCha20-Poly1305 seals any message of a few hundred bytes");
    Zeroizing::new(format!("{header}{}\n", BASE64.encode(sealed)))
}

/// The authenticated header lines of a sealed file, each ending in a newline.
fn header(vkey: &impl Display, stretch: Stretch, salt: &[u8; 16], nonce: &[u8; 24]) -> String {
    format!(
        "{SEALED_HEADER}\nvkey: {vkey}\nkdf: argon2id m={} t={} p={} salt={}\n\
         cipher: xchacha20poly1305 nonce={}\n",
        stretch.memory_kib,
        stretch.passes,
        stretch.lanes,
        BASE64.encode(salt),
        BASE64.encode(nonce)
    )
}

/// Argon2id's parameters, if Argon2 takes them (it needs 8 KiB per lane, for one).
fn argon2_params(stretch: Stretch) -> Result<Params, String> {
    Params::new(stretch.memory_kib, stretch.passes, stretch.lanes, Some(32))
        .map_err(|e| format!("the kdf's parameters: {e}"))
}

fn stretch_passphrase(passphrase: &str, salt: &[u8; 16], stretch: Stretch) -> Zeroizing<[u8; 32]> {
    let params = argon2_params(stretch)
        .expect("parameters Argon2 takes: STRETCH, or checked by Sealed::parse");
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .expect("a 16-byte salt and a 32-byte output are within Argon2's bounds");
    out
}

/// A sealed file, parsed.
struct Sealed<K: PrivateKey> {
    vkey: K::Public,
    stretch: Stretch,
    salt: [u8; 16],
    nonce: [u8; 24],
    sealed: Vec<u8>,
}

impl<K: PrivateKey> Sealed<K> {
    /// Parses exactly the five lines `seal` writes; any other spelling is refused.
    fn parse(text: &str) -> Result<Sealed<K>, String> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let [first, vkey, kdf, cipher, sealed] = lines[..] else {
            return Err("a sealed key file has five lines".into());
        };
        if first != format!("{SEALED_HEADER}\n") {
            return Err(format!("the first line is not {SEALED_HEADER}"));
        }
        let field = |line: &str, prefix: &str| -> Result<String, String> {
            line.strip_suffix('\n')
                .and_then(|l| l.strip_prefix(prefix))
                .map(str::to_string)
                .ok_or_else(|| format!("expected a line starting {prefix:?}"))
        };
        let vkey = K::parse_public(&field(vkey, "vkey: ")?).map_err(|e| e.to_string())?;
        let kdf = field(kdf, "kdf: argon2id ")?;
        let [m, t, p, salt] = kdf.split(' ').collect::<Vec<_>>()[..] else {
            return Err("the kdf line is `kdf: argon2id m=… t=… p=… salt=…`".into());
        };
        let number = |text: &str, name: &str, max: u32| -> Result<u32, String> {
            text.strip_prefix(name)
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("{name}… must be a number from 1 to {max}"))
        };
        let stretch = Stretch {
            memory_kib: number(m, "m=", MAX_STRETCH.memory_kib)?,
            passes: number(t, "t=", MAX_STRETCH.passes)?,
            lanes: number(p, "p=", MAX_STRETCH.lanes)?,
        };
        argon2_params(stretch)?;
        let salt = decode_exact::<16>(salt.strip_prefix("salt=").unwrap_or(""), "salt")?;
        let nonce = field(cipher, "cipher: xchacha20poly1305 nonce=")?;
        let nonce = decode_exact::<24>(&nonce, "nonce")?;
        let sealed = BASE64
            .decode(field(sealed, "")?)
            .map_err(|_| "the sealed key is not base64".to_string())?;
        let sealed_header = header(&vkey, stretch, &salt, &nonce);
        if !text.starts_with(&sealed_header) {
            return Err("the header is not in its one spelling".into());
        }
        Ok(Sealed {
            vkey,
            stretch,
            salt,
            nonce,
            sealed,
        })
    }

    /// The key, if `passphrase` opens it and the header is the one it was sealed with.
    fn open(&self, passphrase: &str) -> Option<K> {
        let sealing_key = stretch_passphrase(passphrase, &self.salt, self.stretch);
        let header = header(&self.vkey, self.stretch, &self.salt, &self.nonce);
        let secret = XChaCha20Poly1305::new_from_slice(sealing_key.as_ref())
            .expect("a 32-byte key")
            .decrypt(
                &XNonce::from(self.nonce),
                Payload {
                    msg: &self.sealed,
                    aad: header.as_bytes(),
                },
            )
            .ok()
            .map(Zeroizing::new)?;
        K::parse(std::str::from_utf8(&secret).ok()?).ok()
    }
}

fn decode_exact<const N: usize>(text: &str, what: &str) -> Result<[u8; N], String> {
    BASE64
        .decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| format!("the {what} is not {N} bytes of base64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cheap stretch: the tests check the format, not Argon2.
    const FAST: Stretch = Stretch {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };

    fn key() -> SignerKey {
        SignerKey::from_seed("cec.gov.kg/root", tlog::keys::ALG_ED25519, &[7; 32]).unwrap()
    }

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_only() {
        let text = seal(&key(), "correct horse battery", FAST);
        assert!(
            !text.contains("PRIVATE"),
            "the private key is not in the clear"
        );
        let sealed = Sealed::<SignerKey>::parse(&text).unwrap();
        assert_eq!(sealed.vkey, key().verifier());
        let opened = sealed.open("correct horse battery").unwrap();
        assert_eq!(opened.to_private_string(), key().to_private_string());
        assert!(sealed.open("correct horse batterY").is_none());
    }

    #[test]
    fn no_line_of_a_sealed_file_can_be_changed() {
        let text = seal(&key(), "correct horse battery", FAST);
        let other = SignerKey::from_seed("cec.gov.kg/root", tlog::keys::ALG_ED25519, &[8; 32])
            .unwrap()
            .verifier();
        let swapped_vkey = text.replace(&key().verifier().to_string(), &other.to_string());
        let sealed = Sealed::<SignerKey>::parse(&swapped_vkey).unwrap();
        assert!(
            sealed.open("correct horse battery").is_none(),
            "vkey swapped"
        );
        // The cipher line's nonce, changed: only the authentication can tell.
        let nonce_at = text.find("nonce=").unwrap() + "nonce=".len();
        let mut other_nonce = text.to_string();
        other_nonce.replace_range(nonce_at..nonce_at + 4, "AAAA");
        let sealed = Sealed::<SignerKey>::parse(&other_nonce).unwrap();
        assert!(
            sealed.open("correct horse battery").is_none(),
            "nonce changed"
        );
        // The unsealed form is one line, exactly.
        let line = key().to_private_string();
        assert!(unsealed::<SignerKey>(&format!("{line}\n")).is_ok());
        for loose in [
            line.clone(),
            format!("{line}\r\n"),
            format!("{line} \n"),
            format!("{line}\n\n"),
        ] {
            assert!(unsealed::<SignerKey>(&loose).is_err(), "{loose:?}");
        }
        for broken in [
            text.replacen("shailoo-sealed-key/v1", "shailoo-sealed-key/v2", 1),
            text.replacen("m=64", "m=064", 1),
            text.replacen("m=64", "m=99999999", 1),
            text.replacen("m=64", "m=7", 1),
            text.replacen("p=1", "p=16", 1),
            text.replacen("\nvkey", "\n vkey", 1),
            format!("{}extra\n", *text),
            text.trim_end().to_string(),
        ] {
            assert!(Sealed::<SignerKey>::parse(&broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn a_post_quantum_witness_key_seals_and_fits() {
        let key = CosignerSigningKey::from_seed(
            "observers.kg/witness",
            tlog::ml_dsa::ALG_ML_DSA_44,
            &[9; 32],
        )
        .unwrap();
        let text = seal(&key, "correct horse battery", FAST);
        assert!(text.len() as u64 <= MAX_FILE, "{} bytes", text.len());
        let sealed = Sealed::<CosignerSigningKey>::parse(&text).unwrap();
        assert_eq!(sealed.vkey, key.verifier());
        let opened = sealed.open("correct horse battery").unwrap();
        assert_eq!(opened.to_private_string(), key.to_private_string());
        // An Ed25519 reader refuses it, by its type.
        assert!(Sealed::<SignerKey>::parse(&text).is_err());
        let line = format!("{}\n", key.to_private_string());
        assert!(unsealed::<CosignerSigningKey>(&line).is_ok());
        assert!(unsealed::<SignerKey>(&line).is_err());
    }
}
