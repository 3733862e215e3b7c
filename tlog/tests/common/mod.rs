//! Shared helpers for the integration tests: a deterministic tree, built once.
#![allow(dead_code)]

use std::sync::OnceLock;
use tlog::{Frontier, Hash, leaf_hash};

/// Leaves in the shared test tree.
pub const TREE_LEAVES: u64 = 4096;

/// The entry at index `i` of the shared test tree.
pub fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// The stored hashes of the shared tree; any prefix of it is the tree of that size.
pub fn stored() -> &'static [Hash] {
    static STORED: OnceLock<Vec<Hash>> = OnceLock::new();
    STORED.get_or_init(|| {
        let mut stored = Vec::new();
        let mut f = Frontier::new();
        for i in 0..TREE_LEAVES {
            f.append(leaf_hash(&entry(i)), |_, h| stored.push(h));
        }
        stored
    })
}

/// The roots of every prefix of the shared tree, computed naively from the RFC 6962
/// definition (recursive MTH), independent of the stored-hash code.
pub fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::empty_tree(),
        1 => leaves[0],
        n => {
            // The largest power of two strictly smaller than n.
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            tlog::node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

pub fn hash_hex(s: &str) -> Hash {
    Hash::from_hex(s).expect("64 hex digits")
}
