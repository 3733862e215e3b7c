//! One verdict whichever client a citizen uses: a corpus of logs — an honest election, elections
//! with anomalies, and the log-level attacks of the attack table — goes through the `verifier`
//! binary and through the web viewer's exports (the same functions the page calls, run
//! natively, in the order `site/app.js` calls them), and the verdicts and findings must be
//! identical, row by row.

mod common;
use common::*;
use election::generate::Anomaly;
use serde_json::Value;
use std::path::Path;
use tlog::keys::SignerKey;
use tlog::tile::Tile;

/// A verdict, in terms both clients can be read in.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Clean,
    /// The election records' findings, as (rule, index).
    Problems(Vec<(String, u64)>),
    /// The log failed: a fork proved by two signed checkpoints ("evidence"), an older view
    /// ("rollback"),
    /// "damaged" tiles, entries that do not match the checkpoint ("entries"), a checkpoint not
    /// signed by the trusted key ("not-this-log"), too few cosignatures ("quorum").
    LogFailed(&'static str),
}

/// Classifies the `verifier`'s answer: its exit code, its JSON findings, its message.
fn cli_verdict(run: &Run) -> Verdict {
    match run.code {
        0 => Verdict::Clean,
        1 => {
            let report: Value = serde_json::from_str(&run.stdout).expect("the --json report");
            Verdict::Problems(findings(&report["findings"]))
        }
        2 => {
            let said = run.text();
            let kind = if said.contains("FORK") {
                "evidence"
            } else if said.contains("ROLLBACK") {
                "rollback"
            } else if said.contains("damaged or tampered") {
                "damaged"
            } else if said.contains("quorum is not met") {
                "quorum"
            } else if said.contains("no valid signature by the key") {
                "not-this-log"
            } else if said.contains("do not match its signed checkpoint") {
                "entries"
            } else {
                panic!("an unclassified log failure: {said}")
            };
            Verdict::LogFailed(kind)
        }
        other => panic!("exit {other}: {}", run.text()),
    }
}

fn findings(list: &Value) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = list
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|f| {
            let rule = f["rule"].as_str().unwrap().to_string();
            (rule, f["index"].as_u64().unwrap_or(u64::MAX))
        })
        .collect();
    found.sort();
    found
}

fn parse(text: String) -> Value {
    serde_json::from_str(&text).unwrap()
}

/// The page's path through the wasm exports, on the log files in `public`: the checkpoint
/// against the policy, consistency with what the browser saw before (`seen`), then every
/// entry bundle audited and the root recomputed.
fn page_verdict(public: &Path, policy: &str, seen: Option<(u64, String)>) -> Verdict {
    use web_viewer::*;
    let read = |path: &str| std::fs::read(public.join(path)).unwrap();
    let checkpoint = read("checkpoint");
    let v = parse(verify_checkpoint(policy, &checkpoint));
    let tree = if v["ok"] == true {
        Some(&v)
    } else {
        v.get("log_signed").filter(|t| !t.is_null())
    };
    if let (Some(tree), Some((old, old_root))) = (tree, seen) {
        let size = tree["size"].as_u64().unwrap();
        let need = parse(consistency_tiles_needed(old.min(size) as f64, size as f64));
        let paths: Vec<String> = serde_json::from_value(need["tiles"].clone()).unwrap();
        let contents: Vec<Vec<u8>> = paths.iter().map(|p| read(p)).collect();
        let r = parse(verify_consistency_from_tiles(
            old as f64,
            &old_root,
            size as f64,
            tree["root"].as_str().unwrap(),
            &serde_json::to_string(&paths).unwrap(),
            &contents.concat(),
            &contents.iter().map(|c| c.len() as u32).collect::<Vec<_>>(),
        ));
        if r["ok"] != true {
            return Verdict::LogFailed(match r["kind"].as_str().unwrap() {
                "fork" if r["evidence"] == true => "evidence",
                "rollback" if r["evidence"] == false => "rollback",
                "damaged" if r["evidence"] == false => "damaged",
                _ => panic!("an unclassified consistency failure: {r}"),
            });
        }
    }
    if v["ok"] != true {
        let error = v["error"].as_str().unwrap();
        return Verdict::LogFailed(if error.contains("quorum") {
            "quorum"
        } else {
            "not-this-log"
        });
    }
    let size = v["size"].as_u64().unwrap();
    let mut audit = Audit::new(policy).unwrap_or_else(|_| panic!("the policy audits"));
    let mut leaves = Vec::new();
    for n in 0..size.div_ceil(256) {
        let tile = Tile::at_tree_size(0, n, size).unwrap();
        let bundle = read(&tile.entries_path());
        match audit.push_bundle(&bundle, u32::from(tile.width)) {
            Ok(l) => leaves.extend(l),
            Err(_) => return Verdict::LogFailed("entries"),
        }
    }
    if tree_root(&leaves).unwrap_or_else(|_| panic!("leaves")) != v["root"].as_str().unwrap() {
        return Verdict::LogFailed("entries");
    }
    let report = parse(audit.report("en", &checkpoint));
    match findings(&report["findings"]) {
        f if f.is_empty() => Verdict::Clean,
        f => Verdict::Problems(f),
    }
}

/// One row: a log (its public files), the policy, and what both clients saw before (the
/// public files of an earlier view), if anything.
struct Row<'a> {
    name: &'a str,
    public: &'a Path,
    policy: String,
    before: Option<&'a Path>,
}

fn judge(row: &Row) -> (Verdict, Verdict) {
    let verifier = Verifier::new();
    let mut seen = None;
    if let Some(before) = row.before {
        let first = verifier.with_policy(
            &row.policy,
            &["checkpoint", "--log", before.to_str().unwrap()],
        );
        assert_eq!(
            first.code,
            0,
            "{}: the earlier view is accepted: {}",
            row.name,
            first.text()
        );
        let note =
            tlog::note::Note::parse(&std::fs::read(before.join("checkpoint")).unwrap()).unwrap();
        let cp = tlog::Checkpoint::parse(&note.text).unwrap();
        seen = Some((cp.size, cp.root.to_base64()));
    }
    let public = row.public.to_str().unwrap();
    let cli = cli_verdict(
        &verifier.with_policy(&row.policy, &["audit", "--log", public, "--json", "-q"]),
    );
    (cli, page_verdict(row.public, &row.policy, seen))
}

#[test]
fn the_cli_and_the_browser_give_the_same_verdict_on_every_row() {
    let tmp = temp_dir("differential");
    let clean = clean();
    let anomalous = anomalous();
    let more = simulated_log(
        &tmp.path().join("more"),
        20,
        &[
            Anomaly::UrnMismatch,
            Anomaly::AnnulledPrecinct,
            Anomaly::OverdueComplaint,
        ],
    );
    let entries = clean.entries();
    let key = clean.log_key();
    let policy = clean.policy("http://127.0.0.1:9", true);
    let dir = |name: &str| tmp.path().join(name);
    // (a) an entry edited on disk.
    let (_edited_tmp, edited) = copy(clean);
    flip_byte(&edited.public().join("tile/entries/000"), -10);
    // An earlier, smaller view of the honest log, signed by its key.
    let k = entries.len() / 3;
    write_log(&dir("earlier"), &key, &entries[..k]);
    // (s) one hash tile damaged on the way, after the browser saw the earlier view.
    let (_damaged_tmp, damaged) = copy(clean);
    flip_byte(&damaged.public().join("tile/0/000"), 5);
    // (c) a fork: another tree of k entries, signed by the log.
    let mut other = entries[..k].to_vec();
    other[k - 1] = b"another history".to_vec();
    write_log(&dir("fork"), &key, &other);
    // (t) another key for the same origin.
    let impostor = SignerKey::from_seed(common::ORIGIN, 0x01, &[9; 32]).unwrap();
    write_log(&dir("impostor"), &impostor, &entries);
    // (j) a policy that needs a witness's cosignature.
    let witness = SignerKey::from_seed("witness.example.kg/w", 0x04, &[8; 32]).unwrap();
    let stricter = format!(
        "log {} http://127.0.0.1:9\nwitness w {}\nquorum w\nroot {}\n",
        clean.log_vkey,
        witness.verifier(),
        clean.root_vkey
    );
    let rows = [
        Row {
            name: "honest",
            public: &clean.public(),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "honest, grown since seen",
            public: &clean.public(),
            policy: policy.clone(),
            before: Some(&dir("earlier")),
        },
        Row {
            name: "(g)(h) stuffing, wrong total",
            public: &anomalous.public(),
            policy: anomalous.policy("http://127.0.0.1:9", true),
            before: None,
        },
        Row {
            name: "(f)(l) urn, annulled, overdue",
            public: &more.public(),
            policy: more.policy("http://127.0.0.1:9", true),
            before: None,
        },
        Row {
            name: "(a) edited entry",
            public: &edited.public(),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "(s) damaged tile",
            public: &damaged.public(),
            policy: policy.clone(),
            before: Some(&dir("earlier")),
        },
        Row {
            name: "(c) fork",
            public: &clean.public(),
            policy: policy.clone(),
            before: Some(&dir("fork")),
        },
        Row {
            name: "(b) rollback",
            public: &dir("earlier"),
            policy: policy.clone(),
            before: Some(&clean.public()),
        },
        Row {
            name: "(t) another key",
            public: &dir("impostor"),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "(j) quorum not met",
            public: &clean.public(),
            policy: stricter,
            before: None,
        },
    ];
    let expected = [
        "clean",
        "clean",
        "problems",
        "problems",
        "entries",
        "damaged",
        "evidence",
        "rollback",
        "not-this-log",
        "quorum",
    ];
    for (row, expected) in rows.iter().zip(expected) {
        let (cli, page) = judge(row);
        assert_eq!(cli, page, "{}: the CLI and the browser disagree", row.name);
        let class = match &cli {
            Verdict::Clean => "clean",
            Verdict::Problems(_) => "problems",
            Verdict::LogFailed(kind) => kind,
        };
        assert_eq!(class, expected, "{}: {cli:?}", row.name);
    }
}
