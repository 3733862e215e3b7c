//! Every audit rule with a case that passes and cases that fail, on a miniature election
//! built by hand: two precincts in two territories, one contest of three options.

use ed25519_dalek::SigningKey;
use election::audit::{AuditConfig, AuditReport, Auditor, Rule, checks};
use election::records::*;
use election::time::WitnessedCheckpoint;
use election::{Body, Record};

#[path = "rules/keys_and_time.rs"]
mod keys_and_time;

const ELECTION: &str = "test-election";
const T0: u64 = 1_800_000_000;
const HOUR: u64 = 3600;

fn k(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}
/// The keys of the miniature election.
fn root() -> SigningKey {
    k(1)
}
fn cec() -> SigningKey {
    k(2)
}
fn pc(p: u32) -> SigningKey {
    k(10 + p as u8)
}
fn urn(p: u32) -> SigningKey {
    k(20 + p as u8)
}
fn idd(p: u32) -> SigningKey {
    k(30 + p as u8)
}
fn tc(t: u16) -> SigningKey {
    k(40 + t as u8)
}
fn finance() -> SigningKey {
    k(50)
}
fn complaints() -> SigningKey {
    k(51)
}

fn names(s: &str) -> Names {
    Names::new(s, s, s)
}

fn enroll(key: &SigningKey, role: Role, scope: Scope) -> Body {
    Body::KeyEnrollment(KeyEnrollment {
        key: key.verifying_key().to_bytes(),
        role,
        holder: role.name().into(),
        scope,
        valid_from: T0 - 100 * HOUR,
        valid_until: T0 + 1000 * HOUR,
    })
}

/// The setup every scenario starts from, in log order.
fn setup() -> Vec<Record> {
    let mut r = vec![Record::sign(
        ELECTION,
        T0 - 90 * HOUR,
        enroll(&cec(), Role::CecOperator, Scope::everything()),
        &root(),
    )];
    let definition = ElectionDefinition {
        election_type: ElectionType::Referendum,
        date: "2027-01-01".into(),
        name: names("test"),
        contests: vec![Contest {
            id: 1,
            name: names("q"),
            seats: 0,
            options: vec![
                ContestOption { name: names("a") },
                ContestOption { name: names("b") },
                ContestOption { name: names("c") },
            ],
        }],
        regions: vec![Region {
            id: 1,
            name: names("r"),
        }],
        territories: vec![
            Territory {
                id: 1,
                region: 1,
                name: names("t1"),
            },
            Territory {
                id: 2,
                region: 1,
                name: names("t2"),
            },
        ],
        complaint_deadline: 72 * HOUR,
        registry_parts: 1,
    };
    let registry = PrecinctRegistry {
        part: 0,
        precincts: vec![
            Precinct {
                id: 1,
                territory: 1,
                registered: 1000,
                station: None,
                address: None,
            },
            Precinct {
                id: 2,
                territory: 2,
                registered: 800,
                station: None,
                address: None,
            },
        ],
    };
    let by_cec = |body| Record::sign(ELECTION, T0 - 80 * HOUR, body, &cec());
    r.push(by_cec(Body::ElectionDefinition(definition)));
    r.push(by_cec(Body::PrecinctRegistry(registry)));
    for p in [1, 2] {
        r.push(by_cec(enroll(
            &pc(p),
            Role::PrecinctCommission,
            Scope::precinct(p),
        )));
        r.push(by_cec(enroll(&urn(p), Role::UrnDevice, Scope::precinct(p))));
        r.push(by_cec(enroll(
            &idd(p),
            Role::IdentificationDevice,
            Scope::precinct(p),
        )));
    }
    for t in [1, 2] {
        r.push(by_cec(enroll(
            &tc(t),
            Role::TerritorialCommission,
            Scope::territory(t),
        )));
    }
    r.push(by_cec(enroll(
        &finance(),
        Role::FinanceOffice,
        Scope::everything(),
    )));
    r.push(by_cec(enroll(
        &complaints(),
        Role::ComplaintsOffice,
        Scope::everything(),
    )));
    r
}

/// A consistent protocol: 600 ballots issued, 598 found, 8 invalid.
fn protocol(p: u32) -> PrecinctProtocol {
    PrecinctProtocol {
        precinct: p,
        contest: 1,
        voters_on_list: 780,
        ballots_received: 800,
        ballots_issued: 600,
        ballots_cancelled: 200,
        ballots_stationary: 580,
        ballots_mobile: 18,
        invalid: 8,
        valid: 590,
        votes: vec![300, 200, 90],
        pages: vec![],
    }
}

fn urn_result(p: &PrecinctProtocol) -> UrnResult {
    UrnResult {
        precinct: p.precinct,
        contest: 1,
        device: "KESB-1".into(),
        ballots_read: 598,
        rejected: p.invalid,
        votes: p.votes.clone(),
        printout: None,
    }
}

fn identification(p: u32, identified: u32, mobile: u32) -> IdentificationReport {
    IdentificationReport {
        precinct: p,
        identified,
        identified_mobile: mobile,
        hourly: vec![
            HourCount {
                hour: 9,
                identified: 10,
            },
            HourCount {
                hour: 20,
                identified: identified + mobile,
            },
        ],
        scan: None,
    }
}

fn sign(time: u64, body: Body, key: &SigningKey) -> Record {
    Record::sign(ELECTION, time, body, key)
}

/// The audit of this election: the log's key and its witnesses are those of
/// [`keys_and_time::policy`].
fn config() -> AuditConfig {
    AuditConfig {
        election: Some(ELECTION.into()),
        policy: Some(std::sync::Arc::new(keys_and_time::policy())),
        ..AuditConfig::new(root().verifying_key().to_bytes())
    }
}

fn audit_with(extra: Vec<Record>, at: Option<&WitnessedCheckpoint>) -> AuditReport {
    let mut a = Auditor::new(config());
    for (i, r) in setup().into_iter().chain(extra).enumerate() {
        a.push(i as u64, &r.to_bytes());
    }
    a.report(at)
}

fn audit(extra: Vec<Record>) -> AuditReport {
    audit_with(extra, None)
}

fn rules(report: &AuditReport) -> Vec<Rule> {
    let mut r: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    r.dedup();
    r
}

fn clean_precinct(p: u32) -> Vec<Record> {
    let prot = protocol(p);
    vec![
        sign(
            T0 + 12 * HOUR,
            Body::IdentificationReport(identification(p, 585, 18)),
            &idd(p),
        ),
        sign(T0 + 13 * HOUR, Body::UrnResult(urn_result(&prot)), &urn(p)),
        sign(T0 + 14 * HOUR, Body::PrecinctProtocol(prot), &pc(p)),
    ]
}

#[test]
fn the_setup_and_clean_precincts_raise_nothing() {
    let report = audit([clean_precinct(1), clean_precinct(2)].concat());
    assert_eq!(rules(&report), vec![]);
    assert_eq!(
        report.tally.contest(1).unwrap().national,
        vec![600, 400, 180]
    );
    assert_eq!(report.tally.contest(1).unwrap().by_territory.len(), 2);
}

#[test]
fn record_malformed_unknown_kind_signature_and_election() {
    let mut a = Auditor::new(config());
    for (i, r) in setup().into_iter().enumerate() {
        a.push(i as u64, &r.to_bytes());
    }
    assert_eq!(a.push(100, b"not a record")[0].rule, Rule::RecordMalformed);
    let good = sign(T0 + 14 * HOUR, Body::PrecinctProtocol(protocol(1)), &pc(1)).to_bytes();
    let mut unknown = good.clone();
    unknown[4] = 0x11; // kind 17
    assert_eq!(a.push(101, &unknown)[0].rule, Rule::RecordUnknownKind);
    let mut forged = good.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let forgery = &a.push(102, &forged)[0];
    assert_eq!(forgery.rule, Rule::RecordSignature);
    // Said in the reader's language, as every finding an attack produces.
    assert_eq!(
        forgery.message.text("ru"),
        "подпись записи не проходит проверку"
    );
    assert_eq!(
        forgery.message.text("ky"),
        "жазуунун кол тамгасы текшерүүдөн өтпөйт"
    );
    let other = Record::sign(
        "other-election",
        T0,
        Body::PrecinctProtocol(protocol(1)),
        &pc(1),
    )
    .to_bytes();
    assert_eq!(a.push(103, &other)[0].rule, Rule::RecordElection);
    assert!(
        a.push(104, &good).is_empty(),
        "the genuine record after all that is fine"
    );
}

#[test]
fn signer_authorized() {
    let at = T0 + 14 * HOUR;
    let cases = [
        (
            "unenrolled",
            sign(at, Body::PrecinctProtocol(protocol(1)), &k(99)),
        ),
        (
            "wrong role",
            sign(at, Body::PrecinctProtocol(protocol(1)), &urn(1)),
        ),
        (
            "wrong precinct",
            sign(at, Body::PrecinctProtocol(protocol(2)), &pc(1)),
        ),
        (
            "outside validity",
            sign(
                T0 + 2000 * HOUR,
                Body::PrecinctProtocol(protocol(1)),
                &pc(1),
            ),
        ),
        (
            "finance office signing results",
            sign(at, Body::UrnResult(urn_result(&protocol(1))), &finance()),
        ),
    ];
    for (what, record) in cases {
        assert_eq!(
            rules(&audit(vec![record])),
            vec![Rule::SignerAuthorized],
            "{what}"
        );
    }
    // Revocation by position: a record logged before the revocation counts; one logged
    // after does not, whatever time it claims (`keys_and_time` has the rest of the rules).
    let revoke = sign(
        T0,
        Body::KeyRevocation(KeyRevocation {
            key: pc(1).verifying_key().to_bytes(),
            effective: T0 + HOUR,
            reason: "lost".into(),
        }),
        &cec(),
    );
    let protocol_at = |time| sign(time, Body::PrecinctProtocol(protocol(1)), &pc(1));
    assert_eq!(
        rules(&audit(vec![protocol_at(T0 + 2 * HOUR), revoke.clone()])),
        vec![]
    );
    for backdated in [T0 + HOUR, T0 - HOUR] {
        assert_eq!(
            rules(&audit(vec![revoke.clone(), protocol_at(backdated)])),
            vec![Rule::SignerAuthorized]
        );
    }
    // A territorial key covers its territory's precincts (complaint filings), not others'.
    let filing = |p| {
        Body::ComplaintFiled(ComplaintFiled {
            complaint: format!("C{p}"),
            filed_with: "t".into(),
            category: ComplaintCategory::Other,
            precinct: Some(p),
            subject: "s".into(),
            documents: vec![],
        })
    };
    assert_eq!(rules(&audit(vec![sign(at, filing(1), &tc(1))])), vec![]);
    assert_eq!(
        rules(&audit(vec![sign(at, filing(2), &tc(1))])),
        vec![Rule::SignerAuthorized]
    );
}

#[test]
fn record_reference() {
    let mut unknown_precinct = protocol(1);
    unknown_precinct.precinct = 7;
    let mut wrong_width = protocol(1);
    wrong_width.votes.push(0);
    let decision = ComplaintDecision {
        complaint: "nope".into(),
        decided_by: Decider::Court,
        decider_name: "court".into(),
        outcome: Outcome::Rejected,
        documents: vec![],
    };
    let cases = [
        // Only the root may speak for a precinct that does not exist; it still may not.
        sign(T0, Body::PrecinctProtocol(unknown_precinct), &root()),
        sign(T0, Body::PrecinctProtocol(wrong_width), &pc(1)),
        sign(T0, Body::ComplaintDecision(decision), &complaints()),
        sign(
            T0,
            Body::Correction(Correction {
                supersedes: 10_000,
                reason: "x".into(),
                document: None,
            }),
            &cec(),
        ),
    ];
    for record in cases {
        let kind = record.kind();
        let report = audit(vec![record]);
        assert!(
            rules(&report).contains(&Rule::RecordReference),
            "{kind:?}: {:?}",
            report.findings
        );
    }
}

#[test]
fn protocol_arithmetic_each_check() {
    assert!(checks::protocol_arithmetic(&protocol(1)).is_empty());
    let mut broken: Vec<(&str, PrecinctProtocol)> = vec![];
    let mut p = protocol(1);
    p.invalid += 1;
    broken.push(("valid + invalid != found", p));
    let mut p = protocol(1);
    p.votes[0] += 1;
    broken.push(("votes != valid", p));
    let mut p = protocol(1);
    p.ballots_issued = 801;
    p.voters_on_list = 900;
    broken.push(("issued > received", p));
    let mut p = protocol(1);
    p.ballots_issued = 590;
    broken.push(("found > issued", p));
    let mut p = protocol(1);
    p.voters_on_list = 599;
    broken.push(("issued > on list", p));
    for (what, p) in broken {
        assert_eq!(checks::protocol_arithmetic(&p).len(), 1, "{what}");
        assert_eq!(
            rules(&audit(vec![sign(
                T0 + 14 * HOUR,
                Body::PrecinctProtocol(p),
                &pc(1)
            )])),
            vec![Rule::ProtocolArithmetic],
            "{what}"
        );
    }
}

#[test]
fn protocol_single_unless_corrected() {
    let first = sign(T0 + 14 * HOUR, Body::PrecinctProtocol(protocol(1)), &pc(1));
    let second = sign(T0 + 15 * HOUR, Body::PrecinctProtocol(protocol(1)), &pc(1));
    assert_eq!(
        rules(&audit(vec![first.clone(), second.clone()])),
        vec![Rule::ProtocolSingle]
    );
    // The first protocol is at index setup().len(); a correction supersedes it.
    let index = setup().len() as u64;
    let correction = sign(
        T0 + 14 * HOUR + 60,
        Body::Correction(Correction {
            supersedes: index,
            reason: "typo".into(),
            document: None,
        }),
        &pc(1),
    );
    let mut fixed = protocol(1);
    fixed.votes = vec![301, 199, 90];
    let replacement = sign(T0 + 15 * HOUR, Body::PrecinctProtocol(fixed), &pc(1));
    let report = audit(vec![first, correction, replacement]);
    assert_eq!(rules(&report), vec![]);
    assert_eq!(
        report.tally.contest(1).unwrap().national,
        vec![301, 199, 90]
    );
}

#[test]
fn urn_matches_protocol() {
    let p = protocol(1);
    assert!(checks::urn_matches_protocol(&urn_result(&p), &p).is_empty());
    let mut moved = urn_result(&p);
    moved.votes[0] -= 3;
    moved.votes[2] += 3;
    assert_eq!(checks::urn_matches_protocol(&moved, &p).len(), 2);
    let mut read = urn_result(&p);
    read.ballots_read += 1;
    assert_eq!(checks::urn_matches_protocol(&read, &p).len(), 1);
    let report = audit(vec![
        sign(T0 + 13 * HOUR, Body::UrnResult(moved), &urn(1)),
        sign(T0 + 14 * HOUR, Body::PrecinctProtocol(p), &pc(1)),
    ]);
    assert_eq!(rules(&report), vec![Rule::UrnMatchesProtocol]);
}

#[test]
fn ballots_within_identified() {
    let p = protocol(1);
    assert!(checks::ballots_within_identified(&p, &identification(1, 580, 18)).is_empty());
    assert_eq!(
        checks::ballots_within_identified(&p, &identification(1, 579, 18)).len(),
        1
    );
    assert_eq!(
        checks::ballots_within_identified(&p, &identification(1, 580, 17)).len(),
        1
    );
    let report = audit(vec![
        sign(
            T0 + 12 * HOUR,
            Body::IdentificationReport(identification(1, 500, 18)),
            &idd(1),
        ),
        sign(T0 + 14 * HOUR, Body::PrecinctProtocol(p), &pc(1)),
    ]);
    assert_eq!(rules(&report), vec![Rule::BallotsWithinIdentified]);
}

#[test]
fn turnout_monotonic() {
    let t = |h, n| {
        sign(
            T0 + u64::from(h - 8) * HOUR,
            Body::Turnout(Turnout {
                precinct: 1,
                hour: h,
                identified: n,
            }),
            &idd(1),
        )
    };
    assert_eq!(rules(&audit(vec![t(9, 10), t(10, 30), t(11, 30)])), vec![]);
    assert_eq!(
        rules(&audit(vec![t(9, 10), t(10, 30), t(11, 29)])),
        vec![Rule::TurnoutMonotonic]
    );
    let mut report = identification(1, 585, 18);
    report.hourly = vec![
        HourCount {
            hour: 9,
            identified: 50,
        },
        HourCount {
            hour: 10,
            identified: 40,
        },
    ];
    assert_eq!(
        rules(&audit(vec![sign(
            T0 + 12 * HOUR,
            Body::IdentificationReport(report),
            &idd(1)
        )])),
        vec![Rule::TurnoutMonotonic]
    );
}

#[test]
fn annulment_by_cec() {
    let annul = |key: &SigningKey| {
        sign(
            T0 + 96 * HOUR,
            Body::Annulment(Annulment {
                precincts: vec![2],
                resolution: "1".into(),
                reason: "r".into(),
                document: None,
            }),
            key,
        )
    };
    let report = audit([clean_precinct(1), clean_precinct(2), vec![annul(&cec())]].concat());
    assert_eq!(rules(&report), vec![]);
    assert_eq!(report.tally.contest(1).unwrap().annulled, vec![2]);
    let report = audit([clean_precinct(1), clean_precinct(2), vec![annul(&tc(2))]].concat());
    assert_eq!(rules(&report), vec![Rule::AnnulmentByCec]);
    assert!(
        report.tally.contest(1).unwrap().annulled.is_empty(),
        "an unlawful annulment is not applied"
    );
    // The ledger refuses it at the door.
    let a = Auditor::new(AuditConfig::new(root().verifying_key().to_bytes()));
    assert_eq!(
        a.check_admission(&annul(&root()).to_bytes()).map(|_| ()),
        Ok(())
    );
}

#[test]
fn final_matches_tally() {
    let result = |totals: Vec<u64>, counted, annulled: Vec<u32>| {
        sign(
            T0 + 120 * HOUR,
            Body::FinalResult(FinalResult {
                contest: 1,
                totals,
                precincts_counted: counted,
                annulled,
                document: None,
            }),
            &cec(),
        )
    };
    let base = [clean_precinct(1), clean_precinct(2)].concat();
    assert_eq!(
        rules(&audit(
            [base.clone(), vec![result(vec![600, 400, 180], 2, vec![])]].concat()
        )),
        vec![]
    );
    for (totals, counted, annulled) in [
        (vec![600, 401, 180], 2, vec![]),
        (vec![600, 400, 180], 3, vec![]),
        (vec![600, 400, 180], 2, vec![2]),
        (vec![600, 400], 2, vec![]),
    ] {
        let report = audit([base.clone(), vec![result(totals, counted, annulled)]].concat());
        assert_eq!(rules(&report), vec![Rule::FinalMatchesTally]);
    }
}

#[test]
fn finance_statement_balance() {
    let statement = |closing| BankStatement {
        filer: "p".into(),
        account: "1…2".into(),
        period_end: "2027-01-01".into(),
        opening_tyiyn: 100,
        credits_tyiyn: 50,
        debits_tyiyn: 30,
        closing_tyiyn: closing,
        document: DocumentRef::to(b"x", "image/png"),
    };
    assert!(checks::statement_balances(&statement(120)).is_empty());
    assert_eq!(
        rules(&audit(vec![sign(
            T0,
            Body::BankStatement(statement(120)),
            &finance()
        )])),
        vec![]
    );
    assert_eq!(
        rules(&audit(vec![sign(
            T0,
            Body::BankStatement(statement(121)),
            &finance()
        )])),
        vec![Rule::FinanceStatementBalance]
    );
}

#[test]
fn admission_accepts_only_what_may_be_logged() {
    let mut a = Auditor::new(config());
    for (i, r) in setup().into_iter().enumerate() {
        a.push(i as u64, &r.to_bytes());
    }
    let good = sign(T0 + 14 * HOUR, Body::PrecinctProtocol(protocol(1)), &pc(1));
    assert_eq!(a.check_admission(&good.to_bytes()), Ok(good));
    // Arithmetic problems are admitted: exposing them is what the log is for.
    let mut odd = protocol(1);
    odd.votes[0] += 5;
    assert!(
        a.check_admission(&sign(T0, Body::PrecinctProtocol(odd), &pc(1)).to_bytes())
            .is_ok()
    );
    for (entry, rule) in [
        (b"junk".to_vec(), Rule::RecordMalformed),
        (
            sign(T0, Body::PrecinctProtocol(protocol(1)), &k(99)).to_bytes(),
            Rule::SignerAuthorized,
        ),
        (
            Record::sign("other", T0, Body::PrecinctProtocol(protocol(1)), &pc(1)).to_bytes(),
            Rule::RecordElection,
        ),
        (
            sign(
                T0,
                Body::Annulment(Annulment {
                    precincts: vec![1],
                    resolution: "x".into(),
                    reason: "x".into(),
                    document: None,
                }),
                &tc(1),
            )
            .to_bytes(),
            Rule::AnnulmentByCec,
        ),
    ] {
        let refused = a.check_admission(&entry).unwrap_err();
        assert_eq!(refused.rule, rule);
        assert!(rule.blocks_admission() || rule == Rule::AnnulmentByCec);
    }
    assert!(
        a.findings().is_empty(),
        "checking admission changes nothing"
    );
}

#[test]
fn rule_ids_and_titles_are_complete() {
    for rule in Rule::ALL {
        assert_eq!(Rule::from_id(rule.id()), Some(rule));
        for lang in ["en", "ky", "ru"] {
            assert!(!rule.title(lang).is_empty());
        }
        assert_ne!(rule.title("ky"), rule.title("en"));
        assert_ne!(rule.title("ru"), rule.title("en"));
    }
}

mod extremes {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever figures a (root-signed, so authorized) record carries, the audit reports
        /// and never panics or overflows.
        #[test]
        fn extreme_figures_never_panic(values in proptest::collection::vec(any::<u32>(), 12), votes in proptest::collection::vec(any::<u32>(), 0..5), hour: u8, time: u64) {
            let p = PrecinctProtocol {
                precinct: values[0] % 3, contest: (values[1] % 3) as u16, voters_on_list: values[2], ballots_received: values[3],
                ballots_issued: values[4], ballots_cancelled: values[5], ballots_stationary: values[6], ballots_mobile: values[7],
                invalid: values[8], valid: values[9], votes: votes.clone(), pages: vec![],
            };
            let id = IdentificationReport { precinct: p.precinct, identified: values[10], identified_mobile: values[11], hourly: vec![HourCount { hour, identified: values[0] }], scan: None };
            let u = UrnResult { precinct: p.precinct, contest: p.contest, device: String::new(), ballots_read: values[1], rejected: values[2], votes, printout: None };
            let f = FinalResult { contest: p.contest, totals: vec![u64::MAX; 3], precincts_counted: values[3], annulled: vec![values[4]], document: None };
            let records = vec![
                sign(time, Body::PrecinctProtocol(p), &root()),
                sign(time, Body::IdentificationReport(id), &root()),
                sign(time, Body::UrnResult(u), &root()),
                sign(time, Body::Turnout(Turnout { precinct: 1, hour, identified: values[5] }), &root()),
                sign(time, Body::FinalResult(f), &root()),
            ];
            let at = keys_and_time::witnessed(1_000, time, time);
            let report = audit_with(records, Some(&at));
            prop_assert!(report.entries > 0);
        }
    }
}
