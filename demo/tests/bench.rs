//! `demo bench` end to end, small: the load generator drives a real server and every figure
//! it reports is there and plausible (the figures themselves belong in BENCHMARKS.md).

mod common;
use common::*;
use std::process::Command;

/// Runs a small `demo bench` with `more` arguments; its report, once it succeeded.
fn bench(more: impl FnOnce(&mut Command)) -> (String, u64) {
    let tmp = temp_dir("bench");
    let mut command = demo();
    command
        .args(["bench", "--records", "2500", "--concurrency", "16"])
        .arg("--ledger")
        .arg(&shailoo_e2e::binaries().ledger)
        .args(["--batch-ms", "20", "--read-seconds", "1", "--dir"])
        .arg(tmp.path().join("log"));
    more(&mut command);
    let out = command.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::read_to_string(tmp.path().join("log/public/checkpoint")).unwrap();
    let size: u64 = size.lines().nth(1).unwrap().parse().unwrap();
    (text, size)
}

/// The number after `label` on the report's line that starts with it.
fn number(text: &str, label: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
    line[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.trim_end_matches("/s").parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"))
}

#[test]
fn bench_reports_every_figure() {
    let (text, size) = bench(|_| {});
    assert!(number(&text, "Ed25519 verify_strict on one core:") > 0.0);
    assert!(number(&text, "durable records/s:") > 0.0);
    assert!(number(&text, "tile requests/s:") > 0.0);
    assert!(number(&text, "inclusion proof requests/s:") > 0.0);
    // The election of 104 precincts is smaller than 2,500 records: the log grew on to 2,500.
    assert!(text.contains("grown by "), "{text}");
    assert!(text.contains("server resident memory as the log grew"));
    assert!(size >= 2_500, "the log holds {size} entries");
}

/// With a certificate, the server terminates TLS and every request of the load goes over
/// HTTPS, trusting a CA made here through `SSL_CERT_FILE`; without trusting it, nothing is sent.
#[test]
fn bench_speaks_https_to_a_server_terminating_tls() {
    let ca = shailoo_e2e::tls::TestCa::new();
    let (text, size) = bench(|c| {
        c.arg("--tls-cert")
            .arg(&ca.cert)
            .arg("--tls-key")
            .arg(&ca.key)
            .env("SSL_CERT_FILE", &ca.ca);
    });
    assert!(text.contains("server: https://127.0.0.1:"), "{text}");
    assert!(number(&text, "durable records/s:") > 0.0);
    assert!(number(&text, "tile requests/s:") > 0.0);
    assert!(number(&text, "inclusion proof requests/s:") > 0.0);
    assert!(size >= 2_500, "the log holds {size} entries");

    let stranger = shailoo_e2e::tls::TestCa::new();
    let tmp = temp_dir("bench-untrusted");
    let out = demo()
        .args(["bench", "--records", "200", "--concurrency", "4"])
        .arg("--ledger")
        .arg(&shailoo_e2e::binaries().ledger)
        .args(["--read-seconds", "1", "--tls-cert"])
        .arg(&ca.cert)
        .arg("--tls-key")
        .arg(&ca.key)
        .arg("--dir")
        .arg(tmp.path().join("log"))
        .env("SSL_CERT_FILE", &stranger.ca)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a server nobody trusts was measured");
}
