//! The tlog-witness protocol against the real `witness serve`: every status code in the order
//! spec/tlog.md §8 gives, rollback, fork and bad-proof attempts, evidence, the monitoring
//! endpoint, logs that are not ours (a real Go checksum-database checkpoint), and restarts.

mod common;

use common::*;
use tlog::Hash;
use tlog::keys::{ALG_ED25519, SignerKey, VerifierKey};
use tlog::note::{Note, NoteSignature, NoteVerifier};
use tlog::witness::{AddCheckpointRequest, SIZE_CONTENT_TYPE, origin_hash};

const ORIGIN: &str = "shailoo.gov.kg/ledger/test";

struct Setup {
    tmp: TempDir,
    witness: VerifierKey,
    log: FakeLog,
    server: WitnessProcess,
    http: reqwest::blocking::Client,
}

fn setup(tag: &str) -> Setup {
    let tmp = TempDir::new(tag);
    let dir = tmp.witness_dir();
    let witness = init(&dir);
    let log = FakeLog::new(ORIGIN, 1, "honest", 64);
    add_log(&dir, &log);
    let server = WitnessProcess::start(&dir);
    Setup {
        tmp,
        witness,
        log,
        server,
        http: client(),
    }
}

impl Setup {
    fn post(&self, body: Vec<u8>) -> Answer {
        post(&self.http, &self.server.url, body)
    }

    fn cosign(&self, old: u64, new: u64) -> u64 {
        let a = self.post(self.log.request(old, new));
        check_cosignature(&a, &self.witness, &self.log.text(new))
    }

    /// The size the witness reports with a 409 (by asking from an impossible old size).
    fn witnessed_size(&self) -> u64 {
        let mut req = AddCheckpointRequest::parse(&self.log.request(0, 64)).unwrap();
        req.old_size = 64; // never cosigned in these tests: always 409 (or 200 at 64)
        let a = self.post(req.to_bytes());
        assert_eq!(a.status, 409, "{}", a.text());
        a.text().trim_end().parse().unwrap()
    }

    fn evidence_json(&self) -> Vec<serde_json::Value> {
        let a = get(&self.http, &self.server.url, "/evidence");
        assert_eq!(a.status, 200);
        assert_eq!(a.content_type.as_deref(), Some("application/json"));
        serde_json::from_slice(&a.body).unwrap()
    }

    fn evidence_cli(&self) -> String {
        let out = cli(&["evidence", self.tmp.witness_dir().to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    }
}

fn assert_text(a: &Answer, status: u16) {
    assert_eq!(a.status, status, "body: {}", a.text());
    assert_eq!(
        a.content_type.as_deref(),
        Some("text/plain; charset=utf-8"),
        "status {status}"
    );
    assert!(a.text().ends_with('\n'));
}

#[test]
fn every_status_code_in_the_specified_order() {
    let s = setup("statuses");
    let other = FakeLog::new("example.com/unknown", 2, "a", 8);

    // 400: malformed bodies, checked before anything else.
    for body in [
        b"hello".to_vec(),
        b"old 01\n\n".to_vec(),
        b"old 1\nnot base64\n\n".to_vec(),
        b"old 0\n".to_vec(),
        b"old 0\n\nnot a note\n".to_vec(),
        // A note whose text is not a checkpoint.
        tlog::note::sign("not\na checkpoint\n", &[&s.log.key])
            .map(|n| {
                let mut b = b"old 0\n\n".to_vec();
                b.extend(n.to_bytes());
                b
            })
            .unwrap(),
    ] {
        assert_text(&s.post(body), 400);
    }
    // 404: an unknown origin, even with old > new (404 comes before 400 for sizes).
    assert_text(&s.post(other.request(0, 3)), 404);
    let mut reversed = AddCheckpointRequest::parse(&other.request(0, 3)).unwrap();
    reversed.old_size = 5;
    assert_text(&s.post(reversed.to_bytes()), 404);

    // 403: signed by another key of the same name, and by the right key but corrupted.
    let impostor = FakeLog {
        key: SignerKey::from_seed(ORIGIN, ALG_ED25519, &[99; 32]).unwrap(),
        ..s.log.clone()
    };
    assert_text(&s.post(impostor.request(0, 3)), 403);
    let mut note = Note::parse(&s.log.checkpoint(3)).unwrap();
    note.signatures[0].signature[10] ^= 1;
    let forged = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: note.to_bytes(),
    };
    assert_text(&s.post(forged.to_bytes()), 403);
    // 403 comes before the size checks.
    let mut reversed = AddCheckpointRequest::parse(&impostor.request(0, 3)).unwrap();
    reversed.old_size = 5;
    assert_text(&s.post(reversed.to_bytes()), 403);

    // 400: old size larger than the checkpoint's.
    let mut reversed = AddCheckpointRequest::parse(&s.log.request(0, 3)).unwrap();
    reversed.old_size = 5;
    assert_text(&s.post(reversed.to_bytes()), 400);

    // 422: a proof from size 0 must be empty (and that is not evidence: the log signed
    // nothing wrong).
    let mut with_proof = AddCheckpointRequest::parse(&s.log.request(0, 3)).unwrap();
    with_proof.proof = vec![Hash([7; 32])];
    assert_text(&s.post(with_proof.to_bytes()), 422);

    // 200 with one cosignature line.
    s.cosign(0, 3);

    // 409: old size is not what the witness cosigned; body = its size, special content type.
    for old in [0, 2, 4] {
        let new = 5;
        let mut req = AddCheckpointRequest::parse(&s.log.request(0, new)).unwrap();
        req.old_size = old;
        req.proof = if old == 0 {
            vec![]
        } else {
            s.log.proof(old, new)
        };
        let a = s.post(req.to_bytes());
        assert_eq!(a.status, 409, "{}", a.text());
        assert_eq!(a.content_type.as_deref(), Some(SIZE_CONTENT_TYPE));
        assert_eq!(a.body, b"3\n");
    }

    // 422: a wrong consistency proof.
    let mut bad = AddCheckpointRequest::parse(&s.log.request(3, 5)).unwrap();
    bad.proof[0].0[0] ^= 1;
    assert_text(&s.post(bad.to_bytes()), 422);

    // 200 again from the right size; the same checkpoint again (equal sizes) is cosigned too.
    s.cosign(3, 5);
    s.cosign(5, 5);
    assert_eq!(s.witnessed_size(), 5);

    // 413: a body over 64 KiB, whatever it holds.
    let mut huge = s.log.request(5, 6);
    huge.resize(64 * 1024 + 1, b'a');
    let a = s.post(huge);
    assert_eq!(a.status, 413, "{}", a.text());
    // Just under the limit is read (and then malformed: 400, not 413).
    let mut big = b"old 5\n".to_vec();
    big.resize(64 * 1024, b'A');
    assert_eq!(s.post(big).status, 400);

    // 422 with evidence: a tree of size 0 whose root is not the empty tree's, on a new
    // origin (nothing cosigned, so old 0 is right).
    let zero_log = FakeLog::new("example.com/zero", 3, "a", 4);
    add_log(&s.tmp.witness_dir(), &zero_log);
    let text = format!("example.com/zero\n0\n{}\n", Hash([1; 32]).to_base64());
    let note = tlog::note::sign(&text, &[&zero_log.key]).unwrap();
    let req = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: note.to_bytes(),
    };
    assert_text(&s.post(req.to_bytes()), 422);
    let ev = s.evidence_json();
    // Only this one: the wrong proof above proved nothing about the log.
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert!(ev[0]["reason"].as_str().unwrap().contains("size 0"));

    // Other methods and paths.
    let a = get(&s.http, &s.server.url, "/add-checkpoint");
    assert_eq!(a.status, 405);
    assert_eq!(get(&s.http, &s.server.url, "/nothing/here").status, 404);
}

#[test]
fn fork_is_refused_and_kept_as_evidence() {
    let s = setup("fork");
    s.cosign(0, 8);
    // The log signs another history from leaf 4 on, and asks for size 8 again.
    let fork = s.log.fork(4, "forked", 16);
    assert_ne!(fork.root(8), s.log.root(8));
    let body = fork.request(8, 8);
    let a = s.post(body.clone());
    assert_text(&a, 422);
    // And an extension of the fork, with a proof that is right for the fork: refused, but
    // not conclusive on its own (an honest checkpoint with a wrong proof looks the same).
    assert_text(&s.post(fork.request(8, 12)), 422);
    // A second branch of size 8, racing with a stale `old`: 409, and still kept.
    let second = s.log.fork(6, "second branch", 16);
    let racing = AddCheckpointRequest {
        old_size: 3,
        ..AddCheckpointRequest::parse(&second.request(8, 8)).unwrap()
    };
    assert_eq!(s.post(racing.to_bytes()).status, 409);
    // The state did not move.
    assert_eq!(s.witnessed_size(), 8);
    let served = get(
        &s.http,
        &s.server.url,
        &format!("/{}/checkpoint", origin_hash(ORIGIN)),
    );
    assert!(served.text().starts_with(&s.log.text(8)));

    // The same-size fork is evidence, kept once however often it is replayed.
    for _ in 0..3 {
        assert_eq!(s.post(body.clone()).status, 422);
    }
    let ev = s.evidence_json();
    assert_eq!(ev.len(), 2, "{ev:#?}");
    assert_eq!(ev[0]["origin"], ORIGIN);
    assert!(ev[0]["reason"].as_str().unwrap().starts_with("fork:"));
    assert_eq!(ev[0]["request"].as_str().unwrap().as_bytes(), &body[..]);
    let cosigned = ev[0]["cosigned_checkpoint"].as_str().unwrap();
    assert!(cosigned.starts_with(&s.log.text(8)));
    assert!(ev[0]["received_at"].as_u64().unwrap() > 1_600_000_000);
    // The racing second branch, kept although it got a 409.
    assert!(
        ev[1]["reason"].as_str().unwrap().starts_with("fork:"),
        "{ev:#?}"
    );

    // Together, the two signed checkpoints prove the log signed two roots for size 8.
    let log_key = s.log.key.verifier();
    let refused = AddCheckpointRequest::parse(ev[0]["request"].as_str().unwrap().as_bytes())
        .unwrap()
        .checkpoint;
    let (a, _) = tlog::note::open(&refused, &[&log_key]).unwrap();
    let (b, _) = tlog::note::open(cosigned.as_bytes(), &[&log_key]).unwrap();
    let (a, b) = (
        tlog::Checkpoint::parse(&a.text).unwrap(),
        tlog::Checkpoint::parse(&b.text).unwrap(),
    );
    assert_eq!(a.size, b.size);
    assert_ne!(a.root, b.root);

    // The command line lists the same records.
    let text = s.evidence_cli();
    assert!(text.contains("evidence #1"), "{text}");
    assert!(text.contains("evidence #2"), "{text}");
    assert!(text.contains("fork:"), "{text}");
    assert!(text.contains(&fork.text(8)), "{text}");
    assert!(text.trim_end().ends_with("2 record(s)"), "{text}");
    let out = cli(&["evidence", s.tmp.witness_dir().to_str().unwrap(), "--json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed, ev);
}

#[test]
fn rollback_is_refused() {
    let s = setup("rollback");
    s.cosign(0, 10);
    // An older checkpoint, honestly signed, claimed as an extension of what was cosigned.
    let mut back = AddCheckpointRequest::parse(&s.log.request(0, 6)).unwrap();
    back.old_size = 10;
    assert_text(&s.post(back.to_bytes()), 400);
    // ... or claimed as following from its own size: the witness says where it is.
    let a = s.post(s.log.request(6, 6));
    assert_eq!(a.status, 409);
    assert_eq!(a.body, b"10\n");
    let a = s.post(s.log.request(0, 6));
    assert_eq!((a.status, a.body), (409, b"10\n".to_vec()));
    assert_eq!(s.witnessed_size(), 10);
    // A rollback is not evidence: an old checkpoint is not a contradiction.
    assert!(s.evidence_json().is_empty());
}

#[test]
fn bad_proofs_are_refused() {
    let s = setup("badproof");
    s.cosign(0, 5);
    let good = AddCheckpointRequest::parse(&s.log.request(5, 9)).unwrap();
    let mut variants = Vec::new();
    let mut short = good.clone();
    short.proof.pop();
    variants.push(short);
    let mut long = good.clone();
    long.proof.push(Hash([0; 32]));
    variants.push(long);
    let mut swapped = good.clone();
    swapped.proof.reverse();
    variants.push(swapped);
    let mut other_range = good.clone();
    other_range.proof = s.log.proof(4, 9);
    variants.push(other_range);
    let mut empty = good.clone();
    empty.proof.clear();
    variants.push(empty);
    for v in variants {
        assert_ne!(v.proof, good.proof);
        assert_text(&s.post(v.to_bytes()), 422);
        assert_eq!(s.witnessed_size(), 5);
    }
    // No evidence: a real checkpoint with a wrong proof proves nothing about the log, and an
    // attacker replaying honest checkpoints must not fill the evidence store.
    let ev = s.evidence_json();
    assert!(ev.is_empty(), "{ev:#?}");
    // The right proof is cosigned.
    s.cosign(5, 9);
    assert_eq!(s.witnessed_size(), 9);
}

#[test]
fn monitoring_serves_the_latest_cosigned_checkpoint() {
    let s = setup("monitoring");
    let path = format!("/{}/checkpoint", origin_hash(ORIGIN));
    let a = get(&s.http, &s.server.url, &path);
    assert_text(&a, 404);

    // Submit with an extra signature by a key the witness does not know: it is not served.
    let stranger = SignerKey::from_seed("stranger.example", ALG_ED25519, &[5; 32]).unwrap();
    let text = s.log.text(7);
    let note = tlog::note::sign(&text, &[&s.log.key, &stranger]).unwrap();
    let req = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: note.to_bytes(),
    };
    let answer = s.post(req.to_bytes());
    let t = check_cosignature(&answer, &s.witness, &text);

    let a = get(&s.http, &s.server.url, &path);
    assert_eq!(a.status, 200);
    assert_eq!(a.content_type.as_deref(), Some("text/plain; charset=utf-8"));
    let served = Note::parse(&a.body).unwrap();
    assert_eq!(served.text, text);
    let names: Vec<&str> = served.signatures.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, [ORIGIN, WITNESS_NAME]);
    let log_key = s.log.key.verifier();
    let (_, verified) = tlog::note::open(&a.body, &[&log_key, &s.witness]).unwrap();
    assert_eq!(verified.len(), 2);
    assert_eq!(verified[1].info.timestamp, Some(t));
    // The cosignature served is the one returned.
    let returned = NoteSignature::parse_line(answer.text().trim_end()).unwrap();
    assert_eq!(served.signatures[1], returned);

    // It follows the state.
    s.cosign(7, 20);
    let a = get(&s.http, &s.server.url, &path);
    assert!(a.text().starts_with(&s.log.text(20)));
    // Malformed and unknown hashes: 404.
    for bad in [
        "/abc/checkpoint".to_string(),
        format!("/{}/checkpoint", origin_hash(ORIGIN).to_uppercase()),
        format!("/{}/checkpoint", origin_hash("example.com/unknown")),
    ] {
        assert_eq!(get(&s.http, &s.server.url, &bad).status, 404, "{bad}");
    }
}

#[test]
fn home_page_names_the_witness_and_its_logs() {
    let s = setup("home");
    s.cosign(0, 2);
    let a = get(&s.http, &s.server.url, "/");
    assert_text(&a, 200);
    let page = a.text();
    assert!(page.contains(WITNESS_NAME), "{page}");
    assert!(page.contains(&s.witness.to_string()), "{page}");
    assert!(page.contains(ORIGIN), "{page}");
    assert!(page.contains("size 2"), "{page}");
    assert!(page.contains(&origin_hash(ORIGIN)), "{page}");
}

#[test]
fn any_c2sp_log_is_witnessed() {
    let s = setup("c2sp");
    let dir = s.tmp.witness_dir();
    // A log whose key name is not its origin, whose checkpoints carry extension lines and
    // more signatures than the witness knows.
    let key = SignerKey::from_seed("log-key.example.org", ALG_ED25519, &[11; 32]).unwrap();
    let origin = "example.org/some log with spaces";
    let out = cli(&[
        "add-log",
        dir.to_str().unwrap(),
        "--origin",
        origin,
        "--vkey",
        &key.verifier().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = format!(
        "{origin}\n1\n{}\nextension one\n— ext two\n",
        tlog::leaf_hash(b"x").to_base64()
    );
    let other = SignerKey::from_seed("other.example", ALG_ED25519, &[12; 32]).unwrap();
    let note = tlog::note::sign(&text, &[&other, &key]).unwrap();
    let req = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: note.to_bytes(),
    };
    check_cosignature(&s.post(req.to_bytes()), &s.witness, &text);

    // A real checkpoint of the Go checksum database, signed by Google's sum.golang.org key,
    // which this project did not make: Go's signer, key ID and note encoding.
    let sumdb_origin = "go.sum database tree";
    let sumdb_vkey = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    let small = "go.sum database tree\n3784599\n7uvxIZ67TZygcq/AehTD8iHYt81Ih+Zl2Y7vXZbfszQ=\n\n\
                 — sum.golang.org Az3grn972wXskjQrsZhVGc93fTU2uOsmSTiId1Wn1lxDCup5z4ggl1/4gaUqOkMa6cMbYvjB7hn7yemNr7Zqanol/go=\n";
    let large = "go.sum database tree\n15368405\n/g9am3I6YWNKaZX/jkne1fqd9zEyjss+JXyPXG0WfkY=\n\n\
                 — sum.golang.org Az3grqJGUaSGukG9p8nI2vKgiFn7qGHxn0W+mrwyI6Gz3F0t1J3LzmWk/p96Ybf295EjwdSwlzgijq5WA9d1Ded7owM=\n";
    let out = cli(&[
        "add-log",
        dir.to_str().unwrap(),
        "--origin",
        sumdb_origin,
        "--vkey",
        sumdb_vkey,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body = |old: u64, note: &str| {
        AddCheckpointRequest {
            old_size: old,
            proof: vec![],
            checkpoint: note.as_bytes().to_vec(),
        }
        .to_bytes()
    };
    let sumdb = VerifierKey::parse(sumdb_vkey).unwrap();
    let small_text = Note::parse(small.as_bytes()).unwrap().text;
    check_cosignature(&s.post(body(0, small)), &s.witness, &small_text);
    // Tampering with Google's signature is caught (403), and the size checks apply.
    let tampered = small.replace("Az3grn972", "Az3grn973");
    assert_eq!(s.post(body(0, &tampered)).status, 403);
    let a = s.post(body(0, large));
    assert_eq!((a.status, a.body), (409, b"3784599\n".to_vec()));
    // Without the (large) consistency proof the extension is refused.
    assert_eq!(s.post(body(3_784_599, large)).status, 422);
    check_cosignature(&s.post(body(3_784_599, small)), &s.witness, &small_text);
    // The served checkpoint still verifies with Go's key.
    let a = get(
        &s.http,
        &s.server.url,
        &format!("/{}/checkpoint", origin_hash(sumdb_origin)),
    );
    let (_, verified) = tlog::note::open(&a.body, &[&sumdb, &s.witness]).unwrap();
    assert_eq!(verified.len(), 2);
    assert_eq!(verified[0].name, sumdb.name());
}

#[test]
fn a_second_key_for_an_origin_keeps_its_state() {
    let s = setup("rotate");
    s.cosign(0, 4);
    let rotated = FakeLog {
        key: SignerKey::from_seed(ORIGIN, ALG_ED25519, &[42; 32]).unwrap(),
        ..s.log.clone()
    };
    assert_eq!(s.post(rotated.request(4, 6)).status, 403);
    add_log(&s.tmp.witness_dir(), &rotated);
    // Takes effect without a restart; the state is kept (old 0 is a 409, not a restart).
    assert_eq!(s.post(rotated.request(0, 6)).body, b"4\n");
    let a = s.post(rotated.request(4, 6));
    check_cosignature(&a, &s.witness, &rotated.text(6));
    // Re-adding a key changes nothing.
    add_log(&s.tmp.witness_dir(), &rotated);
    assert_eq!(s.witnessed_size(), 6);
}

#[test]
fn restart_keeps_state_and_sigterm_exits_cleanly() {
    let s = setup("restart");
    s.cosign(0, 5);
    let path = format!("/{}/checkpoint", origin_hash(ORIGIN));
    let before = get(&s.http, &s.server.url, &path).body;
    let Setup {
        tmp,
        witness,
        log,
        server,
        http,
    } = s;
    let status = server.terminate();
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM must stop the witness with 0"
    );

    let server = WitnessProcess::start(&tmp.witness_dir());
    assert_eq!(get(&http, &server.url, &path).body, before);
    let a = post(&http, &server.url, log.request(0, 9));
    assert_eq!((a.status, a.body), (409, b"5\n".to_vec()));
    let a = post(&http, &server.url, log.request(5, 9));
    check_cosignature(&a, &witness, &log.text(9));

    // SIGINT too.
    let ok = std::process::Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let mut server = server;
    let status = poll(std::time::Duration::from_secs(20), "exit on SIGINT", || {
        server.child.try_wait().unwrap()
    });
    assert_eq!(status.code(), Some(0));
}
