//! What `ledger serve` refuses at start, each with a reason the operator can act on: a key file
//! other users can read, a log directory another server holds, a stored checkpoint that the
//! key or the origin now configured did not sign.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// `ledger serve DIR` run to its end (it is expected to refuse): its exit code and stderr.
fn serve_refused(dir: &Path) -> (Option<i32>, String) {
    let out = ledger()
        .arg("serve")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "--no-witnesses"])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_key_file_others_can_read_is_refused() {
    let dir = temp_dir("key-mode");
    let log = dir.path().join("log");
    init(&log);
    let key = log.join("log.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, said) = serve_refused(&log);
    assert_ne!(code, Some(0));
    assert!(said.contains("is open to other users"), "{said}");
    assert!(said.contains("chmod 600"), "{said}");
    // Once it is private again, the log serves.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(Server::start(&log, 10).stop());
}

#[test]
fn a_second_server_on_one_log_is_refused() {
    let dir = temp_dir("lock");
    let log = dir.path().join("log");
    init(&log);
    let first = Server::start(&log, 10);
    let (code, said) = serve_refused(&log);
    assert_ne!(code, Some(0));
    assert!(said.contains("another `ledger serve`"), "{said}");
    // The first still serves, and once it stops the lock is free.
    let answer = runtime().block_on(async {
        reqwest::get(format!("{}/checkpoint", first.url))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(answer, 200);
    assert!(first.stop());
    assert!(Server::start(&log, 10).stop());
}

#[test]
fn a_stored_checkpoint_another_key_or_origin_did_not_sign_is_refused() {
    let dir = temp_dir("not-this-log");
    let (log, other) = (dir.path().join("log"), dir.path().join("other"));
    init(&log);
    init(&other);
    // Another log's key in place of this one's (mode kept).
    let key = log.join("log.key");
    let original = std::fs::read(&key).unwrap();
    std::fs::write(&key, std::fs::read(other.join("log.key")).unwrap()).unwrap();
    let (code, said) = serve_refused(&log);
    assert_ne!(code, Some(0));
    assert!(said.contains("is not signed by log.key"), "{said}");
    std::fs::write(&key, original).unwrap();
    // Another origin configured for the same files.
    let config = log.join("config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let moved = text.replace("shailoo.gov.kg/ledger/", "impostor.example/ledger/");
    assert_ne!(moved, text);
    std::fs::write(&config, moved).unwrap();
    let (code, said) = serve_refused(&log);
    assert_ne!(code, Some(0));
    assert!(said.contains("is for origin"), "{said}");
}
