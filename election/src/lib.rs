//! `election`: the election domain of Shailoo Ledger.
//!
//! The log proves that nothing was changed or hidden; these records prove something about the
//! election. Every log entry is a [`Record`]: a signed envelope around one of the record kinds
//! in [`records`], encoded as canonical CBOR. [`audit`] holds the rules — pure functions over
//! the ordered stream of records that the verifier, the ledger's admission check and the
//! browser all run — and [`tally`] recomputes the results. [`generate`] makes a realistic
//! synthetic election for demos, tests and benchmarks; [`json`] (feature `json`) reads and writes the
//! JSON form people write records in, and [`setup`] (likewise) reads the CEC's registry and key
//! list from CSV. No I/O; builds for WebAssembly.
//!
//! `spec/records.md` in the repository is the normative description of every byte.
#![forbid(unsafe_code)]

pub mod audit;
pub mod cbor;
pub mod generate;
#[cfg(feature = "json")]
pub mod json;
pub mod listed;
pub mod policy;
pub mod record;
pub mod records;
#[cfg(feature = "json")]
pub mod setup;
pub mod signers;
pub mod tally;
pub mod time;

pub use record::{Record, RecordError, RecordSigner, SignerError};
pub use records::{Body, Kind};
