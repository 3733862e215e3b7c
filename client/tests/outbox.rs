//! The outbox and the receipts: records that wait through a ledger that is down (even once
//! the files they came from are gone), a ledger's `Retry-After` honoured, receipts held to the
//! observers' trust policy, checked offline, and one-step signing and submission.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A log with the root key `root.key` in `dir`; its log's verifier key.
fn new_log(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let root = keygen(dir, "root");
    let log = dir.join("log");
    let created = ledger::server::init(&log, ORIGIN, Some(&root.to_string())).unwrap();
    (log, created.log_vkey.to_string())
}

fn served(log: &std::path::Path) -> (Ledger, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (Ledger::serve(log.to_path_buf(), listener), url)
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)))
}

#[test]
fn records_wait_in_the_outbox_until_a_later_submit_delivers_them() {
    let dir = shailoo_e2e::temp_dir("outbox-waits");
    let (log, _) = new_log(dir.path());
    // Signed on a USB stick, which is taken out after the first try.
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let finance = keygen(dir.path(), "finance");
    let complaints = keygen(dir.path(), "complaints");
    let root_key = dir.path().join("root.key");
    let first = sign_with(
        &root_key,
        &stick,
        "finance",
        &enrollment_json(&finance, "finance-office"),
        &[],
    );
    let second = sign_with(
        &root_key,
        &stick,
        "complaints",
        &enrollment_json(&complaints, "complaints-office"),
        &[],
    );
    let down = TcpListener::bind("127.0.0.1:0").unwrap();
    let down_url = format!("http://{}", down.local_addr().unwrap());
    drop(down);
    let outbox = dir.path().join("outbox");
    let tried = run(&[
        "submit",
        "--url",
        &down_url,
        "--outbox",
        path(&outbox),
        "--patience",
        "1",
        path(&first),
        path(&second),
    ]);
    assert_eq!(tried.status.code(), Some(3), "{}", text(&tried.stderr));
    assert!(
        text(&tried.stderr).contains("2 record(s) wait in the outbox"),
        "{}",
        text(&tried.stderr)
    );
    std::fs::remove_dir_all(&stick).unwrap();

    // What waits, and why.
    let listing = json(&run(&["outbox", "--dir", path(&outbox), "--json"]));
    let waiting = listing["waiting"].as_array().unwrap();
    assert_eq!(waiting.len(), 2, "{listing}");
    for item in waiting {
        assert_eq!(item["kind"], "key-enrollment");
        assert!(item["attempts"].as_u64().unwrap() >= 1, "{item}");
        assert!(
            item["last_failure"]
                .as_str()
                .unwrap()
                .contains("cannot reach the ledger"),
            "{item}"
        );
    }
    let human = run(&["outbox", "--dir", path(&outbox)]);
    assert!(
        text(&human.stdout).contains("2 waiting, 0 refused, 0 delivered"),
        "{}",
        text(&human.stdout)
    );

    // The ledger is up: `submit` with no records delivers what waits, oldest first, and keeps
    // each receipt in the outbox (the stick is gone).
    let (ledger, url) = served(&log);
    let delivered = run(&["submit", "--url", &url, "--outbox", path(&outbox), "--json"]);
    assert!(delivered.status.success(), "{}", text(&delivered.stderr));
    let answers: Vec<serde_json::Value> = text(&delivered.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2);
    for answer in &answers {
        let receipt = std::fs::read(answer["receipt"].as_str().unwrap()).unwrap();
        let bundle = tlog::bundle::ProofBundle::parse(&receipt).unwrap();
        assert_eq!(answer["index"], bundle.index);
        assert!(
            answer["receipt"]
                .as_str()
                .unwrap()
                .starts_with(path(&outbox))
        );
    }
    let listing = json(&run(&["outbox", "--dir", path(&outbox), "--json"]));
    assert_eq!(listing["waiting"].as_array().unwrap().len(), 0);
    assert_eq!(listing["delivered"], 2);
    drop(ledger);
}

/// A front that answers the first request `429` with `Retry-After: 2` and passes the rest to
/// `ledger`; it notes when it answered and when the next request came.
struct Gate {
    url: String,
    times: Arc<Mutex<Vec<Instant>>>,
}

fn gate(ledger: std::net::SocketAddr) -> Gate {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let times = Arc::new(Mutex::new(Vec::new()));
    let noted = times.clone();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().enumerate() {
            let Ok(mut client) = client else { return };
            if n == 0 {
                let mut request = [0u8; 4096];
                let _ = client.read(&mut request);
                let body = r#"{"error":{"code":"busy","message":"slow down"}}"#;
                let _ = write!(
                    client,
                    "HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = client.flush();
                noted.lock().unwrap().push(Instant::now());
                continue;
            }
            noted.lock().unwrap().push(Instant::now());
            let upstream = TcpStream::connect(ledger).unwrap();
            let (mut a, b) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            std::thread::spawn(move || std::io::copy(&mut a, &mut b.try_clone().unwrap()));
            let (mut c, mut d) = (upstream, client);
            std::thread::spawn(move || std::io::copy(&mut c, &mut d));
        }
    });
    Gate { url, times }
}

#[test]
fn a_ledger_that_says_retry_after_is_left_alone_that_long() {
    let dir = shailoo_e2e::temp_dir("retry-after");
    let (log, _) = new_log(dir.path());
    let finance = keygen(dir.path(), "finance");
    let signed = sign(
        dir.path(),
        "finance",
        &enrollment_json(&finance, "finance-office"),
        &[],
    );
    let (ledger, url) = served(&log);
    let gate = gate(url.trim_start_matches("http://").parse().unwrap());
    let outbox = dir.path().join("outbox");
    let submitted = run(&[
        "submit",
        "--url",
        &gate.url,
        "--outbox",
        path(&outbox),
        path(&signed),
    ]);
    assert!(submitted.status.success(), "{}", text(&submitted.stderr));
    assert!(
        text(&submitted.stderr).contains("retrying in 2s"),
        "{}",
        text(&submitted.stderr)
    );
    let times = gate.times.lock().unwrap().clone();
    assert!(times.len() >= 2, "{times:?}");
    // The backoff alone would have come back after 250 ms.
    assert!(times[1] - times[0] >= Duration::from_secs(2), "{times:?}");
    drop(ledger);
}

#[test]
fn receipts_are_held_to_the_trust_policy_and_verified_offline() {
    let dir = shailoo_e2e::temp_dir("receipts");
    let (log, log_vkey) = new_log(dir.path());
    let finance = keygen(dir.path(), "finance");
    let signed = sign(
        dir.path(),
        "finance",
        &enrollment_json(&finance, "finance-office"),
        &[],
    );
    let (ledger, url) = served(&log);
    let outbox = dir.path().join("outbox");

    // A policy that trusts another log key: the ledger's receipt is not proof under it (as
    // a ledger that signs with a key the observers do not know); the record keeps waiting.
    let stranger = stranger_key(ORIGIN, 1);
    let wrong = dir.path().join("wrong.policy");
    std::fs::write(
        &wrong,
        format!("log {}\nquorum none\n", stranger.verifier()),
    )
    .unwrap();
    let doubted = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&outbox),
        "--policy",
        path(&wrong),
        path(&signed),
    ]);
    assert_eq!(doubted.status.code(), Some(1), "{}", text(&doubted.stderr));
    assert!(
        text(&doubted.stderr).contains("does not prove this record"),
        "{}",
        text(&doubted.stderr)
    );
    let listing = json(&run(&["outbox", "--dir", path(&outbox), "--json"]));
    assert_eq!(listing["waiting"].as_array().unwrap().len(), 1, "{listing}");

    // Under the observers' policy it is delivered (the log holds it already).
    let policy = dir.path().join("observers.policy");
    std::fs::write(&policy, format!("log {log_vkey}\nquorum none\n")).unwrap();
    let delivered = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&outbox),
        "--policy",
        path(&policy),
        "--json",
    ]);
    assert!(delivered.status.success(), "{}", text(&delivered.stderr));
    assert_eq!(json(&delivered)["already_logged"], true);
    let receipt = shailoo::submit::receipt_path(&signed);
    drop(ledger);

    // Offline: the receipt proves the record under the policy.
    let verified = run(&[
        "receipt",
        "verify",
        "--policy",
        path(&policy),
        "--json",
        path(&receipt),
    ]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let verified = json(&verified);
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["kind"], "key-enrollment");
    assert_eq!(verified["origin"], ORIGIN);

    // Not under a policy that trusts another key, nor one that needs a witness.
    let refused = run(&[
        "receipt",
        "verify",
        "--policy",
        path(&wrong),
        path(&receipt),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let witness = tlog::keys::SignerKey::from_seed(
        "observers.kg/witness",
        tlog::keys::ALG_COSIGNATURE_V1,
        &[2; 32],
    )
    .unwrap();
    let quorum = dir.path().join("quorum.policy");
    std::fs::write(
        &quorum,
        format!(
            "log {log_vkey}\nwitness w1 {}\nquorum w1\n",
            witness.verifier()
        ),
    )
    .unwrap();
    let refused = run(&[
        "receipt",
        "verify",
        "--policy",
        path(&quorum),
        path(&receipt),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("quorum"),
        "{}",
        text(&refused.stderr)
    );

    // A receipt altered to carry another record: its proof no longer leads to the root.
    let mut bundle = tlog::bundle::ProofBundle::parse(&std::fs::read(&receipt).unwrap()).unwrap();
    let other = sign(
        dir.path(),
        "other",
        &enrollment_json(&stranger_key("x.kg/other", 3).verifier(), "finance-office"),
        &[],
    );
    bundle.extra = Some(std::fs::read(&other).unwrap());
    let forged = dir.path().join("forged.receipt");
    std::fs::write(&forged, bundle.to_bytes()).unwrap();
    let refused = run(&[
        "receipt",
        "verify",
        "--policy",
        path(&policy),
        path(&forged),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("NOT verified"));
}

#[test]
fn an_online_device_signs_and_submits_in_one_step() {
    let dir = shailoo_e2e::temp_dir("one-step");
    let (log, _) = new_log(dir.path());
    let finance = keygen(dir.path(), "finance");
    let record = dir.path().join("finance.json");
    std::fs::write(&record, enrollment_json(&finance, "finance-office")).unwrap();
    let (ledger, url) = served(&log);
    let outbox = dir.path().join("outbox");
    let key = dir.path().join("root.key");
    let done = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&outbox),
        "--key",
        path(&key),
        "--json",
        path(&record),
    ]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let answer = json(&done);
    let signed = record.with_extension("signed");
    assert_eq!(answer["record"], path(&signed));
    let entry = std::fs::read(&signed).unwrap();
    assert_eq!(answer["leaf_hash"], tlog::leaf_hash(&entry).to_hex());
    assert!(shailoo::submit::receipt_path(&signed).exists());

    // --key takes one record's JSON form, not signed files.
    let two = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&outbox),
        "--key",
        path(&key),
        path(&record),
        path(&signed),
    ]);
    assert_eq!(two.status.code(), Some(3), "{}", text(&two.stderr));
    drop(ledger);
}
