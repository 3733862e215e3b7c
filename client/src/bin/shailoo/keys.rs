//! `shailoo keygen`, `pubkey` and `sign`: keys made and read, records signed offline.

use crate::Failure;
use keyfile::passphrase;
use keyfile::{KeyFileError, Protection};
use shailoo::sign::Signed;
use shailoo::signer::{KeySource, Signer};
use std::path::{Path, PathBuf};
use tlog::keys::{ALG_ED25519, SignerKey};

/// Makes a key in a new file; prints its public key last.
pub fn keygen(out: &Path, name: &str, no_passphrase: bool, json: bool) -> Result<u8, Failure> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).expect("the OS's random source");
    let key =
        SignerKey::from_seed(name, ALG_ED25519, &seed).map_err(|e| KeyFileError::Malformed {
            path: out.to_path_buf(),
            why: format!("the name {name:?}: {e}"),
        })?;
    if no_passphrase {
        keyfile::create(out, &key, Protection::None)?;
    } else {
        let passphrase = passphrase::for_new_key(&out.display().to_string())?;
        keyfile::create(out, &key, Protection::Passphrase(&passphrase))?;
    }
    let vkey = key.verifier().to_string();
    if json {
        let answer = serde_json::json!({
            "file": out,
            "name": name,
            "sealed": !no_passphrase,
            "vkey": vkey,
        });
        println!("{answer}");
    } else {
        let sealing = if no_passphrase {
            "NOT sealed (tests only: anyone who copies it can sign)"
        } else {
            "sealed with your passphrase"
        };
        println!(
            "wrote {} (mode 0600, {sealing}); keep it and its passphrase apart, and never share them",
            out.display()
        );
        println!("public key:\n{vkey}");
    }
    Ok(0)
}

/// Prints a key file's public key.
pub fn pubkey(file: &Path, json: bool) -> Result<u8, Failure> {
    let vkey = keyfile::public_key::<tlog::keys::SignerKey>(file)?.to_string();
    if json {
        let sealed = keyfile::is_sealed(file)?;
        println!(
            "{}",
            serde_json::json!({"file": file, "sealed": sealed, "vkey": vkey})
        );
    } else {
        println!("{vkey}");
    }
    Ok(0)
}

/// Signs the JSON form at `record` with the key at `key` (asking for a key file's
/// passphrase) at `time` (default now), into `out`.
pub fn sign(
    key: &KeySource,
    record: &Path,
    documents: &[PathBuf],
    time: Option<u64>,
    out: &Path,
) -> Result<Signed, Failure> {
    let signer = Signer::open(key)?;
    let time = time.unwrap_or_else(now);
    Ok(shailoo::sign::sign_file(
        record, &signer, time, documents, out,
    )?)
}

/// Signs several records' JSON forms with one passphrase (see `shailoo::sign::sign_files`).
pub fn sign_all(
    key: &KeySource,
    records: &[PathBuf],
    documents: &[PathBuf],
    time: Option<u64>,
) -> Result<Vec<Signed>, Failure> {
    let signer = Signer::open(key)?;
    Ok(shailoo::sign::sign_files(
        records,
        &signer,
        time.unwrap_or_else(now),
        documents,
    )?)
}

/// Tells of a signed record: a line, or a JSON object.
pub fn print_signed(signed: &Signed, json: bool) {
    if json {
        println!("{}", serde_json::to_string(signed).expect("plain data"));
    } else {
        let documents = match signed.documents.len() {
            0 => String::new(),
            n => format!(
                " ({n} document(s) in {})",
                shailoo::sign::documents_dir(&signed.record).display()
            ),
        };
        println!(
            "signed {} at {} by {}: {}{documents}",
            signed.kind,
            signed.time,
            signed.signer,
            signed.record.display(),
        );
    }
}

pub use shailoo::unix_now as now;
