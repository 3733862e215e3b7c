//! The Shailoo Ledger verifier: checks a transparency log — and the election records in it —
//! owing nothing to the log's operator.
#![forbid(unsafe_code)]

pub mod display;
pub mod fetch;
pub mod outcome;
pub mod progress;
pub mod state;
pub mod trust;
