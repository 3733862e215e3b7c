//! The verifier against real logs: an election simulated through the real ledger (in-process,
//! on loopback), then served by the ledger or by a plain static file server, clean and
//! tampered with in every way the verifier must catch — each with its exit code and a message
//! a person understands.

mod common;
use common::*;
use election::generate::Anomaly;
use election::records::{Body, FinalResult};
use election::{Kind, Record};
use ledger::client::LedgerClient;
use std::sync::OnceLock;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::note::Note;

/// A clean election of 15 precincts, logged in order by the real ledger; built once.
fn clean() -> &'static LedgerLog {
    static LOG: OnceLock<LedgerLog> = OnceLock::new();
    LOG.get_or_init(|| simulated_log(&shared_dir("clean"), 15, &[]))
}

/// The same with ballot stuffing and a wrong final total.
fn anomalous() -> &'static LedgerLog {
    static LOG: OnceLock<LedgerLog> = OnceLock::new();
    LOG.get_or_init(|| {
        simulated_log(
            &shared_dir("anomalies"),
            15,
            &[Anomaly::BallotStuffing, Anomaly::WrongFinalTotal],
        )
    })
}

/// A stopped copy of a log, in a directory of its own.
fn copy(log: &LedgerLog) -> (TempDir, LedgerLog) {
    let tmp = TempDir::new("copy");
    let copy = log.copy_to(&tmp.path().join("log"));
    (tmp, copy)
}

/// The first protocol in the log: its index and record.
fn first_protocol(log: &LedgerLog) -> (u64, Record) {
    log.entries()
        .iter()
        .enumerate()
        .find_map(|(i, e)| {
            let r = Record::from_bytes(e).ok()?;
            (r.kind() == Kind::PrecinctProtocol).then_some((i as u64, r))
        })
        .expect("a protocol")
}

fn signed(log: &LedgerLog, size: u64, root: tlog::Hash) -> Vec<u8> {
    ledger::sequencer::sign_checkpoint(ORIGIN, size, root, &log.log_key())
}

#[test]
fn clean_election_audits_clean_and_the_tally_matches_the_final_result() {
    let (_tmp, log) = copy(clean());
    assert!(
        log.checkpoint().size > 256,
        "the test log needs a full entry bundle"
    );
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["audit"]).expect(
        0,
        &[
            "their recomputed Merkle root matches the signed checkpoint",
            "every audit rule passed",
            "matches the recomputed tally",
            "15 counted, 0 annulled, 0 without a protocol",
            "the log is intact, and the election records passed every check",
        ],
    );
    let run = v.with_policy(&policy, &["audit", "--json", "--documents"]);
    run.expect(0, &[]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["verdict"], "clean");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["entries"], log.checkpoint().size);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    let national: Vec<u64> = report["tally"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes"].as_u64().unwrap())
        .collect();
    let finals = &report["final_results"][0];
    assert_eq!(finals["matches_tally"], true);
    let announced: Vec<u64> = finals["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_u64().unwrap())
        .collect();
    assert_eq!(national, announced);
    assert!(national.iter().sum::<u64>() > 0);
    assert!(report["documents"]["checked"].as_u64().unwrap() >= 15);
    assert_eq!(report["documents"]["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn missing_and_altered_documents_are_problems_of_the_records() {
    let (_tmp, log) = copy(clean());
    let (_, protocol) = first_protocol(&log);
    let Body::PrecinctProtocol(p) = &protocol.body else {
        unreachable!()
    };
    let blob = log.public().join("blob").join(p.pages[0].hex());
    flip_byte(&blob, 10);
    // Another document, removed.
    let other = std::fs::read_dir(log.public().join("blob"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|path| *path != blob)
        .unwrap();
    std::fs::remove_file(&other).unwrap();
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let run = v.with_policy(&log.policy(&server.url, true), &["audit", "--documents"]);
    run.expect(
        1,
        &[
            "do not match their records",
            "is missing",
            "does not match",
            &format!("precinct {}", p.precinct),
            "the election records have the problems listed above",
        ],
    );
    // Without --documents the records themselves are clean.
    v.with_policy(&log.policy(&server.url, true), &["audit"])
        .expect(0, &[]);
}

#[test]
fn arithmetic_anomalies_are_found_by_their_rules() {
    let (_tmp, log) = copy(anomalous());
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["audit"]).expect(
        1,
        &[
            "ballots.within-identified — More ballots than identified voters",
            "final.matches-tally — Final result differs from the sum of precincts",
            "DOES NOT MATCH the recomputed tally",
            "the precinct protocols add up to",
            "the log is intact, but the election records have the problems",
        ],
    );
    let run = v.with_policy(&policy, &["audit", "--json"]);
    run.expect(1, &[]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["verdict"], "problems");
    let rules: Vec<&str> = report["findings_by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"ballots.within-identified"), "{rules:?}");
    assert!(rules.contains(&"final.matches-tally"), "{rules:?}");
    assert_eq!(report["final_results"][0]["matches_tally"], false);
}

#[test]
fn inclusion_by_index_by_precinct_and_with_a_document() {
    let (_tmp, log) = copy(clean());
    let (index, protocol) = first_protocol(&log);
    let Body::PrecinctProtocol(p) = &protocol.body else {
        unreachable!()
    };
    let server = ledger_serve(&log.dir);
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["inclusion", "--index", "0"])
        .expect(
            0,
            &[
                "entry 0 is in the log",
                "record: key-enrollment",
                "the signer is the CEC root key pinned in your policy",
                "OK: verified",
            ],
        );
    let precinct = p.precinct.to_string();
    let scan = std::fs::read(log.public().join("blob").join(p.pages[0].hex())).unwrap();
    let scan_file = v.file("scan.svg", &scan);
    v.with_policy(
        &policy,
        &[
            "inclusion",
            "--precinct",
            &precinct,
            "--kind",
            "protocol",
            "--document",
            scan_file.to_str().unwrap(),
        ],
    )
    .expect(
        0,
        &[
            "the log's lookup index suggests 1 entry of kind protocol",
            &format!("entry {index} is in the log"),
            &format!("precinct {precinct}, contest 1"),
            "votes per option in ballot order",
            "matches document 1",
        ],
    );
    let mut wrong = scan.clone();
    wrong.extend_from_slice(b"<!-- edited -->");
    let wrong_file = v.file("edited.svg", &wrong);
    v.with_policy(
        &policy,
        &[
            "inclusion",
            "--index",
            &index.to_string(),
            "--document",
            wrong_file.to_str().unwrap(),
        ],
    )
    .expect(1, &["does not match any document the record references"]);
    v.with_policy(&policy, &["inclusion", "--index", "999999"])
        .expect(3, &["not in the log yet"]);
}

#[test]
fn a_lying_lookup_index_is_caught() {
    let (_tmp, log) = copy(clean());
    let (_, protocol) = first_protocol(&log);
    let precinct = protocol.body.precinct().unwrap().to_string();
    // A static mirror that answers the lookup with entry 0, a key enrollment.
    let api = log.public().join("api/v1");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(api.join("records"), br#"{"records":[{"index":0}]}"#).unwrap();
    let server = static_serve(&log.public());
    let v = Verifier::new();
    v.with_policy(
        &log.policy(&server.url, true),
        &["inclusion", "--precinct", &precinct, "--kind", "protocol"],
    )
    .expect(
        2,
        &[
            "the log's lookup index pointed at entry 0",
            "a key-enrollment record",
        ],
    );
}

#[test]
fn proof_bundles_are_checked_offline() {
    let (_tmp, log) = copy(clean());
    let (index, protocol) = first_protocol(&log);
    let Body::PrecinctProtocol(p) = &protocol.body else {
        unreachable!()
    };
    let server = ledger_serve(&log.dir);
    let client = LedgerClient::new(&server.url);
    let bundle = server
        .block_on(client.get(&format!("api/v1/bundle/{index}")))
        .unwrap();
    let policy = log.policy(&server.url, true);
    drop(server); // offline from here on
    let v = Verifier::new();
    let file = v.file("protocol.proof", &bundle);
    let scan = std::fs::read(log.public().join("blob").join(p.pages[0].hex())).unwrap();
    let scan_file = v.file("scan.svg", &scan);
    let path = file.to_str().unwrap();
    v.with_policy(
        &policy,
        &["bundle", path, "--document", scan_file.to_str().unwrap()],
    )
    .expect(
        0,
        &[
            "checked offline",
            &format!("entry {index} is in the log"),
            "record: protocol",
            "matches document 1",
            "OK: verified offline",
        ],
    );
    // Another index: the proof no longer leads to the root.
    let text = String::from_utf8(bundle.clone()).unwrap();
    let moved = text.replace(
        &format!("\nindex {index}\n"),
        &format!("\nindex {}\n", index + 1),
    );
    let moved_file = v.file("moved.proof", moved.as_bytes());
    v.with_policy(&policy, &["bundle", moved_file.to_str().unwrap()])
        .expect(
            2,
            &["does not lead from the entry to the checkpoint's signed root"],
        );
    // The checkpoint's signature, altered.
    let mut forged = bundle.clone();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged_file = v.file("forged.proof", &forged);
    v.with_policy(&policy, &["bundle", forged_file.to_str().unwrap()])
        .expect(2, &["does not satisfy your trust policy"]);
    v.with_policy(
        &policy,
        &["bundle", v.file("junk", b"junk\n").to_str().unwrap()],
    )
    .expect(2, &["is not a valid proof bundle"]);
}

#[test]
fn a_flipped_byte_in_an_entry_bundle_fails_inclusion_and_audit() {
    let (_tmp, log) = copy(clean());
    flip_byte(&log.public().join("tile/entries/000"), -1);
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["inclusion", "--index", "255"])
        .expect(
            2,
            &[
                "LOG VERIFICATION FAILED",
                "entry 255 does not match the log's signed checkpoint",
            ],
        );
    v.with_policy(&policy, &["audit"]).expect(
        2,
        &[
            "the entries the log serves do not match its signed checkpoint",
            "tile/entries/000",
        ],
    );
    let run = v.with_policy(&policy, &["audit", "--json"]);
    run.expect(2, &[]);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["verdict"], "log-failed");
}

#[test]
fn a_flipped_byte_in_a_hash_tile_fails_the_inclusion_proofs_that_use_it() {
    let (_tmp, log) = copy(clean());
    // The hash of leaf 1, the sibling in entry 0's proof.
    flip_byte(&log.public().join("tile/0/000"), 40);
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["inclusion", "--index", "0"])
        .expect(2, &["entry 0 does not match", "inclusion proof fails"]);
    // A proof that does not use the tile still verifies.
    let last = (log.checkpoint().size - 1).to_string();
    v.with_policy(&policy, &["inclusion", "--index", &last])
        .expect(0, &["OK: verified"]);
    // The audit recomputes the root from the entries themselves, not from hash tiles.
    v.with_policy(&policy, &["audit"])
        .expect(0, &["recomputed Merkle root matches"]);
}

#[test]
fn a_checkpoint_signed_by_another_key_is_rejected() {
    let (_tmp, log) = copy(clean());
    let cp = log.checkpoint();
    let impostor = SignerKey::from_seed(ORIGIN, ALG_ED25519, &[42; 32]).unwrap();
    std::fs::write(
        log.public().join("checkpoint"),
        ledger::sequencer::sign_checkpoint(ORIGIN, cp.size, cp.root, &impostor),
    )
    .unwrap();
    let server = static_serve(&log.public());
    let v = Verifier::new();
    v.with_policy(&log.policy(&server.url, true), &["checkpoint"])
        .expect(
            2,
            &[
                "does not satisfy your trust policy",
                "no valid signature by the key your policy trusts",
            ],
        );
    assert!(
        !v.state_dir()
            .join(tlog::witness::origin_hash(ORIGIN))
            .exists()
    );
}

#[test]
fn the_witness_quorum_is_enforced() {
    let (_tmp, log) = copy(clean());
    let witness = SignerKey::from_seed(
        "witness.example.kg/observer-1",
        ALG_COSIGNATURE_V1,
        &[5; 32],
    )
    .unwrap();
    let stranger =
        SignerKey::from_seed("witness.example.kg/stranger", ALG_COSIGNATURE_V1, &[6; 32]).unwrap();
    let server = static_serve(&log.public());
    let policy = format!(
        "log {} {}\nwitness observer-1 {}\nquorum observer-1\nroot {}\n",
        log.log_vkey,
        server.url,
        witness.verifier(),
        log.root_vkey
    );
    let v = Verifier::new();
    v.with_policy(&policy, &["checkpoint"])
        .expect(2, &["the witness quorum is not met", "no witness it knows"]);
    let path = log.public().join("checkpoint");
    let mut note = Note::parse(&std::fs::read(&path).unwrap()).unwrap();
    note.signatures
        .push(stranger.cosign(&note.text, 1_800_000_000).unwrap());
    std::fs::write(&path, note.to_bytes()).unwrap();
    v.with_policy(&policy, &["checkpoint"])
        .expect(2, &["the witness quorum is not met"]);
    note.signatures
        .push(witness.cosign(&note.text, 1_800_000_000).unwrap());
    std::fs::write(&path, note.to_bytes()).unwrap();
    v.with_policy(&policy, &["checkpoint"]).expect(
        0,
        &[
            "cosigned by 1 witness(es) (observer-1)",
            "OK: the checkpoint is authentic",
        ],
    );
}

#[test]
fn a_rollback_is_reported_with_both_checkpoints_and_the_old_one_kept() {
    let (_tmp, log) = copy(clean());
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["checkpoint"])
        .expect(0, &["first checkpoint this verifier has seen"]);
    let state_file = v.state_dir().join(tlog::witness::origin_hash(ORIGIN));
    let accepted = std::fs::read(&state_file).unwrap();
    let size = log.checkpoint().size;
    let entries = log.entries();
    let smaller = size - 10;
    let old = signed(&log, smaller, root_of(&entries[..smaller as usize]));
    std::fs::write(log.public().join("checkpoint"), &old).unwrap();
    let run = v.with_policy(&policy, &["checkpoint"]);
    run.expect(
        2,
        &[
            "ROLLBACK",
            &format!("checkpoint of size {smaller}, smaller than the checkpoint of size {size}"),
            "--- accepted earlier",
            "--- served now by",
        ],
    );
    assert!(
        run.text()
            .contains(&String::from_utf8_lossy(&accepted).to_string())
    );
    assert!(
        run.text()
            .contains(&String::from_utf8_lossy(&old).to_string())
    );
    assert_eq!(
        std::fs::read(&state_file).unwrap(),
        accepted,
        "the old state is kept"
    );
    // Every online command checks the same way.
    v.with_policy(&policy, &["inclusion", "--index", "0"])
        .expect(2, &["ROLLBACK"]);
}

#[test]
fn a_fork_of_the_same_size_is_reported() {
    let (_tmp, log) = copy(clean());
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["checkpoint"]).expect(0, &[]);
    let size = log.checkpoint().size;
    let other = signed(&log, size, tlog::leaf_hash(b"another history"));
    std::fs::write(log.public().join("checkpoint"), &other).unwrap();
    v.with_policy(&policy, &["checkpoint"]).expect(
        2,
        &[
            "FORK",
            &format!("two different trees of the same size {size}"),
            "--- accepted earlier",
        ],
    );
}

#[test]
fn a_rewritten_history_fails_the_consistency_proof() {
    let (_tmp, log) = copy(clean());
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = log.policy(&server.url, true);
    v.with_policy(&policy, &["checkpoint"]).expect(0, &[]);
    // The log rewrites entry 3, appends one more, and signs the result with its real key.
    let mut entries = log.entries();
    entries[3][10] ^= 1;
    entries.push(b"one more".to_vec());
    let forked = TempDir::new("forked");
    write_log(forked.path(), &log.log_key(), &entries);
    let forked_server = static_serve(forked.path());
    let run = v.with_policy(&policy, &["checkpoint", "--log", &forked_server.url]);
    run.expect(
        2,
        &[
            "FORK",
            &format!(
                "does not contain the checkpoint of size {}",
                entries.len() - 1
            ),
            "consistency proof",
        ],
    );
    // The honest log still verifies against what was remembered.
    v.with_policy(&policy, &["checkpoint"])
        .expect(0, &["the same tree this verifier accepted last time"]);
}

#[test]
fn a_record_by_an_unenrolled_signer_is_found() {
    // The ledger refuses such a record, so this log is written directly.
    let tmp = TempDir::new("forged");
    let root = SignerKey::from_seed("shailoo.gov.kg/root", ALG_ED25519, &[3; 32]).unwrap();
    let log_key = SignerKey::from_seed(ORIGIN, ALG_ED25519, &[4; 32]).unwrap();
    let election = election::generate::generate(
        &election::generate::Config {
            precincts: 6,
            anomalies: vec![Anomaly::UnenrolledSigner],
            turnout_updates: false,
            ..Default::default()
        },
        root.signing_key(),
    );
    let entries: Vec<Vec<u8>> = election.records.iter().map(Record::to_bytes).collect();
    write_log(tmp.path(), &log_key, &entries);
    let server = static_serve(tmp.path());
    let policy = format!(
        "log {} {}\nquorum none\nroot {}\n",
        log_key.verifier(),
        server.url,
        root.verifier()
    );
    let v = Verifier::new();
    v.with_policy(&policy, &["audit"]).expect(
        1,
        &[
            "their recomputed Merkle root matches",
            "signer.authorized — Signer not authorized",
        ],
    );
}

#[test]
fn monitor_prints_new_findings_as_records_arrive() {
    let (_tmp, log) = copy(clean());
    let server = ledger_serve(&log.dir);
    let v = Verifier::new();
    let monitor = v.spawn(
        &log.policy(&server.url, true),
        &["monitor", "--interval", "1", "--iterations", "1000", "-q"],
    );
    monitor.wait_for_output(
        "entries read; the recomputed root matches the checkpoint; 0 new finding(s)",
    );
    let wrong = FinalResult {
        contest: 1,
        totals: vec![1; 12],
        precincts_counted: 1,
        annulled: vec![],
        document: None,
    };
    let record = Record::sign(
        "2026-11-29-parliamentary",
        election::generate::POLLS_OPEN + 3 * 86_400,
        Body::FinalResult(wrong),
        log.root_key().signing_key(),
    );
    let client = LedgerClient::new(&server.url);
    server
        .block_on(client.submit(record.to_bytes(), false))
        .unwrap();
    monitor.wait_for_output("finding: [final.matches-tally]");
    monitor.wait_for_output("1 new entries read");
}

#[test]
fn monitor_stops_on_a_rollback_and_reports_its_verdict() {
    let (_tmp, log) = copy(clean());
    let server = static_serve(&log.public());
    let policy = log.policy(&server.url, true);
    let v = Verifier::new();
    v.with_policy(
        &policy,
        &["monitor", "--interval", "0", "--iterations", "2", "-q"],
    )
    .expect(0, &["stopped after 2 round(s)", "no findings"]);
    let monitor = v.spawn(
        &policy,
        &["monitor", "--interval", "1", "--iterations", "1000", "-q"],
    );
    monitor.wait_for_output("at size");
    let size = log.checkpoint().size;
    let entries = log.entries();
    std::fs::write(
        log.public().join("checkpoint"),
        signed(&log, size - 1, root_of(&entries[..size as usize - 1])),
    )
    .unwrap();
    monitor.wait_exit().expect(2, &["ROLLBACK"]);

    let (_tmp2, bad) = copy(anomalous());
    let server = static_serve(&bad.public());
    Verifier::new()
        .with_policy(
            &bad.policy(&server.url, true),
            &["monitor", "--interval", "0", "--iterations", "1", "-q"],
        )
        .expect(
            1,
            &["finding: [ballots.within-identified]", "finding(s) stand"],
        );
}

#[test]
fn errors_of_use_and_network_are_exit_code_3() {
    let log = clean();
    let v = Verifier::new();
    v.with_policy(&log.policy("http://127.0.0.1:1", true), &["checkpoint"])
        .expect(3, &["cannot reach http://127.0.0.1:1/checkpoint"]);
    v.run(&["checkpoint", "--policy", "/nonexistent/policy"])
        .expect(3, &["cannot read policy"]);
    let two_roots = format!("{}root {}\n", log.policy("http://x", true), log.root_vkey);
    v.with_policy(&two_roots, &["checkpoint"])
        .expect(3, &["more than one `root` line"]);
    v.with_policy(&log.policy("http://127.0.0.1:1", true), &["inclusion"])
        .expect(3, &["say which entry"]);
    v.with_policy(&log.policy("https://example.org", true), &["checkpoint"])
        .expect(3, &["plain HTTP only"]);
    v.run(&["audit", "--no-such-flag"])
        .expect(3, &["--no-such-flag"]);
    let help = v.run(&["--help"]);
    help.expect(0, &["Exit codes:", "the log itself failed verification"]);
    for command in [
        "checkpoint",
        "inclusion",
        "bundle",
        "audit",
        "monitor",
        "bench",
    ] {
        v.run(&[command, "--help"]).expect(0, &["Example"]);
    }
}

#[test]
fn state_lives_in_the_users_data_directory() {
    let (_tmp, log) = copy(clean());
    let server = static_serve(&log.public());
    let v = Verifier::new();
    let policy = v.file("policy", log.policy(&server.url, false).as_bytes());
    let data = v.dir.path().join("data");
    let out: Run = std::process::Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(["checkpoint", "--policy", policy.to_str().unwrap()])
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap()
        .into();
    out.expect(0, &["first checkpoint"]);
    let file = data
        .join("shailoo-verifier")
        .join(tlog::witness::origin_hash(ORIGIN));
    assert_eq!(
        std::fs::read(file).unwrap(),
        std::fs::read(log.public().join("checkpoint")).unwrap()
    );
}
