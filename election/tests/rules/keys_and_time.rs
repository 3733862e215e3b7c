//! The rules of keys and time (`spec/records.md` §3 and §6), on the miniature election: who
//! may enroll and revoke whom, revocation by position in the log, the log's own checkpoint
//! records, the admission window on witnessed time, and complaint deadlines on witnessed
//! time rather than on the times signers claim.

use super::*;
use election::time::WitnessedCheckpoint;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::policy::Policy;
use tlog::time::WitnessedTime;

const ORIGIN: &str = "example.kg/ledger/test-election";
const WITNESSES: [&str; 3] = ["w1", "w2", "w3"];

fn log_key() -> SignerKey {
    SignerKey::from_seed(ORIGIN, ALG_ED25519, &[60; 32]).unwrap()
}

fn witness_key(i: usize) -> SignerKey {
    SignerKey::from_seed(WITNESSES[i], ALG_COSIGNATURE_V1, &[61 + i as u8; 32]).unwrap()
}

/// The log's key and three witnesses, any two of which make a quorum.
pub fn policy() -> Policy {
    let mut p = Policy::default();
    p.add_log(log_key().verifier(), None).unwrap();
    for (i, name) in WITNESSES.iter().enumerate() {
        p.add_witness(name, witness_key(i).verifier().try_into().unwrap(), None)
            .unwrap();
    }
    p.add_group("observers", 2, &WITNESSES).unwrap();
    p.set_quorum("observers").unwrap();
    p
}

/// The log's record of its checkpoint of `size`, cosigned by the witnesses at `times`.
fn log_checkpoint(size: u64, times: &[u64]) -> Record {
    let text = tlog::Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tlog::Hash([size as u8; 32]),
        extensions: vec![],
    }
    .to_text();
    let log = log_key();
    let mut note = tlog::note::sign(&text, &[&log]).unwrap();
    for (i, &t) in times.iter().enumerate() {
        note.signatures
            .push(witness_key(i).cosign(&text, t).unwrap());
    }
    let body = Body::LogCheckpoint(LogCheckpoint {
        note: String::from_utf8(note.to_bytes()).unwrap(),
    });
    Record::sign(ELECTION, times[0], body, log.signing_key())
}

/// A checkpoint being audited, with its witnessed time.
pub fn witnessed(size: u64, contained_by: u64, newest_at: u64) -> WitnessedCheckpoint {
    WitnessedCheckpoint {
        size,
        time: WitnessedTime {
            contained_by,
            newest_at,
        },
    }
}

/// Where the first record after the setup lands.
fn first() -> u64 {
    setup().len() as u64
}

fn enrollment_of(key: &SigningKey, role: Role) -> Body {
    enroll(key, role, Scope::everything())
}

fn revocation_of(key: &SigningKey) -> Body {
    Body::KeyRevocation(KeyRevocation {
        key: key.verifying_key().to_bytes(),
        effective: T0,
        reason: "stolen".into(),
    })
}

fn messages(report: &AuditReport) -> String {
    let lines: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
    lines.join("\n")
}

#[test]
fn a_revoked_key_is_never_enrolled_again_and_signs_nothing_after_its_revocation() {
    let stolen = k(70);
    let enrolled = sign(T0, enrollment_of(&stolen, Role::FinanceOffice), &cec());
    let revoked = sign(T0, revocation_of(&stolen), &cec());
    for by in [cec(), root()] {
        let again = sign(T0 + 1, enrollment_of(&stolen, Role::FinanceOffice), &by);
        let report = audit(vec![enrolled.clone(), revoked.clone(), again]);
        assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
        assert!(
            messages(&report).contains("a revoked key is never enrolled again"),
            "{}",
            messages(&report)
        );
    }
    // A key revoked before anyone enrolled it is never enrolled either.
    let report = audit(vec![
        revoked.clone(),
        sign(T0, enrollment_of(&stolen, Role::FinanceOffice), &cec()),
    ]);
    assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    // The stolen key, backdated to before its revocation's `effective` time, signs nothing.
    let statement = Body::FinanceReport(FinanceReport {
        filer: "p".into(),
        period_end: "2027-01-01".into(),
        income: vec![],
        spending: vec![],
        document: DocumentRef::to(b"x", "image/png"),
    });
    let report = audit(vec![
        enrolled,
        revoked,
        sign(T0 - 50 * HOUR, statement, &stolen),
    ]);
    assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    assert!(messages(&report).contains("whatever time the record claims"));
}

#[test]
fn a_key_is_enrolled_once_and_the_root_and_log_keys_never() {
    let once = sign(T0, enrollment_of(&k(71), Role::FinanceOffice), &cec());
    let twice = sign(T0, enrollment_of(&k(71), Role::UrnDevice), &cec());
    let report = audit(vec![once, twice]);
    assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    assert!(messages(&report).contains("is already enrolled as"));
    let log = SigningKey::from_bytes(&[60; 32]);
    for key in [root(), log] {
        let report = audit(vec![sign(
            T0,
            enrollment_of(&key, Role::CecOperator),
            &root(),
        )]);
        assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    }
}

#[test]
fn only_the_root_enrolls_or_revokes_cec_operator_keys() {
    let second = k(72);
    // An operator enrolling another operator: refused, and the new key signs nothing.
    let by_operator = sign(T0, enrollment_of(&second, Role::CecOperator), &cec());
    let report = audit(vec![
        by_operator.clone(),
        sign(T0, enrollment_of(&k(73), Role::FinanceOffice), &second),
    ]);
    assert_eq!(
        rules(&report),
        vec![Rule::SignerAuthorized],
        "{}",
        messages(&report)
    );
    assert!(messages(&report).contains("only the CEC root key may enroll a CEC operator key"));
    assert!(messages(&report).contains("was never enrolled"));
    // Said in the reader's language too: who may sign what is what an attack shows.
    let said = |lang: &str| {
        let lines: Vec<String> = report
            .findings
            .iter()
            .map(|f| f.message.text(lang))
            .collect();
        lines.join("\n")
    };
    assert!(
        said("ru").contains("ключ оператора ЦИК может зарегистрировать только корневой ключ ЦИК")
    );
    assert!(said("ru").contains("никогда не был зарегистрирован"));
    assert!(said("ky").contains("эч качан катталган эмес"));
    // The root may; an operator still may not revoke it, the root may.
    let by_root = sign(T0, enrollment_of(&second, Role::CecOperator), &root());
    let report = audit(vec![
        by_root.clone(),
        sign(T0, revocation_of(&second), &cec()),
    ]);
    assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    assert!(messages(&report).contains("only the CEC root key may revoke a CEC operator key"));
    let report = audit(vec![by_root, sign(T0, revocation_of(&second), &root())]);
    assert_eq!(rules(&report), vec![]);
    // Nobody revokes the root's or the log's key.
    for key in [root(), SigningKey::from_bytes(&[60; 32])] {
        let report = audit(vec![sign(T0, revocation_of(&key), &root())]);
        assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    }
    // Operators do enroll and revoke the other roles.
    let report = audit(vec![
        sign(T0, enrollment_of(&k(74), Role::UrnDevice), &cec()),
        sign(T0, revocation_of(&k(74)), &cec()),
    ]);
    assert_eq!(rules(&report), vec![]);
}

#[test]
fn only_the_log_signs_checkpoint_records_and_it_signs_nothing_else() {
    let n = first();
    let good = log_checkpoint(n, &[T0, T0 + 1]);
    assert_eq!(rules(&audit(vec![good.clone()])), vec![]);
    // The same checkpoint record signed by the root is not the log's.
    let Body::LogCheckpoint(body) = good.body.clone() else {
        unreachable!()
    };
    let forged = sign(T0, Body::LogCheckpoint(body), &root());
    assert_eq!(rules(&audit(vec![forged])), vec![Rule::SignerAuthorized]);
    // The log's key signing a protocol.
    let log = SigningKey::from_bytes(&[60; 32]);
    let report = audit(vec![sign(T0, Body::PrecinctProtocol(protocol(1)), &log)]);
    assert_eq!(rules(&report), vec![Rule::SignerAuthorized]);
    // Without a policy the log's key is unknown: its records are not authorized.
    let mut a = Auditor::new(AuditConfig::new(root().verifying_key().to_bytes()));
    for (i, r) in setup().into_iter().chain([good]).enumerate() {
        a.push(i as u64, &r.to_bytes());
    }
    assert_eq!(rules(&a.report(None)), vec![Rule::SignerAuthorized]);
}

#[test]
fn a_logged_checkpoint_must_be_published_contain_only_earlier_entries_and_grow() {
    let n = first();
    let cases = [
        ("one cosignature", vec![log_checkpoint(n, &[T0])], "quorum"),
        (
            "larger than its position",
            vec![log_checkpoint(n + 1, &[T0, T0])],
            "contains only entries logged before it",
        ),
        (
            "not growing",
            vec![log_checkpoint(n, &[T0, T0]), log_checkpoint(n, &[T0, T0])],
            "must grow",
        ),
    ];
    for (what, records, message) in cases {
        let report = audit(records);
        assert_eq!(rules(&report), vec![Rule::LogCheckpoint], "{what}");
        assert!(
            messages(&report).contains(message),
            "{what}: {}",
            messages(&report)
        );
    }
}

#[test]
fn claimed_times_must_lie_in_the_window_around_the_witnessed_time() {
    let n = first();
    let logged_at = T0 + 20 * HOUR;
    let protocol_at = |time| sign(time, Body::PrecinctProtocol(protocol(1)), &pc(1));
    let with = |time| {
        vec![
            log_checkpoint(n, &[logged_at - 5, logged_at - 5]),
            protocol_at(time),
            log_checkpoint(n + 2, &[logged_at + 5, logged_at + 5]),
        ]
    };
    // Signed offline six hours before it was logged, or a few minutes ahead: fine.
    for fine in [logged_at - 6 * HOUR, logged_at + 60] {
        assert_eq!(rules(&audit(with(fine))), vec![], "{fine}");
    }
    // A day in the future, or older than the 72-hour offline lag: found.
    for (time, message) in [
        (logged_at + 24 * HOUR, "more than 5 min ahead"),
        (logged_at - 73 * HOUR, "older than the offline lag"),
    ] {
        let report = audit(with(time));
        assert_eq!(rules(&report), vec![Rule::RecordTime], "{time}");
        assert!(messages(&report).contains(message), "{}", messages(&report));
    }
    // Records after the last logged checkpoint are judged against the audited one.
    let late = vec![
        log_checkpoint(n, &[logged_at, logged_at]),
        protocol_at(logged_at + 24 * HOUR),
    ];
    let at = witnessed(n + 2, logged_at + 10, logged_at + 10);
    assert_eq!(
        rules(&audit_with(late.clone(), Some(&at))),
        vec![Rule::RecordTime]
    );
    // With no witnessed time at all, no claimed time can be judged.
    assert_eq!(rules(&audit(late[1..].to_vec())), vec![]);
}

fn filing(number: &str) -> Body {
    Body::ComplaintFiled(ComplaintFiled {
        complaint: number.into(),
        filed_with: "t1".into(),
        category: ComplaintCategory::Counting,
        precinct: Some(1),
        subject: "s".into(),
        documents: vec![],
    })
}

fn decision(number: &str) -> Body {
    Body::ComplaintDecision(ComplaintDecision {
        complaint: number.into(),
        decided_by: Decider::Commission,
        decider_name: "t1".into(),
        outcome: Outcome::Rejected,
        documents: vec![],
    })
}

/// A complaint filed and logged at `filed`, decided and logged `after` seconds later (per the
/// witnesses), its decision claiming the time `claims`.
fn filed_then_decided(filed: u64, after: u64, claims: u64) -> Vec<Record> {
    let n = first();
    let decided = filed + after;
    vec![
        log_checkpoint(n, &[filed - 1, filed - 1]),
        sign(filed, filing("C1"), &complaints()),
        log_checkpoint(n + 2, &[filed + 1, filed + 1]),
        log_checkpoint(n + 3, &[decided - 1, decided - 1]),
        sign(claims, decision("C1"), &tc(1)),
        log_checkpoint(n + 5, &[decided + 1, decided + 1]),
    ]
}

#[test]
fn complaint_deadlines_are_judged_on_witnessed_time_not_claimed_time() {
    let filed = T0 + 2 * HOUR;
    // Decided 71 hours later per the witnesses: in time (the deadline is 72 hours).
    assert_eq!(
        rules(&audit(filed_then_decided(
            filed,
            71 * HOUR,
            filed + 71 * HOUR
        ))),
        vec![]
    );
    // Decided 74 hours later: late — even though its signer backdated it to three hours
    // after the filing (within the offline lag, so the window does not catch it).
    let report = audit(filed_then_decided(filed, 74 * HOUR, filed + 3 * HOUR));
    assert_eq!(rules(&report), vec![Rule::ComplaintDeadline]);
    assert!(
        messages(&report).contains("complaint C1 was decided no earlier than"),
        "{}",
        messages(&report)
    );
    // A log that withholds its checkpoint records around a late decision cannot hide it: the
    // decision is then not shown to be in time.
    let n = first();
    let withheld = vec![
        log_checkpoint(n, &[filed - 1, filed - 1]),
        sign(filed, filing("C1"), &complaints()),
        sign(filed + 3 * HOUR, decision("C1"), &tc(1)),
        log_checkpoint(n + 3, &[filed + 74 * HOUR, filed + 74 * HOUR]),
    ];
    let report = audit(withheld);
    assert_eq!(rules(&report), vec![Rule::ComplaintDeadline]);
    assert!(
        messages(&report).contains("is not shown to have been decided in time"),
        "{}",
        messages(&report)
    );
    // A decision that claims a late time but was witnessed in time is not late.
    assert_eq!(
        rules(&audit(filed_then_decided(filed, HOUR, filed + HOUR + 200))),
        vec![]
    );
    // The deadline is configurable.
    let mut a = Auditor::new(AuditConfig {
        complaint_deadline: Some(48 * HOUR),
        ..config()
    });
    let records =
        setup()
            .into_iter()
            .chain(filed_then_decided(filed, 50 * HOUR, filed + 50 * HOUR));
    for (i, r) in records.enumerate() {
        a.push(i as u64, &r.to_bytes());
    }
    assert_eq!(rules(&a.report(None)), vec![Rule::ComplaintDeadline]);
}

#[test]
fn an_undecided_complaint_is_overdue_only_at_the_audited_checkpoints_witnessed_time() {
    let n = first();
    let filed = T0 + 2 * HOUR;
    let records = vec![
        log_checkpoint(n, &[filed - 1, filed - 1]),
        sign(filed, filing("C2"), &complaints()),
        log_checkpoint(n + 2, &[filed + 1, filed + 1]),
    ];
    let audited = |newest_at| witnessed(n + 4, newest_at, newest_at);
    let report = audit_with(records.clone(), Some(&audited(filed + 70 * HOUR)));
    assert_eq!(rules(&report), vec![]);
    let report = audit_with(records.clone(), Some(&audited(filed + 74 * HOUR)));
    assert_eq!(rules(&report), vec![Rule::ComplaintDeadline]);
    assert!(messages(&report).contains("complaint C2 is undecided at"));
    // (r) One device signing a time far in the future makes no complaint overdue: it is
    // reported itself, and "now" stays the witnessed time of the audited checkpoint.
    let far_future = sign(
        filed + 30 * 24 * HOUR,
        Body::Turnout(Turnout {
            precinct: 1,
            hour: 10,
            identified: 5,
        }),
        &idd(1),
    );
    let records = [records, vec![far_future]].concat();
    let report = audit_with(records, Some(&audited(filed + HOUR)));
    assert_eq!(
        rules(&report),
        vec![Rule::RecordTime],
        "{}",
        messages(&report)
    );
}
