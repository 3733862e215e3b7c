//! Differential tests against independent implementations, used only as oracles:
//! `ct-merkle` (RFC 6962 trees and proofs), `tlog_tiles` (a port of Go's sumdb/tlog:
//! stored hashes, proofs, tiles; it writes paths the Go way, `tile/8/<L>/...` and
//! `tile/8/data/...`, where C2SP writes `tile/<L>/...` and `tile/entries/...`) and
//! `signed_note` (C2SP signed notes and Ed25519 keys).

mod common;
use common::{TREE_LEAVES, entry, stored};
use proptest::prelude::*;
use sha2::Sha256;
use std::collections::BTreeSet;
use tlog::keys::{ALG_ED25519, SignerKey};
use tlog::note::{NoteVerifier, open, sign};
use tlog::proof::{prove_consistency, prove_inclusion};
use tlog::stored::{split_stored_hash_index, stored_hash_count, stored_hash_index, tree_hash};
use tlog::tile::{Tile, new_tiles, read_tile_data};
use tlog::{Hash, leaf_hash};

fn ct_tree(n: u64) -> ct_merkle::mem_backed_tree::MemoryBackedTree<Sha256, Vec<u8>> {
    let mut t = ct_merkle::mem_backed_tree::MemoryBackedTree::new();
    for i in 0..n {
        t.push(entry(i));
    }
    t
}

fn chunks(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| Hash(c.try_into().unwrap()))
        .collect()
}

#[test]
fn ct_merkle_agrees_on_roots_and_proofs() {
    let big = ct_tree(1100);
    for size in [
        1u64, 2, 3, 7, 8, 9, 255, 256, 257, 1000, 1023, 1024, 1025, 1100,
    ] {
        let t = ct_tree(size);
        let ours = tree_hash(size, &stored()).unwrap();
        assert_eq!(t.root().as_bytes().as_slice(), &ours.0, "root of {size}");
        for index in [0, size / 3, size / 2, size - 1] {
            let theirs = t.prove_inclusion(index as usize);
            assert_eq!(
                chunks(theirs.as_bytes()),
                prove_inclusion(index, size, &stored()).unwrap(),
                "inclusion {index} in {size}"
            );
        }
        for old in [1, size / 2, size - 1]
            .into_iter()
            .filter(|&o| o >= 1 && o < size)
        {
            let theirs = t.prove_consistency((size - old) as usize);
            assert_eq!(
                chunks(theirs.as_bytes()),
                prove_consistency(old, size, &stored()).unwrap(),
                "consistency {old} -> {size}"
            );
        }
    }
    assert_eq!(
        big.root().as_bytes().as_slice(),
        &tree_hash(1100, &stored()).unwrap().0
    );
}

struct OracleReader(Vec<tlog_tiles::Hash>);
impl tlog_tiles::HashReader for OracleReader {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

fn oracle_stored() -> OracleReader {
    let mut r = OracleReader(Vec::new());
    for i in 0..TREE_LEAVES {
        let new = tlog_tiles::stored_hashes(i, &entry(i), &r).unwrap();
        r.0.extend(new);
    }
    r
}

#[test]
fn tlog_tiles_agrees_on_the_stored_hash_layout() {
    let theirs = oracle_stored();
    assert_eq!(theirs.0.len(), stored().len());
    for (i, (a, b)) in theirs.0.iter().zip(stored()).enumerate() {
        assert_eq!(a.0, b.0, "stored hash {i}");
    }
    for n in 0..3000u64 {
        assert_eq!(tlog_tiles::stored_hash_count(n), stored_hash_count(n));
        assert_eq!(
            tlog_tiles::split_stored_hash_index(n),
            split_stored_hash_index(n)
        );
    }
    for level in 0..20u8 {
        for n in 0..50u64 {
            assert_eq!(
                tlog_tiles::stored_hash_index(level, n),
                stored_hash_index(level, n)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tlog_tiles_agrees_on_proofs(size in 1..=TREE_LEAVES, a: u64) {
        static ORACLE: std::sync::OnceLock<OracleReader> = std::sync::OnceLock::new();
        let theirs = ORACLE.get_or_init(oracle_stored);
        let index = a % size;
        prop_assert_eq!(tlog_tiles::tree_hash(size, theirs).unwrap().0, tree_hash(size, &stored()).unwrap().0);
        let their_inclusion: Vec<[u8; 32]> = tlog_tiles::prove_record(size, index, theirs).unwrap().iter().map(|h| h.0).collect();
        let our_inclusion: Vec<[u8; 32]> = prove_inclusion(index, size, &stored()).unwrap().iter().map(|h| h.0).collect();
        prop_assert_eq!(their_inclusion, our_inclusion);
        let old = 1 + a % size;
        let their_consistency: Vec<[u8; 32]> = tlog_tiles::prove_tree(size, old, theirs).unwrap().iter().map(|h| h.0).collect();
        let our_consistency: Vec<[u8; 32]> = prove_consistency(old, size, &stored()).unwrap().iter().map(|h| h.0).collect();
        prop_assert_eq!(their_consistency, our_consistency);
    }

    #[test]
    fn tlog_tiles_agrees_on_tiles(old in 0..=TREE_LEAVES, grow in 0..=TREE_LEAVES) {
        let new = (old + grow).min(TREE_LEAVES);
        let ours: BTreeSet<String> = new_tiles(old, new).iter().map(|t| t.path()).collect();
        // Go-style paths: strip the height, which C2SP fixes at 8.
        let theirs: BTreeSet<String> = tlog_tiles::Tile::new_tiles(8, old, new)
            .iter()
            .map(|t| t.path().replacen("tile/8/", "tile/", 1))
            .collect();
        prop_assert_eq!(ours, theirs);
        let oracle = oracle_stored_small(new);
        for t in new_tiles(old, new) {
            let theirs = tlog_tiles::Tile::new(8, t.level, t.index, u32::from(t.width), false).read_data(&oracle).unwrap();
            prop_assert_eq!(read_tile_data(&t, &stored()).unwrap(), theirs);
        }
    }
}

fn oracle_stored_small(n: u64) -> OracleReader {
    OracleReader(
        stored()[..stored_hash_count(n) as usize]
            .iter()
            .map(|h| tlog_tiles::Hash(h.0))
            .collect(),
    )
}

#[test]
fn tlog_tiles_agrees_on_paths_except_for_the_go_prefix() {
    for (level, index, width) in [
        (0u8, 0u64, 256u16),
        (0, 1234067, 17),
        (3, 999, 1),
        (1, 1000, 256),
    ] {
        let ours = Tile {
            level,
            index,
            width,
        };
        let theirs = tlog_tiles::Tile::new(8, level, index, u32::from(width), false);
        assert_eq!(theirs.path().replacen("tile/8/", "tile/", 1), ours.path());
        let parsed = tlog_tiles::Tile::from_path(&theirs.path()).unwrap();
        assert_eq!(
            (parsed.level(), parsed.level_index(), parsed.width()),
            (level, index, u32::from(width))
        );
        if level == 0 {
            let data = tlog_tiles::Tile::new(8, 0, index, u32::from(width), true);
            assert_eq!(
                data.path().replacen("tile/8/data/", "tile/entries/", 1),
                ours.entries_path()
            );
        }
    }
}

#[test]
fn signed_note_agrees_on_keys_and_signatures() {
    for seed in 0u8..20 {
        let name = format!("example.com/log{seed}");
        let ours = SignerKey::from_seed(&name, ALG_ED25519, &[seed; 32]).unwrap();
        let vkey = ours.verifier().to_string();
        let their_verifier = signed_note::StandardVerifier::new(&vkey).unwrap();
        let their_signer = signed_note::StandardSigner::new(&ours.to_private_string()).unwrap();
        assert_eq!(
            signed_note::Verifier::key_id(&their_verifier),
            ours.verifier().key_id()
        );

        let text = format!("{name}\n{seed}\n{}\n", leaf_hash(&[seed]).to_base64());
        // Ours signs, theirs verifies.
        let note = sign(&text, &[&ours]).unwrap().to_bytes();
        let list = signed_note::VerifierList::new(vec![Box::new(their_verifier)]);
        let (verified, _) = signed_note::Note::from_bytes(&note)
            .unwrap()
            .verify(&list)
            .unwrap();
        assert_eq!(verified.len(), 1);
        // Theirs signs, ours verifies; the bytes are identical (Ed25519 is deterministic).
        let mut theirs = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
        theirs.add_sigs(&[&their_signer]).unwrap();
        assert_eq!(theirs.to_bytes(), note);
        let v = ours.verifier();
        let (_, sigs) = open(&theirs.to_bytes(), &[&v as &dyn NoteVerifier]).unwrap();
        assert_eq!(sigs.len(), 1);
    }
}
