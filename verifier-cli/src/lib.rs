//! The Shailoo Ledger verifier: checks a transparency log — and the election records in it —
//! owing nothing to the log's operator.
//!
//! Everything is checked against a checkpoint that satisfies the user's trust policy; nothing
//! the log's server says (tiles, entries, lookup answers, documents) is believed until it is.
//! All checks use only C2SP paths, so the verifier works against any tlog-tiles log, a static
//! file server or a local copy. The rules themselves live in `tlog` and `election`, once.
//!
//! - [`trust`]: the policy file (tlog-policy plus the CEC `root` line).
//! - [`fetch`]: files by their C2SP paths, over HTTP or from a directory; hash tiles for proofs.
//! - [`state`]: the last checkpoint accepted per log, kept between runs.
//! - [`accept`]: verify a checkpoint and prove it extends the remembered one (rollback, fork).
//! - [`prove`]: inclusion of one entry; what the entry says.
//! - [`scan`]: every entry, the root recomputed; [`documents`]: referenced documents checked.
//! - [`report`]: the audit report, for people and as JSON; [`display`]: formatting.
//! - [`commands`]: one module per command; [`outcome`]: exit codes.
#![forbid(unsafe_code)]

pub mod accept;
pub mod commands;
pub mod display;
pub mod documents;
pub mod fetch;
pub mod outcome;
pub mod parallel;
pub mod phrases;
pub mod prove;
pub mod report;
pub mod scan;
pub mod state;
pub mod trust;
