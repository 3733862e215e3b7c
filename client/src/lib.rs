//! `shailoo`: the client of everyone who appends to the log — the CEC, the precinct
//! commissions, the urns and identification devices, the complaints and finance offices.
//!
//! - [`client`]: the ledger's HTTP API, as a submitter uses it.
//! - [`signer`]: what records are signed with — a key file (the `keyfile` crate's: protected
//!   by a passphrase, readable by its owner alone) or a key an ssh-agent holds ([`agent`]).
//! - [`sign`]: a record's JSON form signed offline into the entry the log will hold, its
//!   documents kept beside it; [`submit`]: delivering it, its documents, and its receipt;
//!   [`outbox`]: where records wait until they are delivered.
#![forbid(unsafe_code)]

pub mod agent;
pub mod client;
mod files;
pub mod outbox;
pub mod sign;
pub mod signer;
pub mod submit;

/// Now, in Unix seconds: the time a record is signed at unless another is given.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
