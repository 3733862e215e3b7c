//! The browser viewer of Shailoo Ledger: the `tlog` and `election` verification code compiled
//! to WebAssembly, so that a citizen's own browser checks every proof with the same code as the
//! command-line verifier. Every export returns JSON text (or bytes), so the page's JavaScript
//! only fetches files and draws what this code decided. Errors are plain strings (thrown to the
//! page as such), never `JsError`, so that every export also runs natively: in the tests and
//! under the fuzzer.
//!
//! Build: `web-viewer/build.sh` (wasm32-unknown-unknown, then `wasm-bindgen --target web`).
#![forbid(unsafe_code)]

use election::Kind;
use election::audit::Rule;
use election::policy::{ROOT_KEYWORD, TrustPolicy};
use serde_json::{Value, json};
use std::collections::HashMap;
use tlog::note::NoteVerifier;
use tlog::policy::Policy;
use tlog::tile::Tile;
use wasm_bindgen::prelude::*;

#[cfg(feature = "auditor")]
mod audit;
mod checkpoint;
mod inclusion;
#[cfg(feature = "auditor")]
mod precinct;
mod records;
mod trust;
#[cfg(feature = "auditor")]
pub use audit::{Audit, verify_bundle};
pub use checkpoint::{
    accept_checkpoint, consistency_tiles_needed, verify_checkpoint, verify_consistency_from_tiles,
};
pub use inclusion::{inclusion_tiles_needed, verify_inclusion_from_tiles, verify_inclusion_proof};
#[cfg(feature = "auditor")]
pub use precinct::PrecinctPage;
pub use records::decode_record;
pub use trust::{adopt_remembered, choose_policy, policy_fingerprint, remembered_keys};

fn index_arg(value: f64, what: &str) -> Result<u64, String> {
    if value.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&value) {
        Ok(value as u64)
    } else {
        Err(format!(
            "{what} {value} is not a whole number a browser can name"
        ))
    }
}

fn err_json(message: impl std::fmt::Display) -> String {
    json!({"ok": false, "error": message.to_string()}).to_string()
}

/// The policy, read by the one parser every client uses (`election::policy`).
fn parse_policy(text: &str) -> Result<Policy, String> {
    Ok(TrustPolicy::parse(text).map_err(|e| e.to_string())?.policy)
}

fn policy_json(policy: &Policy) -> Value {
    json!({
        "logs": policy.logs.iter().map(|l| json!({"name": l.key.name(), "vkey": l.key.to_string(), "url": l.url})).collect::<Vec<_>>(),
        "witnesses": policy.witnesses.iter().map(|w| json!({"name": w.name, "key_name": w.key.name(), "algorithm": w.key.algorithm_name(), "vkey": w.key.to_string(), "url": w.url})).collect::<Vec<_>>(),
        "quorum": policy.quorum_name(),
        "root": policy.extensions.iter().find(|e| e.keyword == ROOT_KEYWORD).map(|e| e.args.join(" ")),
    })
}

/// An entry bundle of `width` entries (1 to 256), for reading a bundle's bytes.
fn bundle_tile(width: u32) -> Result<Tile, String> {
    match u16::try_from(width) {
        Ok(width @ 1..=tlog::tile::TILE_WIDTH) => Ok(Tile {
            level: 0,
            index: 0,
            width,
        }),
        _ => Err("an entry bundle holds 1 to 256 entries".into()),
    }
}

/// The entry at `offset` in an entry bundle of `width` entries (untrusted until proved).
#[wasm_bindgen]
pub fn entry_from_bundle(bundle: &[u8], width: u32, offset: u32) -> Result<Vec<u8>, String> {
    let entries =
        tlog::writer::entries_of(&bundle_tile(width)?, bundle).map_err(|e| e.to_string())?;
    entries
        .get(offset as usize)
        .map(|e| e.to_vec())
        .ok_or_else(|| "no such entry in the bundle".to_string())
}

/// SHA-256 of `data`, lower-case hex: the page names what a person chose to trust by the
/// policy's hash.
#[wasm_bindgen]
pub fn sha256_hex(data: &[u8]) -> String {
    tlog::hash::sha256(data).to_hex()
}

/// Fetched files by path: `paths` a JSON array, `data` their contents concatenated, `lens`
/// their lengths (how the page hands over many files in one call).
fn tile_map(paths: &str, data: &[u8], lens: &[u32]) -> Result<HashMap<String, Vec<u8>>, String> {
    let paths: Vec<String> = serde_json::from_str(paths).map_err(|e| e.to_string())?;
    let contents = split(data, lens)?;
    if contents.len() != paths.len() {
        return Err("as many lengths as paths are needed".into());
    }
    Ok(paths
        .into_iter()
        .zip(contents)
        .map(|(p, c)| (p, c.to_vec()))
        .collect())
}

fn split<'a>(data: &'a [u8], lens: &[u32]) -> Result<Vec<&'a [u8]>, String> {
    let mut out = Vec::with_capacity(lens.len());
    let mut at = 0usize;
    for &len in lens {
        let end = at
            .checked_add(len as usize)
            .filter(|&e| e <= data.len())
            .ok_or("lengths exceed the data")?;
        out.push(&data[at..end]);
        at = end;
    }
    Ok(out)
}

/// The rules' titles in a language: `{rule id: title}`.
#[wasm_bindgen]
pub fn rule_titles(lang: &str) -> String {
    let map: serde_json::Map<String, Value> = Rule::ALL
        .iter()
        .map(|r| (r.id().to_string(), Value::from(r.title(lang))))
        .collect();
    Value::Object(map).to_string()
}

/// The kind names of `spec/records.md` §4, in code order.
#[wasm_bindgen]
pub fn kind_names() -> String {
    json!(
        (1..=15u16)
            .filter_map(Kind::from_code)
            .map(Kind::name)
            .collect::<Vec<_>>()
    )
    .to_string()
}
