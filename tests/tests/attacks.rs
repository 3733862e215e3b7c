//! The attack table: each attack on an election logged by the real binaries, and the party
//! that exposes it with the message it prints. TESTING.md lists the same table.
//!
//! | attack | exposed by | with |
//! |---|---|---|
//! | (a) the operator edits an entry on disk | `verifier inclusion`, `verifier audit` | exit 2, "entry N does not match the log's signed checkpoint" |
//! | (b) the operator truncates the log and re-signs a shorter tree | the witnesses refuse it (409); `verifier` | exit 2, "ROLLBACK" with both checkpoints; "the witness quorum is not met" |
//! | (c) the operator signs a fork | the witnesses refuse it and keep evidence; `verifier` | 422 and `witness evidence`; exit 2, "FORK" with both checkpoints |
//! | (d) a record signed by an unenrolled or revoked key | the ledger, at the door | 403 `not-authorized` |
//! | (e) a scan replaced after it was logged | `verifier audit --documents`, `verifier inclusion --document` | exit 1, "do not match" |
//! | (f) urn count differs from the protocol | `verifier audit` | exit 1, `[urn.matches-protocol]` |
//! | (g) more ballots than identified voters | `verifier audit` | exit 1, `[ballots.within-identified]` |
//! | (h) final result differs from the sum of precincts | `verifier audit` | exit 1, `[final.matches-tally]` |
//! | (i) an annulment signed by a non-CEC key | the ledger, at the door | 403 `not-authorized` |
//! | (j) one witness key stolen | the quorum: `verifier` | exit 2, "the witness quorum is not met" |
//! | (k) a witness down | nobody needs to: the log publishes with 2 of 3; `verifier` refuses less | exit 0; exit 2 on one cosignature |
//! | (l) a complaint decided after its deadline | `verifier audit` | exit 1, `[complaint.deadline]` |

use election::Body;
use election::records::{KeyEnrollment, KeyRevocation, Role, Scope};
use ledger::client::ClientError;
use shailoo_e2e::Run;
use shailoo_e2e::operator;
use shailoo_e2e::system::{ElectionNight, WitnessNode, copy_tree, path, scan_hash, witness};
use std::path::{Path, PathBuf};

const ELECTION: &str = "2026-11-29-parliamentary";

/// A small clean election, logged and published.
fn logged_election() -> (ElectionNight, u64) {
    let night = ElectionNight::start();
    let size = night.simulate(20, &[]).size;
    (night, size)
}

/// The operator serves `checkpoint` with the log's other files to some people: a copy of the
/// public files (a directory is what any static web server or mirror serves; `verifier --log
/// DIR` reads it).
fn serve_checkpoint(night: &ElectionNight, name: &str, checkpoint: &[u8]) -> PathBuf {
    let copy = night.file(name);
    copy_tree(&night.public(), &copy);
    std::fs::write(copy.join("checkpoint"), checkpoint).unwrap();
    copy
}

/// Offers a checkpoint to every running witness as an extension of `old_size`.
fn offer_to_witnesses<'a>(
    night: &'a ElectionNight,
    old_size: u64,
    checkpoint: &[u8],
) -> Vec<(&'a WitnessNode, operator::WitnessAnswer)> {
    let running = night.witnesses.iter().filter(|w| w.daemon.is_some());
    running
        .map(|w| {
            let url = &w.daemon.as_ref().unwrap().url;
            (
                w,
                operator::offer(url, old_size, vec![], checkpoint.to_vec()),
            )
        })
        .collect()
}

/// Asserts that `run` reports the log's misbehaviour (exit 2) with `phrases`, and quotes both
/// signed checkpoints, the one accepted earlier and `note` in full: the evidence a citizen can
/// publish.
#[track_caller]
fn assert_proves(run: &Run, phrases: &[&str], note: &[u8]) {
    run.expect(2, phrases);
    run.expect(2, &["--- accepted earlier", "--- served now by"]);
    let quoted = String::from_utf8_lossy(note);
    assert!(run.text().contains(quoted.as_ref()), "{}", run.text());
}

fn flip_last_byte(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn a_an_entry_edited_on_disk_is_exposed_by_every_verifier() {
    let (night, _) = logged_election();
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The operator edits entry 255 in the file the running ledger serves.
    flip_last_byte(&night.public().join("tile/entries/000"));
    citizen.run(&["inclusion", "--index", "255"]).expect(
        2,
        &[
            "LOG VERIFICATION FAILED",
            "entry 255 does not match the log's signed checkpoint",
        ],
    );
    citizen.run(&["audit", "-q"]).expect(
        2,
        &[
            "the entries the log serves do not match its signed checkpoint",
            "tile/entries/000",
        ],
    );
}

#[test]
fn b_a_truncated_log_re_signed_is_a_rollback_no_witness_cosigns() {
    let (night, size) = logged_election();
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The operator drops the last 10 entries and signs the shorter tree with the log's key.
    let shorter = size - 10;
    let entries = operator::entries(&night.public());
    let truncated = operator::sign(
        &night.log_dir(),
        shorter,
        operator::root_of(&entries[..shorter as usize]),
    );
    // No witness cosigns it: each has cosigned the longer tree.
    for (w, answer) in offer_to_witnesses(&night, shorter, &truncated) {
        assert_eq!(answer.status, 409, "{}: {answer:?}", w.name);
        assert!(answer.body.contains(&size.to_string()), "{answer:?}");
    }
    let served = serve_checkpoint(&night, "truncated", &truncated);
    // A citizen who saw the longer tree has the proof of the rollback, both signed by the log.
    assert_proves(
        &citizen.run(&["checkpoint", "--log", path(&served)]),
        &[
            "ROLLBACK",
            &format!("a checkpoint of size {shorter}, smaller than the checkpoint of size {size}"),
        ],
        &truncated,
    );
    // A citizen who never saw the longer tree still refuses it: no witness cosigned it.
    night
        .verifier()
        .run(&["checkpoint", "--log", path(&served)])
        .expect(2, &["the witness quorum is not met", "no witness it knows"]);
}

#[test]
fn c_a_fork_is_refused_by_the_witnesses_and_reported_with_both_checkpoints() {
    let (night, size) = logged_election();
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The operator rewrites entry 3 and signs that history, of the same size, for some.
    let mut entries = operator::entries(&night.public());
    entries[3][20] ^= 1;
    let fork = operator::sign(&night.log_dir(), size, operator::root_of(&entries));
    for (w, answer) in offer_to_witnesses(&night, size, &fork) {
        assert_eq!(answer.status, 422, "{}: {answer:?}", w.name);
        let evidence = witness(&["evidence", path(&w.dir)]);
        evidence.expect(
            0,
            &["1 record(s)", "--- checkpoint this witness had cosigned"],
        );
        assert!(
            evidence
                .stdout
                .contains(String::from_utf8_lossy(&fork).as_ref())
        );
    }
    let served = serve_checkpoint(&night, "fork", &fork);
    assert_proves(
        &citizen.run(&["checkpoint", "--log", path(&served)]),
        &[
            "FORK",
            &format!("two different trees of the same size {size}"),
        ],
        &fork,
    );
    // The honest branch still verifies for the same citizen.
    citizen
        .run(&["checkpoint"])
        .expect(0, &["the same tree this verifier accepted last time"]);
}

#[test]
fn d_records_signed_by_unenrolled_or_revoked_keys_are_refused_at_the_door() {
    let night = ElectionNight::start();
    let root = night.root_key();
    let operator_key = ed25519_key(1);
    let enroll = |signer: &ed25519_dalek::SigningKey, key: u8, time: u64| {
        let body = Body::KeyEnrollment(KeyEnrollment {
            key: ed25519_key(key).verifying_key().to_bytes(),
            role: Role::CecOperator,
            holder: format!("CEC operator workstation {key}"),
            scope: Scope::everything(),
            valid_from: 0,
            valid_until: u64::MAX,
        });
        election::Record::sign(ELECTION, time, body, signer)
    };
    // Never enrolled: refused, and nothing is logged.
    let refused = night.submit(&enroll(&operator_key, 2, 1_000), false);
    assert_refused(refused, 403, "not-authorized", "was never enrolled");
    // Enrolled by the root: its records are accepted…
    night
        .submit(&enroll(root.signing_key(), 1, 1_000), false)
        .unwrap();
    night
        .submit(&enroll(&operator_key, 2, 1_100), false)
        .unwrap();
    // …until the root revokes it.
    let revocation = Body::KeyRevocation(KeyRevocation {
        key: operator_key.verifying_key().to_bytes(),
        effective: 1_200,
        reason: "workstation stolen".into(),
    });
    let revoked = election::Record::sign(ELECTION, 1_200, revocation, root.signing_key());
    let last = night.submit(&revoked, true).unwrap();
    assert_eq!(
        last.index, 2,
        "the two refused records took no place in the log"
    );
    let refused = night.submit(&enroll(&operator_key, 3, 1_300), false);
    assert_refused(refused, 403, "not-authorized", "revoked");
    assert_eq!(night.published().size, 3);
}

#[test]
fn e_a_scan_replaced_after_it_was_logged_no_longer_matches() {
    let (night, _) = logged_election();
    let citizen = night.verifier();
    let index: serde_json::Value =
        serde_json::from_slice(&night.get("api/v1/records?kind=protocol&limit=2")).unwrap();
    let [first, second] = [&index["records"][0], &index["records"][1]];
    let precinct = first["precinct"].as_u64().unwrap().to_string();
    let hash = scan_hash(&citizen.protocol(&precinct, None));
    // The operator swaps the stored scan for another precinct's.
    let other = second["precinct"].as_u64().unwrap().to_string();
    let other_hash = scan_hash(&citizen.protocol(&other, None));
    assert_ne!(hash, other_hash, "two precincts, two scans");
    let blobs = night.public().join("blob");
    std::fs::copy(blobs.join(&other_hash), blobs.join(&hash)).unwrap();

    citizen.run(&["audit", "--documents", "-q"]).expect(
        1,
        &[
            "1 do not match their records",
            &format!("document {hash} does not match"),
        ],
    );
    let downloaded = night.file("scan.svg");
    std::fs::write(&downloaded, night.get(&format!("blob/{hash}"))).unwrap();
    citizen.protocol(&precinct, Some(&downloaded)).expect(
        1,
        &[
            "document: PROBLEM",
            "does not match any document the record references",
        ],
    );
}

#[test]
fn d_f_g_h_i_l_election_anomalies_are_refused_or_found_by_the_audit() {
    let night = ElectionNight::start();
    let anomalies = [
        "unenrolled-signer",
        "urn-mismatch",
        "ballot-stuffing",
        "wrong-final-total",
        "unauthorized-annulment",
        "overdue-complaint",
    ];
    let simulated = night.simulate(30, &anomalies);
    // (d) and (i): the ledger refuses them at the door, with the reason.
    simulated.run.expect(
        0,
        &[
            "refused protocol: 403 not-authorized: key",
            "was never enrolled",
            "refused annulment: 403 not-authorized: only the CEC's keys may annul results",
        ],
    );
    // (f), (g), (h), (l): logged, and found by the citizen's audit, each under its rule.
    let audit = night.verifier().run(&["audit", "-q"]);
    audit.expect(
        1,
        &[
            "findings: 5 under 4 rule(s)",
            "[urn.matches-protocol]",
            "[ballots.within-identified]",
            "[final.matches-tally]",
            "[complaint.deadline]",
            "the log is intact, but the election records have the problems listed above",
        ],
    );
    assert!(
        !audit.text().contains("[annulment.by-cec]"),
        "refused, so never logged"
    );
}

#[test]
fn j_a_stolen_witness_key_alone_cannot_make_a_fork_acceptable() {
    let (night, size) = logged_election();
    let mut entries = operator::entries(&night.public());
    entries[0][30] ^= 1;
    let fork = operator::sign(&night.log_dir(), size, operator::root_of(&entries));
    let stolen = ledger::logdir::load_key(&night.witnesses[0].dir.join("witness.key")).unwrap();
    let cosigned = operator::cosign(&fork, &stolen);
    let served = serve_checkpoint(&night, "fork", &cosigned);
    night
        .verifier()
        .run(&["checkpoint", "--log", path(&served)])
        .expect(
            2,
            &[
                "the witness quorum is not met",
                "your policy needs \"observers\", but only 1 cosigned it",
            ],
        );
    // Every witness node refuses the fork (the robbed one's too) and keeps it.
    for (w, answer) in offer_to_witnesses(&night, size, &fork) {
        assert_eq!(answer.status, 422, "{}: {answer:?}", w.name);
        witness(&["evidence", path(&w.dir)]).expect(0, &["1 record(s)"]);
    }
}

#[test]
fn k_with_a_witness_down_the_log_publishes_with_the_quorum_left() {
    let (mut night, size) = logged_election();
    let root = night.root_key();
    let record = |n: u8| {
        let body = Body::KeyEnrollment(KeyEnrollment {
            key: ed25519_key(n).verifying_key().to_bytes(),
            role: Role::FinanceOffice,
            holder: format!("finance office {n}"),
            scope: Scope::everything(),
            valid_from: 0,
            valid_until: u64::MAX,
        });
        election::Record::sign(ELECTION, 1_796_000_000, body, root.signing_key())
    };
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &[]);

    night.kill_witness(2);
    let a = night
        .submit(&record(1), true)
        .expect("published with 2 of 3");
    assert_eq!(a.index, size);
    citizen.run(&["checkpoint"]).expect(
        0,
        &[
            "cosigned by 2 witness(es) (observer-1, observer-2)",
            &format!("consistent with the checkpoint of size {size}"),
        ],
    );

    // Two down: the record is sequenced, but nothing below the quorum is published…
    night.kill_witness(1);
    let b = night.submit(&record(2), false).unwrap();
    let refused = ledger::client::LedgerClient::new(night.url());
    let waited =
        shailoo_e2e::system::block_on(refused.get(&format!("api/v1/bundle/{}?wait=3", b.index)));
    assert!(
        matches!(waited, Err(ClientError::Refused(ref r)) if r.code == "not-published"),
        "{waited:?}"
    );
    citizen
        .run(&["checkpoint"])
        .expect(0, &["the same tree this verifier accepted last time"]);
    // …and a checkpoint with a single cosignature is refused by every verifier.
    let published = std::fs::read(night.public().join("checkpoint")).unwrap();
    let mut note = tlog::note::Note::parse(&published).unwrap();
    note.signatures.truncate(2); // the log's signature and one cosignature
    let served = serve_checkpoint(&night, "one-cosignature", &note.to_bytes());
    night
        .verifier()
        .run(&["checkpoint", "--log", path(&served)])
        .expect(
            2,
            &["the witness quorum is not met", "but only 1 cosigned it"],
        );

    // A witness comes back: publication resumes by itself.
    night.restart_witness(1);
    night.wait_published(b.index + 1);
    citizen.run(&["checkpoint"]).expect(
        0,
        &[&format!(
            "consistent with the checkpoint of size {}",
            size + 1
        )],
    );
}

#[test]
fn control_a_clean_election_has_no_findings_and_no_evidence() {
    // The control for the table: the same checks on an honest log find nothing.
    let (night, size) = logged_election();
    night
        .verifier()
        .run(&["audit", "--documents", "-q"])
        .expect(
            0,
            &[
                &format!("checkpoint: {size} entries"),
                "findings: none",
                "the log is intact, and the election records passed every check",
            ],
        );
    for w in &night.witnesses {
        witness(&["evidence", path(&w.dir)]).expect(0, &["no evidence"]);
    }
}

fn ed25519_key(n: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[n; 32])
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, ClientError>,
    status: u16,
    code: &str,
    message: &str,
) {
    match result {
        Err(ClientError::Refused(r)) => {
            assert_eq!((r.status, r.code.as_str()), (status, code), "{r}");
            assert!(r.message.contains(message), "{r}");
        }
        other => panic!("expected a {status} {code} refusal, got {other:?}"),
    }
}
