//! Inclusion: the tiles a browser fetches to prove an entry, and the proof computed from them.

use crate::{err_json, index_arg, tile_map};
use serde_json::{Value, json};
use tlog::Hash;
use tlog::tile::{Tile, TileHashReader, tiles_for_indexes};
use wasm_bindgen::prelude::*;

/// For each partial tile (and entry bundle) to fetch, the full one to read instead if the
/// partial one is gone, as tlog-tiles allows once the log has grown (`Tile::paths_to_read`).
pub(crate) fn full_paths(tiles: &[Tile], bundle: Option<&Tile>) -> Value {
    let hashes = tiles.iter().map(|t| t.paths_to_read(false));
    let entries = bundle.into_iter().map(|t| t.paths_to_read(true));
    hashes
        .chain(entries)
        .filter_map(|paths| match &paths[..] {
            [partial, full] => Some((partial.clone(), Value::from(full.clone()))),
            _ => None,
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The tile paths (relative to the log's URL) a browser fetches to prove entry `index` in the
/// tree of `size`: JSON `{ok, tiles: [path], bundle: path}` where `bundle` is the entry bundle
/// holding the entry.
#[wasm_bindgen]
pub fn inclusion_tiles_needed(index: f64, size: f64) -> String {
    let run = || -> Result<Value, String> {
        let (index, size) = (index_arg(index, "index")?, index_arg(size, "size")?);
        if index >= size {
            return Err(format!("entry {index} is not in a tree of {size}"));
        }
        let indexes = tlog::proof::inclusion_proof_indexes(index, size);
        let tiles = tiles_for_indexes(size, &indexes).map_err(|e| e.to_string())?;
        let (bundle, offset) =
            tlog::writer::entry_position(index, size).ok_or("no entry bundle")?;
        Ok(json!({
            "ok": true,
            "tiles": tiles.iter().map(Tile::path).collect::<Vec<_>>(),
            "bundle": bundle.entries_path(),
            "bundle_width": bundle.width,
            "offset": offset,
            "full": full_paths(&tiles, Some(&bundle)),
        }))
    };
    run().map_or_else(err_json, |v| v.to_string())
}

/// Proves that `entry` is at `index` in the tree of `size` whose root (base64) a verified
/// checkpoint gave: computes the inclusion proof from the fetched (untrusted) tiles and checks
/// it. `paths` is a JSON array of tile paths; `data` their contents concatenated, `lens` their
/// lengths. Returns `{ok, leaf_hash, proof_len}` or `{ok: false, error}`.
#[wasm_bindgen]
pub fn verify_inclusion_from_tiles(
    index: f64,
    size: f64,
    root: &str,
    paths: &str,
    data: &[u8],
    lens: &[u32],
    entry: &[u8],
) -> String {
    let run = || -> Result<Value, String> {
        let (index, size) = (index_arg(index, "index")?, index_arg(size, "size")?);
        let root = Hash::from_base64(root).ok_or("the root is not a base64 hash")?;
        let tiles = tile_map(paths, data, lens)?;
        let reader = TileHashReader { size, tiles };
        let proof =
            tlog::proof::prove_inclusion(index, size, &reader).map_err(|e| e.to_string())?;
        check_inclusion(index, size, &root, entry, &proof)
    };
    run().map_or_else(err_json, |v| v.to_string())
}

/// Proves that `entry` is at `index` in the tree of `size` whose root (base64) a verified
/// checkpoint gave, with the proof a log's API sent (`GET /api/v1/proof/inclusion/<index>?size=`,
/// its JSON `answer`, untrusted): a few hundred bytes instead of the hash tiles, and no more
/// trusted — the hashes lead to the signed root, or the proof fails. Answers as
/// [`verify_inclusion_from_tiles`] does.
#[wasm_bindgen]
pub fn verify_inclusion_proof(
    index: f64,
    size: f64,
    root: &str,
    answer: &str,
    entry: &[u8],
) -> String {
    let run = || -> Result<Value, String> {
        let (index, size) = (index_arg(index, "index")?, index_arg(size, "size")?);
        let root = Hash::from_base64(root).ok_or("the root is not a base64 hash")?;
        let answer: Value = serde_json::from_str(answer)
            .map_err(|e| format!("the log's inclusion proof is not JSON: {e}"))?;
        let proof = answer["proof"]
            .as_array()
            .ok_or("the log's answer has no inclusion proof")?
            .iter()
            .map(|h| h.as_str().and_then(Hash::from_base64))
            .collect::<Option<Vec<_>>>()
            .ok_or("the log's inclusion proof is not a list of base64 hashes")?;
        check_inclusion(index, size, &root, entry, &proof)
    };
    run().map_or_else(err_json, |v| v.to_string())
}

/// The entry's leaf hash checked against `root` through `proof`: `{ok, leaf_hash, proof_len}`.
fn check_inclusion(
    index: u64,
    size: u64,
    root: &Hash,
    entry: &[u8],
    proof: &[Hash],
) -> Result<Value, String> {
    let leaf = tlog::leaf_hash(entry);
    tlog::proof::verify_inclusion(index, size, &leaf, proof, root)
        .map_err(|e| format!("inclusion proof of entry {index}: {e}"))?;
    Ok(json!({"ok": true, "leaf_hash": leaf.to_hex(), "proof_len": proof.len()}))
}
