//! Every record kind has a JSON form that reads back as the same record: the generator's
//! whole election, each record written as JSON and read again, signs to the same entry.

use ed25519_dalek::SigningKey;
use election::generate::{Config, generate};
use election::json::{UnsignedRecord, body_to_json};
use election::records::{Annulment, Correction, DocumentRef, KeyRevocation, LogCheckpoint};
use election::{Body, Kind, Record};
use std::collections::BTreeSet;

#[test]
fn every_kind_reads_back_from_its_json_form() {
    let root = SigningKey::from_bytes(&[42; 32]);
    let e = generate(
        &Config {
            seed: 7,
            precincts: 30,
            ..Config::default()
        },
        &root,
    );
    // The kinds an honest generated election has none of: made here.
    let document = Some(DocumentRef::to(b"resolution", "application/pdf"));
    let made: Vec<Record> = [
        Body::LogCheckpoint(LogCheckpoint {
            note: "origin\n1\nAAAA\n\n— origin AAAA\n".into(),
        }),
        Body::KeyRevocation(KeyRevocation {
            key: [9; 32],
            effective: 5,
            reason: "the device was stolen".into(),
        }),
        Body::Annulment(Annulment {
            precincts: vec![1001, 1002],
            resolution: "ЦИК №12/3".into(),
            reason: "ballot stuffing".into(),
            document: document.clone(),
        }),
        Body::Correction(Correction {
            supersedes: 17,
            reason: "a typing error in line 9".into(),
            document,
        }),
    ]
    .into_iter()
    .map(|body| Record::sign(&e.election, 1, body, &root))
    .collect();
    let mut kinds = BTreeSet::new();
    for record in e.records.iter().chain(&made) {
        let mut json = body_to_json(&record.body);
        json["election"] = record.election.clone().into();
        let text = serde_json::to_string_pretty(&json).unwrap();
        let read = UnsignedRecord::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(read.election, record.election);
        assert_eq!(read.body, record.body, "{text}");
        kinds.insert(record.kind());
    }
    let missing: Vec<&str> = Kind::ALL
        .into_iter()
        .filter(|k| !kinds.contains(k))
        .map(Kind::name)
        .collect();
    assert!(missing.is_empty(), "kinds never read back: {missing:?}");
}
