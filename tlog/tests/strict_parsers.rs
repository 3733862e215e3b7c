//! Strict parsing of what arrives over the network: witness request bodies and proof
//! bundles accept one spelling and reject everything else without panicking.

mod common;
use common::{entry, stored};
use tlog::bundle::ProofBundle;
use tlog::checkpoint::Checkpoint;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::leaf_hash;
use tlog::note::sign;
use tlog::policy::Policy;
use tlog::proof::{prove_consistency, prove_inclusion};
use tlog::stored::tree_hash;
use tlog::witness::AddCheckpointRequest;

fn signed_checkpoint(size: u64) -> (Vec<u8>, SignerKey) {
    let key = SignerKey::from_seed("example.com/log", ALG_ED25519, &[1; 32]).unwrap();
    let cp = Checkpoint {
        origin: "example.com/log".into(),
        size,
        root: tree_hash(size, &stored()).unwrap(),
        extensions: vec![],
    };
    (sign(&cp.to_text(), &[&key]).unwrap().to_bytes(), key)
}

#[test]
fn add_checkpoint_request_round_trips() {
    let (cp, _) = signed_checkpoint(50);
    let req = AddCheckpointRequest {
        old_size: 20,
        proof: prove_consistency(20, 50, &stored()).unwrap(),
        checkpoint: cp,
    };
    let bytes = req.to_bytes();
    assert!(bytes.starts_with(b"old 20\n"));
    assert_eq!(AddCheckpointRequest::parse(&bytes).unwrap(), req);
}

#[test]
fn add_checkpoint_request_is_strict() {
    let (cp, _) = signed_checkpoint(5);
    let cp = String::from_utf8(cp).unwrap();
    let h = leaf_hash(b"x").to_base64();
    let cases = [
        format!("old 01\n\n{cp}"),
        format!("old -1\n\n{cp}"),
        format!("old  1\n\n{cp}"),
        format!("Old 1\n\n{cp}"),
        format!("old 1\r\n\n{cp}"),
        format!("old 1\n{}\n\n{cp}", &h[..40]),
        format!("old 1\n{h} \n\n{cp}"),
        format!("old 1\n{h}\n{cp}"),
        "old 1\n\n".to_string(),
        "old 1".to_string(),
        String::new(),
        format!("old 1\n{}\n{cp}", format!("{h}\n").repeat(64)),
        format!("old 18446744073709551616\n\n{cp}"),
    ];
    for body in cases {
        assert!(
            AddCheckpointRequest::parse(body.as_bytes()).is_err(),
            "accepted {body:?}"
        );
    }
    let max = format!("old 1\n{}\n{cp}", format!("{h}\n").repeat(63));
    assert_eq!(
        AddCheckpointRequest::parse(max.as_bytes())
            .unwrap()
            .proof
            .len(),
        63
    );
}

fn bundle_for(index: u64, size: u64) -> (ProofBundle, Policy) {
    let (cp, key) = signed_checkpoint(size);
    let bundle = ProofBundle {
        extra: Some(b"precinct 1204".to_vec()),
        index,
        proof: prove_inclusion(index, size, &stored()).unwrap(),
        checkpoint: cp,
    };
    let policy = Policy::parse(&format!("log {}\nquorum none\n", key.verifier())).unwrap();
    (bundle, policy)
}

#[test]
fn proof_bundle_round_trips_and_verifies_offline() {
    let (bundle, policy) = bundle_for(7, 300);
    let bytes = bundle.to_bytes();
    assert!(bytes.starts_with(b"c2sp.org/tlog-proof@v1\nextra "));
    let parsed = ProofBundle::parse(&bytes).unwrap();
    assert_eq!(parsed, bundle);
    parsed.verify(&leaf_hash(&entry(7)), &policy).unwrap();
    // The entry in `extra` is checked, not trusted.
    assert!(
        parsed.verify_entry(&policy).is_err(),
        "extra here is not entry 7"
    );
    let carrying = ProofBundle {
        extra: Some(entry(7)),
        ..parsed.clone()
    };
    assert_eq!(carrying.verify_entry(&policy).unwrap().1, entry(7));
    assert!(parsed.verify(&leaf_hash(&entry(8)), &policy).is_err());
    let mut wrong_index = parsed.clone();
    wrong_index.index = 8;
    assert!(wrong_index.verify(&leaf_hash(&entry(7)), &policy).is_err());
    let witness = SignerKey::from_seed("w", ALG_COSIGNATURE_V1, &[5; 32]).unwrap();
    let strict = Policy::parse(&format!(
        "{}witness w {}\nquorum w\n",
        policy.to_text().replace("quorum none\n", ""),
        witness.verifier()
    ))
    .unwrap();
    assert!(
        parsed.verify(&leaf_hash(&entry(7)), &strict).is_err(),
        "no cosignature, no quorum"
    );
}

#[test]
fn proof_bundle_is_strict() {
    let (bundle, _) = bundle_for(7, 300);
    let good = String::from_utf8(bundle.to_bytes()).unwrap();
    let no_extra = String::from_utf8(
        ProofBundle {
            extra: None,
            ..bundle.clone()
        }
        .to_bytes(),
    )
    .unwrap();
    let cases = [
        good.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1),
        good.replacen("index 7", "index 07", 1),
        good.replacen("index 7", "index  7", 1),
        good.replacen("index 7\n", "", 1),
        good.replacen("extra ", "extra  ", 1),
        no_extra.replacen("index 7\n", "index 7\nextra AAAA\n", 1),
        good.replacen("\n\n", "\n", 1),
        good[..good.find("\n\n").unwrap() + 2].to_string(),
        good.replacen("c2sp.org/tlog-proof@v1\n", "", 1),
    ];
    for text in cases {
        assert!(
            ProofBundle::parse(text.as_bytes()).is_err(),
            "accepted {text:?}"
        );
    }
}
