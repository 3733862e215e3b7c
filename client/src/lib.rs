//! `shailoo`: the client of everyone who appends to the log — the CEC, the precinct
//! commissions, the urns and identification devices, the complaints and finance offices.
//!
//! - [`client`]: the ledger's HTTP API, as a submitter uses it.
//! - [`keyfile`]: a private key on disk, protected by a passphrase (or, for tests only, not),
//!   readable by its owner alone.
//! - [`passphrase`]: where a passphrase comes from: a prompt at a terminal, or
//!   `SHAILOO_PASSPHRASE` for automation.
//! - [`sign`]: a record's JSON form signed offline into the entry the log will hold, its
//!   documents kept beside it; [`submit`]: delivering it, its documents, and its receipt;
//!   [`outbox`]: where records wait until they are delivered.
#![forbid(unsafe_code)]

pub mod client;
mod files;
pub mod keyfile;
pub mod outbox;
pub mod passphrase;
pub mod sign;
pub mod submit;

/// Now, in Unix seconds: the time a record is signed at unless another is given.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
