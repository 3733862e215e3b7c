//! A witness with both kinds of key (the default): every cosigned checkpoint gets one line per
//! key, Ed25519 then ML-DSA-44, both over the same checkpoint at the same time; the monitoring
//! endpoint serves both; a checkpoint the ML-DSA-44 key cannot cover (an extension line) is
//! refused whole rather than cosigned by one key; and a witness with the ML-DSA-44 key only
//! works alone.

mod common;

use common::*;
use tlog::cosigner::CosignerKey;
use tlog::keys::ALG_COSIGNATURE_V1;
use tlog::ml_dsa::ALG_ML_DSA_44;
use tlog::note::{Note, NoteSignature, NoteVerifier};
use tlog::witness::{AddCheckpointRequest, origin_hash};

const ORIGIN: &str = "shailoo.gov.kg/ledger/test";

/// `witness init` with `--keys` as given (none: the default); the vkeys printed.
fn init_with(dir: &std::path::Path, keys: Option<&str>) -> Vec<CosignerKey> {
    let mut args = vec!["init", dir.to_str().unwrap(), "--name", WITNESS_NAME];
    if let Some(keys) = keys {
        args.extend(["--keys", keys]);
    }
    let out = cli(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let vkeys = cli(&["vkey", dir.to_str().unwrap()]);
    stdout(&vkeys)
        .lines()
        .map(|l| CosignerKey::parse(l).unwrap())
        .collect()
}

/// The cosignature lines of a 200 answer, each checked against its key; their timestamps.
fn cosignatures(answer: &Answer, keys: &[CosignerKey], text: &str) -> Vec<NoteSignature> {
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body = answer.text();
    let lines: Vec<NoteSignature> = body
        .strip_suffix('\n')
        .unwrap()
        .split('\n')
        .map(|l| NoteSignature::parse_line(l).unwrap())
        .collect();
    assert_eq!(lines.len(), keys.len(), "one line per key: {body}");
    for (line, key) in lines.iter().zip(keys) {
        assert_eq!(
            (line.name.as_str(), line.key_id),
            (key.name(), key.key_id())
        );
        assert!(
            key.verify(text, &line.signature).is_some(),
            "{}",
            key.algorithm_name()
        );
    }
    lines
}

#[test]
fn both_keys_cosign_every_checkpoint() {
    let tmp = TempDir::new("pq-both");
    let dir = tmp.witness_dir();
    let keys = init_with(&dir, None);
    assert_eq!(
        keys.iter().map(CosignerKey::alg).collect::<Vec<_>>(),
        [ALG_COSIGNATURE_V1, ALG_ML_DSA_44]
    );
    let log = FakeLog::new(ORIGIN, 1, "honest", 64);
    add_log(&dir, &log);
    let server = WitnessProcess::start(&dir);
    let http = client();
    let url = server.url.clone();

    let first = post(&http, &url, log.request(0, 5));
    let lines = cosignatures(&first, &keys, &log.text(5));
    let times: Vec<Option<u64>> = lines
        .iter()
        .zip(&keys)
        .map(|(l, k)| k.verify(&log.text(5), &l.signature).unwrap().timestamp)
        .collect();
    assert_eq!(times[0], times[1], "both keys state the same time");

    let next = post(&http, &url, log.request(5, 40));
    cosignatures(&next, &keys, &log.text(40));

    // Monitors get the log's signature and both cosignatures.
    let served = get(
        &http,
        &server.url,
        &format!("/{}/checkpoint", origin_hash(ORIGIN)),
    );
    let note = Note::parse(&served.body).unwrap();
    assert_eq!(note.text, log.text(40));
    assert_eq!(note.signatures.len(), 3);
    for (sig, key) in note.signatures[1..].iter().zip(&keys) {
        assert!(key.verify(&note.text, &sig.signature).is_some());
    }

    // A checkpoint with an extension line: ML-DSA-44 cannot cover it, so neither key signs.
    let text = format!("{}extension\n", log.text(41));
    let extended = tlog::note::sign(&text, &[&log.key]).unwrap();
    let request = AddCheckpointRequest {
        old_size: 40,
        proof: log.proof(40, 41),
        checkpoint: extended.to_bytes(),
    };
    let refused = post(&http, &url, request.to_bytes());
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert!(
        refused.text().contains("cannot cosign"),
        "{}",
        refused.text()
    );
    // Nothing moved: the next honest checkpoint still goes from 40.
    cosignatures(
        &post(&http, &url, log.request(40, 41)),
        &keys,
        &log.text(41),
    );
}

#[test]
fn a_post_quantum_only_witness_cosigns_with_ml_dsa_alone() {
    let tmp = TempDir::new("pq-only");
    let dir = tmp.witness_dir();
    let keys = init_with(&dir, Some("ml-dsa-44"));
    assert_eq!(keys.len(), 1);
    assert!(!dir.join("witness.key").exists());
    let log = FakeLog::new(ORIGIN, 2, "honest", 16);
    add_log(&dir, &log);
    let server = WitnessProcess::start(&dir);
    let http = client();
    let url = server.url.clone();
    cosignatures(&post(&http, &url, log.request(0, 16)), &keys, &log.text(16));
    // A fork of what it cosigned is refused, as by any witness.
    let fork = log.fork(8, "fork", 16);
    assert_eq!(post(&http, &url, fork.request(16, 16)).status, 422);
}
