//! `spec/vectors/records.json`: one canonical example of every record kind — entry bytes,
//! leaf hash, signature — produced by this code, compared byte for byte with the committed
//! file, and re-read by an independent CBOR implementation (`ciborium`).
//!
//! Regenerate after an intended format change (spec/records.md changes first):
//! `UPDATE_VECTORS=1 cargo test -p election --test spec_vectors`

use ciborium::Value;
use ed25519_dalek::SigningKey;
use election::records::*;
use election::{Body, Kind, Record};
use serde_json::json;
use std::path::PathBuf;

const ELECTION: &str = "2026-11-29-parliamentary";
const T: u64 = 1_795_960_800;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn doc(name: &str) -> DocumentRef {
    DocumentRef::to(name.as_bytes(), "image/svg+xml")
}

fn names(ky: &str, ru: &str, en: &str) -> Names {
    Names::new(ky, ru, en)
}

/// One example of each kind, and the seed of the key that signs it.
fn examples() -> Vec<(u8, Body)> {
    let pc = key(0x13).verifying_key().to_bytes();
    vec![
        (
            0x01,
            Body::KeyEnrollment(KeyEnrollment {
                key: pc,
                role: Role::PrecinctCommission,
                holder: "УИК / УШК №1204".into(),
                scope: Scope::precinct(1204),
                valid_from: T - 40 * 86_400,
                valid_until: T + 120 * 86_400,
            }),
        ),
        (
            0x01,
            Body::KeyRevocation(KeyRevocation {
                key: pc,
                effective: T + 86_400,
                reason: "device lost".into(),
            }),
        ),
        (
            0x02,
            Body::ElectionDefinition(ElectionDefinition {
                election_type: ElectionType::Parliamentary,
                date: "2026-11-29".into(),
                name: names(
                    "Жогорку Кеңешке шайлоо",
                    "Выборы в Жогорку Кенеш",
                    "Jogorku Kenesh election",
                ),
                contests: vec![Contest {
                    id: 1,
                    name: names("Партиялык тизмелер", "Партийные списки", "Party lists"),
                    seats: 54,
                    options: vec![
                        ContestOption {
                            name: names("«Арча»", "«Арча»", "Archa"),
                        },
                        ContestOption {
                            name: names("«Булак»", "«Булак»", "Bulak"),
                        },
                    ],
                }],
                regions: vec![Region {
                    id: 1,
                    name: names("Бишкек шаары", "город Бишкек", "Bishkek city"),
                }],
                territories: vec![Territory {
                    id: 1,
                    region: 1,
                    name: names("№1 АШК", "ТИК №1", "TEC No. 1"),
                }],
                complaint_deadline: 3 * 86_400,
                registry_parts: 1,
            }),
        ),
        (
            0x02,
            Body::PrecinctRegistry(PrecinctRegistry {
                part: 0,
                precincts: vec![Precinct {
                    id: 1204,
                    territory: 1,
                    registered: 1310,
                    station: Some(names(
                        "№45 орто мектеп",
                        "Средняя школа №45",
                        "School No. 45",
                    )),
                    address: Some(Names {
                        ky: "Бишкек ш., Чүй пр., 123".into(),
                        ru: "г. Бишкек, пр. Чуй, 123".into(),
                        en: None,
                    }),
                }],
            }),
        ),
        (
            0x13,
            Body::PrecinctProtocol(PrecinctProtocol {
                precinct: 1204,
                contest: 1,
                voters_on_list: 1322,
                ballots_received: 1340,
                ballots_issued: 741,
                ballots_cancelled: 599,
                ballots_stationary: 712,
                ballots_mobile: 28,
                invalid: 11,
                valid: 729,
                votes: vec![402, 327],
                pages: vec![doc("protocol page 1")],
            }),
        ),
        (
            0x14,
            Body::UrnResult(UrnResult {
                precinct: 1204,
                contest: 1,
                device: "KESB-008428".into(),
                ballots_read: 740,
                rejected: 11,
                votes: vec![402, 327],
                printout: Some(doc("urn printout")),
            }),
        ),
        (
            0x15,
            Body::Turnout(Turnout {
                precinct: 1204,
                hour: 12,
                identified: 301,
            }),
        ),
        (
            0x15,
            Body::IdentificationReport(IdentificationReport {
                precinct: 1204,
                identified: 713,
                identified_mobile: 28,
                hourly: vec![
                    HourCount {
                        hour: 9,
                        identified: 37,
                    },
                    HourCount {
                        hour: 20,
                        identified: 741,
                    },
                ],
                scan: Some(doc("identification report")),
            }),
        ),
        (
            0x16,
            Body::ComplaintFiled(ComplaintFiled {
                complaint: "Д-2026-0001".into(),
                filed_with: "ТИК / АШК №1".into(),
                category: ComplaintCategory::Counting,
                precinct: Some(1204),
                subject: "Эсептөөдөгү ката".into(),
                documents: vec![doc("complaint")],
            }),
        ),
        (
            0x17,
            Body::ComplaintDecision(ComplaintDecision {
                complaint: "Д-2026-0001".into(),
                decided_by: Decider::Commission,
                decider_name: "ТИК / АШК №1".into(),
                outcome: Outcome::Rejected,
                documents: vec![doc("decision")],
            }),
        ),
        (
            0x18,
            Body::FinanceReport(FinanceReport {
                filer: "Партия «Арча»".into(),
                period_end: "2026-11-14".into(),
                income: vec![Amount {
                    category: 1,
                    tyiyn: 150_000_000,
                }],
                spending: vec![Amount {
                    category: 1,
                    tyiyn: 90_000_000,
                }],
                document: doc("fund report"),
            }),
        ),
        (
            0x18,
            Body::BankStatement(BankStatement {
                filer: "Партия «Арча»".into(),
                account: "1280…1000".into(),
                period_end: "2026-11-14".into(),
                opening_tyiyn: 0,
                credits_tyiyn: 150_000_000,
                debits_tyiyn: 90_000_000,
                closing_tyiyn: 60_000_000,
                document: doc("statement"),
            }),
        ),
        (
            0x02,
            Body::Annulment(Annulment {
                precincts: vec![1204],
                resolution: "№524".into(),
                reason: "нарушения при подсчёте".into(),
                document: Some(doc("resolution")),
            }),
        ),
        (
            0x13,
            Body::Correction(Correction {
                supersedes: 4,
                reason: "arithmetic error in line 9".into(),
                document: None,
            }),
        ),
        (
            0x02,
            Body::FinalResult(FinalResult {
                contest: 1,
                totals: vec![402, 327],
                precincts_counted: 1,
                annulled: vec![],
                document: Some(doc("final protocol")),
            }),
        ),
        (
            // The log's key of the tlog vectors (seed 11..) logs its cosigned checkpoint.
            0x11,
            Body::LogCheckpoint(LogCheckpoint {
                note: include_str!("../../spec/vectors/checkpoint-cosigned.txt").into(),
            }),
        ),
    ]
}

fn vectors() -> String {
    let records: Vec<serde_json::Value> = examples()
        .into_iter()
        .map(|(seed, body)| {
            let r = Record::sign(ELECTION, T, body, &key(seed));
            let entry = r.to_bytes();
            json!({
                "kind": r.kind().name(),
                "kind_code": r.kind().code(),
                "signer_seed_hex": hex::encode([seed; 32]),
                "signer_public_key_hex": hex::encode(r.signer),
                "election": ELECTION,
                "time": T,
                "body_hex": hex::encode(r.body.encode()),
                "signature_hex": hex::encode(r.signature),
                "entry_hex": hex::encode(&entry),
                "leaf_hash_hex": tlog::leaf_hash(&entry).to_hex(),
            })
        })
        .collect();
    let doc = json!({
        "description": "One signed record of each kind, election '2026-11-29-parliamentary', time 1795960800. Keys derive from the given seeds (tests only). Root key seed: 01.., CEC operator: 02.., precinct commission: 13.., urn: 14.., identification device: 15.., complaints office: 16.., territorial commission: 17.., finance office: 18.., the log (its checkpoint record, the note of checkpoint-cosigned.txt): 11...",
        "signing_context": "shailoo-ledger/record/v1\\n",
        "records": records,
    });
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

#[test]
fn committed_vectors_match_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/records.json");
    let produced = vectors();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &produced).unwrap();
    }
    let committed = std::fs::read_to_string(&path)
        .expect("spec/vectors/records.json; run with UPDATE_VECTORS=1");
    assert!(
        committed == produced,
        "records.json differs from the code; update spec/records.md, then rerun with UPDATE_VECTORS=1"
    );
}

#[test]
fn every_kind_has_an_example() {
    let kinds: Vec<Kind> = examples().iter().map(|(_, b)| b.kind()).collect();
    assert_eq!(kinds, Kind::ALL.to_vec());
}

/// An independent decoder sees a map with integer keys 0..=6 in order, the body as bytes
/// holding another integer-keyed map, and re-encodes both to the same bytes.
#[test]
fn an_independent_cbor_implementation_agrees() {
    for (seed, body) in examples() {
        let r = Record::sign(ELECTION, T, body, &key(seed));
        let entry = r.to_bytes();
        let value: Value = ciborium::from_reader(entry.as_slice()).unwrap();
        let Value::Map(fields) = &value else {
            panic!("entry is not a map")
        };
        let keys: Vec<i128> = fields
            .iter()
            .map(|(k, _)| k.as_integer().unwrap().into())
            .collect();
        assert_eq!(keys, (0..=6).collect::<Vec<i128>>());
        let mut again = Vec::new();
        ciborium::into_writer(&value, &mut again).unwrap();
        assert_eq!(
            again,
            entry,
            "ciborium re-encodes {:?} differently",
            r.kind()
        );
        let Value::Bytes(body) = &fields[5].1 else {
            panic!("body is not a byte string")
        };
        let inner: Value = ciborium::from_reader(body.as_slice()).unwrap();
        let Value::Map(inner_fields) = &inner else {
            panic!("body is not a map")
        };
        let inner_keys: Vec<i128> = inner_fields
            .iter()
            .map(|(k, _)| k.as_integer().unwrap().into())
            .collect();
        assert!(
            inner_keys.windows(2).all(|w| w[0] < w[1]),
            "{:?} body keys not ascending",
            r.kind()
        );
        let mut inner_again = Vec::new();
        ciborium::into_writer(&inner, &mut inner_again).unwrap();
        assert_eq!(&inner_again, body);
        assert!(
            Record::from_bytes(&entry)
                .unwrap()
                .verify_signature()
                .is_ok()
        );
    }
}
