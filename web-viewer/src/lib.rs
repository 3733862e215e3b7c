//! The browser viewer of Shailoo Ledger: the `tlog` and `election` verification code compiled
//! to WebAssembly, so that a citizen's own browser checks every proof with the same code as the
//! command-line verifier. Every export returns JSON text (or bytes), so the page's JavaScript
//! only fetches files and draws what this code decided.
//!
//! Build: `web-viewer/build.sh` (wasm32-unknown-unknown, then `wasm-bindgen --target web`).
#![forbid(unsafe_code)]

use election::audit::{AuditConfig, Auditor, Finding, Rule};
use election::policy::{ROOT_KEYWORD, TrustPolicy};
use election::records::{Body, DocumentRef, ElectionDefinition, Names};
use election::{Kind, Record};
use serde_json::{Value, json};
use std::collections::HashMap;
use tlog::Hash;
use tlog::note::NoteVerifier;
use tlog::policy::Policy;
use tlog::relation::{NotExtended, SignedTree};
use tlog::tile::{Tile, TileHashReader, tiles_for_indexes};
use wasm_bindgen::prelude::*;

mod trust;
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
        "witnesses": policy.witnesses.iter().map(|w| json!({"name": w.name, "key_name": w.key.name(), "vkey": w.key.to_string(), "url": w.url})).collect::<Vec<_>>(),
        "quorum": policy.quorum_name(),
        "root": policy.extensions.iter().find(|e| e.keyword == ROOT_KEYWORD).map(|e| e.args.join(" ")),
    })
}

/// Verifies a signed checkpoint against a trust policy (`spec/tlog.md` §10): the log's
/// signature and the witnesses' quorum. Returns `{ok, origin, size, root, cosigners, policy}`
/// or `{ok: false, error, policy?, log_signed?: {origin, size, root}}`.
#[wasm_bindgen]
pub fn verify_checkpoint(policy_text: &str, checkpoint: &[u8]) -> String {
    let policy = match parse_policy(policy_text) {
        Ok(p) => p,
        Err(e) => return json!({"ok": false, "error": format!("policy: {e}")}).to_string(),
    };
    let info = policy_json(&policy);
    match policy.verify_checkpoint(checkpoint) {
        Ok(v) => json!({
            "ok": true,
            "origin": v.checkpoint.origin,
            "size": v.checkpoint.size,
            "root": v.checkpoint.root.to_base64(),
            "cosigners": v.cosigners.iter().map(|(name, time)| json!({"name": name, "time": time})).collect::<Vec<_>>(),
            "policy": info,
        })
        .to_string(),
        // Signed by the log though refused (too few cosignatures): the page still relates it
        // to what it saw before, as `spec/tlog.md` §11 step 2 asks.
        Err(e) => {
            let signed = policy.verify_log_signature(checkpoint).ok().map(|v| {
                json!({"origin": v.checkpoint.origin, "size": v.checkpoint.size, "root": v.checkpoint.root.to_base64()})
            });
            json!({"ok": false, "error": e.to_string(), "policy": info, "log_signed": signed})
                .to_string()
        }
    }
}

/// For each partial tile (and entry bundle) to fetch, the full one to read instead if the
/// partial one is gone, as tlog-tiles allows once the log has grown (`Tile::paths_to_read`).
fn full_paths(tiles: &[Tile], bundle: Option<&Tile>) -> Value {
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
        let paths: Vec<String> = serde_json::from_str(paths).map_err(|e| e.to_string())?;
        if paths.len() != lens.len() {
            return Err("as many tile lengths as paths are needed".into());
        }
        let mut tiles = HashMap::new();
        let mut at = 0usize;
        for (path, &len) in paths.into_iter().zip(lens) {
            let end = at
                .checked_add(len as usize)
                .filter(|&e| e <= data.len())
                .ok_or("tile lengths exceed the data")?;
            tiles.insert(path, data[at..end].to_vec());
            at = end;
        }
        let reader = TileHashReader { size, tiles };
        let proof =
            tlog::proof::prove_inclusion(index, size, &reader).map_err(|e| e.to_string())?;
        let leaf = tlog::leaf_hash(entry);
        tlog::proof::verify_inclusion(index, size, &leaf, &proof, &root)
            .map_err(|e| format!("inclusion proof of entry {index}: {e}"))?;
        Ok(json!({"ok": true, "leaf_hash": leaf.to_hex(), "proof_len": proof.len()}))
    };
    run().map_or_else(err_json, |v| v.to_string())
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

/// Checks that a checkpoint this browser accepted before (`old` leaves, root `old_root`) and the
/// current one (`new`, `new_root`) are consistent, with the proof computed from the fetched
/// tiles (`paths`, `data`, `lens` as for [`verify_inclusion_from_tiles`]). A smaller new size is
/// a rollback; a failed proof is a fork only if the same tiles hash to the new signed root —
/// otherwise they are damaged (`{ok: false, damaged: true, error}`: nothing is proved about the
/// log, as `spec/tlog.md` §11 says); `{ok: false, error}` otherwise.
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
        let (old, new) = (index_arg(old, "old size")?, index_arg(new, "new size")?);
        let old_root = Hash::from_base64(old_root).ok_or("the old root is not a base64 hash")?;
        let new_root = Hash::from_base64(new_root).ok_or("the new root is not a base64 hash")?;
        let paths: Vec<String> = serde_json::from_str(paths).map_err(|e| e.to_string())?;
        let contents = split(data, lens)?;
        if contents.len() != paths.len() {
            return Err("as many tile lengths as paths are needed".into());
        }
        let tiles: HashMap<String, Vec<u8>> = paths
            .into_iter()
            .zip(contents)
            .map(|(p, c)| (p, c.to_vec()))
            .collect();
        let reader = TileHashReader { size: new, tiles };
        let trees = (
            SignedTree {
                size: old,
                root: old_root,
            },
            SignedTree {
                size: new,
                root: new_root,
            },
        );
        // `evidence`: the two signed checkpoints prove a fork. An older view (a rollback) and
        // damaged or unreadable tiles prove nothing about the log (`spec/tlog.md` §11).
        Ok(match tlog::relation::relate(trees.0, trees.1, &reader) {
            Ok(_) => json!({"ok": true}),
            Err(e @ NotExtended::Damaged) => {
                json!({"ok": false, "kind": e.kind(), "evidence": false, "damaged": true, "error": format!("the log's files are damaged or tampered: {e}; no fork is claimed")})
            }
            Err(e) => {
                json!({"ok": false, "kind": e.kind(), "evidence": e.is_evidence(), "damaged": false, "error": e.to_string()})
            }
        })
    };
    run().map_or_else(err_json, |v| v.to_string())
}

/// An entry bundle of `width` entries (1 to 256), for reading a bundle's bytes.
fn bundle_tile(width: u32) -> Result<Tile, JsError> {
    match u16::try_from(width) {
        Ok(width @ 1..=tlog::tile::TILE_WIDTH) => Ok(Tile {
            level: 0,
            index: 0,
            width,
        }),
        _ => Err(JsError::new("an entry bundle holds 1 to 256 entries")),
    }
}

/// The entry at `offset` in an entry bundle of `width` entries (untrusted until proved).
#[wasm_bindgen]
pub fn entry_from_bundle(bundle: &[u8], width: u32, offset: u32) -> Result<Vec<u8>, JsError> {
    let entries = tlog::writer::entries_of(&bundle_tile(width)?, bundle)
        .map_err(|e| JsError::new(&e.to_string()))?;
    entries
        .get(offset as usize)
        .map(|e| e.to_vec())
        .ok_or_else(|| JsError::new("no such entry in the bundle"))
}

/// SHA-256 of `data`, lower-case hex: the page checks each fetched document against the hash
/// its record carries.
#[wasm_bindgen]
pub fn sha256_hex(data: &[u8]) -> String {
    tlog::hash::sha256(data).to_hex()
}

fn names_json(n: &Names) -> Value {
    json!({"ky": n.ky, "ru": n.ru, "en": n.en.clone().unwrap_or_else(|| n.ru.clone())})
}

fn doc_json(d: &DocumentRef) -> Value {
    json!({"sha256": d.hex(), "media_type": d.media_type, "size": d.size})
}

fn body_json(body: &Body) -> Value {
    match body {
        Body::PrecinctProtocol(p) => json!({
            "precinct": p.precinct, "contest": p.contest, "voters_on_list": p.voters_on_list,
            "ballots_received": p.ballots_received, "ballots_issued": p.ballots_issued,
            "ballots_cancelled": p.ballots_cancelled, "ballots_stationary": p.ballots_stationary,
            "ballots_mobile": p.ballots_mobile, "invalid": p.invalid, "valid": p.valid,
            "votes": p.votes, "documents": p.pages.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::UrnResult(u) => json!({
            "precinct": u.precinct, "contest": u.contest, "device": u.device,
            "ballots_read": u.ballots_read, "rejected": u.rejected, "votes": u.votes,
            "documents": u.printout.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::IdentificationReport(r) => json!({
            "precinct": r.precinct, "identified": r.identified,
            "identified_mobile": r.identified_mobile,
            "hourly": r.hourly.iter().map(|h| json!([h.hour, h.identified])).collect::<Vec<_>>(),
            "documents": r.scan.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::Turnout(t) => {
            json!({"precinct": t.precinct, "hour": t.hour, "identified": t.identified})
        }
        Body::ElectionDefinition(d) => definition_json(d),
        Body::PrecinctRegistry(r) => json!({
            "part": r.part,
            "precincts": r.precincts.iter().map(|p| json!([p.id, p.territory, p.registered])).collect::<Vec<_>>(),
        }),
        Body::FinalResult(f) => json!({
            "contest": f.contest, "totals": f.totals, "precincts_counted": f.precincts_counted,
            "annulled": f.annulled, "documents": f.document.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::Annulment(a) => json!({
            "precincts": a.precincts, "resolution": a.resolution, "reason": a.reason,
        }),
        other => json!({
            "precinct": other.precinct(),
            "documents": other.documents().into_iter().map(doc_json).collect::<Vec<_>>(),
            "text": format!("{other:?}"),
        }),
    }
}

fn definition_json(d: &ElectionDefinition) -> Value {
    json!({
        "date": d.date, "name": names_json(&d.name),
        "contests": d.contests.iter().map(|c| json!({
            "id": c.id, "name": names_json(&c.name), "seats": c.seats,
            "options": c.options.iter().map(|o| names_json(&o.name)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "regions": d.regions.iter().map(|r| json!({"id": r.id, "name": names_json(&r.name)})).collect::<Vec<_>>(),
        "territories": d.territories.iter().map(|t| json!({"id": t.id, "region": t.region, "name": names_json(&t.name)})).collect::<Vec<_>>(),
    })
}

fn record_json(record: &Record) -> Value {
    json!({
        "ok": true,
        "kind": record.kind().name(),
        "election": record.election,
        "signer": hex::encode(record.signer),
        "time": record.time,
        "signature_ok": record.verify_signature().is_ok(),
        "body": body_json(&record.body),
    })
}

/// Decodes an entry as an election record (canonical CBOR, `spec/records.md`) and checks its
/// signature: `{ok, kind, election, signer, time, signature_ok, body}` or `{ok: false, error}`.
#[wasm_bindgen]
pub fn decode_record(entry: &[u8]) -> String {
    match Record::from_bytes(entry) {
        Ok(r) => record_json(&r).to_string(),
        Err(e) => err_json(e),
    }
}

fn finding_json(f: &Finding, lang: &str) -> Value {
    json!({
        "rule": f.rule.id(), "title": f.rule.title(lang), "index": f.index,
        "precinct": f.precinct, "message": f.message,
    })
}

/// The checks that need only one precinct's records, judged as the full audit judges them
/// (`election::audit::precinct_findings`): the records given as a JSON array of their log
/// indexes, in log order, and the entries concatenated (`data`, `lens`). The rules that need
/// the whole log (authority, references, corrections, tally) are the full audit's ([`Audit`]).
///
/// The records come from the log's lookup index, which is not trusted: `not_this_precinct`
/// lists the entries that are not precinct `precinct`'s records, and they are left out.
#[wasm_bindgen]
pub fn precinct_findings(
    precinct: u32,
    indexes: &str,
    data: &[u8],
    lens: &[u32],
    lang: &str,
) -> String {
    let run = || -> Result<Value, String> {
        let indexes: Vec<u64> = serde_json::from_str(indexes).map_err(|e| e.to_string())?;
        let entries = split(data, lens)?;
        if entries.len() != indexes.len() {
            return Err("as many indexes as entries are needed".into());
        }
        type Listed<'a> = Vec<(u64, &'a [u8])>;
        let (own, others): (Listed, Listed) =
            indexes.into_iter().zip(entries).partition(|(_, entry)| {
                Record::from_bytes(entry).is_ok_and(|r| r.body.precinct() == Some(precinct))
            });
        let findings = election::audit::precinct_findings(own);
        Ok(json!({
            "ok": true,
            "findings": findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
            "not_this_precinct": others.iter().map(|(i, _)| i).collect::<Vec<_>>(),
        }))
    };
    run().map_or_else(err_json, |v| v.to_string())
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

/// The whole-log audit (`election::audit::Auditor`), fed entry bundle by entry bundle.
#[wasm_bindgen]
pub struct Audit {
    auditor: Auditor,
    policy: std::sync::Arc<Policy>,
    next: u64,
}

#[wasm_bindgen]
impl Audit {
    /// An audit under the policy's pinned root key (its `root` line).
    #[wasm_bindgen(constructor)]
    pub fn new(policy_text: &str) -> Result<Audit, JsError> {
        let trust = TrustPolicy::parse(policy_text).map_err(|e| JsError::new(&e.to_string()))?;
        let root_key = trust.root_public_key().ok_or_else(|| {
            JsError::new("the policy has no root line: records cannot be audited")
        })?;
        let policy = std::sync::Arc::new(trust.policy);
        Ok(Audit {
            auditor: Auditor::new(AuditConfig {
                policy: Some(policy.clone()),
                ..AuditConfig::new(root_key)
            }),
            policy,
            next: 0,
        })
    }

    /// Audits the next entry bundle (`width` entries, in log order) and returns the leaf hash
    /// of each entry concatenated (32 bytes each), for the page to recompute the tree root.
    pub fn push_bundle(&mut self, bundle: &[u8], width: u32) -> Result<Vec<u8>, JsError> {
        let entries = tlog::writer::entries_of(&bundle_tile(width)?, bundle)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let mut leaves = Vec::with_capacity(entries.len() * 32);
        for entry in entries {
            self.auditor.push(self.next, entry);
            leaves.extend_from_slice(&tlog::leaf_hash(entry).0);
            self.next += 1;
        }
        Ok(leaves)
    }

    /// The report so far: `{entries, election, definition, registry, findings, tally}`, as of
    /// `checkpoint` (the signed checkpoint audited: its witnessed time is the audit's "now").
    pub fn report(&self, lang: &str, checkpoint: &[u8]) -> String {
        let audited = self
            .policy
            .verify_checkpoint(checkpoint)
            .ok()
            .and_then(|v| election::time::WitnessedCheckpoint::of(&self.policy, &v));
        let report = self.auditor.report(audited.as_ref());
        let mut precincts: Vec<_> = self.auditor.gate().precincts().values().collect();
        precincts.sort_by_key(|p| p.id);
        json!({
            "entries": report.entries,
            "election": report.election,
            "definition": self.auditor.definition().map(definition_json),
            "registry": precincts.iter().map(|p| json!([p.id, p.territory, p.registered])).collect::<Vec<_>>(),
            "records_by_kind": report.records_by_kind.iter().map(|(k, n)| (k.name().to_string(), Value::from(*n))).collect::<serde_json::Map<_, _>>(),
            "findings": report.findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
            "tally": report.tally.contests.iter().map(|c| json!({
                "contest": c.contest, "national": c.national,
                "by_region": c.by_region.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "by_territory": c.by_territory.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "included": c.included.len(), "annulled": c.annulled, "missing": c.missing,
                "valid": c.valid, "invalid": c.invalid,
            })).collect::<Vec<_>>(),
            "final_results": report.final_results.iter().map(|(i, f)| json!({"index": i, "contest": f.contest, "totals": f.totals})).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

/// The Merkle tree hash of the leaf hashes (32 bytes each, concatenated), base64: the page
/// compares it with the verified checkpoint's root after reading every entry.
#[wasm_bindgen]
pub fn tree_root(leaves: &[u8]) -> Result<String, JsError> {
    if !leaves.len().is_multiple_of(32) {
        return Err(JsError::new("leaf hashes are 32 bytes each"));
    }
    let mut frontier = tlog::Frontier::default();
    for leaf in leaves.chunks_exact(32) {
        frontier.append(Hash(leaf.try_into().expect("32 bytes")), |_, _| {});
    }
    Ok(frontier.root().to_base64())
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
