//! The ledger refuses to start on state it cannot trust: tiles or an entry bundle that do not
//! hash to the checkpoint it signed. Continuing would sign a tree inconsistent with the one it
//! already published.

mod common;
use common::*;
use election::generate::{Config, generate};
use shailoo::client::LedgerClient;
use std::path::Path;
use std::process::Stdio;

/// A log with a few dozen records in it, stopped.
fn small_log(dir: &Path) {
    init(dir);
    let root = root_key(dir);
    let e = generate(
        &Config {
            seed: 5,
            precincts: 20,
            turnout_updates: false,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root.signing_key(),
    );
    let server = Server::start(dir, 10);
    let client = LedgerClient::new(&server.url);
    runtime().block_on(async {
        for r in e.records.iter().take(40) {
            client.submit(r.to_bytes(), false).await.unwrap();
        }
    });
    assert!(server.stop());
}

/// Runs `ledger serve` and returns (started, stderr).
fn try_serve(dir: &Path) -> (bool, String) {
    let mut child = ledger()
        .arg("serve")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(ledger::server::no_witnesses_flag(dir))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A server that starts prints its address and keeps running; one that refuses exits.
    let status = wait(&mut child, std::time::Duration::from_secs(10));
    let started = status.is_none();
    if started {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    (started, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn an_intact_log_restarts() {
    let dir = temp_dir("recover-ok");
    small_log(dir.path());
    assert!(try_serve(dir.path()).0);
}

#[test]
fn a_tampered_hash_tile_stops_the_server_from_starting() {
    let dir = temp_dir("recover-tile");
    small_log(dir.path());
    flip_byte(&dir.path().join("public/tile/0/000.p/40"), 5);
    let (started, stderr) = try_serve(dir.path());
    assert!(!started, "the server started on a tampered tile");
    assert!(stderr.contains("refusing to start"), "{stderr}");
}

#[test]
fn a_tampered_entry_bundle_stops_the_server_from_starting() {
    let dir = temp_dir("recover-bundle");
    small_log(dir.path());
    flip_byte(&dir.path().join("public/tile/entries/000.p/40"), 100);
    let (started, stderr) = try_serve(dir.path());
    assert!(!started, "the server started on a tampered entry bundle");
    assert!(stderr.contains("refusing to start"), "{stderr}");
}
