//! `demo`: Shailoo Ledger on one machine, and the tools that drive a log from outside.
//!
//! - [`demo`]: a log, three witness nodes and a generated election, served until Ctrl-C.
//! - [`simulate`]: a generated election submitted to a running log through its public API,
//!   with the `shailoo` crate's client, as the CEC's systems and the commissions submit.
//! - [`bench`]: the load benchmark of a `ledger serve` process on loopback.
//!
//! The server (`ledger`), the witness and the submitters' client do not depend on this crate:
//! a generated election and the demo's witnesses never reach a real log's dependencies.
#![forbid(unsafe_code)]

pub mod bench;
pub mod demo;
pub mod simulate;
