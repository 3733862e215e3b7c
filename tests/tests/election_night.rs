//! The promise, end to end: the CEC logs a whole election through the public API, the
//! observers' witnesses cosign it (quorum 2 of 3), and a citizen with nothing but the
//! observers' policy verifies the checkpoint, the whole election and single precincts — with
//! the scans they downloaded — and a proof bundle offline. The same again with the log kept
//! in a bucket of a real distributed object store (SeaweedFS) rather than a directory.
//!
//! On the directory's night a fourth observers' witness listens nowhere and is reached through
//! a bastion (c2sp.org/https-bastion), and an observers' mirror follows the log from the start; once the
//! ledger is stopped, a citizen whose policy requires the mirror's cosignature verifies the
//! whole election, scans included, from the mirror alone.

use shailoo_e2e::mirror::MirrorNode;
use shailoo_e2e::system::{ElectionNight, count_before, path, scan_hash, witness};
use verifier::display::thousands;

/// The generator's full-size election: 2,500 precincts, about 45,000 records.
const PRECINCTS: u32 = 2_500;

/// Precincts whose protocol a citizen checks one by one.
const SAMPLE: usize = 6;

#[test]
fn an_election_is_logged_cosigned_and_verified_by_a_citizen() {
    let mut night = ElectionNight::start();
    let behind_nat = night.add_witness_behind_a_bastion("observer-4");
    let mirror = night.start_mirror("mirror-1");
    let (night, accepted, uploaded) = election_night(night);
    // The witness that listens nowhere cosigns the election's checkpoint through its bastion
    // (a cosignature later than the quorum's is published with the same checkpoint again).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let checkpoint = String::from_utf8(night.get("checkpoint")).unwrap();
        if checkpoint.contains("\u{2014} observers.example.kg/observer-4 ") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{checkpoint}\nthe bastion said:\n{}",
            behind_nat.bastion.stderr()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    verified_from_the_mirror(night, mirror, accepted, uploaded);
}

#[test]
fn an_election_kept_in_a_bucket_is_logged_cosigned_and_verified_by_a_citizen() {
    let (mut night, _, _) = election_night(ElectionNight::start_in_a_bucket());
    // Everything stops cleanly, as an operator stops it.
    assert!(night.ledger.take().unwrap().stop().success());
    for w in &mut night.witnesses {
        assert!(w.daemon.take().unwrap().stop().success());
    }
}

/// The night itself; returns it with the records accepted and the documents uploaded.
fn election_night(night: ElectionNight) -> (ElectionNight, u64, u64) {
    // The CEC: enroll the commissions' keys and submit the election with its scans.
    let simulated = night.simulate(PRECINCTS, &[]);
    simulated.run.expect(0, &["documents uploaded"]);
    assert!(
        !simulated.run.text().contains("refused"),
        "a clean election has no refusals:\n{}",
        simulated.run.text()
    );
    let accepted = simulated.size;
    let uploaded = count_before(&simulated.run.stdout, " documents uploaded");
    assert!(accepted > 40_000, "{accepted} records");

    // A citizen: the checkpoint is the log's, cosigned by a quorum of the observers.
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(
        0,
        &[
            &format!("checkpoint: {} entries", thousands(accepted)),
            "your policy's quorum is observers",
            "OK: the checkpoint is authentic",
        ],
    );

    // The whole election: every entry, signature, enrollment, rule, the tally, every scan.
    citizen.run(&["audit", "--documents", "-q"]).expect(
        0,
        &[
            &format!("records: {0} valid of {0} entries", thousands(accepted)),
            "their recomputed Merkle root matches the signed checkpoint",
            "findings: none",
            &format!("documents: {} checked", thousands(uploaded)),
            "the log is intact, and the election records passed every check",
        ],
    );

    // Single precincts, as a citizen holding the scan posted at the precinct checks them.
    let index: serde_json::Value =
        serde_json::from_slice(&night.get("api/v1/records?kind=protocol&limit=1000")).unwrap();
    let protocols = index["records"].as_array().unwrap();
    assert!(protocols.len() >= SAMPLE);
    let step = protocols.len() / SAMPLE;
    for record in protocols.iter().step_by(step).take(SAMPLE) {
        let precinct = record["precinct"].as_u64().unwrap().to_string();
        let shown = citizen.protocol(&precinct, None);
        shown.expect(
            0,
            &[
                &format!("precinct {precinct}, contest 1"),
                "leads to the signed root",
                // The votes with the parties' names, from the proven election definition.
                "the election definition is entry",
                "1. Archa Party: ",
                "OK: verified",
            ],
        );
        let scan = night.file(&format!("scan-{precinct}.svg"));
        std::fs::write(&scan, night.get(&format!("blob/{}", scan_hash(&shown)))).unwrap();
        citizen.protocol(&precinct, Some(&scan)).expect(
            0,
            &[&format!("matches document 1 of entry {}", record["index"])],
        );
    }

    // A proof bundle, checked with no network at all.
    let first = &protocols[0];
    let bundle = night.file("protocol.tlog-proof");
    std::fs::write(
        &bundle,
        night.get(&format!("api/v1/bundle/{}", first["index"])),
    )
    .unwrap();
    let offline = night.verifier();
    offline
        .run(&["bundle", path(&bundle)])
        .expect(0, &[&format!("precinct {}", first["precinct"]), "OK"]);

    // The witnesses kept no evidence against the log: it never contradicted itself.
    for w in &night.witnesses {
        witness(&["evidence", path(&w.dir)]).expect(0, &["no evidence"]);
    }

    (night, accepted, uploaded)
}

/// The CEC's server goes down; the observers' mirror still proves the whole election.
fn verified_from_the_mirror(
    mut night: ElectionNight,
    mut mirror: MirrorNode,
    accepted: u64,
    uploaded: u64,
) {
    let status = mirror.wait_mirrored(accepted);
    assert_eq!(status["status"]["forks_seen"], 0, "{status}");
    // The mirror serves the log's checkpoint, with its own two cosignatures added.
    let logs = String::from_utf8(night.get("checkpoint")).unwrap();
    let mirrors = String::from_utf8(night_get(mirror.url(), "checkpoint")).unwrap();
    assert!(
        mirrors.starts_with(&logs),
        "the log's checkpoint, extended:\n{mirrors}"
    );
    assert_eq!(
        mirrors.lines().count(),
        logs.lines().count() + 2,
        "one line per mirror key:\n{mirrors}"
    );

    // Everything stops cleanly, as an operator stops it; the mirror stays.
    assert!(night.ledger.take().unwrap().stop().success());
    for w in &mut night.witnesses {
        assert!(w.daemon.take().unwrap().stop().success());
    }

    // A citizen whose policy needs the witnesses' quorum and the mirror's cosignature
    // verifies every entry, rule, tally and scan from the mirror alone.
    let citizen = shailoo_e2e::Verifier::new(&mirror.policy);
    let from_mirror = ["--log", mirror.url()];
    citizen
        .run(&[&["audit", "--documents", "-q"][..], &from_mirror].concat())
        .expect(
            0,
            &[
                &format!("records: {0} valid of {0} entries", thousands(accepted)),
                "their recomputed Merkle root matches the signed checkpoint",
                "findings: none",
                &format!("documents: {} checked", thousands(uploaded)),
                "the election records passed every check",
            ],
        );
    // The log's own files lack the mirror's cosignature: that policy refuses them.
    let stored = night.stored_url();
    let refused = citizen.copy().run(&["checkpoint", "--log", &stored]);
    assert_ne!(refused.code, 0, "{}", refused.text());
    assert!(refused.text().contains("quorum"), "{}", refused.text());
    // The mirror stops cleanly too.
    assert!(mirror.daemon.take().unwrap().stop().success());
}

/// `GET path` from a server that is not the ledger.
fn night_get(url: &str, path: &str) -> Vec<u8> {
    let client = shailoo::client::LedgerClient::new(url);
    shailoo_e2e::system::block_on(client.get(path)).unwrap()
}
