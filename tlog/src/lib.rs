//! `tlog`: the transparency-log core of Shailoo Ledger.
//!
//! Everything that checks something — the ledger, the witness, the verifier, the browser
//! viewer — uses this crate, so each rule exists once. It does no I/O and builds for
//! `wasm32-unknown-unknown`. The formats are those of the C2SP specifications, byte for
//! byte; `spec/` in the repository says which versions and which choices this project makes.
//!
//! A tour, bottom up:
//! - [`hash`]: RFC 6962 leaf and node hashes.
//! - [`stored`]: the stored-hash layout (about two hashes per leaf) and the [`HashReader`]
//!   abstraction everything reads through; [`frontier`]: the O(log n) right edge an
//!   appender keeps; [`appender`]: the right edge of the tiles a log writes as it grows.
//! - [`proof`]: inclusion and consistency proofs, made from stored hashes and verified;
//!   [`relation`]: how a new checkpoint relates to one accepted before (grew, fork, rollback,
//!   or damaged tiles that prove nothing).
//! - [`tile`] and [`entries`]: C2SP tlog-tiles paths, tile contents and entry bundles;
//!   [`writer`]: the one log writer (entries in, tiles and bundles out) and the reading rule.
//! - [`note`], [`keys`], [`checkpoint`]: signed notes, Ed25519 keys and cosignatures,
//!   checkpoints; [`ml_dsa`]: post-quantum (ML-DSA-44) cosignatures; [`cosigner`]: a
//!   witness's keys of either type.
//! - [`witness`]: the tlog-witness messages and the rule a witness cosigns by.
//! - [`bundle`] and [`policy`]: offline proofs (tlog-proof) and trust policies (tlog-policy).
#![forbid(unsafe_code)]

pub mod appender;
pub mod bundle;
pub mod checkpoint;
pub mod cosigner;
pub mod entries;
pub mod frontier;
pub mod hash;
pub mod keys;
pub mod log_list;
pub mod ml_dsa;
pub mod note;
pub mod policy;
pub mod proof;
pub mod relation;
pub mod stored;
pub mod tile;
pub mod tile_hashes;
pub mod time;
pub mod witness;
pub mod writer;

pub use checkpoint::Checkpoint;
pub use frontier::Frontier;
pub use hash::{Hash, leaf_hash, node_hash};
pub use stored::{HashReader, ReadError};
