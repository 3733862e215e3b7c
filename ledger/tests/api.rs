//! The ledger as its users meet it: `init`, `serve`, every write and read of the API, with a
//! real process on loopback; then a clean stop and a restart that resumes where it stopped.

mod common;
use common::*;
use election::audit::{AuditConfig, audit};
use election::generate::{Anomaly, Config, generate};
use election::{Kind, Record};
use shailoo::client::{ClientError, LedgerClient};
use std::os::unix::fs::PermissionsExt;
use tlog::bundle::ProofBundle;
use tlog::keys::VerifierKey;
use tlog::note::NoteVerifier;
use tlog::policy::Policy;

fn refusal(result: Result<impl std::fmt::Debug, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Refused(r)) => (r.status, r.code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn init_makes_private_keys_and_prints_the_vkey() {
    let dir = temp_dir("init");
    let log = dir.path().join("log");
    let vkey = init(&log);
    let key = VerifierKey::parse(&vkey).expect("the last line is the log's vkey");
    assert_eq!(key.name(), ORIGIN);
    for secret in ["log.key", "root.key"] {
        let mode = std::fs::metadata(log.join(secret))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{secret}");
    }
    let again = ledger()
        .arg("init")
        .arg(&log)
        .args(["--origin", ORIGIN])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a log"));
    let bad = ledger()
        .arg("init")
        .arg(dir.path().join("x"))
        .args(["--origin", "https://example.com/log"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("schema-less URL"));
    let printed = ledger().arg("vkey").arg(&log).output().unwrap();
    assert_eq!(String::from_utf8(printed.stdout).unwrap().trim(), vkey);
    // Exit codes, as `ledger --help` documents them: 2 refused to start (with what to do
    // next), 3 usage.
    assert_eq!(again.status.code(), Some(2));
    let nolog = ledger()
        .arg("vkey")
        .arg(dir.path().join("nolog"))
        .output()
        .unwrap();
    assert_eq!(nolog.status.code(), Some(2));
    let said = String::from_utf8_lossy(&nolog.stderr);
    assert!(
        said.contains("is not a log directory") && said.contains("ledger init"),
        "{said}"
    );
    assert_eq!(
        ledger().arg("frobnicate").output().unwrap().status.code(),
        Some(3)
    );
    let help = ledger().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes: 0 done"));
    // Quorum 0 is only ever explicit: a log made by init is refused by `serve` without
    // --no-witnesses, and says what to do; the flag is refused on a log with a quorum.
    let serve = |flags: &[&str]| {
        ledger()
            .arg("serve")
            .arg(&log)
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .output()
            .unwrap()
    };
    let refused = serve(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("no witness quorum") && said.contains("--no-witnesses"),
        "{said}"
    );
    assert!(refused.stdout.is_empty(), "refused before listening");
    // Adding the first witness sets quorum 1: it is waited for.
    let witness_key = tlog::keys::SignerKey::from_seed(
        "witness.example.kg/w",
        tlog::keys::ALG_COSIGNATURE_V1,
        &[3; 32],
    )
    .unwrap();
    let added = ledger()
        .args(["witness", "add"])
        .arg(&log)
        .args(["--name", "w", "--vkey", &witness_key.verifier().to_string()])
        .args(["--url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    assert!(String::from_utf8_lossy(&added.stdout).contains("quorum: 1 of 1"));
    let contradictory = serve(&["--no-witnesses"]);
    assert_eq!(contradictory.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&contradictory.stderr).contains("has quorum 1"));
}

/// A log run with `--no-witnesses` says at `/readyz` that it publishes what no witness
/// cosigned; a log with a quorum has no such warning.
#[test]
fn readyz_warns_of_a_log_without_witnesses() {
    let dir = temp_dir("readyz");
    let log = dir.path().join("log");
    init(&log);
    let server = Server::start(&log, 10);
    let readyz: serde_json::Value = runtime().block_on(async {
        reqwest::get(format!("{}/readyz", server.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(readyz["ready"], true);
    assert_eq!(readyz["quorum"], 0);
    let warnings = readyz["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("no witness cosigned")),
        "{readyz}"
    );
    // The viewer's files: a returning browser revalidates by ETag and gets 304, no body.
    let (first, again) = runtime().block_on(async {
        let url = format!("{}/pkg/web_viewer_bg.wasm", server.url);
        let first = reqwest::get(&url).await.unwrap();
        let tag = first.headers()["etag"].clone();
        let again = reqwest::Client::new()
            .get(&url)
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap();
        (first, again)
    });
    assert_eq!(first.status(), 200);
    assert_eq!(again.status(), 304);
    assert_eq!(runtime().block_on(again.bytes()).unwrap().len(), 0);
    assert!(server.stop());
}

#[test]
fn submit_read_verify_restart() {
    let dir = temp_dir("api");
    let log = dir.path().join("log");
    let vkey = init(&log);
    let policy = Policy::parse(&format!("log {vkey}\nquorum none\n")).unwrap();
    let root = root_key(&log);
    let e = generate(
        &Config {
            seed: 3,
            precincts: 20,
            anomalies: vec![Anomaly::UnenrolledSigner],
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root.signing_key(),
    );
    let server = Server::start(&log, 20);
    let rt = runtime();
    let client = LedgerClient::new(&server.url);

    let mut accepted: Vec<(u64, Vec<u8>)> = Vec::new();
    rt.block_on(async {
        // Setup first, in order; then the rest.
        for r in &e.records {
            let entry = r.to_bytes();
            match client.submit(entry.clone(), false).await {
                Ok(s) => {
                    assert_eq!(
                        s.index,
                        accepted.len() as u64,
                        "indexes are assigned in order"
                    );
                    accepted.push((s.index, entry));
                }
                Err(ClientError::Refused(refusal)) => {
                    assert_eq!(
                        (
                            refusal.status,
                            refusal.code.as_str(),
                            refusal.rule.as_deref()
                        ),
                        (403, "not-authorized", Some("signer.authorized"))
                    );
                    assert_eq!(
                        r.kind(),
                        Kind::PrecinctProtocol,
                        "only the forged protocol is refused"
                    );
                }
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(accepted.len(), e.records.len() - 1);

        // Refusals, each with its status and code, each changing nothing.
        let (first_index, first_entry) = &accepted[0];
        let dup = client.submit(first_entry.clone(), false).await;
        assert_eq!(refusal(dup), (409, "duplicate".into()));
        assert_eq!(
            refusal(client.submit(b"not a record".to_vec(), false).await),
            (400, "malformed".into())
        );
        assert_eq!(
            refusal(client.submit(vec![0; 70_000], false).await),
            (413, "too-large".into())
        );
        let other_election = Record::sign(
            "another-election",
            e.records[0].time,
            e.records[0].body.clone(),
            root.signing_key(),
        );
        assert_eq!(
            refusal(client.submit(other_election.to_bytes(), false).await),
            (400, "wrong-election".into())
        );
        let mut forged = e.records[5].clone();
        forged.time += 1;
        assert_eq!(
            refusal(client.submit(forged.to_bytes(), false).await),
            (400, "bad-signature".into())
        );
        let _ = first_index;

        // The checkpoint satisfies the policy and covers everything accepted.
        let cp = client.get("checkpoint").await.unwrap();
        let verified = policy.verify_checkpoint(&cp).unwrap();
        assert_eq!(verified.checkpoint.size, accepted.len() as u64);

        // Offline proof bundles verify, and carry the entry.
        for index in [0, 7, accepted.len() as u64 - 1] {
            let text = client.get(&format!("api/v1/bundle/{index}")).await.unwrap();
            let bundle = ProofBundle::parse(&text).unwrap();
            let (_, entry) = bundle.verify_entry(&policy).unwrap();
            assert_eq!(entry, accepted[index as usize].1.as_slice());
            Record::from_bytes(entry)
                .unwrap()
                .verify_signature()
                .unwrap();
        }
        assert_eq!(
            refusal(
                client
                    .get(&format!("api/v1/bundle/{}", accepted.len()))
                    .await
            )
            .1,
            "not-published"
        );

        // A single entry, as logged (in a full bundle and in the partial one), immutable;
        // none beyond the published tree.
        for index in [0, 7, 256, accepted.len() as u64 - 1] {
            let Some((_, entry)) = accepted.get(index as usize) else {
                continue;
            };
            let answer = reqwest::get(format!("{}/api/v1/entry/{index}", server.url))
                .await
                .unwrap();
            assert_eq!(answer.status(), 200, "entry {index}");
            assert_eq!(
                answer.headers()["cache-control"],
                "public, max-age=31536000, immutable"
            );
            assert_eq!(&answer.bytes().await.unwrap()[..], entry.as_slice());
        }
        assert_eq!(
            refusal(
                client
                    .get(&format!("api/v1/entry/{}", accepted.len()))
                    .await
            ),
            (404, "not-published".into())
        );

        // Inclusion and consistency proofs from the JSON API check against the checkpoint.
        let size = verified.checkpoint.size;
        let inclusion: serde_json::Value =
            serde_json::from_slice(&client.get("api/v1/proof/inclusion/3").await.unwrap()).unwrap();
        let proof: Vec<tlog::Hash> = inclusion["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| tlog::Hash::from_base64(h.as_str().unwrap()).unwrap())
            .collect();
        tlog::proof::verify_inclusion(
            3,
            size,
            &tlog::leaf_hash(&accepted[3].1),
            &proof,
            &verified.checkpoint.root,
        )
        .unwrap();
        assert!(
            inclusion["checkpoint"]
                .as_str()
                .is_some_and(|c| c.contains('\u{2014}'))
        );
        // Asked for a size: the same proof, without the checkpoint the reader already has.
        let sized: serde_json::Value = serde_json::from_slice(
            &client
                .get(&format!("api/v1/proof/inclusion/3?size={size}"))
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(sized["proof"], inclusion["proof"]);
        assert!(sized["checkpoint"].is_null());
        let consistency: serde_json::Value =
            serde_json::from_slice(&client.get("api/v1/proof/consistency?old=5").await.unwrap())
                .unwrap();
        let proof: Vec<tlog::Hash> = consistency["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| tlog::Hash::from_base64(h.as_str().unwrap()).unwrap())
            .collect();
        let mut stored = Vec::new();
        let mut f = tlog::Frontier::new();
        for (_, entry) in accepted.iter().take(5) {
            f.append(tlog::leaf_hash(entry), |_, h| stored.push(h));
        }
        tlog::proof::verify_consistency(5, size, &f.root(), &verified.checkpoint.root, &proof)
            .unwrap();

        // Tiles: full ones are immutable; paths are strict.
        let full = reqwest::get(format!("{}/tile/0/000", server.url))
            .await
            .unwrap();
        assert_eq!(full.status(), 200);
        assert_eq!(
            full.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(full.bytes().await.unwrap().len(), 256 * 32);
        // An entry bundle goes gzipped to a client that takes it, the same bytes once
        // unzipped; to one that does not ask, as stored. Hash tiles never.
        let raw_bundle = client.get("tile/entries/000").await.unwrap();
        let ask = |path: &str| {
            reqwest::Client::new()
                .get(format!("{}/{path}", server.url))
                .header("accept-encoding", "gzip")
                .send()
        };
        let zipped = ask("tile/entries/000").await.unwrap();
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(zipped.headers()["vary"], "Accept-Encoding");
        let zipped = zipped.bytes().await.unwrap();
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&zipped[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, raw_bundle);
        let hashes = ask("tile/0/000").await.unwrap();
        assert!(hashes.headers().get("content-encoding").is_none());
        // A single entry and the checkpoint likewise (a browser's first visit reads them), the
        // checkpoint compressed once and the same kept copy sent again.
        for path in ["api/v1/entry/1", "checkpoint", "checkpoint"] {
            let plain = client.get(path).await.unwrap();
            let answer = ask(path).await.unwrap();
            assert_eq!(answer.headers()["vary"], "Accept-Encoding", "{path}");
            assert_eq!(answer.headers()["content-encoding"], "gzip", "{path}");
            let mut unzipped = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(&answer.bytes().await.unwrap()[..]),
                &mut unzipped,
            )
            .unwrap();
            assert_eq!(unzipped, plain, "{path}");
        }
        assert_eq!(
            refusal(client.get("tile/0/00").await),
            (400, "bad-tile-path".into())
        );
        // Beyond the published tree: not served, whether or not it is on disk.
        assert_eq!(
            refusal(client.get("tile/0/999").await),
            (404, "not-published".into())
        );

        // The lookup index finds a precinct's records; each is what the log holds there.
        let found: serde_json::Value = serde_json::from_slice(
            &client
                .get("api/v1/records?precinct=1005&kind=protocol")
                .await
                .unwrap(),
        )
        .unwrap();
        let rows = found["records"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        let index = rows[0]["index"].as_u64().unwrap() as usize;
        assert_eq!(
            rows[0]["leaf_hash"].as_str().unwrap(),
            tlog::leaf_hash(&accepted[index].1).to_hex()
        );

        // Documents: only those a logged record references, and only the right bytes.
        let doc = e
            .documents
            .iter()
            .find(|d| {
                e.records.iter().any(|r| {
                    r.body.documents().contains(&&d.reference) && r.kind() == Kind::PrecinctProtocol
                })
            })
            .unwrap();
        assert_eq!(
            refusal(
                client
                    .upload(
                        &tlog::hash::sha256(b"nobody logged this").to_hex(),
                        b"x".to_vec()
                    )
                    .await
            ),
            (404, "unreferenced".into())
        );
        assert_eq!(
            refusal(
                client
                    .upload(&doc.reference.hex(), b"other bytes".to_vec())
                    .await
            ),
            (400, "hash-mismatch".into())
        );
        client
            .upload(&doc.reference.hex(), doc.bytes.clone())
            .await
            .unwrap();
        let served = reqwest::get(format!("{}/blob/{}", server.url, doc.reference.hex()))
            .await
            .unwrap();
        assert_eq!(served.headers()["content-type"], "image/svg+xml");
        assert!(
            served.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("sandbox")
        );
        assert_eq!(served.bytes().await.unwrap().to_vec(), doc.bytes);

        // The log's entries pass the election audit: the log holds the clean election.
        let report = audit(
            AuditConfig {
                election: Some(e.election.clone()),
                ..AuditConfig::new(root.verifier().public_key())
            },
            accepted.iter().map(|(_, b)| b.as_slice()),
        );
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    });

    // A clean stop, and a restart that resumes at the same size and index.
    assert!(server.stop(), "SIGTERM stops the server cleanly");
    let server = Server::start(&log, 20);
    let client = LedgerClient::new(&server.url);
    rt.block_on(async {
        let cp = policy
            .verify_checkpoint(&client.get("checkpoint").await.unwrap())
            .unwrap();
        assert_eq!(cp.checkpoint.size, accepted.len() as u64);
        let dup = client.submit(accepted[10].1.clone(), false).await;
        assert!(
            matches!(dup, Err(ClientError::Refused(r)) if r.status == 409 && r.index == Some(10))
        );
        let next = Record::sign(
            &e.election,
            e.records[0].time + 1,
            e.records[1].body.clone(),
            root.signing_key(),
        );
        let s = client.submit(next.to_bytes(), true).await.unwrap();
        assert_eq!(s.index, accepted.len() as u64);
        let bundle = ProofBundle::parse(s.bundle.unwrap().as_bytes()).unwrap();
        bundle.verify_entry(&policy).unwrap();
    });
    assert!(server.stop());
    let _ = VerifierKey::parse(&vkey).unwrap().key_id();
}

/// A correction has no precinct of its own: the index lists it under the precinct of the entry
/// it supersedes, so that the precinct's page sees it.
#[test]
fn a_correction_is_listed_under_the_precinct_it_corrects() {
    use election::records::Correction;
    let dir = temp_dir("correction");
    let log = dir.path().join("log");
    init(&log);
    let root = root_key(&log);
    let e = generate(
        &Config {
            seed: 5,
            precincts: 2,
            turnout_updates: false,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root.signing_key(),
    );
    let server = Server::start(&log, 10);
    let client = LedgerClient::new(&server.url);
    let listed = |path: String| -> Vec<u64> {
        let body = runtime().block_on(client.get(&path)).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let records = json["records"].as_array().unwrap();
        records
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect()
    };
    runtime().block_on(async {
        for r in &e.records {
            client.submit(r.to_bytes(), false).await.unwrap();
        }
    });
    let (protocol, precinct) = e
        .records
        .iter()
        .enumerate()
        .find_map(|(i, r)| match &r.body {
            election::Body::PrecinctProtocol(p) => Some((i as u64, p.precinct)),
            _ => None,
        })
        .unwrap();
    let correction = Record::sign(
        &e.election,
        shailoo::unix_now(),
        election::Body::Correction(Correction {
            supersedes: protocol,
            reason: "page 2 was misread".into(),
            document: None,
        }),
        root.signing_key(),
    );
    let logged = runtime()
        .block_on(client.submit(correction.to_bytes(), true))
        .unwrap();
    let under = listed(format!("api/v1/records?precinct={precinct}"));
    assert!(
        under.contains(&protocol) && under.contains(&logged.index),
        "{under:?}"
    );
    let corrections = listed(format!(
        "api/v1/records?precinct={precinct}&kind=correction"
    ));
    assert_eq!(corrections, vec![logged.index]);
    assert!(server.stop());
}
