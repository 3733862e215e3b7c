//! `demo bench` end to end, small: the load generator drives a real server and every figure
//! it reports is there and plausible (the figures themselves belong in BENCHMARKS.md).

mod common;
use common::*;

#[test]
fn bench_reports_every_figure() {
    let tmp = temp_dir("bench");
    let out = demo()
        .args(["bench", "--records", "2500", "--concurrency", "16"])
        .arg("--ledger")
        .arg(&shailoo_e2e::binaries().ledger)
        .args(["--batch-ms", "20", "--read-seconds", "1", "--dir"])
        .arg(tmp.path().join("log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let number = |label: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
        line[label.len()..]
            .split_whitespace()
            .next()
            .and_then(|n| n.trim_end_matches("/s").parse().ok())
            .unwrap_or_else(|| panic!("no number in {line:?}"))
    };
    assert!(number("Ed25519 verify_strict on one core:") > 0.0);
    assert!(number("durable records/s:") > 0.0);
    assert!(number("tile requests/s:") > 0.0);
    assert!(number("inclusion proof requests/s:") > 0.0);
    // The election of 104 precincts is smaller than 2,500 records: the log grew on to 2,500.
    assert!(text.contains("grown by "), "{text}");
    assert!(text.contains("server resident memory as the log grew"));
    let size = std::fs::read_to_string(tmp.path().join("log/public/checkpoint")).unwrap();
    let size: u64 = size.lines().nth(1).unwrap().parse().unwrap();
    assert!(size >= 2_500, "the log holds {size} entries");
}
