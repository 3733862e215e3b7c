//! What an operator watches on a running ledger: `/healthz`, `/metrics` (Prometheus text),
//! `/readyz` going unready when the published checkpoint grows older than `--ready-max-age`,
//! and the access log as JSON lines with `--log-format json`.

mod common;
use common::*;
use shailoo::client::LedgerClient;
use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn an_operator_sees_health_metrics_readiness_and_a_json_access_log() {
    let dir = temp_dir("watch");
    let (server, election) = serve_an_election(dir.path(), 20);
    server.stop();
    let log = dir.path().join("log");
    let stderr = dir.path().join("serve.log");
    let mut child = ledger()
        .arg("serve")
        .arg(&log)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--no-witnesses",
            "--batch-ms",
            "10",
        ])
        .args(["--ready-max-age", "2", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let client = LedgerClient::new(&url);
    let rt = runtime();
    rt.block_on(async {
        assert_eq!(client.get("healthz").await.unwrap(), b"ok\n");
        // A record refused as a duplicate, then one admitted (the election's last, again:
        // refused; a fresh finance report would need a key: the duplicate is enough here).
        let again = election.records.last().unwrap().to_bytes();
        assert!(client.submit(again, false).await.is_err());
        let metrics = String::from_utf8(client.get("metrics").await.unwrap()).unwrap();
        for family in [
            "shailoo_records_refused_total{code=\"duplicate\"} 1",
            "http_requests_total",
            "http_connections_open",
        ] {
            assert!(metrics.contains(family), "{family} in /metrics:\n{metrics}");
        }
        // Nothing new is published: within a few seconds the checkpoint is older than 2 s.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answer = reqwest::get(format!("{url}/readyz")).await.unwrap();
            let status = answer.status().as_u16();
            let body: serde_json::Value = answer.json().await.unwrap();
            if status == 503 {
                assert_eq!(body["ready"], false);
                assert_eq!(body["writable"], true);
                assert!(body["published_age_s"].as_u64().unwrap() > 2, "{body}");
                break;
            }
            assert!(Instant::now() < deadline, "never unready: {body}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    signal(&child, "TERM");
    wait(&mut child, Duration::from_secs(20)).expect("it stops");
    // The access log: one JSON object per request, method, path and status among its fields.
    let logged = std::fs::read_to_string(&stderr).unwrap();
    let access: Vec<serde_json::Value> = logged
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == "access")
        .collect();
    assert!(
        access
            .iter()
            .any(|v| v["fields"]["path"] == "/metrics" && v["fields"]["status"] == 200),
        "the access log names each request:\n{logged}"
    );
    assert!(
        logged
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "every line is JSON:\n{logged}"
    );
}
