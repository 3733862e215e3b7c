//! `ledger check DIR`, the operator's fsck: clean on an honest log, and each kind of damage
//! named — a hash tile, an entry bundle, a document, a checkpoint another key signed.

mod common;
use common::*;
use shailoo::client::LedgerClient;
use std::path::Path;

/// A stopped log with three precincts' records and their documents.
fn a_log(dir: &Path) -> std::path::PathBuf {
    let (server, e) = serve_an_election(dir, 3);
    let client = LedgerClient::new(&server.url);
    runtime().block_on(async {
        for d in &e.documents {
            client
                .upload(&d.reference.hex(), d.bytes.clone())
                .await
                .unwrap();
        }
    });
    assert!(server.stop());
    dir.join("log")
}

fn check(log: &Path, json: bool) -> (i32, String) {
    let mut command = ledger();
    command.arg("check").arg(log);
    if json {
        command.arg("--json");
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Flips one bit in the middle of a file.
fn damage(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(file, bytes).unwrap();
}

/// The first file under `dir` (recursively) whose path contains `part`.
fn find(dir: &Path, part: &str) -> std::path::PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().contains(part) && !p.to_string_lossy().ends_with(".tmp") {
                return p;
            }
        }
    }
    panic!("no file with {part} under {}", dir.display())
}

#[test]
fn an_honest_log_checks_clean_and_each_damage_is_named() {
    let dir = temp_dir("check");
    let log = a_log(dir.path());
    let (code, said) = check(&log, false);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("OK: the log's files are what it signed"),
        "{said}"
    );
    let (_, json) = check(&log, true);
    let report: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(report["clean"], true);
    assert!(
        report["files"].as_u64().unwrap() >= 2 && report["documents_stored"].as_u64().unwrap() > 0
    );

    // A hash tile, an entry bundle and a document, each damaged on a copy of the log.
    let size = report["size"].as_u64().unwrap();
    let tile = tlog::tile::Tile::at_tree_size(0, 0, size).unwrap();
    let blob = find(&log.join("public/blob"), "");
    let blob = format!("blob/{}", blob.file_name().unwrap().to_string_lossy());
    for path in [tile.path(), tile.entries_path(), blob] {
        let copy = dir.path().join(path.replace('/', "-"));
        shailoo_e2e::system::copy_tree(&log, &copy);
        damage(&copy.join("public").join(&path));
        let (code, said) = check(&copy, false);
        assert_eq!(code, 1, "{path}: {said}");
        assert!(
            said.contains(&format!(" {path}")),
            "{path} is named: {said}"
        );
        assert!(said.contains("NOT what it signed"), "{said}");
    }
}

#[test]
fn a_log_whose_key_was_swapped_is_named() {
    let dir = temp_dir("check-key");
    let log = a_log(dir.path());
    let other = dir.path().join("other");
    init(&other);
    std::fs::write(
        log.join("log.key"),
        std::fs::read(other.join("log.key")).unwrap(),
    )
    .unwrap();
    let (code, said) = check(&log, false);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("is not signed by log.key"), "{said}");
}

#[test]
fn a_running_log_is_not_checked_under_its_server() {
    let dir = temp_dir("check-running");
    let (server, _) = serve_an_election(dir.path(), 1);
    let out = ledger()
        .arg("check")
        .arg(dir.path().join("log"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another `ledger serve`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.stop());
}
