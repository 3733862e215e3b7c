//! The election domain of Shailoo Ledger: record kinds, their canonical encoding and
//! signatures, key enrollment, audit rules and the tally.
//!
//! Not yet written: see the open issue "Election records". This crate exists so that the
//! workspace has its final shape from the first commit.
#![forbid(unsafe_code)]
