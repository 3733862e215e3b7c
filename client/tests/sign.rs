//! `shailoo sign`: a record written as JSON, signed offline with a sealed key, checked against
//! its documents, and taken by a real ledger as it is.

mod common;
use common::*;

/// The root's enrollment of the finance office's key, as the CEC would write it.
fn enrollment_json(key: &tlog::keys::VerifierKey) -> String {
    format!(
        r#"{{
  "election": "2026-11-29-parliamentary",
  "kind": "key-enrollment",
  "body": {{
    "key": "{}",
    "role": "finance-office",
    "holder": "ЦИК: финансовый отдел",
    "scope": {{"all": true, "territories": [], "precincts": []}},
    "valid_from": {},
    "valid_until": {}
  }}
}}
"#,
        hex::encode(key.public_key()),
        now() - 3600,
        now() + 30 * 86400
    )
}

#[test]
fn a_record_signed_offline_is_taken_by_the_log_as_it_is() {
    let dir = shailoo_e2e::temp_dir("sign");
    let root = keygen(dir.path(), "root");
    let finance = keygen(dir.path(), "finance");
    let record = dir.path().join("enroll-finance.json");
    std::fs::write(&record, enrollment_json(&finance)).unwrap();

    let time = now();
    let signed = run(&[
        "sign",
        "--key",
        path(&dir.path().join("root.key")),
        path(&record),
        "--time",
        &time.to_string(),
        "--json",
    ]);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
    let out = dir.path().join("enroll-finance.signed");
    assert_eq!(answer["record"], path(&out));
    let entry = std::fs::read(&out).unwrap();
    let parsed = election::Record::from_bytes(&entry).unwrap();
    parsed.verify_signature().unwrap();
    assert_eq!(parsed.signer, root.public_key());
    assert_eq!(parsed.time, time);
    assert_eq!(answer["leaf_hash"], tlog::leaf_hash(&entry).to_hex());

    // Signed again to the same place: refused, the first kept.
    let again = run(&[
        "sign",
        "--key",
        path(&dir.path().join("root.key")),
        path(&record),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("never overwritten"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), entry);

    // A log whose root is that key takes the entry as it is.
    let log = dir.path().join("log");
    ledger::server::init(&log, ORIGIN, Some(&root.to_string())).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let ledger = Ledger::serve(log, listener);
    let client = shailoo::client::LedgerClient::new(&url);
    let logged = ledger
        .runtime
        .block_on(client.submit(entry, false))
        .unwrap();
    assert_eq!(logged.leaf_hash, answer["leaf_hash"]);
}

#[test]
fn documents_travel_with_the_record_and_one_it_does_not_reference_is_refused() {
    let dir = shailoo_e2e::temp_dir("sign-documents");
    keygen(dir.path(), "finance");
    let report_pdf = dir.path().join("report.pdf");
    std::fs::write(&report_pdf, b"%PDF-1.7 the party's fund report").unwrap();
    let reference =
        election::records::DocumentRef::to(&std::fs::read(&report_pdf).unwrap(), "application/pdf");
    let record = dir.path().join("report.json");
    std::fs::write(
        &record,
        format!(
            r#"{{"election": "2026-11-29-parliamentary", "kind": "finance-report", "body": {{
  "filer": "Party A", "period_end": "2026-11-15",
  "income": [{{"category": 1, "tyiyn": 500000}}], "spending": [],
  "document": {{"sha256": "{}", "media_type": "application/pdf", "size": {}}}
}}}}"#,
            reference.hex(),
            reference.size
        ),
    )
    .unwrap();
    let key = dir.path().join("finance.key");

    let stray = dir.path().join("other.pdf");
    std::fs::write(&stray, b"not the report").unwrap();
    let refused = run(&[
        "sign",
        "--key",
        path(&key),
        path(&record),
        "--document",
        path(&stray),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let why = text(&refused.stderr);
    assert!(
        why.contains("is not a document this record references"),
        "{why}"
    );
    assert!(
        why.contains(&reference.hex()),
        "the references are listed: {why}"
    );
    assert!(
        !dir.path().join("report.signed").exists(),
        "nothing written"
    );

    let signed = run(&[
        "sign",
        "--key",
        path(&key),
        path(&record),
        "--document",
        path(&report_pdf),
    ]);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let copy = dir
        .path()
        .join("report.signed.documents")
        .join(reference.hex());
    assert_eq!(
        std::fs::read(copy).unwrap(),
        std::fs::read(&report_pdf).unwrap()
    );
}

#[test]
fn a_wrong_field_is_named_with_its_line() {
    let dir = shailoo_e2e::temp_dir("sign-wrong");
    let root = keygen(dir.path(), "root");
    let record = dir.path().join("enroll.json");
    std::fs::write(
        &record,
        enrollment_json(&root).replace("\"role\"", "\"rol\""),
    )
    .unwrap();
    let refused = run(&[
        "sign",
        "--key",
        path(&dir.path().join("root.key")),
        path(&record),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let why = text(&refused.stderr);
    assert!(
        why.contains("body.rol: unknown field `rol`, expected one of"),
        "{why}"
    );
    assert!(why.contains("(line 6, column"), "{why}");
}
