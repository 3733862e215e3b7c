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
        .env("SHAILOO_PASSPHRASE", PASSPHRASE)
        // A test names its outbox; one that forgets fails rather than write in $HOME.
        .env("XDG_STATE_HOME", "/nonexistent/shailoo-tests");
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

/// A key that is not in any file (another log's, a witness's), named `name`.
pub fn stranger_key(name: &str, seed: u8) -> tlog::keys::SignerKey {
    tlog::keys::SignerKey::from_seed(name, tlog::keys::ALG_ED25519, &[seed; 32]).unwrap()
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

/// Signs `json` (written to `dir/<name>.json`) with the root key `dir/root.key`; the signed
/// file.
pub fn sign(dir: &Path, name: &str, json: &str, documents: &[&Path]) -> PathBuf {
    sign_with(&dir.join("root.key"), dir, name, json, documents)
}

/// Signs `json` (written to `dir/<name>.json`) with the key in `key`; the signed file.
pub fn sign_with(key: &Path, dir: &Path, name: &str, json: &str, documents: &[&Path]) -> PathBuf {
    let record = dir.join(format!("{name}.json"));
    std::fs::write(&record, json).unwrap();
    let mut args = vec!["sign", "--key", path(key), path(&record)];
    for d in documents {
        args.extend(["--document", path(d)]);
    }
    let signed = run(&args);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    record.with_extension("signed")
}

/// A key enrollment of `key` for `role` over the whole election, valid from an hour ago for a
/// day, in its JSON form.
pub fn enrollment_json(key: &tlog::keys::VerifierKey, role: &str) -> String {
    format!(
        r#"{{"election": "2026-11-29-parliamentary", "kind": "key-enrollment", "body": {{
  "key": "{}", "role": "{role}", "holder": "ЦИК",
  "scope": {{"all": true, "territories": [], "precincts": []}},
  "valid_from": {}, "valid_until": {}}}}}"#,
        hex::encode(key.public_key()),
        now() - 3600,
        now() + 86400
    )
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
        let options = ledger::server::ServeOptions {
            no_witnesses: true,
            ..Default::default()
        };
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
