//! Property tests over random trees of up to 4,096 leaves: every honest proof verifies, and
//! every altered one — a flipped bit, a wrong index or size, a hash too few or too many —
//! fails. Proofs made through tiles equal proofs made from stored hashes.

mod common;
use common::{TREE_LEAVES, entry, naive_root, stored};
use proptest::prelude::*;
use tlog::proof::{
    ProofError, prove_consistency, prove_inclusion, verify_consistency, verify_inclusion,
};
use tlog::stored::tree_hash;
use tlog::tile::{Tile, TileHashReader, TileReader, read_tile_data};
use tlog::{Hash, ReadError, leaf_hash};

fn root(size: u64) -> Hash {
    tree_hash(size, &stored()).unwrap()
}

fn flip(proof: &[Hash], i: usize, bit: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    p[i].0[usize::from(bit / 8)] ^= 1 << (bit % 8);
    p
}

/// Serves tiles computed from the shared stored hashes, as a log's tile files would be.
struct StoredTiles;
impl TileReader for StoredTiles {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError> {
        tiles.iter().map(|t| read_tile_data(t, &stored())).collect()
    }
}

#[test]
fn stored_roots_match_the_recursive_definition() {
    let leaves: Vec<Hash> = (0..600).map(|i| leaf_hash(&entry(i))).collect();
    for n in 0..=600 {
        assert_eq!(root(n as u64), naive_root(&leaves[..n]), "size {n}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn inclusion_proofs_verify_and_resist_tampering(size in 1..=TREE_LEAVES, index_seed: u64, i_seed: usize, bit: u8) {
        let index = index_seed % size;
        let leaf = leaf_hash(&entry(index));
        let r = root(size);
        let proof = prove_inclusion(index, size, &stored()).unwrap();
        prop_assert!(proof.len() <= 64);
        prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &r), Ok(()));

        if !proof.is_empty() {
            let i = i_seed % proof.len();
            prop_assert!(verify_inclusion(index, size, &leaf, &flip(&proof, i, bit), &r).is_err());
            prop_assert!(verify_inclusion(index, size, &leaf, &proof[..proof.len() - 1], &r).is_err());
        }
        let mut longer = proof.clone();
        longer.push(leaf);
        prop_assert!(verify_inclusion(index, size, &leaf, &longer, &r).is_err());
        let mut other_leaf = leaf;
        other_leaf.0[usize::from(bit / 8)] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(index, size, &other_leaf, &proof, &r).is_err());
        let mut other_root = r;
        other_root.0[usize::from(bit / 8)] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &other_root).is_err());
        if size > 1 {
            let wrong_index = (index + 1 + index_seed % (size - 1)) % size;
            prop_assert!(verify_inclusion(wrong_index, size, &leaf, &proof, &r).is_err());
        }
        prop_assert_eq!(
            verify_inclusion(size, size, &leaf, &proof, &r),
            Err(ProofError::IndexOutOfRange { index: size, size })
        );
        // A proof for the same leaf in a larger tree is not a proof in this one.
        if size < TREE_LEAVES {
            let bigger = prove_inclusion(index, size + 1, &stored()).unwrap();
            if bigger != proof {
                prop_assert!(verify_inclusion(index, size, &leaf, &bigger, &r).is_err());
            }
            prop_assert!(verify_inclusion(index, size + 1, &leaf, &proof, &root(size + 1)).is_err() || bigger == proof);
        }
        let via_tiles = prove_inclusion(index, size, &TileHashReader { size, tiles: StoredTiles }).unwrap();
        prop_assert_eq!(via_tiles, proof);
    }

    #[test]
    fn consistency_proofs_verify_and_resist_tampering(new in 1..=TREE_LEAVES, old_seed: u64, i_seed: usize, bit: u8) {
        let old = 1 + old_seed % new;
        let (old_root, new_root) = (root(old), root(new));
        let proof = prove_consistency(old, new, &stored()).unwrap();
        prop_assert!(proof.len() <= 128);
        prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));

        if !proof.is_empty() {
            let i = i_seed % proof.len();
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &flip(&proof, i, bit)).is_err());
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err());
        }
        let mut longer = proof.clone();
        longer.push(old_root);
        prop_assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
        if old > 1 {
            prop_assert!(verify_consistency(old - 1, new, &root(old - 1), &new_root, &proof).is_err());
        }
        if new < TREE_LEAVES && old < new {
            prop_assert!(verify_consistency(old, new + 1, &old_root, &root(new + 1), &proof).is_err());
        }
        let mut forked = new_root;
        forked.0[usize::from(bit / 8)] ^= 1 << (bit % 8);
        prop_assert!(verify_consistency(old, new, &old_root, &forked, &proof).is_err());
        prop_assert!(verify_consistency(old, new, &forked, &new_root, &proof).is_err());
        prop_assert_eq!(verify_consistency(0, new, &Hash::empty_tree(), &new_root, &proof), Err(ProofError::FromEmptyTree));
        let via_tiles = prove_consistency(old, new, &TileHashReader { size: new, tiles: StoredTiles }).unwrap();
        prop_assert_eq!(via_tiles, proof);
    }

    #[test]
    fn a_tree_root_is_the_root_of_its_tiles(size in 1..=TREE_LEAVES) {
        let via_tiles = tree_hash(size, &TileHashReader { size, tiles: StoredTiles }).unwrap();
        prop_assert_eq!(via_tiles, root(size));
    }
}

#[test]
fn every_proof_in_trees_up_to_128() {
    for size in 1..=128u64 {
        let r = root(size);
        for index in 0..size {
            let proof = prove_inclusion(index, size, &stored()).unwrap();
            verify_inclusion(index, size, &leaf_hash(&entry(index)), &proof, &r).unwrap();
        }
        for old in 1..=size {
            let proof = prove_consistency(old, size, &stored()).unwrap();
            verify_consistency(old, size, &root(old), &r, &proof).unwrap();
        }
    }
}

#[test]
fn tile_reader_refuses_hashes_beyond_its_tree() {
    let reader = TileHashReader {
        size: 100,
        tiles: StoredTiles,
    };
    assert!(prove_inclusion(150, 200, &reader).is_err());
}
