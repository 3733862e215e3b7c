//! `ledger`: the Shailoo Ledger log server and its operator commands.
//!
//! The log accepts records only from keys the CEC enrolled, never loses a record it
//! acknowledged, never signs two inconsistent checkpoints, gets them cosigned by the
//! observers' witnesses, and serves tiles and proofs that anyone can check.
//!
//! - [`storage`]: the public files (tiles, bundles, checkpoint, documents), behind a trait:
//!   a directory, or an S3 bucket that two sequencers share through its [`lease`], a new
//!   holder finishing the last batch and rebuilding its cache ([`catchup`]).
//! - [`db`]: SQLite for the small transactional state and the lookup index.
//! - [`sequencer`]: the one writer; batches, tiles, checks, signs, commits;
//!   [`leftovers`]: the tiles a batch never committed left, removed at start.
//! - [`witnessing`]: cosignatures from witnesses, and publication.
//! - [`api`]: the HTTP API, [`published_tiles`]: the published tree's tiles kept in memory
//!   for it (served, and proofs made, without storage), [`documents`]: the scans and filings
//!   records reference,
//!   [`rejections`]: malformed requests answered in JSON;
//!   [`server`]: init, recovery and a clean stop.
//! - [`logdir`]: the log directory, its configuration and keys; [`check`]: its fsck.
//! - [`viewer`]: the page at `/`.
//!
//! The demo, the simulator and the load benchmark drive a log from outside and live in the
//! `demo` crate: nothing here depends on the witness or on a generated election.
#![forbid(unsafe_code)]

pub mod api;
pub mod catchup;
pub mod check;
pub mod db;
pub mod documents;
pub mod encoding;
pub mod lease;
pub mod leftovers;
pub mod logdir;
pub mod published_tiles;
pub mod rejections;
pub mod sequencer;
pub mod server;
pub mod storage;
pub mod viewer;
pub mod witnessing;
