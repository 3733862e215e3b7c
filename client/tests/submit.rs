//! `shailoo submit`: signed records delivered to a real ledger that is not up yet when the
//! submission starts, the documents after them, a receipt that proves each, a record already
//! logged counted as delivered, and a refusal reported with the ledger's reason.

mod common;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn records_wait_for_a_ledger_that_is_down_and_leave_receipts_that_prove_them() {
    let dir = shailoo_e2e::temp_dir("submit");
    let root = keygen(dir.path(), "root");
    let finance = keygen(dir.path(), "finance");
    let log = dir.path().join("log");
    let created = ledger::server::init(&log, ORIGIN, Some(&root.to_string())).unwrap();

    let enrollment = sign(
        dir.path(),
        "enroll",
        &format!(
            r#"{{"election": "2026-11-29-parliamentary", "kind": "key-enrollment", "body": {{
  "key": "{}", "role": "finance-office", "holder": "ЦИК: финансовый отдел",
  "scope": {{"all": true, "territories": [], "precincts": []}},
  "valid_from": {}, "valid_until": {}}}}}"#,
            hex::encode(finance.public_key()),
            now() - 3600,
            now() + 86400
        ),
        &[],
    );
    let resolution = dir.path().join("resolution.pdf");
    std::fs::write(&resolution, b"%PDF-1.7 resolution 12/3").unwrap();
    let reference =
        election::records::DocumentRef::to(&std::fs::read(&resolution).unwrap(), "application/pdf");
    let annulment = sign(
        dir.path(),
        "annul",
        &format!(
            r#"{{"election": "2026-11-29-parliamentary", "kind": "annulment", "body": {{
  "precincts": [1001], "resolution": "ЦИК №12/3", "reason": "ballot stuffing",
  "document": {{"sha256": "{}", "media_type": "application/pdf", "size": {}}}}}}}"#,
            reference.hex(),
            reference.size
        ),
        &[&resolution],
    );

    // The ledger is down: its port is free, nothing listens.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{address}");
    let outbox = dir.path().join("outbox");
    let mut submission = shailoo(&["submit", "--url", &url, "--json", "--patience", "60"])
        .args(["--outbox", path(&outbox)])
        .args([path(&enrollment), path(&annulment)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It retries; then the ledger comes up on that address.
    let mut stderr = std::io::BufReader::new(submission.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    assert!(line.contains("retrying in"), "{line}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let listener = loop {
        match std::net::TcpListener::bind(address) {
            Ok(l) => break l,
            Err(e) if Instant::now() > deadline => panic!("{address}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let ledger = Ledger::serve(log.clone(), listener);
    let done = submission.wait_with_output().unwrap();
    assert!(done.status.success(), "exit {:?}", done.status.code());
    let answers: Vec<serde_json::Value> = text(&done.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[1]["documents"], 1);

    // Each receipt proves its record under a checkpoint the log signed.
    for (answer, signed) in answers.iter().zip([&enrollment, &annulment]) {
        let receipt = std::fs::read(shailoo::submit::receipt_path(signed)).unwrap();
        let bundle = tlog::bundle::ProofBundle::parse(&receipt).unwrap();
        let entry = std::fs::read(signed).unwrap();
        assert_eq!(bundle.extra.as_deref(), Some(&entry[..]));
        assert_eq!(answer["index"], bundle.index);
        let (note, _) = tlog::note::open(&bundle.checkpoint, &[&created.log_vkey]).unwrap();
        let checkpoint = tlog::Checkpoint::parse(&note.text).unwrap();
        tlog::proof::verify_inclusion(
            bundle.index,
            checkpoint.size,
            &tlog::leaf_hash(&entry),
            &bundle.proof,
            &checkpoint.root,
        )
        .unwrap();
    }
    // The document is served by the log.
    let served = ledger
        .runtime
        .block_on(
            shailoo::client::LedgerClient::new(&url).get(&format!("blob/{}", reference.hex())),
        )
        .unwrap();
    assert_eq!(served, std::fs::read(&resolution).unwrap());

    // Submitted again through the same outbox: delivered before, its receipt put back.
    let receipt = shailoo::submit::receipt_path(&enrollment);
    let kept = std::fs::read(&receipt).unwrap();
    std::fs::remove_file(&receipt).unwrap();
    let again = run(&[
        "submit",
        "--url",
        "http://127.0.0.1:9",
        "--outbox",
        path(&outbox),
        "--json",
        path(&enrollment),
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(answer["already_logged"], true);
    assert_eq!(answer["index"], answers[0]["index"]);
    assert_eq!(std::fs::read(&receipt).unwrap(), kept);

    // Delivered again from another outbox (the answer was lost on the way, the outbox with
    // it): the log holds it already; a receipt all the same.
    std::fs::remove_file(&receipt).unwrap();
    let other = dir.path().join("other-outbox");
    let again = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&other),
        "--json",
        path(&enrollment),
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(answer["already_logged"], true);
    assert_eq!(answer["index"], answers[0]["index"]);
    assert!(receipt.exists());

    // A record the log refuses: its reason, exit 1.
    let unenrolled = dir.path().join("stranger.key");
    assert!(
        run(&[
            "keygen",
            "--out",
            path(&unenrolled),
            "--name",
            "x.kg/stranger"
        ])
        .status
        .success()
    );
    let record = dir.path().join("revoke.json");
    std::fs::write(
        &record,
        format!(
            r#"{{"election": "2026-11-29-parliamentary", "kind": "key-revocation", "body": {{
  "key": "{}", "effective": {}, "reason": "lost"}}}}"#,
            hex::encode(finance.public_key()),
            now()
        ),
    )
    .unwrap();
    assert!(
        run(&["sign", "--key", path(&unenrolled), path(&record)])
            .status
            .success()
    );
    let refused = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&outbox),
        path(&record.with_extension("signed")),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("not-authorized"),
        "{}",
        text(&refused.stderr)
    );
    // The outbox keeps it, with the reason, apart from what waits.
    let listing = run(&["outbox", "--dir", path(&outbox), "--json"]);
    let listing: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    assert_eq!(listing["waiting"].as_array().unwrap().len(), 0);
    assert_eq!(listing["delivered"], 2);
    let refused = &listing["refused"][0];
    assert_eq!(refused["kind"], "key-revocation");
    assert!(
        refused["refusal"]
            .as_str()
            .unwrap()
            .contains("not-authorized"),
        "{refused}"
    );
    drop(ledger);
}
