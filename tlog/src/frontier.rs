//! The right edge of a growing tree: all an appender has to keep in memory.
//!
//! A tree of `n` leaves is a row of perfect subtrees, one per set bit of `n`. Keeping only
//! their hashes (at most 64) is enough to append the next leaf and to compute the root, so a
//! sequencer's memory stays O(log n) however large the log grows. Each append hands the new
//! stored hashes to the caller, who writes them out (see [`crate::stored`]).

use crate::hash::Hash;
use crate::stored::{
    HashReader, ReadError, fold_right_edge, read_checked, right_edge_nodes, stored_hash_count,
};

/// The right edge of a tree: its size and the hashes of its perfect subtrees.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Hashes of the perfect subtrees, largest (leftmost) first; one per set bit of `size`.
    subtrees: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Restores the frontier of a tree of `size` leaves by reading at most 64 stored hashes.
    pub fn from_stored(size: u64, reader: &impl HashReader) -> Result<Frontier, ReadError> {
        crate::stored::check_tree_size(size)?;
        let indexes: Vec<u64> = right_edge_nodes(size)
            .map(|(level, n)| crate::stored::stored_hash_index(level, n))
            .collect();
        Ok(Frontier {
            size,
            subtrees: read_checked(reader, &indexes)?,
        })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The number of stored hashes the tree has, which is the index the next one gets.
    pub fn stored_count(&self) -> u64 {
        stored_hash_count(self.size)
    }

    /// The Merkle tree hash of all leaves so far.
    pub fn root(&self) -> Hash {
        if self.subtrees.is_empty() {
            Hash::empty_tree()
        } else {
            fold_right_edge(&self.subtrees)
        }
    }

    /// Appends a leaf hash and calls `store(index, hash)` for each new stored hash, in order:
    /// the leaf hash first, then every subtree it completes.
    pub fn append(&mut self, leaf: Hash, mut store: impl FnMut(u64, Hash)) {
        let first = stored_hash_count(self.size);
        self.append_nodes(leaf, |level, _, h| store(first + u64::from(level), h));
    }

    /// Appends a leaf hash and calls `node(level, n, hash)` for each node it completes: the
    /// leaf itself (level 0, n = its index) first, then each subtree it closes.
    pub fn append_nodes(&mut self, leaf: Hash, mut node: impl FnMut(u8, u64, Hash)) {
        let index = self.size;
        let mut h = leaf;
        node(0, index, h);
        for level in 1..=index.trailing_ones() as u8 {
            let left = self.subtrees.pop().expect("one subtree per set bit");
            h = crate::hash::node_hash(&left, &h);
            node(level, index >> level, h);
        }
        self.subtrees.push(h);
        self.size += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::stored::{stored_hashes_for_leaf, tree_hash};

    #[test]
    fn frontier_matches_stored_hashes() {
        let mut stored: Vec<Hash> = Vec::new();
        let mut frontier = Frontier::new();
        for i in 0..600u64 {
            let leaf = leaf_hash(&i.to_le_bytes());
            let expected = stored_hashes_for_leaf(i, leaf, &stored).unwrap();
            let mut got = Vec::new();
            frontier.append(leaf, |index, h| {
                assert_eq!(index, stored.len() as u64 + got.len() as u64);
                got.push(h);
            });
            assert_eq!(got, expected);
            stored.extend(got);
            assert_eq!(frontier.root(), tree_hash(i + 1, &stored).unwrap());
            assert_eq!(Frontier::from_stored(i + 1, &stored).unwrap(), frontier);
        }
    }

    #[test]
    fn empty_frontier() {
        assert_eq!(Frontier::new().root(), Hash::empty_tree());
        assert_eq!(
            Frontier::from_stored(0, &Vec::new()).unwrap(),
            Frontier::new()
        );
    }
}
