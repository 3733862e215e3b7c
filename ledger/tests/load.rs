//! The ledger under a flood of connections that never finish a request (the attack the issue
//! tracker measured: about 1,100 of them stopped a ledger started with the usual soft limit of
//! 1,024 open files). Started that way, the ledger raises its own limit, holds the 2,000 idle
//! connections, and still answers a read and a submission within 2 s each.

mod common;
use common::*;
use election::generate::{Config, generate};
use shailoo::client::LedgerClient;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

const IDLE: usize = 2_000;

#[test]
fn two_thousand_idle_connections_stop_neither_a_read_nor_a_submission() {
    // The test's own sockets need descriptors too.
    assert!(http_front::raise_open_files_limit() > IDLE as u64 + 100);
    let dir = temp_dir("idle");
    let log = dir.path().join("log");
    init(&log);
    // Started as an operator who never raised the limit would start it.
    let wrapper = dir.path().join("ledger-with-1024-files");
    let script = format!(
        "#!/bin/sh\nulimit -Sn 1024 || exit 1\nexec '{}' \"$@\"\n",
        env!("CARGO_BIN_EXE_ledger")
    );
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (child, url) = ledger::server::spawn_process(&wrapper, &log, 10).unwrap();
    let server = Server { child, url };
    let address: SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();

    let idle: Vec<TcpStream> = (0..IDLE)
        .map(|n| {
            let mut socket = TcpStream::connect_timeout(&address, Duration::from_secs(5))
                .unwrap_or_else(|e| panic!("connection {n}: {e}"));
            socket
                .write_all(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            socket
        })
        .collect();

    let root = root_key(&log);
    let e = generate(
        &Config {
            precincts: 1,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root.signing_key(),
    );
    let within = Duration::from_secs(2);
    runtime().block_on(async {
        let http = reqwest::Client::builder().timeout(within).build().unwrap();
        let read = http.get(format!("{}/checkpoint", server.url)).send().await;
        let read = read.expect("a read within 2 s while the idle connections are held");
        assert_eq!(read.status(), 200);
        let client = LedgerClient::new(&server.url);
        let submitted = tokio::time::timeout(within, client.submit(e.records[0].to_bytes(), false))
            .await
            .expect("a submission within 2 s while the idle connections are held");
        assert_eq!(submitted.unwrap().index, 0);
    });
    drop(idle);
    assert!(server.stop());
}
