//! What a submitter signs with: a key file (`keyfile`, opened with its passphrase) or a key
//! an ssh-agent holds ([`crate::agent`]) — both behind `election::RecordSigner`, so that
//! signing, enrolling and revoking are written once for every kind of key.

use crate::agent::{AgentError, AgentSigner, parse_public_key};
use election::{RecordSigner, SignerError};
use keyfile::KeyFileError;
use std::path::{Path, PathBuf};
use tlog::keys::SignerKey;

/// Where the signing key is.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// A key file (`shailoo keygen`).
    File(PathBuf),
    /// A key in the ssh-agent at `$SSH_AUTH_SOCK`, named by its public key: an OpenSSH
    /// `.pub` file or line, or the key as `shailoo keygen` prints it.
    Agent(String),
}

/// A key ready to sign.
pub enum Signer {
    Memory(SignerKey),
    Agent(AgentSigner),
}

/// Why a key could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    File(#[from] KeyFileError),
    #[error(transparent)]
    Agent(#[from] AgentError),
}

impl Signer {
    /// Opens the key at `source`, asking for a key file's passphrase if it is sealed.
    pub fn open(source: &KeySource) -> Result<Signer, OpenError> {
        match source {
            KeySource::File(path) => {
                let name = path.display().to_string();
                let key = keyfile::load(path, || keyfile::passphrase::for_key(&name))?;
                Ok(Signer::Memory(key))
            }
            KeySource::Agent(named) => {
                let text = match Path::new(named).is_file() {
                    true => std::fs::read_to_string(named).map_err(|source| {
                        AgentError::PublicKeyFile {
                            path: PathBuf::from(named),
                            source,
                        }
                    })?,
                    false => named.clone(),
                };
                Ok(Signer::Agent(AgentSigner::from_env(parse_public_key(
                    &text,
                )?)?))
            }
        }
    }
}

impl RecordSigner for Signer {
    fn public_key(&self) -> [u8; 32] {
        match self {
            Signer::Memory(key) => key.signing_key().public_key(),
            Signer::Agent(agent) => agent.public_key(),
        }
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
        match self {
            Signer::Memory(key) => key.signing_key().sign_message(message),
            Signer::Agent(agent) => agent.sign_message(message),
        }
    }
}
