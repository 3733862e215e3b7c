//! The browser viewer of Shailoo Ledger: the `tlog` and `election` verification code compiled
//! to WebAssembly, so that a citizen's own browser checks every proof.
//!
//! Not yet written: see the open issue "The web viewer".
#![forbid(unsafe_code)]
