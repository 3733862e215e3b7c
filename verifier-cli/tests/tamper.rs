//! The verifier against logs that lie: copies of an election logged by the real ledger,
//! served by a plain static file server and tampered with on disk — an entry byte, a hash-tile
//! byte, the checkpoint's signature, missing cosignatures, a rollback, forks — each caught
//! with exit code 2 and a message a person understands.

mod common;
use common::*;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::note::Note;

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
    assert!(!v.state_dir().join(log.state_file_name()).exists());
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
    let state_file = v.state_dir().join(log.state_file_name());
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
    // An older view is not evidence: a stale mirror serves older, genuine checkpoints too.
    assert!(
        !run.text().contains("evidence that it misbehaved"),
        "{}",
        run.text()
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
    let forked = temp_dir("forked");
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
