//! The observers' mirror of a Shailoo log (c2sp.org/tlog-mirror): a copy of the whole log,
//! verified, kept durably, cosigned, and served with the ledger's own read API and viewer, so
//! that every citizen can still check every precinct when the CEC's server is down.
//!
//! The trust model, in short (`spec/tlog.md` §14):
//! - The mirror trusts nothing its upstream says. It takes a checkpoint only if the log's key
//!   in its policy signed it, recomputes the tree from the entries it fetched (its stored tiles
//!   plus the new entries must make exactly the signed root, so the new tree extends the one
//!   it holds), and only then writes anything. Documents are kept only if their hash is the
//!   one a logged record gives.
//! - Its cosignature says "every entry of this checkpoint is durably stored here": it signs
//!   only after the files are written and synced. A policy can require it (`mirror` lines).
//! - It publishes a checkpoint only if that satisfies its policy with its own cosignature
//!   added, so it never serves a tree its citizens' verifiers would refuse.
//! - A checkpoint of the log that contradicts what it holds (same size, another root; or an
//!   older tree that is not a prefix) is a fork: kept as evidence, never mirrored.
//! - It is a pulling mirror: it is its own tlog-mirror client, asking the log for new
//!   checkpoints and entries. The log needs no change and no knowledge of it.
//!
//! Modules: [`dir`] (the mirror's directory: keys, policy, configuration), [`follow`] (one
//! round of copying and verifying, and the loop of rounds), [`serve`] (the HTTP server).
#![forbid(unsafe_code)]

pub mod dir;
pub mod follow;
pub mod serve;

pub use dir::MirrorError;
