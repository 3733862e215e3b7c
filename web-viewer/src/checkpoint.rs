//! Checkpoints: a signed checkpoint verified against the policy, and related to the one this
//! browser accepted before (`spec/tlog.md` §11): consistent, an older view, a fork, or tiles
//! that are damaged — decided here, so the page only fetches and stores what it is told.

use crate::inclusion::full_paths;
use crate::{err_json, index_arg, parse_policy, policy_json, tile_map};
use serde_json::{Value, json};
use std::collections::HashMap;
use tlog::Hash;
use tlog::relation::{NotExtended, SignedTree};
use tlog::tile::{Tile, TileHashReader, tiles_for_indexes};
use wasm_bindgen::prelude::*;

/// Verifies a signed checkpoint against a trust policy (`spec/tlog.md` §10): the log's
/// signature and the witnesses' quorum. Returns `{ok, origin, size, root, cosigners, policy,
/// relate}` or `{ok: false, error, policy?, relate}`, where `relate` (`{origin, size, root}` or
/// null) is the tree to relate to the one accepted before ([`accept_checkpoint`]): this one's,
/// or, for a checkpoint refused for its quorum, the tree the log signed.
#[wasm_bindgen]
pub fn verify_checkpoint(policy_text: &str, checkpoint: &[u8]) -> String {
    verify(policy_text, checkpoint).to_string()
}

fn verify(policy_text: &str, checkpoint: &[u8]) -> Value {
    let policy = match parse_policy(policy_text) {
        Ok(p) => p,
        Err(e) => return json!({"ok": false, "error": format!("policy: {e}"), "relate": null}),
    };
    let info = policy_json(&policy);
    let tree = |c: &tlog::Checkpoint| json!({"origin": c.origin, "size": c.size, "root": c.root.to_base64()});
    match policy.verify_checkpoint(checkpoint) {
        Ok(v) => json!({
            "ok": true,
            "origin": v.checkpoint.origin,
            "size": v.checkpoint.size,
            "root": v.checkpoint.root.to_base64(),
            "cosigners": v.cosigners.iter().map(|(name, time)| json!({"name": name, "time": time})).collect::<Vec<_>>(),
            "policy": info,
            "relate": tree(&v.checkpoint),
        }),
        // Signed by the log though refused (too few cosignatures): the page still relates it
        // to what it saw before, as `spec/tlog.md` §11 step 2 asks.
        Err(e) => {
            let signed = policy.verify_log_signature(checkpoint).ok();
            json!({
                "ok": false, "error": e.to_string(), "policy": info,
                "relate": signed.map(|v| tree(&v.checkpoint)),
            })
        }
    }
}

/// The tile paths a browser fetches to prove that the tree of `old` leaves is a prefix of the
/// tree of `new` leaves (`spec/tlog.md` §11 step 2), and to hash the new tree from the same
/// tiles (to tell damaged tiles from a fork): JSON `{ok, tiles: [path]}`.
#[wasm_bindgen]
pub fn consistency_tiles_needed(old: f64, new: f64) -> String {
    let run = || -> Result<Value, String> {
        let (old, new) = (index_arg(old, "old size")?, index_arg(new, "new size")?);
        if old >= new {
            // Same size or an older view: decided from the two roots alone, so no tile a
            // server could withhold stands in the way of a same-size fork being seen.
            return Ok(json!({"ok": true, "tiles": [], "full": {}}));
        }
        let mut indexes = tlog::proof::consistency_proof_indexes(old, new);
        // The old tree's right edge too: the tiles' own view of the old tree, to tell a fork
        // (tiles that agree with the new root but hold another old tree) from damage.
        indexes.extend(
            tlog::stored::right_edge_nodes(old).map(|(l, i)| tlog::stored::stored_hash_index(l, i)),
        );
        indexes.sort_unstable();
        indexes.dedup();
        let tiles = tiles_for_indexes(new, &indexes).map_err(|e| e.to_string())?;
        Ok(json!({
            "ok": true,
            "tiles": tiles.iter().map(Tile::path).collect::<Vec<_>>(),
            "full": full_paths(&tiles, None),
        }))
    };
    run().map_or_else(err_json, |v| v.to_string())
}

/// Relates the tree accepted before to a newly signed one, from the fetched tiles.
/// `evidence`: the two signed checkpoints prove a fork. An older view (a rollback) and
/// damaged or unreadable tiles prove nothing about the log (`spec/tlog.md` §11).
fn relation(old: SignedTree, new: SignedTree, tiles: HashMap<String, Vec<u8>>) -> Value {
    let reader = TileHashReader {
        size: new.size,
        tiles,
    };
    match tlog::relation::relate(old, new, &reader) {
        Ok(_) => json!({"ok": true}),
        Err(e @ NotExtended::Damaged) => json!({
            "ok": false, "kind": e.kind(), "evidence": false, "damaged": true,
            "error": format!("the log's files are damaged or tampered: {e}; no fork is claimed"),
        }),
        Err(e) => json!({
            "ok": false, "kind": e.kind(), "evidence": e.is_evidence(), "damaged": false,
            "error": e.to_string(),
        }),
    }
}

/// Checks that a checkpoint this browser accepted before (`old` leaves, root `old_root`) and the
/// current one (`new`, `new_root`) are consistent, with the proof computed from the fetched
/// tiles (`paths`, `data`, `lens` as for [`crate::verify_inclusion_from_tiles`]). A smaller new
/// size is a rollback; a failed proof is a fork only if the same tiles hash to the new signed
/// root — otherwise they are damaged (`{ok: false, damaged: true, error}`: nothing is proved
/// about the log, as `spec/tlog.md` §11 says); `{ok: false, kind, evidence, error}` otherwise.
#[wasm_bindgen]
pub fn verify_consistency_from_tiles(
    old: f64,
    old_root: &str,
    new: f64,
    new_root: &str,
    paths: &str,
    data: &[u8],
    lens: &[u32],
) -> String {
    let run = || -> Result<Value, String> {
        let tree = |size, what, root: &str| -> Result<SignedTree, String> {
            let size = index_arg(size, what)?;
            let root =
                Hash::from_base64(root).ok_or(format!("the {what}'s root is not a base64 hash"))?;
            Ok(SignedTree { size, root })
        };
        let (old, new) = (
            tree(old, "old size", old_root)?,
            tree(new, "new size", new_root)?,
        );
        Ok(relation(old, new, tile_map(paths, data, lens)?))
    };
    run().map_or_else(err_json, |v| v.to_string())
}

/// A remembered checkpoint, as the page stores it: `{size, root, checkpoint}`.
fn remembered_tree(remembered: &str) -> Option<SignedTree> {
    let old: Value = serde_json::from_str(remembered).ok()?;
    Some(SignedTree {
        size: old["size"].as_u64()?,
        root: Hash::from_base64(old["root"].as_str()?)?,
    })
}

/// The page's verdict on the checkpoint it fetched: [`verify_checkpoint`]'s, then related to
/// what this browser accepted before (`remembered`, as [`crate::adopt_remembered`] took it, or
/// empty) with the tiles [`consistency_tiles_needed`] named (`paths`, `data`, `lens`; a tile
/// that could not be fetched is left out). A checkpoint refused for its quorum is related too,
/// since the log's signature on two contradicting trees is the evidence (`spec/tlog.md` §11
/// step 2); only a fork adds to that refusal.
///
/// Returns [`verify_checkpoint`]'s JSON with `consistency: {ok, error, size, damaged,
/// evidence}` when there was a tree to relate to, `remembered_ignored` when `remembered` is
/// not a checkpoint this log signed (`adopt_remembered`), and `remember`: the text to store in
/// place of `remembered` (a checkpoint accepted that does not go back), or null.
#[wasm_bindgen]
pub fn accept_checkpoint(
    policy_text: &str,
    checkpoint: &[u8],
    remembered: &str,
    paths: &str,
    data: &[u8],
    lens: &[u32],
) -> String {
    let mut verdict = verify(policy_text, checkpoint);
    // Only a memory this log signed is related to (anything on the page's origin can write
    // the browser's storage): another is ignored, and said to be.
    let origin = verdict["relate"]["origin"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let adopted = crate::adopt_remembered(policy_text, &origin, remembered);
    if !remembered.is_empty() && !adopted && verdict["relate"].is_object() {
        verdict["remembered_ignored"] = json!(true);
    }
    let seen = remembered_tree(remembered).filter(|t| adopted && t.size > 0);
    if let (Some(new), Some(old)) = (related_tree(&verdict), seen) {
        let r = match tile_map(paths, data, lens) {
            Ok(tiles) => relation(old, new, tiles),
            Err(e) => json!({"ok": false, "evidence": false, "damaged": false, "error": e}),
        };
        let accepted = verdict["ok"] == true;
        if accepted || r["evidence"] == true {
            verdict["consistency"] = json!({
                "ok": r["ok"], "error": r["error"], "size": old.size,
                "damaged": r["damaged"] == true, "evidence": r["evidence"] == true,
            });
            if r["ok"] != true {
                verdict["ok"] = json!(false);
                verdict["error"] = r["error"].clone();
            }
        }
    }
    let goes_back = seen.is_some_and(|old| verdict["size"].as_u64() < Some(old.size));
    verdict["remember"] = if verdict["ok"] == true && !goes_back {
        json!({
            "size": verdict["size"], "root": verdict["root"],
            "checkpoint": String::from_utf8_lossy(checkpoint),
        })
        .to_string()
        .into()
    } else {
        Value::Null
    };
    verdict.to_string()
}

/// The tree a checkpoint's verdict relates to the remembered one: the accepted checkpoint's,
/// or the log-signed one of a checkpoint refused for its quorum.
fn related_tree(verdict: &Value) -> Option<SignedTree> {
    let tree = verdict["relate"].as_object()?;
    Some(SignedTree {
        size: tree.get("size")?.as_u64()?,
        root: Hash::from_base64(tree.get("root")?.as_str()?)?,
    })
}
