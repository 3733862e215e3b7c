//! `shailoo keygen` and `shailoo pubkey`, run as a CEC's IT department would: a sealed key
//! file only its owner can read, never overwritten, whose public key `ledger init` takes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSPHRASE: &str = "four words make a passphrase";

fn shailoo(args: &[&str], passphrase: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shailoo"));
    command
        .args(args)
        .stdin(Stdio::null())
        .env_remove("SHAILOO_PASSPHRASE");
    if let Some(p) = passphrase {
        command.env("SHAILOO_PASSPHRASE", p);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn keygen(out: &Path, passphrase: Option<&str>, extra: &[&str]) -> Output {
    let mut args = vec![
        "keygen",
        "--out",
        out.to_str().unwrap(),
        "--name",
        "cec.gov.kg/root",
    ];
    args.extend(extra);
    shailoo(&args, passphrase)
}

#[test]
fn a_new_key_is_sealed_readable_by_its_owner_only_and_its_public_key_printed_last() {
    let dir = shailoo_e2e::temp_dir("keygen");
    let file = dir.path().join("root.key");
    let made = keygen(&file, Some(PASSPHRASE), &[]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let stdout = text(&made.stdout);
    let vkey = stdout.lines().last().unwrap().to_string();
    assert!(vkey.starts_with("cec.gov.kg/root+"), "{stdout}");

    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(stored.starts_with("shailoo-sealed-key/v1\n"), "{stored}");
    assert!(
        !stored.contains("PRIVATE"),
        "the private key is not stored in the clear"
    );

    // The public key is read without the passphrase; the private one only with it.
    let shown = shailoo(&["pubkey", file.to_str().unwrap()], None);
    assert_eq!(text(&shown.stdout).trim_end(), vkey);
    let key = keyfile::load::<tlog::keys::SignerKey>(&file, || Ok(PASSPHRASE.to_string().into()))
        .unwrap();
    assert_eq!(key.verifier().to_string(), vkey);
    let wrong = keyfile::load::<tlog::keys::SignerKey>(&file, || {
        Ok("four words make a passphrasE".to_string().into())
    });
    assert!(
        matches!(wrong, Err(keyfile::KeyFileError::WrongPassphrase { .. })),
        "{wrong:?}"
    );

    // Its public half is what the log is made with.
    let created = ledger::server::init(
        &dir.path().join("log"),
        "shailoo.gov.kg/ledger/2026-11-29-parliamentary",
        Some(&vkey),
    )
    .unwrap();
    assert_eq!(created.root_vkey.to_string(), vkey);
    assert!(!created.root_generated);
}

#[test]
fn a_key_file_is_never_overwritten() {
    let dir = shailoo_e2e::temp_dir("keygen-twice");
    let file = dir.path().join("operator.key");
    assert!(keygen(&file, Some(PASSPHRASE), &[]).status.success());
    let before = std::fs::read(&file).unwrap();
    let again = keygen(&file, Some(PASSPHRASE), &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the first key is intact"
    );
}

#[test]
fn a_key_file_others_can_read_is_refused() {
    let dir = shailoo_e2e::temp_dir("keygen-mode");
    let file = dir.path().join("urn.key");
    assert!(keygen(&file, None, &["--no-passphrase"]).status.success());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let shown = shailoo(&["pubkey", file.to_str().unwrap()], None);
    assert_eq!(shown.status.code(), Some(2));
    assert!(
        text(&shown.stderr).contains("is open to other users (mode 644)"),
        "{}",
        text(&shown.stderr)
    );
    let loaded = keyfile::load::<tlog::keys::SignerKey>(&file, || panic!("no passphrase is asked"));
    assert!(matches!(
        loaded,
        Err(keyfile::KeyFileError::Readable { .. })
    ));
}

#[test]
fn without_a_passphrase_nothing_is_written_unless_asked_for_by_name() {
    let dir = shailoo_e2e::temp_dir("keygen-nopass");
    let file = dir.path().join("device.key");
    // No terminal and no SHAILOO_PASSPHRASE: refused, not silently unsealed.
    let refused = keygen(&file, None, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("a passphrase is needed"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!file.exists());
    let short = keygen(&file, Some("too short"), &[]);
    assert_eq!(short.status.code(), Some(2));
    assert!(text(&short.stderr).contains("at least 12 characters"));
    assert!(!file.exists());
    // Asked for by name: the bare key line, as `ledger init` writes a demo's root key.
    let made = keygen(&file, None, &["--no-passphrase", "--json"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(answer["sealed"], false);
    let key =
        keyfile::load::<tlog::keys::SignerKey>(&file, || panic!("no passphrase is asked")).unwrap();
    assert_eq!(answer["vkey"], key.verifier().to_string());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("PRIVATE+KEY+cec.gov.kg/root+")
    );
}

#[test]
fn usage_errors_exit_3_and_help_teaches() {
    let usage = shailoo(&["keygen", "--name", "x"], None);
    assert_eq!(usage.status.code(), Some(3));
    let help = shailoo(&["keygen", "--help"], None);
    assert!(help.status.success());
    let help = text(&help.stdout);
    assert!(
        help.contains("--root-vkey") && help.contains("offline machine"),
        "{help}"
    );
    // Every command's help ends with what its exit codes mean.
    for command in [
        "keygen", "pubkey", "sign", "define", "enroll", "revoke", "submit", "outbox",
    ] {
        let help = text(&shailoo(&[command, "--help"], None).stdout);
        assert!(
            help.contains("Exit codes: 0 done; 1 some records refused"),
            "{command}: {help}"
        );
    }
    let help = text(&shailoo(&["receipt", "verify", "--help"], None).stdout);
    assert!(help.contains("Exit codes:"), "{help}");
}
