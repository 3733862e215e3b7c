//! The log beyond one machine's plain HTTP and one machine's disk:
//!
//! - a ledger and a witness that speak HTTPS themselves, with a certificate from a private CA
//!   made in the test: the ledger reaches its witness over HTTPS, the CEC's submitter and a
//!   citizen's verifier reach the ledger, each trusting the CA through `SSL_CERT_FILE` — and
//!   a verifier that does not trust it refuses the log;
//! - a log kept in a bucket of a real distributed object store (SeaweedFS): with the ledger
//!   stopped, the bucket served by the store's own GETs (what a CDN would front) is a
//!   tlog-tiles log that `verifier audit --documents` verifies end to end, and `ledger check`
//!   finds clean;
//! - an insider with write access to the bucket who plants the log's next entry bundle stops
//!   the log — never forks it, never has a file overwritten — until the object is removed.

use shailoo_e2e::binaries;
use shailoo_e2e::seaweed::Seaweed;
use shailoo_e2e::system::{ORIGIN, Verifier, count_before, demo, path, witness};
use shailoo_e2e::tls::TestCa;
use shailoo_e2e::{Daemon, Run};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// `ledger ARGS` with `env`, run to its end.
fn ledger_with(env: &[(&str, String)], args: &[&str]) -> Run {
    let mut command = Command::new(&binaries().ledger);
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    Run::of(command)
}

/// `verifier --state-dir STATE ARGS --policy POLICY` with `env`.
fn verifier_with(verifier: &Verifier, env: &[(&str, String)], args: &[&str]) -> Run {
    let mut command = verifier.command(args);
    command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    Run::of(command)
}

/// Waits until `size_now` says at least `size`.
fn wait_for(what: &str, size: u64, mut size_now: impl FnMut() -> u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while size_now() < size {
        assert!(Instant::now() < deadline, "{what} never reached {size}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_citizen_verifies_a_log_served_over_https_with_a_private_ca() {
    let ca = TestCa::new();
    let dir = shailoo_e2e::temp_dir("https");
    let trust = [("SSL_CERT_FILE", ca.ca.display().to_string())];
    let tls = ["--tls-cert", path(&ca.cert), "--tls-key", path(&ca.key)];
    let log = dir.path().join("log");
    let init = ledger_with(&[], &["init", path(&log), "--origin", ORIGIN]);
    init.expect(0, &[]);
    let log_vkey = init.last_line().to_string();

    // An observers' witness that terminates TLS itself.
    let w = dir.path().join("observer-1");
    let w_vkey = witness(&[
        "init",
        path(&w),
        "--name",
        "observers.example.kg/observer-1",
    ])
    .expect(0, &[])
    .last_line()
    .to_string();
    witness(&["add-log", path(&w), "--origin", ORIGIN, "--vkey", &log_vkey]).expect(0, &[]);
    let mut serve_witness = Command::new(&binaries().witness);
    serve_witness
        .args(["serve", path(&w), "--listen", "127.0.0.1:0"])
        .args(tls);
    let witness_daemon = Daemon::start(serve_witness, &dir.path().join("witness.log"));
    assert!(
        witness_daemon.url.starts_with("https://"),
        "{}",
        witness_daemon.url
    );
    let add = [
        "witness",
        "add",
        path(&log),
        "--name",
        "observer-1",
        "--vkey",
        &w_vkey,
    ];
    ledger_with(&[], &[&add[..], &["--url", &witness_daemon.url]].concat()).expect(0, &[]);

    // The ledger speaks HTTPS, and trusts the CA for its witness.
    let mut serve_ledger = Command::new(&binaries().ledger);
    serve_ledger
        .args([
            "serve",
            path(&log),
            "--listen",
            "127.0.0.1:0",
            "--batch-ms",
            "50",
        ])
        .args(tls)
        .envs(trust.iter().map(|(k, v)| (*k, v.as_str())));
    let ledger = Daemon::start(serve_ledger, &dir.path().join("ledger.log"));
    assert!(ledger.url.starts_with("https://"), "{}", ledger.url);

    // The CEC submits over HTTPS.
    let mut simulate = Command::new(&binaries().demo);
    simulate
        .args(["simulate", "--url", &ledger.url, "--root-key"])
        .arg(log.join("root.key"))
        .args(["--precincts", "20", "--seed", "5"])
        .envs(trust.iter().map(|(k, v)| (*k, v.as_str())));
    let simulated = Run::of(simulate);
    simulated.expect(0, &["records accepted"]);
    let accepted = count_before(&simulated.stdout, " records accepted");
    wait_for("the cosigned checkpoint", accepted, || {
        shailoo_e2e::operator::checkpoint(&log.join("public")).size
    });

    // A citizen with the observers' policy, which names the log and witness by https:// URLs.
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.join("config.json")).unwrap()).unwrap();
    let policy = dir.path().join("policy");
    std::fs::write(
        &policy,
        format!(
            "log {log_vkey} {}\nwitness observer-1 {w_vkey} {}\nquorum observer-1\nroot {}\n",
            ledger.url,
            witness_daemon.url,
            config["root_vkey"].as_str().unwrap()
        ),
    )
    .unwrap();
    let citizen = Verifier::new(&policy);
    verifier_with(&citizen, &trust, &["audit", "--documents", "-q"]).expect(
        0,
        &[
            "findings: none",
            "the log is intact, and the election records passed every check",
        ],
    );
    // Without the CA, the same log is refused: nothing is trusted by accident.
    let untrusting = Verifier::new(&policy);
    let refused = verifier_with(&untrusting, &[], &["checkpoint"]);
    assert_ne!(
        refused.code, 0,
        "a log whose certificate no root vouches for is refused"
    );
    assert!(
        refused.text().to_lowercase().contains("certificate"),
        "the refusal says why:\n{}",
        refused.text()
    );
}

#[test]
fn a_log_in_a_bucket_is_verified_straight_from_the_bucket_with_the_ledger_stopped() {
    let weed = Seaweed::start();
    weed.create_bucket("election");
    let env = weed.env();
    let dir = shailoo_e2e::temp_dir("bucket");
    let log = dir.path().join("log");
    let init = ledger_with(
        &env,
        &[
            "init",
            path(&log),
            "--origin",
            ORIGIN,
            "--storage",
            "s3://election/2026-11-29",
        ],
    );
    assert_eq!(
        init.code,
        0,
        "{}\nSeaweedFS logged:\n{}",
        init.text(),
        weed.log()
    );
    init.expect(0, &["its files in s3://election/2026-11-29"]);
    let log_vkey = init.last_line().to_string();
    assert!(
        !log.join("public").exists(),
        "the log's files are in the bucket, not the directory"
    );
    // One bucket prefix holds one log.
    let again = ledger_with(
        &env,
        &[
            "init",
            path(&dir.path().join("other")),
            "--origin",
            ORIGIN,
            "--storage",
            "s3://election/2026-11-29",
        ],
    );
    again.expect(2, &["already holds a log"]);

    let mut serve = Command::new(&binaries().ledger);
    serve
        .args([
            "serve",
            path(&log),
            "--listen",
            "127.0.0.1:0",
            "--batch-ms",
            "50",
            "--no-witnesses",
        ])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let ledger = Daemon::start(serve, &dir.path().join("ledger.log"));
    let simulated = demo(&[
        "simulate",
        "--url",
        &ledger.url,
        "--root-key",
        path(&log.join("root.key")),
        "--precincts",
        "30",
        "--seed",
        "7",
    ]);
    simulated.expect(0, &["records accepted", "documents uploaded"]);
    let accepted = count_before(&simulated.stdout, " records accepted");
    let uploaded = count_before(&simulated.stdout, " documents uploaded");
    let bucket_url = weed.read_url("election", "2026-11-29");
    let bucket = shailoo::client::LedgerClient::new(&bucket_url);
    wait_for("the bucket's checkpoint", accepted, || {
        let checkpoint = shailoo_e2e::system::block_on(bucket.get("checkpoint")).unwrap();
        let note = tlog::note::Note::parse(&checkpoint).unwrap();
        tlog::Checkpoint::parse(&note.text).unwrap().size
    });
    assert!(ledger.stop().success(), "the ledger stops cleanly");

    // The read path without the ledger: the store's own GETs.
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.join("config.json")).unwrap()).unwrap();
    let policy = dir.path().join("policy");
    std::fs::write(
        &policy,
        format!(
            "log {log_vkey} {bucket_url}\nquorum none\nroot {}\n",
            config["root_vkey"].as_str().unwrap()
        ),
    )
    .unwrap();
    let citizen = Verifier::new(&policy);
    citizen.run(&["audit", "--documents", "-q"]).expect(
        0,
        &[
            "their recomputed Merkle root matches the signed checkpoint",
            &format!("documents: {uploaded} checked"),
            "the log is intact, and the election records passed every check",
        ],
    );
    // The operator's fsck reads the same bucket.
    ledger_with(&env, &["check", path(&log)]).expect(0, &[]);
    assert!(
        Path::new(&log).join("ledger.db").exists(),
        "the cache is local"
    );
}

#[test]
fn an_insider_who_plants_the_next_bundle_in_the_bucket_stops_the_log_and_never_forks_it() {
    use election::records::Role;
    use shailoo_e2e::records::enrollment;
    let mut night = shailoo_e2e::ElectionNight::start_in_a_bucket();
    let root = night.root_key();
    let now = shailoo::unix_now();
    let finance = |key| enrollment(root.signing_key(), key, Role::FinanceOffice, now);
    night.submit(&finance(1), true).unwrap();
    let before = night.wait_settled();
    let n = before.size;
    assert!(n % 256 + 4 < 256, "the next entries stay in one bundle");
    // What the next batch (of one to four entries) would create, planted with other bytes.
    let planted: Vec<String> = (n + 1..=n + 4)
        .map(|size| {
            tlog::tile::Tile::at_tree_size(0, n / 256, size)
                .unwrap()
                .entries_path()
        })
        .collect();
    for path in &planted {
        night.overwrite(path, b"planted by an insider");
    }
    // The sequencer commits its batch, finds a file of its tree holding other bytes, and stops
    // rather than overwrite it or go on without it; the submitter is never acknowledged.
    let answer = night.submit(&finance(2), false);
    assert!(answer.is_err(), "acknowledged: {answer:?}");
    let ledger = night.ledger.take().unwrap();
    let stderr_before = ledger.stderr();
    let exited = ledger.exited(Duration::from_secs(30));
    assert_eq!(exited.and_then(|s| s.code()), Some(70), "{stderr_before}");
    // Nothing published, nothing overwritten: the log is stopped, not forked.
    assert_eq!(night.published(), before);
    for path in &planted {
        assert_eq!(
            night.read(path).as_deref(),
            Some(&b"planted by an insider"[..])
        );
    }
    // The operator removes the planted objects; the log resumes from its commit point, the
    // unacknowledged record in it, and publishes again.
    for path in &planted {
        night.storage().remove(path).unwrap();
    }
    night.start_ledger();
    let after = night.wait_published(n + 1);
    let entries = night.entries_from(n, after.size);
    assert!(
        entries.contains(&finance(2).to_bytes()),
        "the committed batch is in the log"
    );
    assert_eq!(
        shailoo_e2e::operator::root_of(&night.entries_from(0, after.size)),
        after.root
    );
}
