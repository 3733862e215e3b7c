//! Arbitrary tile bytes, as a mirror or a proxy could serve them, fed to the proof code: the
//! inclusion and consistency proofs computed from them and the relation of two trees never
//! panic and never loop, whatever the tiles hold.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use tlog::Hash;
use tlog::relation::SignedTree;
use tlog::tile::{Tile, TileHashReader, tiles_for_indexes};

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let new = 1 + u64::from(u16::from_le_bytes([data[0], data[1]])) * 7;
    let old = u64::from(u16::from_le_bytes([data[2], data[3]])) % (new + 2);
    let index = u64::from(data[4]) * 13 % new;
    let mut content = data[5..].iter().copied().cycle();
    let mut indexes = tlog::proof::inclusion_proof_indexes(index, new);
    if old > 0 && old < new {
        indexes.extend(tlog::proof::consistency_proof_indexes(old, new));
    }
    let Ok(tiles) = tiles_for_indexes(new, &indexes) else {
        return;
    };
    // Each tile gets the next run of the input, of a width the input chooses (1 to 256
    // hashes: most often a length the proof code then reads through), or one byte short.
    let tiles: HashMap<String, Vec<u8>> = tiles
        .iter()
        .map(|t: &Tile| {
            let width = usize::from(content.next().unwrap_or(0)) + 1;
            let ragged = content.next().unwrap_or(0) % 8 == 0;
            let len = width * 32 - usize::from(ragged);
            (t.path(), content.by_ref().take(len).collect())
        })
        .collect();
    let reader = TileHashReader { size: new, tiles };
    let _ = tlog::proof::prove_inclusion(index, new, &reader);
    if old <= new {
        let _ = tlog::proof::prove_consistency(old, new, &reader);
    }
    let root = |b: u8| Hash([b; 32]);
    let trees = (
        SignedTree { size: old, root: root(data[0]) },
        SignedTree { size: new, root: root(data[1]) },
    );
    let _ = tlog::relation::relate(trees.0, trees.1, &reader);
});
