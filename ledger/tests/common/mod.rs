//! Test harness: real `ledger` processes on 127.0.0.1 with OS-assigned ports, stopped by the
//! tests themselves.
#![allow(dead_code)]

use futures::StreamExt;
use shailoo::client::{ClientError, LedgerClient};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::Duration;

pub const ORIGIN: &str = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";

pub fn ledger() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ledger"))
}

/// A fresh directory, removed when dropped (the end-to-end suite's).
pub use shailoo_e2e::temp_dir;

/// `ledger init` in `dir`; returns the vkey (the last line of stdout).
pub fn init(dir: &Path) -> String {
    let out = ledger()
        .arg("init")
        .arg(dir)
        .args(["--origin", ORIGIN])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string()
}

/// A running server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    /// Starts `ledger serve DIR --listen 127.0.0.1:0` and waits for its address.
    pub fn start(dir: &Path, batch_ms: u64) -> Server {
        let (child, url) =
            ledger::server::spawn_process(Path::new(env!("CARGO_BIN_EXE_ledger")), dir, batch_ms)
                .unwrap();
        Server { child, url }
    }

    /// Stops it with SIGTERM and returns whether it exited cleanly.
    pub fn stop(mut self) -> bool {
        signal(&self.child, "TERM");
        let status = wait(&mut self.child, Duration::from_secs(20));
        if status.is_none() {
            // It did not stop: kill it, so that the failing test does not hang on its output.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        std::mem::forget(self);
        status.is_some_and(|s| s.success())
    }

    /// Kills it with SIGKILL, as a crash would.
    pub fn kill(mut self) {
        signal(&self.child, "KILL");
        let _ = self.child.wait();
        std::mem::forget(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use shailoo_e2e::process::{runtime, signal, wait};

/// The root key `ledger init` generated.
pub fn root_key(dir: &Path) -> tlog::keys::SignerKey {
    ledger::logdir::load_key(&dir.join("root.key")).unwrap()
}

/// A new log in `dir/log`, served, with a generated election of `precincts` precincts (signed
/// now, no hourly turnout) submitted record by record; its documents are not uploaded.
pub fn serve_an_election(dir: &Path, precincts: u32) -> (Server, election::generate::Election) {
    use election::generate::{Config, generate};
    let log = dir.join("log");
    init(&log);
    let e = generate(
        &Config {
            precincts,
            turnout_updates: false,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root_key(&log).signing_key(),
    );
    let server = Server::start(&log, 10);
    let client = shailoo::client::LedgerClient::new(&server.url);
    runtime().block_on(async {
        for r in &e.records {
            client.submit(r.to_bytes(), false).await.unwrap();
        }
    });
    (server, e)
}

/// Submits every record of `pending` not yet acknowledged (in order, 16 at a time) and
/// records the acknowledgements: a duplicate's answer names where the log already has it.
/// Records refused or unanswered (a signer not yet enrolled, a server just killed) are left
/// for the next call.
pub async fn submit_pending(
    client: &LedgerClient,
    pending: &[Vec<u8>],
    acked: &Mutex<HashMap<Vec<u8>, u64>>,
) {
    let todo: Vec<Vec<u8>> = pending
        .iter()
        .filter(|e| !acked.lock().unwrap().contains_key(*e))
        .cloned()
        .collect();
    let mut answers = futures::stream::iter(todo)
        .map(|entry| async move { (entry.clone(), client.submit(entry, false).await) })
        .buffered(16);
    while let Some((entry, answer)) = answers.next().await {
        let index = match answer {
            Ok(s) => s.index,
            // Sequenced before a crash whose answer never came back: the log says where.
            Err(ClientError::Refused(r)) if r.status == 409 => {
                r.index.expect("a duplicate names its index")
            }
            // Its signer's enrollment is still in flight, or the server just died: later.
            Err(_) => continue,
        };
        if let Some(previous) = acked.lock().unwrap().insert(entry, index) {
            assert_eq!(previous, index, "a record was acknowledged at two indexes");
        }
    }
}
