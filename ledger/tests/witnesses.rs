//! The log with three witnesses (quorum 2 of 3) when witnesses fail or are compromised:
//! a witness down — the log keeps publishing with the two left; two down — nothing new is
//! published, and publication resumes by itself when a witness returns; a witness key stolen —
//! a forked checkpoint cosigned with it does not meet the quorum, and an honest witness refuses
//! it and keeps it as evidence.

mod common;
use common::*;
use election::Body;
use election::records::{KeyEnrollment, Role, Scope};
use ledger::logdir::{LogDir, WitnessConfig};
use shailoo::client::{ClientError, LedgerClient};
use std::path::{Path, PathBuf};
use tlog::checkpoint::Checkpoint;
use tlog::policy::{CheckpointRejection, Policy};
use tlog::witness::{AddCheckpointRequest, AddCheckpointResponse};
use tokio::sync::oneshot;

/// A witness node serving on a fixed address until stopped.
struct Witness {
    dir: PathBuf,
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Witness {
    fn start(rt: &tokio::runtime::Runtime, dir: &Path, addr: &str) -> Witness {
        let listener = rt.block_on(tokio::net::TcpListener::bind(addr)).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let owned = dir.to_path_buf();
        let task = rt.spawn(async move {
            witness::serve(&owned, listener, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Witness {
            dir: dir.to_path_buf(),
            addr,
            stop: Some(tx),
            task: Some(task),
        }
    }

    fn stop(&mut self, rt: &tokio::runtime::Runtime) {
        self.stop.take().unwrap().send(()).unwrap();
        rt.block_on(self.task.take().unwrap()).unwrap();
    }
}

fn enrollment(n: u8) -> Body {
    let key = ed25519_dalek::SigningKey::from_bytes(&[n; 32]);
    Body::KeyEnrollment(KeyEnrollment {
        key: key.verifying_key().to_bytes(),
        role: Role::FinanceOffice,
        holder: format!("office {n}"),
        scope: Scope::everything(),
        valid_from: 0,
        valid_until: u64::MAX,
    })
}

#[test]
fn quorum_survives_a_witness_down_and_a_witness_key_stolen() {
    let tmp = temp_dir("witnesses");
    let log = tmp.path().join("log");
    let log_vkey = init(&log);
    let rt = runtime();
    let mut witnesses = Vec::new();
    let d = LogDir::new(&log);
    let mut config = d.load_config().unwrap();
    // w1 holds both kinds of key, w2 only ML-DSA-44, w3 only Ed25519.
    use witness::config::KeyKind;
    let kinds = [&KeyKind::ALL[..], &[KeyKind::MlDsa44], &[KeyKind::Ed25519]];
    for (n, kinds) in (1..=3).zip(kinds) {
        let wdir = tmp.path().join(format!("w{n}"));
        let vkeys = witness::init(&wdir, &format!("observers.example.kg/w{n}"), kinds).unwrap();
        witness::add_log(&wdir, ORIGIN, &log_vkey).unwrap();
        let w = Witness::start(&rt, &wdir, "127.0.0.1:0");
        config.witnesses.push(WitnessConfig {
            name: format!("w{n}"),
            vkeys: vkeys.iter().map(ToString::to_string).collect(),
            url: format!("http://{}", w.addr),
        });
        witnesses.push(w);
    }
    config.quorum = 2;
    d.save_config(&config).unwrap();
    let mut policy = Policy::default();
    policy
        .add_log(tlog::keys::VerifierKey::parse(&log_vkey).unwrap(), None)
        .unwrap();
    ledger::logdir::add_witnesses_to_policy(&mut policy, &config.witnesses, 2).unwrap();
    let root = root_key(&log);
    let server = Server::start(&log, 20);
    let client = LedgerClient::new(&server.url);
    let submit = |n: u8, cosigned: bool| {
        let record = election::Record::sign(
            "2026-11-29-parliamentary",
            shailoo::unix_now() + u64::from(n),
            enrollment(n),
            root.signing_key(),
        );
        rt.block_on(client.submit(record.to_bytes(), cosigned))
    };
    let checkpoint = || policy.verify_checkpoint(&rt.block_on(client.get("checkpoint")).unwrap());

    // All three up: a record comes back with a proof under a quorum-cosigned checkpoint, with
    // a cosignature by each key of each witness that answered in time.
    let a = submit(1, true).unwrap();
    let bundle = tlog::bundle::ProofBundle::parse(a.bundle.unwrap().as_bytes()).unwrap();
    bundle.verify_entry(&policy).unwrap();
    let all = checkpoint().unwrap();
    assert!(all.cosigners.len() >= 2, "{:?}", all.cosigners);

    // (k) One witness down: the log keeps publishing with the two that remain.
    witnesses[2].stop(&rt);
    let b = submit(2, true).unwrap();
    let after_b = checkpoint().unwrap();
    // (The log's own record of that checkpoint may follow it: `spec/records.md` §6.)
    assert!(after_b.checkpoint.size > b.index);
    let mut names: Vec<&str> = after_b.cosigners.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    assert_eq!(names, ["w1-ed25519", "w1-ml-dsa-44", "w2"]);

    // Two down: the record is sequenced, but no checkpoint covering it can be published, and
    // clients keep seeing the last quorum-cosigned one.
    let w2_addr = witnesses[1].addr;
    witnesses[1].stop(&rt);
    let c = submit(3, false).unwrap();
    let refused = rt.block_on(client.get(&format!("api/v1/bundle/{}?wait=3", c.index)));
    assert!(
        matches!(refused, Err(ClientError::Refused(ref r)) if r.code == "not-published"),
        "{refused:?}"
    );
    assert!(checkpoint().unwrap().checkpoint.size <= c.index);

    // A witness comes back: publication resumes without any new record to prompt it.
    witnesses[1] = Witness::start(&rt, &tmp.path().join("w2"), &w2_addr.to_string());
    let text = rt
        .block_on(client.get(&format!("api/v1/bundle/{}?wait=20", c.index)))
        .expect("published once a quorum is back");
    tlog::bundle::ProofBundle::parse(&text)
        .unwrap()
        .verify_entry(&policy)
        .unwrap();

    // (j) A stolen witness key: a fork signed with the log's key and cosigned with w1's stolen
    // key is one cosignature short of the quorum…
    let published = checkpoint().unwrap();
    let log_key = ledger::logdir::load_key(&log.join("log.key")).unwrap();
    let stolen = ledger::logdir::load_key(&tmp.path().join("w1/witness.key")).unwrap();
    let fork = Checkpoint {
        root: tlog::leaf_hash(b"a history for some"),
        ..published.checkpoint.clone()
    };
    let mut note = tlog::note::sign(&fork.to_text(), &[&log_key]).unwrap();
    let log_signed = note.to_bytes();
    note.signatures
        .push(stolen.cosign(&note.text, 1_800_000_000).unwrap());
    assert!(matches!(
        policy.verify_checkpoint(&note.to_bytes()),
        Err(CheckpointRejection::QuorumNotMet { .. })
    ));
    // …and still short with w1's other key stolen too: one witness counts once.
    let stolen_pq: tlog::cosigner::CosignerSigningKey =
        keyfile::load(&tmp.path().join("w1/witness-ml-dsa-44.key"), || {
            unreachable!("unsealed")
        })
        .unwrap();
    note.signatures.push(
        stolen_pq
            .cosign(&note.text, 1_800_000_000, &[1; 32])
            .unwrap(),
    );
    assert!(matches!(
        policy.verify_checkpoint(&note.to_bytes()),
        Err(CheckpointRejection::QuorumNotMet { .. })
    ));
    // …and an honest witness refuses it and keeps the evidence. (It may have cosigned a
    // larger tree than the published one meanwhile — the log's record of that checkpoint —
    // so the fork is made at whatever size its 409 names.)
    let offer = |checkpoint: Vec<u8>, old_size: u64| {
        let request = AddCheckpointRequest {
            old_size,
            proof: vec![],
            checkpoint,
        };
        rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("http://{}/add-checkpoint", witnesses[1].addr))
                .body(request.to_bytes())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let content_type = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let body = r.bytes().await.unwrap();
            AddCheckpointResponse::parse(status, content_type.as_deref(), &body).unwrap()
        })
    };
    let mut response = offer(log_signed, published.checkpoint.size);
    if let AddCheckpointResponse::Conflict(size) = response {
        let fork = Checkpoint { size, ..fork };
        let signed = tlog::note::sign(&fork.to_text(), &[&log_key]).unwrap();
        response = offer(signed.to_bytes(), size);
    }
    assert_eq!(response.status(), 422, "{response:?}");
    assert_eq!(
        witness::evidence(&witnesses[1].dir).unwrap().len(),
        1,
        "the fork is kept as evidence"
    );

    // With the quorum gone and a record waiting to be published, SIGTERM still stops the
    // server cleanly (the witnessing task must not wait for a quorum that never comes).
    for w in witnesses.iter_mut().take(2) {
        w.stop(&rt);
    }
    submit(4, false).unwrap();
    assert!(
        server.stop(),
        "a clean stop while checkpoints wait for a quorum"
    );
}
