//! The tlog-witness rule, case by case: every answer the protocol prescribes, and which
//! refusals are evidence that the log misbehaved.

mod common;
use common::stored;
use tlog::checkpoint::Checkpoint;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey, VerifierKey};
use tlog::note::{NoteVerifier, sign};
use tlog::proof::prove_consistency;
use tlog::stored::tree_hash;
use tlog::witness::{
    AddCheckpointRequest, AddCheckpointResponse, Verdict, WitnessedTree, check_add_checkpoint,
};
use tlog::{Hash, leaf_hash};

const ORIGIN: &str = "example.com/log";

fn log_key() -> SignerKey {
    SignerKey::from_seed(ORIGIN, ALG_ED25519, &[1; 32]).unwrap()
}

fn signed(size: u64, root: Hash, key: &SignerKey) -> Vec<u8> {
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root,
        extensions: vec![],
    };
    sign(&cp.to_text(), &[key]).unwrap().to_bytes()
}

fn honest(size: u64) -> Vec<u8> {
    signed(size, tree_hash(size, &stored()).unwrap(), &log_key())
}

fn request(old: u64, new: u64) -> AddCheckpointRequest {
    let proof = if old == 0 {
        vec![]
    } else {
        prove_consistency(old, new, &stored()).unwrap()
    };
    AddCheckpointRequest {
        old_size: old,
        proof,
        checkpoint: honest(new),
    }
}

fn state(size: u64) -> WitnessedTree {
    WitnessedTree {
        size,
        root: tree_hash(size, &stored()).unwrap(),
    }
}

fn check(req: &AddCheckpointRequest, st: Option<&WitnessedTree>) -> Verdict {
    let v = log_key().verifier();
    check_add_checkpoint(
        req,
        |origin| (origin == ORIGIN).then(|| vec![&v as &dyn NoteVerifier]),
        st,
    )
}

fn refused(verdict: Verdict) -> (u16, bool) {
    match verdict {
        Verdict::Refuse { response, evidence } => (response.status(), evidence),
        Verdict::Cosign { checkpoint, .. } => panic!("cosigned {checkpoint}"),
    }
}

#[test]
fn first_checkpoint_and_extensions_are_cosigned() {
    assert!(matches!(
        check(&request(0, 10), None),
        Verdict::Cosign { .. }
    ));
    assert!(matches!(
        check(&request(10, 300), Some(&state(10))),
        Verdict::Cosign { .. }
    ));
    // The same checkpoint again: old size equals size, empty proof.
    assert!(matches!(
        check(&request(300, 300), Some(&state(300))),
        Verdict::Cosign { .. }
    ));
    let empty = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: signed(0, Hash::empty_tree(), &log_key()),
    };
    assert!(matches!(check(&empty, None), Verdict::Cosign { .. }));
}

#[test]
fn unknown_origin_is_404() {
    let other = SignerKey::from_seed("example.com/other", ALG_ED25519, &[2; 32]).unwrap();
    let cp = Checkpoint {
        origin: "example.com/other".into(),
        size: 1,
        root: leaf_hash(b"x"),
        extensions: vec![],
    };
    let req = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: sign(&cp.to_text(), &[&other]).unwrap().to_bytes(),
    };
    assert_eq!(refused(check(&req, None)), (404, false));
}

#[test]
fn unsigned_or_badly_signed_is_403() {
    let impostor = SignerKey::from_seed(ORIGIN, ALG_ED25519, &[3; 32]).unwrap();
    let req = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: signed(5, tree_hash(5, &stored()).unwrap(), &impostor),
    };
    assert_eq!(refused(check(&req, None)), (403, false));
    let mut note = tlog::note::Note::parse(&honest(5)).unwrap();
    note.signatures[0].signature[10] ^= 1;
    let req = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: note.to_bytes(),
    };
    assert_eq!(refused(check(&req, None)), (403, false));
}

#[test]
fn old_size_beyond_checkpoint_is_400() {
    assert_eq!(
        refused(check(
            &AddCheckpointRequest {
                old_size: 11,
                proof: vec![],
                checkpoint: honest(10)
            },
            Some(&state(11))
        )),
        (400, false)
    );
    let garbage = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: b"not a note\n".to_vec(),
    };
    assert_eq!(refused(check(&garbage, None)), (400, false));
}

#[test]
fn stale_old_size_is_409_with_the_witness_size() {
    match check(&request(10, 20), Some(&state(15))) {
        Verdict::Refuse {
            response: AddCheckpointResponse::Conflict(15),
            evidence: false,
        } => {}
        other => panic!("{other:?}"),
    }
    // A client that knows nothing starts from 0 and learns the size.
    assert_eq!(
        refused(check(&request(0, 20), Some(&state(15)))),
        (409, false)
    );
    // A rollback: the log offers a smaller tree than the witness has.
    assert_eq!(
        refused(check(&request(10, 12), Some(&state(15)))),
        (409, false)
    );
}

#[test]
fn bad_proofs_are_422_and_only_conclusive_forks_are_evidence() {
    // A real, larger checkpoint with a wrong proof proves nothing about the log (anyone can
    // send one): refused, not kept — replaying honest checkpoints must not fill the evidence.
    let mut req = request(10, 20);
    req.proof[0].0[0] ^= 1;
    assert_eq!(refused(check(&req, Some(&state(10)))), (422, false));
    // A fork: same size, other root, validly signed.
    let fork = AddCheckpointRequest {
        old_size: 10,
        proof: vec![],
        checkpoint: signed(10, leaf_hash(b"fork"), &log_key()),
    };
    assert_eq!(refused(check(&fork, Some(&state(10)))), (422, true));
    // The same fork sent with a stale `old` (a racing second branch): 409, and still kept.
    let racing = AddCheckpointRequest {
        old_size: 7,
        ..fork.clone()
    };
    assert_eq!(refused(check(&racing, Some(&state(10)))), (409, true));
    // The witness's own tree offered again with a stale `old`: 409, nothing to keep.
    let same = AddCheckpointRequest {
        old_size: 7,
        proof: vec![],
        checkpoint: honest(10),
    };
    assert_eq!(refused(check(&same, Some(&state(10)))), (409, false));
    // Empty tree with a wrong root.
    let bad_empty = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: signed(0, leaf_hash(b"x"), &log_key()),
    };
    assert_eq!(refused(check(&bad_empty, None)), (422, true));
    // A proof where none is allowed.
    let mut from_zero = request(0, 20);
    from_zero.proof = vec![leaf_hash(b"x")];
    assert_eq!(refused(check(&from_zero, None)), (422, false));
}

#[test]
fn responses_round_trip_through_http_form() {
    let w = SignerKey::from_seed("witness.example/w1", ALG_COSIGNATURE_V1, &[4; 32]).unwrap();
    let text = tlog::note::Note::parse(&honest(3)).unwrap().text;
    let sig = w.cosign(&text, 1_700_000_000).unwrap();
    let responses = [
        AddCheckpointResponse::Cosigned(vec![sig]),
        AddCheckpointResponse::Conflict(42),
        AddCheckpointResponse::BadRequest("old size is larger".into()),
        AddCheckpointResponse::Forbidden("no signature".into()),
        AddCheckpointResponse::UnknownOrigin,
        AddCheckpointResponse::Unprocessable("bad proof".into()),
    ];
    for r in responses {
        let parsed =
            AddCheckpointResponse::parse(r.status(), Some(r.content_type()), r.body().as_bytes())
                .unwrap();
        assert_eq!(parsed.status(), r.status());
        if matches!(
            r,
            AddCheckpointResponse::Cosigned(_) | AddCheckpointResponse::Conflict(_)
        ) {
            assert_eq!(parsed, r);
        }
    }
    assert!(AddCheckpointResponse::parse(409, Some("text/plain"), b"42\n").is_err());
    assert!(AddCheckpointResponse::parse(409, Some("text/x.tlog.size"), b"042\n").is_err());
    assert!(AddCheckpointResponse::parse(200, None, b"garbage\n").is_err());
    assert!(AddCheckpointResponse::parse(500, None, b"").is_err());
    let _ = VerifierKey::parse(&w.verifier().to_string()).unwrap();
}

#[test]
fn monitoring_path_is_the_origin_hash() {
    // Lower-case hex SHA-256 of the origin, as tlog-witness's monitoring API names it.
    assert_eq!(
        tlog::witness::origin_hash("example.com/log"),
        "4d3203c8f35cdf600e475f55fede6081a703d3d322f208865fca2ec4f0e030f8"
    );
}
