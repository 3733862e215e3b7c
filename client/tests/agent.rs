//! Signing through a real ssh-agent (OpenSSH's): a key that never leaves the agent signs a
//! record the log takes, through the same `RecordSigner` as a key file; a key the agent does
//! not hold, and no agent at all, are said plainly.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `ssh-agent -D -a SOCKET`, killed when dropped.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent (OpenSSH's client tools: .ci/run installs them)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent made no socket");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    /// A new Ed25519 key at `dir/name` (and `name.pub`), added to the agent.
    fn add_new_key(&self, dir: &Path, name: &str) -> PathBuf {
        let key = dir.join(name);
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&key)
            .status()
            .unwrap();
        assert!(made.success());
        let added = Command::new("ssh-add")
            .arg(&key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(added.success());
        key.with_extension("pub")
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_key_held_by_an_ssh_agent_signs_records_the_log_takes() {
    let dir = shailoo_e2e::temp_dir("agent");
    let agent = Agent::start(dir.path());
    let public = agent.add_new_key(dir.path(), "cec-root-token");
    let line = std::fs::read_to_string(&public).unwrap();
    let key = shailoo::agent::parse_public_key(&line).unwrap();

    // The token's key is the CEC's root: the log is pinned to it.
    let root =
        tlog::keys::VerifierKey::new("cec.gov.kg/root", tlog::keys::ALG_ED25519, &key).unwrap();
    let log = dir.path().join("log");
    ledger::server::init(&log, ORIGIN, Some(&root.to_string())).unwrap();
    let finance = keygen(dir.path(), "finance");
    let record = dir.path().join("finance.json");
    std::fs::write(&record, enrollment_json(&finance, "finance-office")).unwrap();

    let signed = shailoo(&["sign", "--agent", path(&public), "--json", path(&record)])
        .env("SSH_AUTH_SOCK", &agent.socket)
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let entry = std::fs::read(record.with_extension("signed")).unwrap();
    let parsed = election::Record::from_bytes(&entry).unwrap();
    assert_eq!(parsed.signer, key);
    parsed.verify_signature().unwrap();

    // The log takes it as the root's.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let ledger = Ledger::serve(log, listener);
    let outbox = dir.path().join("outbox");
    let submitted = run(&[
        "submit",
        "--url",
        &url,
        "--outbox",
        path(&outbox),
        path(&record.with_extension("signed")),
    ]);
    assert!(submitted.status.success(), "{}", text(&submitted.stderr));
    drop(ledger);

    // A key the agent does not hold; no agent at all.
    let other = stranger_key("x.kg/other", 5).verifier().to_string();
    let refused = shailoo(&["sign", "--agent", &other, path(&record), "--out"])
        .arg(dir.path().join("never.signed"))
        .env("SSH_AUTH_SOCK", &agent.socket)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("does not hold the Ed25519 key"),
        "{}",
        text(&refused.stderr)
    );
    let refused = shailoo(&["sign", "--agent", path(&public), path(&record), "--out"])
        .arg(dir.path().join("never.signed"))
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("SSH_AUTH_SOCK is not set"));
    assert!(!dir.path().join("never.signed").exists());
}
