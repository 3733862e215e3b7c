//! The verifier on election logs: an election simulated through the real ledger (in-process,
//! on loopback), served by the ledger or a static file server — the clean audit and its tally,
//! anomalies and forged signers found by their rules, documents, inclusion by index and by
//! precinct, offline bundles, monitoring, and the errors of use.

mod common;
use common::*;
use election::Record;
use election::generate::Anomaly;
use election::records::{Body, FinalResult};
use shailoo::client::LedgerClient;
use tlog::keys::{ALG_ED25519, SignerKey};

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
    // The same findings for a reader of Russian or Kyrgyz: the rules' titles and the sentences
    // with their figures in that language, and the report's tally, final-result comparison and
    // verdict (the JSON above stays in English).
    let russian = v.with_policy(&policy, &["--lang", "ru", "audit"]);
    russian.expect(
        1,
        &[
            "  подписи: подписано ключом журнала; заверителей: ",
            "  история: ",
            "  записи: загружены все (",
            "проверены начиная с корневого ключа ЦИК",
            "  зарегистрированных ключей: ",
            "ballots.within-identified — Бюллетеней больше, чем идентифицированных избирателей",
            "идентифицированных в помещении для голосования, — лишь",
            "по протоколам участков",
            "голосование 1 «Партийные списки»",
            "РАСХОДИТСЯ с пересчитанными итогами",
            "вывод: журнал цел, но в записях о выборах есть замечания",
        ],
    );
    // No line of the report's own is left in English (the figures, keys, the log's origin and
    // URL, rule ids and record kinds' identifiers are no words).
    for english in [
        "entries:",
        "signatures:",
        "history:",
        "records:",
        "keys enrolled",
        "verdict",
    ] {
        assert!(
            !russian.stdout.contains(english),
            "{english}:\n{}",
            russian.stdout
        );
    }
    v.with_policy(&policy, &["audit", "--lang", "ky"]).expect(
        1,
        &[
            "  кол тамгалар: журналдын ачкычы менен кол коюлган",
            "БШКнын тамыр ачкычынан баштап текшерилди",
            "бирок добуш берүү жайында",
            "участоктордун протоколдорунун суммасы",
            "кайра эсептелген жыйынтыктардан АЙЫРМАЛАНАТ",
            "корутунду: журнал бүтүн, бирок",
        ],
    );
    let refused = v.with_policy(&policy, &["--lang", "fr", "audit"]);
    refused.expect(3, &["ky", "ru", "en"]);
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
            // Who signed it: the commission its enrollment names, proven, not a bare key.
            "the signer is \"",
            "precinct-commission",
            "enrolled at entry",
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
fn a_record_by_an_unenrolled_signer_is_found() {
    // The ledger refuses such a record, so this log is written directly.
    let tmp = temp_dir("forged");
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
    // HTTPS is spoken (tests/tests/beyond_one_machine.rs); a server that is not there is a
    // network error like any other.
    v.with_policy(&log.policy("https://127.0.0.1:1", true), &["checkpoint"])
        .expect(3, &["cannot reach https://127.0.0.1:1/checkpoint"]);
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
    // `verifier checkpoint` with no --state-dir: the state goes to $XDG_DATA_HOME.
    let checkpoint = || -> Run {
        std::process::Command::new(env!("CARGO_BIN_EXE_verifier"))
            .args(["checkpoint", "--policy", policy.to_str().unwrap()])
            .env("XDG_DATA_HOME", &data)
            .output()
            .unwrap()
            .into()
    };
    checkpoint().expect(0, &["first checkpoint"]);
    // Named by the log's origin and its key (spec/tlog.md §11).
    let file = data.join("shailoo-verifier").join(log.state_file_name());
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(log.public().join("checkpoint")).unwrap()
    );
    // What an earlier verifier remembered under the origin alone is kept, once the log's key
    // is seen to have signed it: not "first checkpoint" again after an upgrade.
    let legacy = data
        .join("shailoo-verifier")
        .join(tlog::witness::origin_hash(ORIGIN));
    std::fs::rename(&file, &legacy).unwrap();
    checkpoint().expect(0, &["the same tree this verifier accepted last time"]);
    assert!(file.exists());
}
