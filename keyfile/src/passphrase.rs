//! Where a passphrase comes from: `SHAILOO_PASSPHRASE` when it is set (automation: a
//! device's service, a test), otherwise a prompt on the terminal, not echoed. Never a command
//! line argument: those are visible to every user of the machine.

use std::io::IsTerminal;
use zeroize::Zeroizing;

/// The environment variable read for a passphrase.
pub const ENV: &str = "SHAILOO_PASSPHRASE";

/// The shortest passphrase a new key is sealed with.
pub const MIN_LENGTH: usize = 12;

/// Why no passphrase could be had.
#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    #[error("a passphrase is needed: set {ENV}, or run this on a terminal to be asked for it")]
    Unavailable,
    #[error("the two passphrases typed differ; nothing was written")]
    Mismatch,
    #[error(
        "a passphrase has at least {MIN_LENGTH} characters (several words are easier to \
         remember than symbols)"
    )]
    TooShort,
    #[error("reading the passphrase: {0}")]
    Io(#[from] std::io::Error),
}

/// The passphrase of an existing key, `what` naming it in the prompt.
pub fn for_key(what: &str) -> Result<Zeroizing<String>, PassphraseError> {
    if let Some(passphrase) = from_env() {
        return Ok(passphrase);
    }
    prompt(&format!("passphrase for {what}: "))
}

/// A passphrase for a new key: typed twice at a terminal, and long enough.
pub fn for_new_key(what: &str) -> Result<Zeroizing<String>, PassphraseError> {
    let passphrase = match from_env() {
        Some(passphrase) => passphrase,
        None => {
            let first = prompt(&format!("new passphrase for {what}: "))?;
            let again = prompt("the same passphrase again: ")?;
            if first != again {
                return Err(PassphraseError::Mismatch);
            }
            first
        }
    };
    if passphrase.chars().count() < MIN_LENGTH {
        return Err(PassphraseError::TooShort);
    }
    Ok(passphrase)
}

fn from_env() -> Option<Zeroizing<String>> {
    std::env::var(ENV).ok().map(Zeroizing::new)
}

fn prompt(text: &str) -> Result<Zeroizing<String>, PassphraseError> {
    if !std::io::stdin().is_terminal() {
        return Err(PassphraseError::Unavailable);
    }
    Ok(Zeroizing::new(rpassword::prompt_password(text)?))
}
