//! The stored-hash layout: every hash of the tree that will never change, in one sequence.
//!
//! When leaf `n` is appended, the log stores its leaf hash and then the hash of every
//! subtree that leaf completes (one per trailing 1 bit of `n`). Over `n` leaves that is
//! `2n - popcount(n)` hashes — about two per leaf — and an append only ever touches the
//! right edge of the tree. Every root, proof and tile is computed from these hashes through
//! a [`HashReader`], so a server, a tile cache or a test vector can all stand behind it.
//!
//! A node is named by its `level` (0 for leaves) and its index `n` within that level: node
//! `(level, n)` covers leaves `n * 2^level .. (n + 1) * 2^level`.

use crate::hash::{Hash, node_hash};
use thiserror::Error;

/// The deepest level a tree can have.
pub const MAX_LEVEL: u8 = 63;

/// The largest tree this crate handles: 2^63 - 1 leaves, the largest size Go's sumdb (which
/// uses signed 64-bit sizes) can name. Beyond it the count of stored hashes, about twice the
/// size, would not fit in a `u64`. Checkpoints with larger sizes are rejected when parsed.
pub const MAX_TREE_SIZE: u64 = i64::MAX as u64;

/// A failure to read stored hashes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadError {
    /// The reader does not have a hash the computation needs.
    #[error("stored hash {0} is not available")]
    Missing(u64),
    /// The reader's backing store failed; the string says how.
    #[error("reading stored hashes failed: {0}")]
    Backend(String),
    /// The tree size is beyond [`MAX_TREE_SIZE`].
    #[error("tree size {0} is beyond the largest supported tree")]
    TreeTooLarge(u64),
    /// The reader answered with the wrong number of hashes.
    #[error("reader returned {got} hashes for {want} indexes")]
    WrongCount { want: usize, got: usize },
    /// A tile the reader fetched was malformed (wrong length for its width).
    #[error("malformed tile {0}")]
    BadTile(String),
}

/// Reads stored hashes by their position in the stored-hash sequence.
///
/// Implementations return the hashes in the order of `indexes`. The slice is sorted in
/// ascending order and free of duplicates when it comes from this crate, which lets a
/// reader batch contiguous ranges.
pub trait HashReader {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError>;
}

/// The stored hashes kept in memory, in order: handy for tests and small tools.
impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.get(i).copied())
                    .ok_or(ReadError::Missing(i))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        (**self).read_hashes(indexes)
    }
}

/// Reads hashes and checks that the reader kept its side of the contract.
pub(crate) fn read_checked(
    reader: &impl HashReader,
    indexes: &[u64],
) -> Result<Vec<Hash>, ReadError> {
    let hashes = reader.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(ReadError::WrongCount {
            want: indexes.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

/// The number of hashes stored for a tree of `n` leaves: `2n - popcount(n)`.
///
/// # Panics
/// If `n` exceeds 2^63, where the count no longer fits in a `u64`.
pub fn stored_hash_count(n: u64) -> u64 {
    assert!(
        n <= 1 << 63,
        "tree of {n} leaves is beyond the stored-hash index space"
    );
    // Leaf i adds 1 + trailing_ones(i) hashes; summed over i < n that is Σ_k floor(n / 2^k).
    let mut count = 0u64;
    let mut rest = n;
    while rest > 0 {
        count += rest;
        rest >>= 1;
    }
    count
}

/// The position in the stored-hash sequence of node `(level, n)`.
///
/// That node is stored right after the leaf that completes it, leaf `(n + 1) * 2^level - 1`,
/// as the `level`-th hash that leaf adds.
///
/// # Panics
/// If the node lies beyond a tree of [`MAX_TREE_SIZE`] leaves.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    let end = (n.checked_add(1))
        .filter(|_| level <= MAX_LEVEL)
        .and_then(|e| e.checked_mul(1u64 << level))
        .filter(|&e| e <= MAX_TREE_SIZE);
    let last_leaf =
        end.unwrap_or_else(|| panic!("node ({level}, {n}) is beyond the largest tree")) - 1;
    stored_hash_count(last_leaf) + u64::from(level)
}

/// The inverse of [`stored_hash_index`]: which node is stored at `index`.
///
/// # Panics
/// If `index` is beyond the stored hashes of a tree of [`MAX_TREE_SIZE`] leaves.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    assert!(
        index < stored_hash_count(MAX_TREE_SIZE),
        "stored hash {index} is beyond the largest tree"
    );
    // Find the leaf whose appended hashes contain `index`. Since
    // count(x) = 2x - popcount(x), the leaf is within 32 steps of index / 2.
    let mut leaf = index / 2;
    while stored_hash_count(leaf + 1) <= index {
        leaf += 1;
    }
    while stored_hash_count(leaf) > index {
        leaf -= 1;
    }
    let level = (index - stored_hash_count(leaf)) as u8;
    (level, leaf >> level)
}

/// The new stored hashes that appending the leaf with hash `leaf` at index `n` adds: the leaf
/// hash, then one hash per subtree the leaf completes. It reads the left siblings it needs.
pub fn stored_hashes_for_leaf(
    n: u64,
    leaf: Hash,
    reader: &impl HashReader,
) -> Result<Vec<Hash>, ReadError> {
    let completed = n.trailing_ones() as u8;
    let siblings: Vec<u64> = (0..completed)
        .rev()
        .map(|level| stored_hash_index(level, (n >> level) - 1))
        .collect();
    let mut sibling_hashes = read_checked(reader, &siblings)?;
    sibling_hashes.reverse(); // level 0 first
    let mut out = Vec::with_capacity(1 + completed as usize);
    let mut h = leaf;
    out.push(h);
    for sibling in sibling_hashes {
        h = node_hash(&sibling, &h);
        out.push(h);
    }
    Ok(out)
}

/// The perfect subtrees a tree of `n` leaves decomposes into, left to right: one node
/// `(level, index)` per set bit of `n`, largest first.
pub fn right_edge_nodes(n: u64) -> impl Iterator<Item = (u8, u64)> {
    (0..64u8)
        .rev()
        .filter(move |&level| n >> level & 1 == 1)
        .map(move |level| (level, (n >> level) - 1))
}

/// The root hash of the tree of the first `n` leaves, from at most 64 stored hashes.
pub fn tree_hash(n: u64, reader: &impl HashReader) -> Result<Hash, ReadError> {
    check_tree_size(n)?;
    if n == 0 {
        return Ok(Hash::empty_tree());
    }
    let indexes: Vec<u64> = right_edge_nodes(n)
        .map(|(l, i)| stored_hash_index(l, i))
        .collect();
    Ok(fold_right_edge(&read_checked(reader, &indexes)?))
}

/// Refuses sizes beyond [`MAX_TREE_SIZE`], whose stored-hash positions do not exist.
pub fn check_tree_size(size: u64) -> Result<(), ReadError> {
    if size > MAX_TREE_SIZE {
        Err(ReadError::TreeTooLarge(size))
    } else {
        Ok(())
    }
}

/// Combines perfect-subtree hashes, given largest (leftmost) first, into the hash of the
/// tree they make: `H(a, H(b, H(c, d)))`.
pub(crate) fn fold_right_edge(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let mut h = *iter.next().expect("at least one subtree");
    for left in iter {
        h = node_hash(left, &h);
    }
    h
}

/// The nodes whose hashes make the Merkle tree hash of leaves `lo..hi`, largest first.
///
/// The range must be one that RFC 6962's recursion produces: `lo` a multiple of the largest
/// power of two not exceeding `hi - lo`. Each node is the largest perfect subtree that
/// starts at the current position and fits.
pub(crate) fn range_nodes(mut lo: u64, hi: u64) -> Vec<(u8, u64)> {
    let mut nodes = Vec::new();
    while lo < hi {
        let mut level = 63 - (hi - lo).leading_zeros() as u8;
        while lo & ((1u64 << level) - 1) != 0 {
            level -= 1;
        }
        nodes.push((level, lo >> level));
        lo += 1 << level;
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn build(n: u64) -> Vec<Hash> {
        let mut stored = Vec::new();
        for i in 0..n {
            let new = stored_hashes_for_leaf(i, leaf_hash(&i.to_be_bytes()), &stored).unwrap();
            stored.extend(new);
        }
        stored
    }

    #[test]
    fn count_matches_appends() {
        for n in 0..300u64 {
            assert_eq!(stored_hash_count(n), build(n).len() as u64, "n={n}");
            assert_eq!(stored_hash_count(n), 2 * n - u64::from(n.count_ones()));
        }
    }

    #[test]
    fn index_split_round_trips() {
        for index in 0..5000u64 {
            let (level, n) = split_stored_hash_index(index);
            assert_eq!(stored_hash_index(level, n), index, "index={index}");
        }
        for level in 0..MAX_LEVEL {
            let n = (MAX_TREE_SIZE >> level) - 1;
            assert_eq!(
                split_stored_hash_index(stored_hash_index(level, n)),
                (level, n)
            );
            assert_eq!(
                split_stored_hash_index(stored_hash_index(level, n / 3)),
                (level, n / 3)
            );
        }
        // The very last stored hash of the largest tree.
        let last = stored_hash_count(MAX_TREE_SIZE) - 1;
        let (level, n) = split_stored_hash_index(last);
        assert_eq!(stored_hash_index(level, n), last);
    }

    #[test]
    fn leaf_hash_index_is_count_before_it() {
        for n in 0..100 {
            assert_eq!(stored_hash_index(0, n), stored_hash_count(n));
        }
    }

    #[test]
    fn tree_hash_of_small_trees() {
        let stored = build(7);
        let l: Vec<Hash> = (0..7u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let left = node_hash(&node_hash(&l[0], &l[1]), &node_hash(&l[2], &l[3]));
        let right = node_hash(&node_hash(&l[4], &l[5]), &l[6]);
        assert_eq!(tree_hash(7, &stored).unwrap(), node_hash(&left, &right));
        assert_eq!(tree_hash(1, &stored).unwrap(), l[0]);
        assert_eq!(tree_hash(0, &stored).unwrap(), Hash::empty_tree());
    }

    #[test]
    fn sizes_beyond_the_largest_tree_are_errors_not_panics() {
        let stored = build(3);
        assert_eq!(
            tree_hash(MAX_TREE_SIZE + 1, &stored),
            Err(ReadError::TreeTooLarge(MAX_TREE_SIZE + 1))
        );
        assert_eq!(
            tree_hash(u64::MAX, &stored),
            Err(ReadError::TreeTooLarge(u64::MAX))
        );
        assert!(tree_hash(MAX_TREE_SIZE, &stored).is_err());
    }

    #[test]
    #[should_panic(expected = "beyond the largest tree")]
    fn index_of_a_node_beyond_the_largest_tree_panics() {
        stored_hash_index(1, 1 << 62);
    }

    #[test]
    fn missing_hashes_are_errors() {
        let stored = build(3);
        assert_eq!(
            tree_hash(8, &stored),
            Err(ReadError::Missing(stored_hash_index(3, 0)))
        );
    }

    #[test]
    fn range_nodes_decompose() {
        assert_eq!(range_nodes(0, 7), vec![(2, 0), (1, 2), (0, 6)]);
        assert_eq!(range_nodes(8, 13), vec![(2, 2), (0, 12)]);
        assert_eq!(range_nodes(4, 5), vec![(0, 4)]);
    }
}
