//! A witness behind NAT (c2sp.org/https-bastion): it listens nowhere, dials out to a bastion,
//! and the ledger reaches it through the bastion's URL — over HTTPS with a private CA — to get
//! every checkpoint cosigned. A backend the bastion does not allow is never reachable.

use shailoo_e2e::system::{ORIGIN, Verifier, count_before, path, witness};
use shailoo_e2e::tls::TestCa;
use shailoo_e2e::{Daemon, Run, binaries};
use std::process::Command;
use std::time::{Duration, Instant};

fn get_status(url: &str, trust: &[(&str, String)]) -> u16 {
    let ca = std::fs::read(&trust[0].1).unwrap();
    shailoo_e2e::system::block_on(async {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        client.get(url).send().await.unwrap().status().as_u16()
    })
}

#[test]
fn the_ledger_reaches_a_witness_that_listens_nowhere_through_a_bastion() {
    let ca = TestCa::new();
    let dir = shailoo_e2e::temp_dir("bastion");
    let trust = [("SSL_CERT_FILE", ca.ca.display().to_string())];
    let log = dir.path().join("log");
    let init = Run::of({
        let mut c = Command::new(&binaries().ledger);
        c.args(["init", path(&log), "--origin", ORIGIN]);
        c
    });
    init.expect(0, &[]);
    let log_vkey = init.last_line().to_string();

    // The observers' witness, and the key hash that names it at the bastion.
    let w = dir.path().join("observer-1");
    let init = witness(&[
        "init",
        path(&w),
        "--name",
        "observers.example.kg/observer-1",
    ]);
    init.expect(0, &[]);
    let w_vkeys: Vec<String> = witness(&["vkey", path(&w)])
        .expect(0, &[])
        .stdout
        .lines()
        .map(str::to_string)
        .collect();
    witness(&["add-log", path(&w), "--origin", ORIGIN, "--vkey", &log_vkey]).expect(0, &[]);
    let hash = witness(&["bastion-hash", path(&w)])
        .expect(0, &[])
        .last_line()
        .to_string();
    assert_eq!(hash.len(), 64, "{hash}");

    // The bastion, allowing that witness only.
    let backends = dir.path().join("backends");
    std::fs::write(&backends, format!("# observer-1\n{hash}\n")).unwrap();
    let mut serve_bastion = Command::new(&binaries().witness);
    serve_bastion
        .args(["bastion", "--listen", "127.0.0.1:0"])
        .args(["--tls-cert", path(&ca.cert), "--tls-key", path(&ca.key)])
        .args(["--backends", path(&backends)]);
    let bastion = Daemon::start(serve_bastion, &dir.path().join("bastion.log"));
    assert!(bastion.url.starts_with("https://"), "{}", bastion.url);

    // The witness dials out; it has no --listen, and says its URL at the bastion.
    let mut serve_witness = Command::new(&binaries().witness);
    serve_witness
        .args(["serve", path(&w), "--bastion", &bastion.url])
        .envs(trust.iter().map(|(k, v)| (*k, v.as_str())));
    let witness_daemon = Daemon::start(serve_witness, &dir.path().join("witness.log"));
    assert_eq!(witness_daemon.url, format!("{}/{hash}", bastion.url));

    let mut add = vec!["witness", "add", path(&log), "--name", "observer-1"];
    for vkey in &w_vkeys {
        add.extend(["--vkey", vkey]);
    }
    add.extend(["--url", &witness_daemon.url]);
    Run::of({
        let mut c = Command::new(&binaries().ledger);
        c.args(&add);
        c
    })
    .expect(0, &[]);
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
        .envs(trust.iter().map(|(k, v)| (*k, v.as_str())));
    let ledger = Daemon::start(serve_ledger, &dir.path().join("ledger.log"));

    // A small election, every checkpoint cosigned through the bastion.
    let simulated = Run::of({
        let mut c = Command::new(&binaries().demo);
        c.args(["simulate", "--url", &ledger.url, "--root-key"])
            .arg(log.join("root.key"))
            .args(["--precincts", "20", "--seed", "3"]);
        c
    });
    simulated.expect(0, &["records accepted"]);
    let accepted = count_before(&simulated.stdout, " records accepted");
    let deadline = Instant::now() + Duration::from_secs(60);
    while shailoo_e2e::operator::checkpoint(&log.join("public")).size < accepted {
        assert!(
            Instant::now() < deadline,
            "nothing cosigned through the bastion; the ledger said:\n{}\nthe bastion:\n{}\nthe witness:\n{}",
            ledger.stderr(),
            bastion.stderr(),
            witness_daemon.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // A citizen checks the checkpoint: the witness's two cosignatures, both through the bastion.
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.join("config.json")).unwrap()).unwrap();
    let policy = dir.path().join("policy");
    let mut text = format!("log {log_vkey} {}\n", ledger.url);
    for (i, vkey) in w_vkeys.iter().enumerate() {
        text.push_str(&format!("witness observer-1-{i} {vkey}\n"));
    }
    text.push_str("group observer-1 all observer-1-0 observer-1-1\nquorum observer-1\n");
    text.push_str(&format!("root {}\n", config["root_vkey"].as_str().unwrap()));
    std::fs::write(&policy, text).unwrap();
    Verifier::new(&policy)
        .run(&["checkpoint"])
        .expect(0, &["OK: the checkpoint is authentic"]);

    // A witness the bastion does not allow dials in and is refused: its URL answers 502.
    let other = dir.path().join("observer-2");
    witness(&[
        "init",
        path(&other),
        "--name",
        "observers.example.kg/observer-2",
    ])
    .expect(0, &[]);
    let other_hash = witness(&["bastion-hash", path(&other)])
        .expect(0, &[])
        .last_line()
        .to_string();
    let mut serve_other = Command::new(&binaries().witness);
    serve_other
        .args(["serve", path(&other), "--bastion", &bastion.url])
        .envs(trust.iter().map(|(k, v)| (*k, v.as_str())));
    let _other = Daemon::start(serve_other, &dir.path().join("other.log"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !bastion
        .stderr()
        .contains("refused a backend this bastion does not allow")
    {
        assert!(Instant::now() < deadline, "{}", bastion.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        get_status(&format!("{}/{other_hash}/", bastion.url), &trust),
        502
    );
    // And the allowed one answers through the bastion (its `/` is the witness's own page).
    assert_ne!(get_status(&format!("{}/{hash}/", bastion.url), &trust), 502);
}
