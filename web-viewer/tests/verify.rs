//! The viewer's exports, natively: the same functions the browser calls through WebAssembly,
//! on a small log built here (a generated election, its tiles and entry bundles, a checkpoint
//! signed by the log and cosigned by a witness).

use election::generate::{Config, generate};
use serde_json::Value;
use std::collections::HashMap;
use tlog::checkpoint::Checkpoint;
use tlog::keys::{SignerKey, VerifierKey};
use tlog::tile::Tile;
use web_viewer::*;

const ORIGIN: &str = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";

struct Log {
    files: HashMap<String, Vec<u8>>,
    entries: Vec<Vec<u8>>,
    checkpoint: Vec<u8>,
    policy: String,
    root: String,
    size: u64,
    /// The root of the first half of the entries.
    half_root: String,
    /// When the witness cosigned the checkpoint.
    cosigned_at: u64,
}

fn build_log() -> Log {
    let root_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let election = generate(
        &Config {
            precincts: 4,
            turnout_updates: false,
            ..Config::default()
        },
        &root_key,
    );
    let entries: Vec<Vec<u8>> = election.records.iter().map(|r| r.to_bytes()).collect();
    let mut files = HashMap::new();
    let mut writer = tlog::writer::LogWriter::new();
    let mut half_root = String::new();
    for (i, e) in entries.iter().enumerate() {
        if i == entries.len() / 2 {
            half_root = writer.root().to_base64();
        }
        files.extend(writer.append(e).unwrap());
    }
    files.extend(writer.partial_files());
    let size = entries.len() as u64;
    let text = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: writer.root(),
        extensions: vec![],
    }
    .to_text();
    let log = SignerKey::from_seed(ORIGIN, 0x01, &[1; 32]).unwrap();
    let witness = SignerKey::from_seed("witness.example.kg/w1", 0x04, &[2; 32]).unwrap();
    let mut note = tlog::note::sign(&text, &[&log]).unwrap();
    // Cosigned after the last record was signed: the witnessed time the audit's rules use.
    let cosigned_at = election.records.iter().map(|r| r.time).max().unwrap() + 60;
    note.signatures
        .push(witness.cosign(&text, cosigned_at).unwrap());
    let root_vkey = VerifierKey::new(
        "shailoo.gov.kg/root",
        0x01,
        &root_key.verifying_key().to_bytes(),
    )
    .unwrap();
    let policy = format!(
        "log {}\nwitness w1 {}\nquorum w1\nroot {root_vkey}\n",
        log.verifier(),
        witness.verifier()
    );
    Log {
        files,
        entries,
        checkpoint: note.to_bytes(),
        policy,
        root: writer.root().to_base64(),
        size,
        half_root,
        cosigned_at,
    }
}

fn parse(text: String) -> Value {
    serde_json::from_str(&text).unwrap()
}

/// What the page does for one record: fetch the tiles named, then verify.
fn prove(log: &Log, index: u64, tamper: bool) -> Value {
    let need = parse(inclusion_tiles_needed(index as f64, log.size as f64));
    assert_eq!(need["ok"], true, "{need}");
    let paths: Vec<String> = serde_json::from_value(need["tiles"].clone()).unwrap();
    let mut data = Vec::new();
    let mut lens = Vec::new();
    for p in &paths {
        let tile = &log.files[p];
        data.extend_from_slice(tile);
        lens.push(tile.len() as u32);
    }
    if tamper {
        data[0] ^= 1;
    }
    let bundle = &log.files[need["bundle"].as_str().unwrap()];
    let entry = entry_from_bundle(
        bundle,
        need["bundle_width"].as_u64().unwrap() as u32,
        need["offset"].as_u64().unwrap() as u32,
    )
    .unwrap();
    assert_eq!(entry, log.entries[index as usize]);
    parse(verify_inclusion_from_tiles(
        index as f64,
        log.size as f64,
        &log.root,
        &serde_json::to_string(&paths).unwrap(),
        &data,
        &lens,
        &entry,
    ))
}

#[test]
fn checkpoint_verifies_under_the_policy_and_fails_without_quorum() {
    let log = build_log();
    let v = parse(verify_checkpoint(&log.policy, &log.checkpoint));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["size"], log.size);
    assert_eq!(v["cosigners"][0]["name"], "w1");
    assert_eq!(v["cosigners"][0]["time"], log.cosigned_at);
    assert!(
        v["policy"]["root"]
            .as_str()
            .unwrap()
            .starts_with("shailoo.gov.kg/root+")
    );

    let other = SignerKey::from_seed("witness.example.kg/w2", 0x04, &[3; 32]).unwrap();
    let stricter = log.policy.replace(
        "quorum w1",
        &format!(
            "witness w2 {}\ngroup both all w1 w2\nquorum both",
            other.verifier()
        ),
    );
    let v = parse(verify_checkpoint(&stricter, &log.checkpoint));
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("quorum"), "{v}");
    // Refused for its quorum, but signed by the log: the page still relates it to what it saw.
    assert_eq!(v["relate"]["size"], log.size, "{v}");
    assert_eq!(v["relate"]["root"], log.root.as_str());

    let mut forged = log.checkpoint.clone();
    let at = ORIGIN.len() + 1;
    forged[at] = if forged[at] == b'9' { b'8' } else { b'9' };
    let forged = parse(verify_checkpoint(&log.policy, &forged));
    assert_eq!(forged["ok"], false);
    assert!(
        forged["relate"].is_null(),
        "not signed by the log: {forged}"
    );
    assert_eq!(
        parse(verify_checkpoint("nonsense", &log.checkpoint))["ok"],
        false
    );
}

#[test]
fn every_entry_is_proved_from_tiles_and_a_tampered_tile_fails() {
    let log = build_log();
    for index in [0, 1, log.size / 2, log.size - 1] {
        let v = prove(&log, index, false);
        assert_eq!(v["ok"], true, "entry {index}: {v}");
    }
    // A partial tile or bundle gone once the log grew: the page is told the full one to read,
    // and a full bundle standing in for a partial one gives the same entry.
    let small = 100.min(log.size - 1);
    let need = parse(inclusion_tiles_needed((small - 1) as f64, small as f64));
    let bundle = need["bundle"].as_str().unwrap();
    assert_eq!(bundle, format!("tile/entries/000.p/{small}"));
    assert_eq!(need["full"][bundle], "tile/entries/000");
    // A full bundle: the log's entries, cycled to 256 (its first `small` are the partial's).
    let mut whole = Vec::new();
    for i in 0..256 {
        tlog::entries::push_entry(&mut whole, &log.entries[i % log.entries.len()]).unwrap();
    }
    assert_eq!(
        entry_from_bundle(&whole, small as u32, (small - 1) as u32)
            .unwrap_or_else(|_| panic!("read")),
        log.entries[small as usize - 1]
    );
    let v = prove(&log, log.size - 1, true);
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(
        parse(inclusion_tiles_needed(log.size as f64, log.size as f64))["ok"],
        false
    );
}

#[test]
fn records_decode_and_a_precinct_is_checked_on_its_own() {
    let log = build_log();
    let mut by_precinct: HashMap<u64, Vec<(u64, Value)>> = HashMap::new();
    let mut context = Vec::new();
    for (i, e) in log.entries.iter().enumerate() {
        let r = parse(decode_record(e));
        assert_eq!(r["ok"], true);
        assert_eq!(r["signature_ok"], true, "{r}");
        if let Some(p) = r["body"]["precinct"].as_u64() {
            by_precinct.entry(p).or_default().push((i as u64, r));
        } else if ["election-definition", "precinct-registry"]
            .contains(&r["kind"].as_str().unwrap())
        {
            context.push((i as u64, e.clone()));
        }
    }
    let mut precincts: Vec<_> = by_precinct.keys().copied().collect();
    precincts.sort_unstable();
    let (precinct, other) = (precincts[0], precincts[1]);
    let records = &by_precinct[&precinct];
    assert!(
        records.iter().any(|(_, r)| r["kind"] == "protocol"),
        "precinct {precinct} has a protocol"
    );
    // What the page does: the context, each listed record with its proof's outcome, each
    // document fetched.
    let page = |listed: &[u64], failed: Option<u64>, document: Option<&[u8]>| -> Value {
        let mut page = PrecinctPage::new(precinct as u32);
        for (i, e) in &context {
            page.context(*i as f64, e, true, "")
                .unwrap_or_else(|_| panic!("context"));
        }
        for &i in listed {
            let proved = Some(i) != failed;
            let error = if proved { "" } else { "inclusion proof failed" };
            page.record(i as f64, &log.entries[i as usize], proved, error)
                .unwrap_or_else(|_| panic!("record"));
        }
        if let Some(bytes) = document {
            let (i, r) = records
                .iter()
                .find(|(_, r)| r["body"]["documents"][0].is_object())
                .unwrap();
            let sha = r["body"]["documents"][0]["sha256"].as_str().unwrap();
            page.document(*i as f64, sha, bytes, "");
        }
        parse(page.verdict(true, "ky"))
    };
    let own: Vec<u64> = records.iter().map(|(i, _)| *i).collect();
    let v = page(&own, None, None);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
    // The lookup index is not trusted: an entry of another precinct listed here is named, and
    // not judged as this precinct's; an entry whose proof failed fails the page.
    let stranger = by_precinct[&other][0].0;
    let v = page(&[own.clone(), vec![stranger]].concat(), None, None);
    assert_eq!(v["ok"], false);
    let named = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["index"] == stranger)
        .unwrap();
    assert!(
        named["error"].as_str().unwrap().contains("not precinct"),
        "{v}"
    );
    let v = page(&own, Some(own[0]), None);
    assert_eq!(v["ok"], false);
    let error = v["records"][0]["error"].as_str().unwrap();
    assert!(error.ends_with("inclusion proof failed"), "{error}");
    // A document: checked against the record's reference, size and hash.
    let (_, r) = records
        .iter()
        .find(|(_, r)| r["body"]["documents"][0].is_object())
        .unwrap();
    let sha = r["body"]["documents"][0]["sha256"].as_str().unwrap();
    let size = r["body"]["documents"][0]["size"].as_u64().unwrap();
    let wrong = vec![b'x'; size as usize];
    let v = page(&own, None, Some(&wrong));
    assert_eq!(
        v["ok"], false,
        "a document that does not match fails the page"
    );
    let mut p = PrecinctPage::new(precinct as u32);
    let (i, _) = records
        .iter()
        .find(|(_, r)| r["body"]["documents"][0].is_object())
        .unwrap();
    p.record(*i as f64, &log.entries[*i as usize], true, "")
        .unwrap_or_else(|_| panic!("record"));
    let checked = parse(p.document(*i as f64, sha, &wrong, ""));
    assert!(
        checked["error"]
            .as_str()
            .unwrap()
            .contains("does not match"),
        "{checked}"
    );
    let missing = parse(p.document(*i as f64, sha, b"", "404"));
    assert_eq!(missing["error"], "404");
    let unlisted = parse(p.document(0.0, sha, b"", ""));
    assert!(
        unlisted["error"]
            .as_str()
            .unwrap()
            .contains("references a document"),
        "{unlisted}"
    );
    // A proved record whose signature does not hold fails the page (and is a finding).
    let mut forged = log.entries[own[0] as usize].clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let mut p = PrecinctPage::new(precinct as u32);
    p.record(own[0] as f64, &forged, true, "")
        .unwrap_or_else(|_| panic!("record"));
    let v = parse(p.verdict(true, "en"));
    assert_eq!(v["ok"], false);
    assert!(
        v["records"][0]["error"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{v}"
    );
    assert_eq!(v["findings"][0]["rule"], "record.signature", "{v}");
    // The election's definition or registry not proved: the page fails, never claims that
    // precincts are unregistered.
    let mut p = PrecinctPage::new(precinct as u32);
    p.context(0.0, b"", false, "404")
        .unwrap_or_else(|_| panic!("context"));
    for &i in &own {
        p.record(i as f64, &log.entries[i as usize], true, "")
            .unwrap_or_else(|_| panic!("record"));
    }
    let v = parse(p.verdict(true, "en"));
    assert_eq!(v["ok"], false);
    assert!(v["context_error"].as_str().unwrap().contains("404"), "{v}");
    assert_eq!(parse(decode_record(b"not cbor"))["ok"], false);
    let titles = parse(rule_titles("ru"));
    assert!(titles["protocol.arithmetic"].as_str().unwrap().len() > 3);
}

#[test]
fn the_whole_log_is_audited_and_its_root_recomputed() {
    let log = build_log();
    let audit_with = |files: &HashMap<String, Vec<u8>>| -> Value {
        let mut audit = Audit::new(&log.policy).unwrap_or_else(|_| panic!("audit"));
        for n in 0..log.size.div_ceil(256) {
            let width = (log.size - n * 256).min(256) as u32;
            let tile = Tile {
                level: 0,
                index: n,
                width: width as u16,
            };
            let read = audit
                .push_bundle(&files[&tile.entries_path()], width)
                .unwrap_or_else(|_| panic!("bundle"));
            assert_eq!(read, width);
        }
        parse(audit.report("en", &log.checkpoint))
    };
    let report = audit_with(&log.files);
    assert_eq!(report["root_ok"], true, "{report}");
    assert_eq!(report["entries"], log.size);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
    let tally = &report["tally"][0];
    assert!(tally["national"].as_array().unwrap().len() > 1);
    assert_eq!(tally["included"], 4);
    let valid: u64 = tally["valid_by_region"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let national: u64 = tally["national"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(valid, national, "the regions add up to the nation");
    assert_eq!(report["registry"].as_array().unwrap().len(), 4);
    // An entry changed in its bundle (and still a well-formed record or not): the tree the
    // entries make is not the one signed.
    let (edited, _) = last_entry_altered(&log);
    let report = audit_with(&edited);
    assert_eq!(report["root_ok"], false);
    assert!(
        report["root_error"]
            .as_str()
            .unwrap()
            .contains("do not match its signed checkpoint"),
        "{report}"
    );
}

/// The log's files with the last byte of its first entry bundle flipped (the last entry of
/// that bundle altered), and that bundle's path.
fn last_entry_altered(log: &Log) -> (HashMap<String, Vec<u8>>, String) {
    let mut edited = log.files.clone();
    let path = Tile {
        level: 0,
        index: 0,
        width: log.size.min(256) as u16,
    }
    .entries_path();
    let bytes = edited.get_mut(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    (edited, path)
}

/// The national tally on Web Workers (`verify_bundle` in each, `push_bundle_checked` in the
/// page) reports exactly what the page's own audit reports: on the log as it is, and with an
/// entry altered so that its record no longer verifies.
#[test]
fn the_audit_with_workers_reports_what_the_page_alone_reports() {
    let log = build_log();
    let audit_with = |files: &HashMap<String, Vec<u8>>, workers: bool| -> Value {
        let mut audit = Audit::new(&log.policy).unwrap_or_else(|_| panic!("audit"));
        for n in 0..log.size.div_ceil(256) {
            let width = (log.size - n * 256).min(256) as u32;
            let tile = Tile {
                level: 0,
                index: n,
                width: width as u16,
            };
            let bundle = &files[&tile.entries_path()];
            let read = if workers {
                let checked = verify_bundle(bundle, width).unwrap_or_else(|_| panic!("verify"));
                assert_eq!(checked.len(), width as usize);
                audit.push_bundle_checked(bundle, width, &checked)
            } else {
                audit.push_bundle(bundle, width)
            };
            assert_eq!(read.unwrap_or_else(|_| panic!("bundle")), width);
        }
        parse(audit.report("en", &log.checkpoint))
    };
    assert_eq!(audit_with(&log.files, true), audit_with(&log.files, false));
    let (edited, path) = last_entry_altered(&log);
    let checked = verify_bundle(&edited[&path], log.size.min(256) as u32).unwrap();
    assert!(checked.contains(&0), "the altered entry does not pass");
    let alone = audit_with(&edited, false);
    assert!(!alone["findings"].as_array().unwrap().is_empty(), "{alone}");
    assert_eq!(audit_with(&edited, true), alone);
}

/// The committed `site/pkg/` is what `build.sh` makes from this source — checked only where
/// wasm-bindgen-cli of the locked version is installed (CI installs it; see `.ci/run`).
#[test]
fn committed_pkg_is_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let want = std::process::Command::new(dir.join("build.sh"))
        .arg("--wasm-bindgen-version")
        .output()
        .unwrap();
    let want = String::from_utf8_lossy(&want.stdout).trim().to_string();
    let have = std::process::Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if have != format!("wasm-bindgen {want}") {
        eprintln!("skipped: wasm-bindgen {want} is not installed (found {have:?})");
        return;
    }
    let out = std::env::temp_dir().join(format!("shailoo-pkg-{}", std::process::id()));
    // Its own target directory: the `cargo test` running this may hold the usual one's lock.
    // One per checkout: cargo judges a build fresh by its sources' paths and times, so a
    // directory shared with another checkout would hand back that checkout's module.
    let checkout = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        dir.hash(&mut h);
        h.finish()
    };
    let status = std::process::Command::new(dir.join("build.sh"))
        .arg(&out)
        .env(
            "CARGO_TARGET_DIR",
            std::env::temp_dir().join(format!("shailoo-pkg-check-target-{checkout:016x}")),
        )
        .status()
        .unwrap();
    assert!(status.success());
    for file in [
        "web_viewer.js",
        "web_viewer_bg.wasm",
        "web_viewer_core.js",
        "web_viewer_core_bg.wasm",
    ] {
        let built = std::fs::read(out.join(file)).unwrap();
        let committed = std::fs::read(dir.join("site/pkg").join(file)).unwrap();
        assert!(
            built == committed,
            "web-viewer/site/pkg/{file} is stale: run web-viewer/build.sh and commit it"
        );
    }
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn an_earlier_checkpoint_is_proved_consistent_and_a_fork_or_rollback_fails() {
    let log = build_log();
    let half = log.size / 2;
    let check_tampered = |old: u64, old_root: &str, new: u64, new_root: &str, tamper: bool| {
        let need = parse(consistency_tiles_needed(old as f64, new as f64));
        let paths: Vec<String> = serde_json::from_value(need["tiles"].clone()).unwrap();
        let mut data: Vec<u8> = paths.iter().flat_map(|p| log.files[p].clone()).collect();
        if tamper {
            // One byte of one hash tile, as a mirror or a proxy could serve it.
            data[5] ^= 1;
        }
        let lens: Vec<u32> = paths.iter().map(|p| log.files[p].len() as u32).collect();
        parse(verify_consistency_from_tiles(
            old as f64,
            old_root,
            new as f64,
            new_root,
            &serde_json::to_string(&paths).unwrap(),
            &data,
            &lens,
        ))
    };
    let check = |old, old_root: &str, new, new_root: &str| {
        check_tampered(old, old_root, new, new_root, false)
    };
    assert_eq!(check(half, &log.half_root, log.size, &log.root)["ok"], true);
    // A damaged tile is damage, never a fork: the tiles do not hash to the new signed root.
    let damaged = check_tampered(half, &log.half_root, log.size, &log.root, true);
    assert_eq!(
        (&damaged["ok"], &damaged["damaged"], &damaged["evidence"]),
        (&false.into(), &true.into(), &false.into())
    );
    assert!(
        !damaged["error"].as_str().unwrap().contains("fork:"),
        "{damaged}"
    );
    assert_eq!(check(log.size, &log.root, log.size, &log.root)["ok"], true);
    let fork = check(half, &log.root, log.size, &log.root);
    assert_eq!(fork["ok"], false);
    assert!(
        fork["error"].as_str().unwrap().starts_with("fork"),
        "{fork}"
    );
    assert_eq!(
        (&fork["damaged"], &fork["evidence"]),
        (&false.into(), &true.into())
    );
    let rollback = parse(verify_consistency_from_tiles(
        log.size as f64,
        &log.root,
        half as f64,
        &log.half_root,
        "[]",
        &[],
        &[],
    ));
    assert!(rollback["error"].as_str().unwrap().starts_with("rollback"));
    // An older view is refused, but proves nothing: a stale mirror serves one too.
    assert_eq!(
        (&rollback["kind"], &rollback["evidence"]),
        (&"rollback".into(), &false.into())
    );
}

/// A checkpoint of `size` leaves with `root`, signed by the log and (if `cosigned`) its witness.
fn signed(log: &Log, size: u64, root: &str, cosigned: bool) -> Vec<u8> {
    let text = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tlog::Hash::from_base64(root).unwrap(),
        extensions: vec![],
    }
    .to_text();
    let key = SignerKey::from_seed(ORIGIN, 0x01, &[1; 32]).unwrap();
    let mut note = tlog::note::sign(&text, &[&key]).unwrap();
    if cosigned {
        let witness = SignerKey::from_seed("witness.example.kg/w1", 0x04, &[2; 32]).unwrap();
        note.signatures
            .push(witness.cosign(&text, log.cosigned_at).unwrap());
    }
    note.to_bytes()
}

/// The page's whole checkpoint step: verify, fetch the tiles named (`drop` one of them to see a
/// fetch fail), relate to what was remembered, and what to remember next.
fn accept(log: &Log, checkpoint: &[u8], remembered: &str, drop: bool) -> Value {
    let first = parse(verify_checkpoint(&log.policy, checkpoint));
    let mut paths: Vec<String> = Vec::new();
    if let (Some(new), Ok(old)) = (
        first["relate"]["size"].as_u64(),
        serde_json::from_str::<Value>(remembered),
    ) {
        let need = parse(consistency_tiles_needed(
            old["size"].as_f64().unwrap(),
            new as f64,
        ));
        paths = serde_json::from_value(need["tiles"].clone()).unwrap();
        if drop {
            paths.pop();
        }
    }
    let data: Vec<u8> = paths.iter().flat_map(|p| log.files[p].clone()).collect();
    let lens: Vec<u32> = paths.iter().map(|p| log.files[p].len() as u32).collect();
    let paths = serde_json::to_string(&paths).unwrap();
    parse(accept_checkpoint(
        &log.policy,
        checkpoint,
        remembered,
        &paths,
        &data,
        &lens,
    ))
}

#[test]
fn the_page_accepts_relates_and_remembers_checkpoints_as_the_wasm_decides() {
    let log = build_log();
    let half = log.size / 2;
    let full = signed(&log, log.size, &log.root, true);
    // Nothing remembered: accepted, and remembered.
    let first = accept(&log, &full, "", false);
    assert_eq!(first["ok"], true, "{first}");
    assert!(first["consistency"].is_null());
    let remembered = first["remember"].as_str().unwrap().to_string();
    assert!(adopt_remembered(&log.policy, ORIGIN, &remembered));
    // A memory this log did not sign (anything on the page's origin can write the storage)
    // is ignored, and said to be: never related to, so never a false fork.
    let forged = format!(
        r#"{{"size": {}, "root": "{}", "checkpoint": "forged"}}"#,
        log.size, log.half_root
    );
    let ignored = accept(&log, &full, &forged, false);
    assert_eq!(ignored["ok"], true, "{ignored}");
    assert_eq!(ignored["remembered_ignored"], true);
    assert!(ignored["consistency"].is_null());
    // An earlier tree remembered: proved consistent, and the newer one remembered.
    let earlier = accept(&log, &signed(&log, half, &log.half_root, true), "", false);
    let earlier = earlier["remember"].as_str().unwrap();
    let grown = accept(&log, &full, earlier, false);
    assert_eq!(grown["ok"], true, "{grown}");
    assert_eq!(grown["consistency"]["ok"], true);
    assert_eq!(grown["remember"], remembered.as_str());
    // A tile that could not be fetched: nothing concluded, nothing remembered.
    let unread = accept(&log, &full, earlier, true);
    assert_eq!(unread["ok"], false);
    assert_eq!(unread["consistency"]["evidence"], false);
    assert!(unread["remember"].is_null());
    // An older view after the newer one: refused, not evidence, the newer one kept.
    let older = accept(
        &log,
        &signed(&log, half, &log.half_root, true),
        &remembered,
        false,
    );
    assert_eq!(older["ok"], false);
    assert_eq!(older["consistency"]["evidence"], false);
    assert!(older["error"].as_str().unwrap().starts_with("rollback"));
    assert!(older["remember"].is_null());
    // A fork: another tree of the remembered size, signed by the log — evidence, even when the
    // fork misses the quorum.
    let fork = signed(&log, log.size, &log.half_root, false);
    let forked = accept(&log, &fork, &remembered, false);
    assert_eq!(forked["ok"], false);
    assert_eq!(forked["consistency"]["evidence"], true, "{forked}");
    assert!(forked["remember"].is_null());
    // Below the quorum but consistent: refused for the quorum alone, with no relation claimed.
    let thin = accept(
        &log,
        &signed(&log, log.size, &log.root, false),
        earlier,
        false,
    );
    assert_eq!(thin["ok"], false);
    assert!(thin["consistency"].is_null(), "{thin}");
    assert!(thin["error"].as_str().unwrap().contains("quorum"), "{thin}");
}

/// The log's own tiles, as its API reads them to answer for an inclusion proof.
struct Files<'a>(&'a HashMap<String, Vec<u8>>);

impl tlog::tile::TileReader for Files<'_> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog::stored::ReadError> {
        Ok(tiles.iter().map(|t| self.0[&t.path()].clone()).collect())
    }
}

/// What `GET /api/v1/proof/inclusion/<index>?size=<size>` answers.
fn api_answer(log: &Log, index: u64) -> serde_json::Value {
    let reader = tlog::tile::TileHashReader {
        size: log.size,
        tiles: Files(&log.files),
    };
    let proof = tlog::proof::prove_inclusion(index, log.size, &reader).unwrap();
    let hashes: Vec<String> = proof.iter().map(tlog::Hash::to_base64).collect();
    serde_json::json!({"index": index, "tree_size": log.size, "proof": hashes, "checkpoint": null})
}

#[test]
fn an_entry_is_proved_with_the_proof_the_api_sent_and_a_wrong_one_fails() {
    let log = build_log();
    let verify = |index: u64, answer: &str, entry: &[u8]| {
        parse(verify_inclusion_proof(
            index as f64,
            log.size as f64,
            &log.root,
            answer,
            entry,
        ))
    };
    for index in [0, 1, log.size / 2, log.size - 1] {
        let answer = api_answer(&log, index).to_string();
        let v = verify(index, &answer, &log.entries[index as usize]);
        assert_eq!(v["ok"], true, "entry {index}: {v}");
        // The same answer from tiles: one proof, two ways to get it.
        assert_eq!(v, prove(&log, index, false));
    }
    let index = log.size / 2;
    let entry = &log.entries[index as usize];
    let answer = api_answer(&log, index);
    // Another entry's proof, a proof with a hash altered or one left out, another entry, and
    // answers that are no proof at all: each fails, none panics.
    let mut altered = answer.clone();
    let first = altered["proof"][0].as_str().unwrap().to_string();
    let last = altered["proof"][1].as_str().unwrap().to_string();
    altered["proof"][0] = last.into();
    let mut short = answer.clone();
    short["proof"].as_array_mut().unwrap().pop();
    let mut not_base64 = answer.clone();
    not_base64["proof"][0] = format!("{first}!").into();
    let failing = [
        (api_answer(&log, index + 1).to_string(), entry.clone()),
        (altered.to_string(), entry.clone()),
        (short.to_string(), entry.clone()),
        (answer.to_string(), log.entries[0].clone()),
        (not_base64.to_string(), entry.clone()),
        ("{}".to_string(), entry.clone()),
        ("<html>not found</html>".to_string(), entry.clone()),
    ];
    for (answer, entry) in failing {
        let v = verify(index, &answer, &entry);
        assert_eq!(v["ok"], false, "{answer}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    }
    // Not a whole number a browser can name: refused before anything is read.
    let v = parse(verify_inclusion_proof(
        0.5,
        log.size as f64,
        &log.root,
        "{}",
        entry,
    ));
    assert_eq!(v["ok"], false);
}
