//! `demo` end to end, and the ledger with real witness nodes: checkpoints cosigned by a
//! quorum, the policy file verifiers use, a clean stop and a restart — and a witness whose
//! size the ledger has wrong (409) brought back in step.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tlog::policy::Policy;

/// A running demo: its log URL, its lines, and the child to stop.
struct Demo {
    child: Child,
    url: String,
    lines: Vec<String>,
}

/// `demo --dir DIR`, with `--precincts` if given.
fn start_demo(dir: &std::path::Path, precincts: Option<u32>) -> Demo {
    let precincts: Vec<String> = precincts
        .map(|p| vec!["--precincts".into(), p.to_string()])
        .unwrap_or_default();
    let mut child = common::demo()
        .arg("--dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(&precincts)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("the demo says it is ready in time");
        let ready = line == "ready";
        lines.push(line);
        if ready {
            break;
        }
    }
    let url = lines
        .iter()
        .find_map(|l| l.strip_prefix("log listening on "))
        .expect("the demo prints the log's URL")
        .to_string();
    Demo { child, url, lines }
}

impl Demo {
    fn stop(mut self) -> bool {
        signal(&self.child, "TERM");
        wait(&mut self.child, Duration::from_secs(30)).is_some_and(|s| s.success())
    }
}

/// Every entry of the log, read back through its entry bundles.
fn read_log(url: &str, size: u64) -> Vec<Vec<u8>> {
    let client = shailoo::client::LedgerClient::new(url);
    runtime().block_on(async {
        let mut entries = Vec::new();
        for n in 0..size.div_ceil(256) {
            let tile = tlog::tile::Tile::at_tree_size(0, n, size).unwrap();
            let data = client.get(&tile.entries_path()).await.unwrap();
            entries.extend(
                tlog::entries::parse_entry_bundle(&data, tile.width.into())
                    .unwrap()
                    .into_iter()
                    .map(<[u8]>::to_vec),
            );
        }
        entries
    })
}

/// The election audit of `entries` under the demo's policy and root key.
fn audit_log(
    entries: &[Vec<u8>],
    policy: &Policy,
    root: &tlog::keys::SignerKey,
) -> election::audit::AuditReport {
    let config = election::audit::AuditConfig {
        policy: Some(std::sync::Arc::new(policy.clone())),
        ..election::audit::AuditConfig::new(root.verifier().public_key())
    };
    election::audit::audit(config, entries.iter().map(Vec::as_slice))
}

fn cosigned_checkpoint(url: &str, policy: &Policy) -> tlog::policy::VerifiedCheckpoint {
    let rt = runtime();
    let bytes = rt.block_on(async {
        reqwest::get(format!("{url}/checkpoint"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    policy
        .verify_checkpoint(&bytes)
        .expect("the published checkpoint satisfies the demo's policy")
}

#[test]
fn demo_runs_an_election_cosigned_by_a_quorum_of_witnesses() {
    let dir = temp_dir("demo");
    let demo_dir = dir.path().join("demo");
    let demo = start_demo(&demo_dir, Some(30));
    assert!(
        demo.lines.iter().any(|l| l.contains("records accepted")),
        "a summary: {:?}",
        demo.lines
    );
    assert!(
        demo.lines
            .iter()
            .any(|l| l.contains("verifier audit --policy")),
        "next steps: {:?}",
        demo.lines
    );
    // Quiet by default: a few lines for the person; the servers' logs in DIR/logs.
    assert!(
        demo.lines.len() < 40,
        "{} lines: {:?}",
        demo.lines.len(),
        demo.lines
    );
    let logged = std::fs::read_to_string(demo_dir.join("logs/demo.log")).unwrap();
    assert!(logged.contains("published checkpoint"), "{logged}");

    let text = std::fs::read_to_string(demo_dir.join("policy")).unwrap();
    let policy = Policy::parse_with_extensions(&text, &["root"]).unwrap();
    // Three observers, each with an Ed25519 and an ML-DSA-44 key: six witness lines.
    assert_eq!(policy.witnesses.len(), 6);
    let pq = policy
        .witnesses
        .iter()
        .filter(|w| w.key.alg() == tlog::ml_dsa::ALG_ML_DSA_44)
        .count();
    assert_eq!(pq, 3, "{text}");
    assert_eq!(policy.extensions.len(), 1, "one root line");
    let verified = cosigned_checkpoint(&demo.url, &policy);
    // A quorum of observers, each by both its keys.
    assert!(
        verified.cosigners.len() >= 4
            && verified
                .cosigners
                .iter()
                .any(|(name, _)| name.ends_with("-ml-dsa-44")),
        "cosigned by a quorum: {:?}",
        verified.cosigners
    );
    let size = verified.checkpoint.size;
    assert!(size > 500);
    let readyz: serde_json::Value = runtime().block_on(async {
        let answer = reqwest::get(format!("{}/readyz", demo.url)).await.unwrap();
        answer.json().await.unwrap()
    });
    assert_eq!(
        (&readyz["quorum"], &readyz["warnings"]),
        (&serde_json::json!(2), &serde_json::json!([])),
        "{readyz}"
    );
    assert!(readyz["published_size"].as_u64().unwrap() >= size);
    // Submitted by a thousand concurrent submitters, the clean election must still audit clean:
    // no precinct's records reordered.
    let entries = read_log(&demo.url, size);
    let root = root_key(&demo_dir);
    let report = audit_log(&entries, &policy, &root);
    assert!(
        report.findings.is_empty(),
        "the demo's clean election has findings: {:?}",
        &report.findings[..report.findings.len().min(3)]
    );
    let final_index = report.final_results[0].0;
    let last_record = entries.iter().rposition(|e| {
        election::Record::from_bytes(e).unwrap().kind() != election::Kind::LogCheckpoint
    });
    assert_eq!(
        Some(final_index as usize),
        last_record,
        "the final result is the last record logged (the log's own checkpoint records follow)"
    );
    let checkpoint_records = report.records_by_kind[&election::Kind::LogCheckpoint];
    assert!(
        checkpoint_records > 0,
        "the log logs its published checkpoints"
    );
    assert!(demo.stop(), "the demo stops cleanly on SIGTERM");

    // Make the ledger's record of witness 1 stale: it will offer old size 0, get 409 with the
    // witness's real size, and must resend from there.
    let conn = rusqlite::Connection::open(demo_dir.join("ledger.db")).unwrap();
    assert_eq!(
        conn.execute(
            "UPDATE witness_state SET size = 0 WHERE name = 'observer-1'",
            []
        )
        .unwrap(),
        1
    );
    drop(conn);

    // Another election on the same directory is refused, not silently ignored.
    let other = common::demo()
        .arg("--dir")
        .arg(&demo_dir)
        .args(["--listen", "127.0.0.1:0", "--precincts", "31"])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(2), "refused to start");
    let said = String::from_utf8_lossy(&other.stderr);
    assert!(
        said.contains("already holds a demo election made with --precincts 30"),
        "{said}"
    );

    // An observer adds a witness of its own (README, step 5): it survives the restart and
    // cosigns with the demo's.
    let rt = runtime();
    let my_witness = dir.path().join("my-witness");
    witness::init(
        &my_witness,
        "witness.example.org/observer",
        &witness::config::KeyKind::ALL,
    )
    .unwrap();
    let vkey = ledger().arg("vkey").arg(&demo_dir).output().unwrap();
    let log_vkey = String::from_utf8(vkey.stdout).unwrap().trim().to_string();
    witness::add_log(&my_witness, demo::demo::ORIGIN, &log_vkey).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    let (stop_witness, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = my_witness.clone();
    let witness_task = rt.spawn(async move {
        witness::serve(&served, listener, async move {
            stopped.await.ok();
        })
        .await
    });
    // Both keys in one --vkey, one per line, as `--vkey "$(witness vkey DIR)"` gives them.
    let witness_vkey: Vec<String> = witness::vkeys(&my_witness)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let witness_vkey = witness_vkey.join("\n");
    let added = ledger()
        .args(["witness", "add"])
        .arg(&demo_dir)
        .args(["--name", "my-org", "--vkey", &witness_vkey])
        .args(["--url", &format!("http://{address}")])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");

    // Run again without the election's arguments: it serves the election it holds.
    let demo = start_demo(&demo_dir, None);
    assert!(
        demo.lines
            .iter()
            .any(|l| l.starts_with("serving the demo already"))
    );
    // …with its 30 precincts, not the default 2,500 (the example precinct in the next steps).
    assert!(
        demo.lines.iter().any(|l| l.contains("--precinct 1030 ")),
        "{:?}",
        demo.lines
    );
    assert!(
        demo.lines.iter().any(|l| l.contains("kept: my-org")),
        "{:?}",
        demo.lines
    );
    // Before `ready`, the log asked the new witness to cosign the tree it had published.
    assert!(
        demo.lines
            .iter()
            .any(|l| l.starts_with("the checkpoint of") && l.contains("my-org")),
        "{:?}",
        demo.lines
    );
    let text = std::fs::read_to_string(demo_dir.join("policy")).unwrap();
    let policy = Policy::parse_with_extensions(&text, &["root"]).unwrap();
    // The same log: beyond the size seen before, only the log's own records of the checkpoints
    // it published (the first run may have stopped while one was being published).
    let restarted = cosigned_checkpoint(&demo.url, &policy).checkpoint.size;
    let listed = runtime()
        .block_on(
            shailoo::client::LedgerClient::new(&demo.url)
                .get("api/v1/records?kind=log-checkpoint&limit=10000"),
        )
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    let own = listed["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| (size..restarted).contains(&r["index"].as_u64().unwrap()))
        .count() as u64;
    assert!(
        restarted >= size && restarted - size == own,
        "the restarted demo serves the same log: {restarted} entries, {size} before, {own} of them the log's own"
    );
    // One more record makes a new checkpoint for the witnesses to cosign.
    let root = root_key(&demo_dir);
    let record = election::Record::sign(
        "2026-11-29-parliamentary",
        shailoo::unix_now(),
        election::Body::Annulment(election::records::Annulment {
            precincts: vec![1001],
            resolution: "№1".into(),
            reason: "test".into(),
            document: None,
        }),
        root.signing_key(),
    );
    let client = shailoo::client::LedgerClient::new(&demo.url);
    let s = rt.block_on(client.submit(record.to_bytes(), true)).unwrap();
    assert_eq!(s.index, restarted);
    let after = cosigned_checkpoint(&demo.url, &policy);
    assert!(after.checkpoint.size > size, "{}", after.checkpoint.size);
    let names: Vec<&str> = after.cosigners.iter().map(|(n, _)| n.as_str()).collect();
    // (Each witness's two keys are `<name>-ed25519` and `<name>-ml-dsa-44` in the policy.)
    assert!(
        names.contains(&"observer-1-ml-dsa-44") && names.contains(&"observer-1-ed25519"),
        "the stale witness was brought back in step: {names:?}"
    );
    assert!(
        names.contains(&"my-org-ml-dsa-44") && names.contains(&"my-org-ed25519"),
        "the observer's own witness cosigned: {names:?}"
    );
    // After the restart the log went on recording its checkpoints without repeating one (a
    // repeated or shrinking checkpoint record would be a `log.checkpoint` finding). (The
    // annulment above makes the final result differ from the tally: that finding is right.)
    let entries = read_log(&demo.url, after.checkpoint.size);
    let report = audit_log(&entries, &policy, &root);
    use election::audit::Rule;
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.rule == Rule::FinalMatchesTally),
        "{:?}",
        report.findings
    );
    stop_witness.send(()).unwrap();
    rt.block_on(witness_task).unwrap().unwrap();
    assert!(demo.stop());
}
