//! Trust policies: parsing per tlog-policy, quorum evaluation with nested groups, and
//! checkpoint verification against a policy.

mod common;
use common::stored;
use tlog::checkpoint::Checkpoint;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::note::{Note, sign};
use tlog::policy::{CheckpointRejection, Policy};
use tlog::stored::tree_hash;

const ORIGIN: &str = "example.com/log";

fn log() -> SignerKey {
    SignerKey::from_seed(ORIGIN, ALG_ED25519, &[1; 32]).unwrap()
}

fn witness(i: u8) -> SignerKey {
    SignerKey::from_seed(
        &format!("witness.example/w{i}"),
        ALG_COSIGNATURE_V1,
        &[10 + i; 32],
    )
    .unwrap()
}

fn policy_text(groups_and_quorum: &str) -> String {
    let mut s = format!(
        "# a comment\nlog {} https://log.example/\n\n",
        log().verifier()
    );
    for i in 1..=6 {
        s.push_str(&format!("  witness\tX{i} {}\n", witness(i).verifier()));
    }
    s.push_str(groups_and_quorum);
    s
}

fn cosigned_checkpoint(size: u64, witnesses: &[u8]) -> Vec<u8> {
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree_hash(size, &stored()).unwrap(),
        extensions: vec![],
    };
    let mut note: Note = sign(&cp.to_text(), &[&log()]).unwrap();
    for &w in witnesses {
        note.signatures.push(
            witness(w)
                .cosign(&note.text, 1_700_000_000 + u64::from(w))
                .unwrap(),
        );
    }
    note.to_bytes()
}

#[test]
fn nested_groups_decide_the_quorum() {
    let p = Policy::parse(&policy_text(
        "group X 2 X1 X2 X3\ngroup Y any X4 X5 X6\ngroup X-and-Y all X Y\nquorum X-and-Y\n",
    ))
    .unwrap();
    assert!(p.quorum_satisfied(&["X1", "X2", "X5"]));
    assert!(!p.quorum_satisfied(&["X1", "X2"]));
    assert!(!p.quorum_satisfied(&["X1", "X4", "X5", "X6"]));
    assert!(p.quorum_satisfied(&["X1", "X3", "X4"]));
    assert_eq!(p.quorum_name(), "X-and-Y");
}

#[test]
fn verify_checkpoint_against_policy() {
    let p = Policy::parse(&policy_text("group demo 2 X1 X2 X3\nquorum demo\n")).unwrap();
    let ok = p
        .verify_checkpoint(&cosigned_checkpoint(100, &[1, 3]))
        .unwrap();
    assert_eq!(ok.checkpoint.size, 100);
    let names: Vec<&str> = ok.cosigners.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["X1", "X3"]);
    assert_eq!(ok.cosigners[1].1, 1_700_000_003);
    // One cosignature is not a quorum of two.
    assert!(matches!(
        p.verify_checkpoint(&cosigned_checkpoint(100, &[2])),
        Err(CheckpointRejection::QuorumNotMet { .. })
    ));
    // Witnesses outside the group do not count.
    assert!(
        p.verify_checkpoint(&cosigned_checkpoint(100, &[4, 5, 6]))
            .is_err()
    );
    // A forged cosignature from a known witness rejects the checkpoint.
    let mut note = Note::parse(&cosigned_checkpoint(100, &[1, 2, 3])).unwrap();
    note.signatures[2].signature[20] ^= 1;
    assert!(matches!(
        p.verify_checkpoint(&note.to_bytes()),
        Err(CheckpointRejection::Note(_))
    ));
    // Without the log's signature nothing counts.
    let mut unsigned = Note::parse(&cosigned_checkpoint(100, &[1, 2])).unwrap();
    unsigned.signatures.remove(0);
    assert!(matches!(
        p.verify_checkpoint(&unsigned.to_bytes()),
        Err(CheckpointRejection::NoLogSignature(_))
    ));
    // A policy with `quorum none` needs only the log.
    let none = Policy::parse(&format!("log {}\nquorum none\n", log().verifier())).unwrap();
    none.verify_checkpoint(&cosigned_checkpoint(5, &[]))
        .unwrap();
    // Another origin is an unknown log.
    let other = SignerKey::from_seed("example.com/other", ALG_ED25519, &[1; 32]).unwrap();
    let cp = Checkpoint {
        origin: "example.com/other".into(),
        size: 1,
        root: tree_hash(1, &stored()).unwrap(),
        extensions: vec![],
    };
    let note = sign(&cp.to_text(), &[&other]).unwrap().to_bytes();
    assert!(matches!(
        none.verify_checkpoint(&note),
        Err(CheckpointRejection::UnknownLog(_))
    ));
}

#[test]
fn the_log_signature_alone_is_checked_without_the_quorum() {
    let p = Policy::parse(&policy_text("group demo 2 X1 X2 X3\nquorum demo\n")).unwrap();
    // Below the quorum: refused as a checkpoint to trust, but known to be the log's own.
    let one = cosigned_checkpoint(100, &[2]);
    assert!(p.verify_checkpoint(&one).is_err());
    let signed = p.verify_log_signature(&one).unwrap();
    assert_eq!(signed.checkpoint.size, 100);
    assert_eq!(signed.cosigners.len(), 1);
    assert_eq!(signed.cosigners[0].0, "X2");
    // Not the log's: refused either way.
    let mut unsigned = Note::parse(&one).unwrap();
    unsigned.signatures.remove(0);
    assert!(matches!(
        p.verify_log_signature(&unsigned.to_bytes()),
        Err(CheckpointRejection::NoLogSignature(_))
    ));
}

#[test]
fn text_form_round_trips() {
    let p = Policy::parse(&policy_text(
        "group a any X1 X2\ngroup b 2 a X3 X4\nquorum b\n",
    ))
    .unwrap();
    let again = Policy::parse(&p.to_text()).unwrap();
    assert_eq!(again.to_text(), p.to_text());
    assert_eq!(again.witnesses.len(), 6);
    assert_eq!(again.logs[0].url.as_deref(), Some("https://log.example/"));
}

#[test]
fn extension_keywords_only_when_asked() {
    let text = policy_text("quorum X1\nroot shailoo.gov.kg/root+abcd0123+AAAA\n");
    assert!(Policy::parse(&text).is_err());
    let p = Policy::parse_with_extensions(&text, &["root"]).unwrap();
    assert_eq!(p.extensions.len(), 1);
    assert_eq!(p.extensions[0].keyword, "root");
    assert_eq!(
        p.extensions[0].args,
        vec!["shailoo.gov.kg/root+abcd0123+AAAA"]
    );
}

#[test]
fn malformed_policies_are_rejected() {
    let w1 = witness(1).verifier().to_string();
    let l = log().verifier().to_string();
    let cases = [
        (format!("log {l}\n"), "no quorum"),
        (
            format!("log {l}\nquorum none\nquorum none\n"),
            "two quorums",
        ),
        (format!("log {l}\nquorum W\n"), "undefined quorum"),
        (format!("log {l}\nlog {l}\nquorum none\n"), "duplicate log"),
        (
            format!("witness A {w1}\nwitness B {w1}\nquorum A\n"),
            "duplicate witness key",
        ),
        (
            format!(
                "witness A {w1}\nwitness A {}\nquorum A\n",
                witness(2).verifier()
            ),
            "duplicate name",
        ),
        (format!("witness none {w1}\nquorum none\n"), "reserved name"),
        (
            format!("witness A {w1}\ngroup G 2 A\nquorum G\n"),
            "threshold above members",
        ),
        (
            format!("witness A {w1}\ngroup G 0 A\nquorum G\n"),
            "threshold zero",
        ),
        (
            format!("witness A {w1}\ngroup G 18446744073709551617 A\nquorum G\n"),
            "threshold beyond usize",
        ),
        (
            format!("witness A {w1}\ngroup G any\nquorum G\n"),
            "no members",
        ),
        (
            format!("witness A {w1}\ngroup G any A A\nquorum G\n"),
            "member twice",
        ),
        (
            format!("witness A {w1}\ngroup G any B\nquorum G\n"),
            "undefined member",
        ),
        (
            format!("witness A {w1}\nquorum G\ngroup G any A\n"),
            "quorum before its group",
        ),
        (
            format!("witness A {w1}\ngroup G any G\nquorum G\n"),
            "self reference",
        ),
        (
            format!("log {w1}\nquorum none\n"),
            "cosignature key as log key",
        ),
        (
            format!("witness A {l}\nquorum A\n"),
            "log key as witness key",
        ),
        (
            format!("log {l} url extra\nquorum none\n"),
            "too many fields",
        ),
        ("log\nquorum none\n".to_string(), "too few fields"),
        (
            format!("log {l}\nquorum none\nwhatever x\n"),
            "unknown keyword",
        ),
        (format!("log {l}\r\nquorum none\n"), "carriage return"),
        (
            format!("log {}\nquorum none\n", &l[..l.len() - 2]),
            "truncated key",
        ),
    ];
    for (text, why) in cases {
        assert!(
            Policy::parse(&text).is_err(),
            "accepted policy with {why}:\n{text}"
        );
    }
}

/// A log is known by its origin and the policy's keys for it: two logs may share an origin.
#[test]
fn the_keys_for_a_log_are_its_origins_keys_sorted() {
    let other = SignerKey::from_seed(ORIGIN, ALG_ED25519, &[2; 32]).unwrap();
    let elsewhere = SignerKey::from_seed("example.org/log", ALG_ED25519, &[3; 32]).unwrap();
    let text = format!(
        "log {}\nlog {}\nlog {}\nquorum none\n",
        log().verifier(),
        elsewhere.verifier(),
        other.verifier()
    );
    let policy = Policy::parse(&text).unwrap();
    let mut expected = [log().verifier().to_string(), other.verifier().to_string()];
    expected.sort();
    assert_eq!(policy.log_keys_for(ORIGIN), expected.join(" "));
    assert_eq!(
        policy.log_keys_for("example.org/log"),
        elsewhere.verifier().to_string()
    );
    assert_eq!(policy.log_keys_for("example.net/none"), "");
}

/// One observer organization's witness holding an Ed25519 and an ML-DSA-44 key under one
/// name, and a second witness with an ML-DSA-44 key only.
#[test]
fn post_quantum_witnesses_count_by_their_ml_dsa_cosignatures() {
    use tlog::cosigner::CosignerSigningKey;
    use tlog::ml_dsa::ALG_ML_DSA_44;
    let both_ed = CosignerSigningKey::from_seed("observers.kg/w", ALG_COSIGNATURE_V1, &[40; 32]);
    let both_pq = CosignerSigningKey::from_seed("observers.kg/w", ALG_ML_DSA_44, &[41; 32]);
    let only_pq = CosignerSigningKey::from_seed("mirror.kg/w", ALG_ML_DSA_44, &[42; 32]);
    let (both_ed, both_pq, only_pq) = (both_ed.unwrap(), both_pq.unwrap(), only_pq.unwrap());
    let text = format!(
        "log {}\nwitness obs {}\nwitness obs-pq {}\nwitness mirror-pq {}\n",
        log().verifier(),
        both_ed.verifier(),
        both_pq.verifier(),
        only_pq.verifier()
    );
    // Classical: either of the observers' keys; post-quantum: both ML-DSA keys.
    let classical = Policy::parse(&format!(
        "{text}group obs-any any obs obs-pq\ngroup q all obs-any mirror-pq\nquorum q\n"
    ))
    .unwrap();
    let post_quantum =
        Policy::parse(&format!("{text}group q all obs-pq mirror-pq\nquorum q\n")).unwrap();

    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: 5,
        root: tree_hash(5, &stored()).unwrap(),
        extensions: vec![],
    };
    let note = sign(&cp.to_text(), &[&log()]).unwrap();
    let cosigned = |by: &[&CosignerSigningKey]| {
        let mut n = note.clone();
        for k in by {
            n.signatures
                .push(k.cosign(&n.text, 1_700_000_000, &[3; 32]).unwrap());
        }
        n.to_bytes()
    };
    let all = cosigned(&[&both_ed, &both_pq, &only_pq]);
    let verified = post_quantum.verify_checkpoint(&all).unwrap();
    let names: Vec<&str> = verified.cosigners.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["obs", "obs-pq", "mirror-pq"]);
    assert!(classical.verify_checkpoint(&all).is_ok());

    // Without the observers' ML-DSA cosignature the classical policy is met, the
    // post-quantum one is not.
    let classical_only = cosigned(&[&both_ed, &only_pq]);
    assert!(classical.verify_checkpoint(&classical_only).is_ok());
    assert!(matches!(
        post_quantum.verify_checkpoint(&classical_only),
        Err(CheckpointRejection::QuorumNotMet { .. })
    ));

    // A forged ML-DSA cosignature rejects the note, as a forged Ed25519 one does.
    let mut forged = Note::parse(&all).unwrap();
    let last = forged.signatures.last_mut().unwrap();
    last.signature[500] ^= 1;
    assert!(matches!(
        post_quantum.verify_checkpoint(&forged.to_bytes()),
        Err(CheckpointRejection::Note(_))
    ));

    // The same key twice is refused; a log key is not a witness key.
    let twice = format!("{text}witness again {}\nquorum none\n", only_pq.verifier());
    assert!(Policy::parse(&twice).is_err());
    let log_as_witness = format!("log {0}\nwitness w {0}\nquorum none\n", log().verifier());
    assert!(Policy::parse(&log_as_witness).is_err());
    // The policy's text form keeps the ML-DSA keys.
    assert_eq!(
        Policy::parse(&post_quantum.to_text()).unwrap(),
        post_quantum
    );
}

#[test]
fn a_mirror_is_a_cosigner_that_a_group_can_require() {
    let text = format!(
        "log {}\nwitness W1 {}\nmirror M1 {} https://mirror.example/\nmirror M2 {}\ngroup both all W1 M1\nquorum both\n",
        log().verifier(),
        witness(1).verifier(),
        witness(2).verifier(),
        witness(3).verifier(),
    );
    let p = Policy::parse(&text).unwrap();
    assert_eq!(
        p.witnesses.iter().map(|w| w.mirror).collect::<Vec<_>>(),
        [false, true, true]
    );
    // Only a mirror with a URL is a place to read the log.
    assert_eq!(
        p.mirror_urls().collect::<Vec<_>>(),
        ["https://mirror.example/"]
    );
    // The witness alone is not enough: the group needs the mirror's cosignature too.
    assert!(matches!(
        p.verify_checkpoint(&cosigned_checkpoint(5, &[1])),
        Err(CheckpointRejection::QuorumNotMet { .. })
    ));
    let verified = p
        .verify_checkpoint(&cosigned_checkpoint(5, &[1, 2]))
        .unwrap();
    assert_eq!(verified.cosigners.len(), 2);
    // The text form keeps the mirror a mirror.
    assert_eq!(Policy::parse(&p.to_text()).unwrap(), p);
    assert!(p.to_text().contains("\nmirror M1 "));
    // A mirror's key and name follow the witness's rules.
    let dup = format!("{text}mirror W1 {}\n", witness(4).verifier());
    assert!(Policy::parse(&dup).is_err());
    let bad = text.replace("mirror M2", "mirror");
    let err = Policy::parse(&bad).unwrap_err();
    assert!(err.reason.contains("mirror <name> <vkey>"), "{err}");
}

#[test]
fn a_logged_checkpoint_needs_only_the_witnesses_part_of_a_quorum_with_mirrors() {
    let text = format!(
        "log {}\nwitness W1 {}\nwitness W2 {}\nmirror M1 {}\ngroup witnesses 2 W1 W2\ngroup both all witnesses M1\nquorum both\n",
        log().verifier(),
        witness(1).verifier(),
        witness(2).verifier(),
        witness(3).verifier(),
    );
    let p = Policy::parse(&text).unwrap();
    // Cosigned by both witnesses: enough inside the log, not enough to be served as current.
    let witnessed = cosigned_checkpoint(5, &[1, 2]);
    assert!(p.verify_logged_checkpoint(&witnessed).is_ok());
    assert!(p.verify_checkpoint(&witnessed).is_err());
    // The witnesses' part still counts: one witness is not two, mirror or not.
    let one = cosigned_checkpoint(5, &[1, 3]);
    assert!(matches!(
        p.verify_logged_checkpoint(&one),
        Err(CheckpointRejection::QuorumNotMet { witnesses: 2, .. })
    ));
}

#[test]
fn a_mirror_never_stands_in_for_a_witness() {
    let text = |group: &str| {
        format!(
            "log {}\nwitness W1 {}\nwitness W2 {}\nmirror M1 {}\n{group}\nquorum g\n",
            log().verifier(),
            witness(1).verifier(),
            witness(2).verifier(),
            witness(3).verifier(),
        )
    };
    // Two of three, the mirror one of the three: inside the log, both witnesses are needed.
    let p = Policy::parse(&text("group g 2 W1 W2 M1")).unwrap();
    assert!(
        p.verify_logged_checkpoint(&cosigned_checkpoint(5, &[1]))
            .is_err()
    );
    assert!(
        p.verify_logged_checkpoint(&cosigned_checkpoint(5, &[1, 2]))
            .is_ok()
    );
    assert!(!p.witnesses_satisfy_quorum(&["W1", "M1"]));
    // Any of a witness and a mirror: the witness.
    let p = Policy::parse(&text("group g any W1 M1")).unwrap();
    assert!(!p.witnesses_satisfy_quorum(&["W2"]));
    assert!(p.witnesses_satisfy_quorum(&["W1"]));
    // Mirrors only: nothing asked of witnesses.
    let p = Policy::parse(&text("group g all M1")).unwrap();
    assert!(p.witnesses_satisfy_quorum(&[]));
    assert!(!p.quorum_satisfied(&[]));
}
