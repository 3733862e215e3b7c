//! The `witness` command line: what scripts and the docs rely on (names, output, exit codes
//! 0/1/2), the key file's mode, and refusals that protect the witness's identity and state.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use tlog::cosigner::{CosignerKey, CosignerSigningKey};
use tlog::keys::ALG_COSIGNATURE_V1;
use tlog::ml_dsa::ALG_ML_DSA_44;
use tlog::note::NoteVerifier;

#[test]
fn init_creates_private_keys_and_prints_the_vkeys_last() {
    let tmp = TempDir::new("cli-init");
    let dir = tmp.witness_dir();
    let out = cli(&["init", dir.to_str().unwrap(), "--name", WITNESS_NAME]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // Both kinds by default, Ed25519 first, one per line.
    let lines: Vec<&str> = text.lines().collect();
    let vkeys: Vec<CosignerKey> = lines[lines.len() - 2..]
        .iter()
        .map(|l| CosignerKey::parse(l).unwrap())
        .collect();
    assert_eq!(vkeys[0].alg(), ALG_COSIGNATURE_V1);
    assert_eq!(vkeys[1].alg(), ALG_ML_DSA_44);
    for (vkey, file) in vkeys.iter().zip(["witness.key", "witness-ml-dsa-44.key"]) {
        assert_eq!(vkey.name(), WITNESS_NAME);
        let key_file = dir.join(file);
        let meta = std::fs::metadata(&key_file).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
        let private = std::fs::read_to_string(&key_file).unwrap();
        let key = CosignerSigningKey::parse(private.trim_end()).unwrap();
        assert_eq!(&key.verifier(), vkey);
        // The private key is never printed.
        // The key field is everything after PRIVATE+KEY+<name>+<id>+ (base64 may hold '+').
        let secret = private.trim_end().splitn(5, '+').nth(4).unwrap();
        assert!(!text.contains(secret) && !stderr(&out).contains(secret));
    }
    let private = std::fs::read_to_string(dir.join("witness.key")).unwrap();

    // `vkey` prints the same keys; a second init refuses and leaves the keys alone.
    let out = cli(&["vkey", dir.to_str().unwrap()]);
    let printed: Vec<String> = vkeys.iter().map(|k| k.to_string()).collect();
    assert_eq!(stdout(&out), format!("{}\n", printed.join("\n")));
    let out = cli(&["init", dir.to_str().unwrap(), "--name", "other.example/w"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("witness.key")).unwrap(),
        private
    );

    // Two witnesses never share a key.
    let other = init(&tmp.path().join("w2"));
    assert_ne!(other.public_key().to_vec(), vkeys[0].public_key());

    // One kind only, as asked.
    let pq = tmp.path().join("pq");
    let out = cli(&[
        "init",
        pq.to_str().unwrap(),
        "--name",
        WITNESS_NAME,
        "--keys",
        "ml-dsa-44",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!pq.join("witness.key").exists());
    let only = CosignerKey::parse(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(only.alg(), ALG_ML_DSA_44);
    let out = cli(&[
        "init",
        tmp.path().join("x").to_str().unwrap(),
        "--name",
        "n",
        "--keys",
        "rsa",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an unknown kind is a usage error"
    );
}

#[test]
fn bad_input_is_refused_with_a_sentence_and_the_right_exit_code() {
    let tmp = TempDir::new("cli-bad");
    let dir = tmp.witness_dir();
    let d = dir.to_str().unwrap();

    // Usage errors: 3.
    for args in [
        vec!["init", d],
        vec!["frobnicate"],
        vec!["serve", d, "--listen", "not-an-address"],
        vec![],
    ] {
        assert_eq!(cli(&args).status.code(), Some(3), "{args:?}");
    }

    // Refusals: 2, with a message that says what to do.
    let out = cli(&["init", d, "--name", "has space"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("witness name"), "{}", stderr(&out));
    assert!(!dir.join("witness.key").exists());

    for args in [
        vec!["vkey", d],
        vec!["serve", d],
        vec!["evidence", d],
        vec![
            "add-log",
            d,
            "--origin",
            "example.com/log",
            "--vkey",
            &FakeLog::new("example.com/log", 1, "a", 1).vkey(),
        ],
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(&format!("run `witness init {d} --name NAME` first")),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    let witness = init(&dir);
    let log = FakeLog::new("example.com/log", 1, "a", 1);
    for (origin, vkey, expect) in [
        (
            "example.com/log",
            "nonsense".to_string(),
            "not a log verifier key",
        ),
        // A witness (cosignature) key is not a log key.
        ("example.com/log", witness.to_string(), "type 0x04"),
        ("", log.vkey(), "cannot be a log origin"),
        ("two\nlines", log.vkey(), "cannot be a log origin"),
    ] {
        let out = cli(&["add-log", d, "--origin", origin, "--vkey", &vkey]);
        assert_eq!(out.status.code(), Some(2), "{origin:?} {vkey}");
        assert!(stderr(&out).contains(expect), "{}", stderr(&out));
    }
    let out = cli(&["add-log", d, "--origin", &log.origin, "--vkey", &log.vkey()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A key file others can read is refused, and the fix is named.
    let key_file = dir.join("witness.key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = cli(&["serve", d, "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("listening on"));
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A missing database is never silently recreated: that would forget what was cosigned.
    std::fs::rename(dir.join("witness.db"), tmp.path().join("moved.db")).unwrap();
    let out = cli(&["serve", d, "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("never forget"), "{}", stderr(&out));
    assert!(!dir.join("witness.db").exists());
}

#[test]
fn listen_address_in_use_is_a_failure_not_a_hang() {
    let tmp = TempDir::new("cli-inuse");
    let dir = tmp.witness_dir();
    init(&dir);
    let first = WitnessProcess::start(&dir);
    let addr = first.url.strip_prefix("http://").unwrap();
    let out = cli(&["serve", dir.to_str().unwrap(), "--listen", addr]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--listen"), "{}", stderr(&out));
}

#[test]
fn every_command_teaches_with_an_example() {
    for command in ["init", "add-log", "vkey", "serve", "evidence"] {
        let out = cli(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let help = stdout(&out);
        assert!(help.contains("Example:"), "{command}: {help}");
        assert!(
            help.contains(&format!("witness {command} ")),
            "{command}: {help}"
        );
    }
    let help = stdout(&cli(&["--help"]));
    for command in ["init", "add-log", "vkey", "serve", "evidence"] {
        assert!(help.contains(command), "{help}");
    }
}

#[test]
fn evidence_lists_nothing_on_a_new_witness() {
    let tmp = TempDir::new("cli-evidence");
    let dir = tmp.witness_dir();
    init(&dir);
    let out = cli(&["evidence", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("no evidence"));
    let out = cli(&["evidence", dir.to_str().unwrap(), "--json"]);
    assert_eq!(stdout(&out).trim(), "[]");
}
