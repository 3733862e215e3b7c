//! Signing through an ssh-agent: the key never leaves the agent — or the hardware token behind
//! it (a YubiKey, a smart card served by gpg-agent or a PKCS#11 provider `ssh-add -s` loaded).
//!
//! A second [`RecordSigner`] beside the key in memory, so that signing records depends on the
//! interface only. An Ed25519 signature made by an agent is a plain Ed25519 signature of the
//! bytes it was given (draft-miller-ssh-agent §4.5, RFC 8709): exactly what a record needs.
//! Only `SSH_AGENTC_REQUEST_IDENTITIES` and `SSH_AGENTC_SIGN_REQUEST` are spoken.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use election::{RecordSigner, SignerError};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

const REQUEST_IDENTITIES: u8 = 11;
const IDENTITIES_ANSWER: u8 = 12;
const SIGN_REQUEST: u8 = 13;
const SIGN_RESPONSE: u8 = 14;
const ED25519: &[u8] = b"ssh-ed25519";
/// The most an agent's answer may hold (a list of many keys).
const MAX_ANSWER: u32 = 256 * 1024;
/// A token may wait for a touch or a PIN: time enough for a person, not forever.
const TIMEOUT: Duration = Duration::from_secs(60);

/// An Ed25519 key held by the ssh-agent at a socket.
pub struct AgentSigner {
    socket: PathBuf,
    public_key: [u8; 32],
}

/// Why the agent could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("no ssh-agent: SSH_AUTH_SOCK is not set (start one, or give a key file with --key)")]
    NoAgent,
    #[error("the ssh-agent at {}: {source}", socket.display())]
    Io {
        socket: PathBuf,
        source: std::io::Error,
    },
    #[error("the ssh-agent at {} answered what is not the agent protocol: {why}", socket.display())]
    Protocol { socket: PathBuf, why: &'static str },
    #[error(
        "the ssh-agent at {} does not hold the Ed25519 key {key} (`ssh-add -L` lists what it holds)",
        socket.display()
    )]
    NotHeld { socket: PathBuf, key: String },
    #[error("{}: {source}", path.display())]
    PublicKeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0:?} is not an Ed25519 public key: give `ssh-ed25519 AAAA…` (a .pub file), or the key as `shailoo keygen` prints it"
    )]
    BadKey(String),
}

impl AgentSigner {
    /// The key `public_key` in the agent at `$SSH_AUTH_SOCK`, checked to be there.
    pub fn from_env(public_key: [u8; 32]) -> Result<AgentSigner, AgentError> {
        let socket = std::env::var_os("SSH_AUTH_SOCK").ok_or(AgentError::NoAgent)?;
        AgentSigner::at(Path::new(&socket), public_key)
    }

    /// The key `public_key` in the agent at `socket`, checked to be there.
    pub fn at(socket: &Path, public_key: [u8; 32]) -> Result<AgentSigner, AgentError> {
        let signer = AgentSigner {
            socket: socket.to_path_buf(),
            public_key,
        };
        let answer = signer.ask(&[REQUEST_IDENTITIES])?;
        if !signer.lists(&answer)? {
            return Err(AgentError::NotHeld {
                socket: signer.socket,
                key: hex::encode(public_key),
            });
        }
        Ok(signer)
    }

    fn protocol(&self, why: &'static str) -> AgentError {
        AgentError::Protocol {
            socket: self.socket.clone(),
            why,
        }
    }

    /// Sends one message and reads the one answer.
    fn ask(&self, message: &[u8]) -> Result<Vec<u8>, AgentError> {
        let io = |source| AgentError::Io {
            socket: self.socket.clone(),
            source,
        };
        let mut stream = UnixStream::connect(&self.socket).map_err(io)?;
        stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
        let mut framed = (message.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(message);
        stream.write_all(&framed).map_err(io)?;
        let mut length = [0u8; 4];
        stream.read_exact(&mut length).map_err(io)?;
        let length = u32::from_be_bytes(length);
        if length == 0 || length > MAX_ANSWER {
            return Err(self.protocol("an answer of impossible length"));
        }
        let mut answer = vec![0u8; length as usize];
        stream.read_exact(&mut answer).map_err(io)?;
        Ok(answer)
    }

    /// Whether an identities answer lists this key.
    fn lists(&self, answer: &[u8]) -> Result<bool, AgentError> {
        let mut reader = Reader(answer);
        if reader.byte() != Some(IDENTITIES_ANSWER) {
            return Err(self.protocol("no list of keys"));
        }
        let count = reader
            .u32()
            .ok_or_else(|| self.protocol("a truncated list"))?;
        let wanted = key_blob(&self.public_key);
        for _ in 0..count {
            let blob = reader
                .string()
                .ok_or_else(|| self.protocol("a truncated list"))?;
            reader
                .string()
                .ok_or_else(|| self.protocol("a truncated list"))?;
            if blob == wanted {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl RecordSigner for AgentSigner {
    fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
        let mut request = vec![SIGN_REQUEST];
        put_string(&mut request, &key_blob(&self.public_key));
        put_string(&mut request, message);
        request.extend_from_slice(&0u32.to_be_bytes());
        let answer = self.ask(&request).map_err(|e| SignerError(e.to_string()))?;
        let mut reader = Reader(&answer);
        if reader.byte() != Some(SIGN_RESPONSE) {
            return Err(SignerError(format!(
                "the ssh-agent at {} refused to sign (a token not touched, a PIN refused, a key removed?)",
                self.socket.display()
            )));
        }
        let signature = reader
            .string()
            .ok_or_else(|| SignerError("a truncated signature".into()))?;
        let mut signature = Reader(signature);
        if signature.string() != Some(ED25519) {
            return Err(SignerError(
                "the agent signed with another algorithm".into(),
            ));
        }
        signature
            .string()
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
            .ok_or_else(|| SignerError("a signature that is not 64 bytes".into()))
    }
}

/// An Ed25519 public key as the agent protocol names it.
fn key_blob(public_key: &[u8; 32]) -> Vec<u8> {
    let mut blob = Vec::new();
    put_string(&mut blob, ED25519);
    put_string(&mut blob, public_key);
    blob
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Reads the agent protocol's fields, never past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let length = self.u32()? as usize;
        if length > self.0.len() {
            return None;
        }
        let (string, rest) = self.0.split_at(length);
        self.0 = rest;
        Some(string)
    }
}

/// The Ed25519 public key in `text`: an OpenSSH public key line (`ssh-ed25519 AAAA… comment`,
/// as in a `.pub` file), a key as `shailoo keygen` prints it, or 64 hex digits.
pub fn parse_public_key(text: &str) -> Result<[u8; 32], AgentError> {
    let text = text.trim();
    let bad = || AgentError::BadKey(text.chars().take(80).collect());
    if let Some(rest) = text.strip_prefix("ssh-ed25519 ") {
        let encoded = rest.split_whitespace().next().ok_or_else(bad)?;
        let blob = BASE64.decode(encoded).map_err(|_| bad())?;
        let mut reader = Reader(&blob);
        if reader.string() != Some(ED25519) {
            return Err(bad());
        }
        let key = reader.string().ok_or_else(bad)?;
        if !reader.0.is_empty() {
            return Err(bad());
        }
        return <[u8; 32]>::try_from(key).map_err(|_| bad());
    }
    election::setup::parse_key(text).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_openssh_public_key_line_gives_its_ed25519_key() {
        let key = [7u8; 32];
        let line = format!(
            "ssh-ed25519 {} uik-1001@laptop",
            BASE64.encode(key_blob(&key))
        );
        assert_eq!(parse_public_key(&line).unwrap(), key);
        assert_eq!(parse_public_key(&hex::encode(key)).unwrap(), key);
        for wrong in [
            "ssh-rsa AAAAB3NzaC1yc2E".to_string(),
            "ssh-ed25519 !!!".to_string(),
            format!(
                "ssh-ed25519 {}",
                BASE64.encode(b"\0\0\0\x0bssh-ed25519\0\0\0\x01x")
            ),
        ] {
            assert!(parse_public_key(&wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn a_truncated_answer_is_read_as_truncated() {
        let mut reader = Reader(&[0, 0, 0, 9, 1, 2]);
        assert_eq!(reader.string(), None);
        let mut reader = Reader(&[0, 0, 0]);
        assert_eq!(reader.u32(), None);
    }
}
