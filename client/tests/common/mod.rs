//! What the `shailoo` tests share: the binary run with a passphrase in its environment, keys
//! made with it, and a real ledger served in-process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASSPHRASE: &str = "four words make a passphrase";
pub const ORIGIN: &str = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";

/// `shailoo ARGS`, with no terminal and the passphrase in `SHAILOO_PASSPHRASE`.
pub fn shailoo(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shailoo"));
    command
        .args(args)
        .stdin(Stdio::null())
        .env("SHAILOO_PASSPHRASE", PASSPHRASE);
    command
}

/// `shailoo ARGS`, run to the end.
pub fn run(args: &[&str]) -> Output {
    shailoo(args).output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A new sealed key in `dir/<name>.key`, named `cec.gov.kg/<name>`; its public key.
pub fn keygen(dir: &Path, name: &str) -> tlog::keys::VerifierKey {
    let out = dir.join(format!("{name}.key"));
    let name = format!("cec.gov.kg/{name}");
    let made = run(&["keygen", "--out", path(&out), "--name", &name]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    tlog::keys::VerifierKey::parse(text(&made.stdout).lines().last().unwrap()).unwrap()
}

/// A ledger without witnesses (it publishes every checkpoint at once), served in-process on
/// `listener` until dropped.
pub struct Ledger {
    pub runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<Result<(), ledger::server::ServeError>>>,
}

impl Ledger {
    pub fn serve(log: PathBuf, listener: std::net::TcpListener) -> Ledger {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        listener.set_nonblocking(true).unwrap();
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).unwrap()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let options = ledger::server::ServeOptions { no_witnesses: true };
        let served = runtime.spawn(async move {
            ledger::server::serve(&log, listener, &options, async {
                let _ = stopped.await;
            })
            .await
        });
        Ledger {
            runtime,
            stop: Some(stop),
            served: Some(served),
        }
    }
}

impl Drop for Ledger {
    /// Stops the server and waits for it; a server that failed fails the test.
    fn drop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        let served = self.served.take().unwrap();
        let stopped = self.runtime.block_on(served).unwrap();
        if !std::thread::panicking() {
            stopped.unwrap();
        }
    }
}
