//! ML-DSA-44 cosignatures against an implementation this project did not write: OpenSSL's
//! (through Python's `cryptography` >= 47, which `.ci/run` installs).
//!
//! - the committed vectors (`spec/vectors/cosignature-ml-dsa-44.json`, made by OpenSSL from
//!   the spec's text alone by `spec/vectors/ml-dsa-44.py`): same key pair from the seed, same
//!   vkey and key ID, same subtree/v1 message, and OpenSSL's cosignature verifies here;
//! - live, both ways: for keys from many seeds, OpenSSL derives the same public key, accepts
//!   this code's hedged signatures and refuses them altered, and this code accepts OpenSSL's.

use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use tlog::checkpoint::Checkpoint;
use tlog::cosigner::CosignerKey;
use tlog::ml_dsa::{MlDsaSignerKey, MlDsaVerifierKey, SIGNATURE_SIZE, subtree_message};
use tlog::note::{Note, NoteVerifier};

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/vectors/cosignature-ml-dsa-44.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn seed(hex_text: &str) -> [u8; 32] {
    hex::decode(hex_text).unwrap().try_into().unwrap()
}

#[test]
fn openssl_vectors_derive_the_same_keys_and_messages_and_verify() {
    let v = vectors();
    let text = v["checkpoint"].as_str().unwrap();
    let checkpoint = Checkpoint::parse(text).unwrap();
    for c in v["cosigners"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let signer = MlDsaSignerKey::from_seed(name, &seed(c["seed"].as_str().unwrap())).unwrap();
        assert_eq!(signer.verifier().to_string(), c["vkey"].as_str().unwrap());
        assert_eq!(
            signer.to_private_string(),
            c["private_key"].as_str().unwrap()
        );
        assert_eq!(
            format!("{:08x}", signer.verifier().key_id()),
            c["key_id"].as_str().unwrap()
        );
        let timestamp = c["timestamp"].as_u64().unwrap();
        let message = subtree_message(
            name,
            timestamp,
            &checkpoint.origin,
            0,
            checkpoint.size,
            &checkpoint.root,
        )
        .unwrap();
        assert_eq!(hex::encode(&message), c["message"].as_str().unwrap());

        // OpenSSL's cosignature, as a note signature line on the checkpoint.
        let note_bytes = format!("{text}\n{}\n", c["signature_line"].as_str().unwrap());
        let note = Note::parse(note_bytes.as_bytes()).unwrap();
        let key = CosignerKey::parse(c["vkey"].as_str().unwrap()).unwrap();
        let line = &note.signatures[0];
        assert_eq!((line.name.as_str(), line.key_id), (name, key.key_id()));
        let info = key
            .verify(text, &line.signature)
            .expect("OpenSSL's cosignature");
        assert_eq!(info.timestamp, Some(timestamp));
        for byte in [0, 8, 100, 8 + SIGNATURE_SIZE - 1] {
            let mut altered = line.signature.clone();
            altered[byte] ^= 0x20;
            assert!(key.verify(text, &altered).is_none(), "byte {byte} altered");
        }
    }
}

/// The Python side of the live test: derive, verify ours (and ours altered), sign.
const OPENSSL: &str = r#"
import json, sys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa
out = []
for case in json.load(sys.stdin):
    key = mldsa.MLDSA44PrivateKey.from_seed_bytes(bytes.fromhex(case["seed"]))
    public = key.public_key()
    message = bytes.fromhex(case["message"])
    def accepts(signature):
        try:
            public.verify(signature, message)
            return True
        except InvalidSignature:
            return False
    ours = bytes.fromhex(case["signature"])
    altered = bytearray(ours); altered[len(altered) // 2] ^= 1
    out.append({
        "public": public.public_bytes_raw().hex(),
        "accepts_ours": accepts(ours),
        "accepts_altered": accepts(bytes(altered)),
        "signature": key.sign(message).hex(),
    })
json.dump(out, sys.stdout)
"#;

fn openssl(cases: &Value) -> Vec<Value> {
    let mut child = Command::new("python3")
        .args(["-c", OPENSSL])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(cases.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "OpenSSL's ML-DSA through Python failed (needs `pip install 'cryptography>=47'`, which .ci/run does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn openssl_and_this_code_accept_each_others_cosignatures() {
    let origin = "shailoo.gov.kg/ledger/2026-11-30-parliamentary";
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for i in 0u64..24 {
        let seed: [u8; 32] = tlog::hash::sha256(&i.to_be_bytes()).0;
        let name = format!("observer-{i}.example.kg/witness");
        let signer = MlDsaSignerKey::from_seed(&name, &seed).unwrap();
        let root = tlog::hash::sha256(format!("root {i}").as_bytes());
        let size = 1 + i * 7919;
        let timestamp = 1_795_000_000 + i;
        let message = subtree_message(&name, timestamp, origin, 0, size, &root).unwrap();
        let randomness = tlog::hash::sha256(&[i as u8, 0xaa]).0;
        let signature = signer.sign_message(&message, &randomness);
        cases.push(json!({
            "seed": hex::encode(seed),
            "message": hex::encode(&message),
            "signature": hex::encode(signature),
        }));
        expected.push((signer.verifier().clone(), message));
    }
    let answers = openssl(&Value::Array(cases));
    assert_eq!(answers.len(), expected.len());
    for (i, (answer, (key, message))) in answers.iter().zip(&expected).enumerate() {
        assert_eq!(
            answer["public"].as_str().unwrap(),
            hex::encode(key.public_key()),
            "key {i}: FIPS 204 KeyGen from the same seed"
        );
        assert_eq!(
            answer["accepts_ours"], true,
            "key {i}: OpenSSL verifies ours"
        );
        assert_eq!(answer["accepts_altered"], false, "key {i}: altered");
        let theirs = hex::decode(answer["signature"].as_str().unwrap()).unwrap();
        assert!(
            key.verify_message(message, &theirs),
            "key {i}: ours verifies OpenSSL's"
        );
        let other = MlDsaVerifierKey::new("someone.else", key.public_key()).unwrap();
        assert!(
            other.verify_message(message, &theirs),
            "the key, not the name, verifies raw"
        );
        let mut truncated_message = message.clone();
        truncated_message.pop();
        assert!(!key.verify_message(&truncated_message, &theirs));
    }
}
