//! The synthetic election against the audit: a clean election yields no finding, its tally
//! adds up, and each injected anomaly is found by exactly the rule meant for it.

use ed25519_dalek::SigningKey;
use election::audit::{AuditConfig, AuditReport, Auditor, Rule};
use election::generate::{Anomaly, Config, Election, OFFLINE_LAG, POLLS_OPEN, generate};
use election::time::WitnessedCheckpoint;
use election::{Body, Kind};
use tlog::time::WitnessedTime;

fn root() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn election(precincts: u32, anomalies: &[Anomaly]) -> Election {
    let config = Config {
        seed: 7,
        precincts,
        anomalies: anomalies.to_vec(),
        ..Config::default()
    };
    generate(&config, &root())
}

/// The audit of the whole election as if a quorum of witnesses had seen all of it an hour
/// after its last record and the audit ran four days later: late enough for an undecided complaint to
/// be overdue. (The generated records carry no log checkpoints; the ledger adds those.)
fn run(e: &Election) -> AuditReport {
    let config = AuditConfig {
        election: Some(e.election.clone()),
        ..AuditConfig::new(root().verifying_key().to_bytes())
    };
    let mut auditor = Auditor::new(config);
    for (i, r) in e.records.iter().enumerate() {
        auditor.push(i as u64, &r.to_bytes());
    }
    let end = e.records.iter().map(|r| r.time).max().unwrap_or(POLLS_OPEN) + 3600;
    let audited = WitnessedCheckpoint {
        size: e.records.len() as u64,
        time: WitnessedTime {
            contained_by: end,
            newest_at: end + 4 * 86_400,
        },
    };
    auditor.report(Some(&audited))
}

#[test]
fn a_clean_election_has_no_findings_and_its_tally_adds_up() {
    let e = election(400, &[]);
    let report = run(&e);
    assert!(
        report.findings.is_empty(),
        "findings in a clean election: {:#?}",
        &report.findings[..report.findings.len().min(5)]
    );
    let tally = report.tally.contest(1).unwrap();
    assert_eq!(tally.included.len(), 400);
    assert!(tally.missing.is_empty() && tally.annulled.is_empty());
    let protocols: Vec<_> = e
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::PrecinctProtocol(p) => Some(p),
            _ => None,
        })
        .collect();
    let valid: u64 = protocols.iter().map(|p| u64::from(p.valid)).sum();
    assert_eq!(tally.national.iter().sum::<u64>(), valid);
    assert_eq!(tally.by_region.values().flatten().sum::<u64>(), valid);
    assert_eq!(tally.by_territory.values().flatten().sum::<u64>(), valid);
    assert_eq!(report.final_results.len(), 1);
    assert_eq!(report.final_results[0].1.totals, tally.national);
    // Every record kind a real election has is there.
    for kind in [
        Kind::KeyEnrollment,
        Kind::ElectionDefinition,
        Kind::PrecinctRegistry,
        Kind::PrecinctProtocol,
        Kind::UrnResult,
        Kind::Turnout,
        Kind::IdentificationReport,
        Kind::ComplaintFiled,
        Kind::ComplaintDecision,
        Kind::FinanceReport,
        Kind::BankStatement,
        Kind::FinalResult,
    ] {
        assert!(
            report.records_by_kind.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} record"
        );
    }
}

#[test]
fn each_anomaly_is_found_by_exactly_its_rule() {
    for anomaly in Anomaly::ALL {
        let e = election(150, &[anomaly]);
        let report = run(&e);
        let rules: std::collections::BTreeSet<Rule> =
            report.findings.iter().map(|f| f.rule).collect();
        match anomaly.rule() {
            Some(rule) => {
                assert_eq!(
                    rules,
                    [rule].into(),
                    "{anomaly:?} raised {:#?}",
                    report.findings
                );
                let precinct = e.injected[0].precinct;
                if precinct.is_some() {
                    assert!(
                        report.findings.iter().all(|f| f.precinct == precinct),
                        "{anomaly:?}: {:#?}",
                        report.findings
                    );
                }
            }
            None => {
                assert!(
                    rules.is_empty(),
                    "{anomaly:?} raised {:#?}",
                    report.findings
                );
                let annulled = e.injected[0].precinct.unwrap();
                assert_eq!(report.tally.contest(1).unwrap().annulled, vec![annulled]);
                assert_eq!(report.tally.contest(1).unwrap().included.len(), 149);
            }
        }
    }
}

#[test]
fn all_anomalies_at_once_are_each_found() {
    let e = election(200, &Anomaly::ALL);
    let report = run(&e);
    for anomaly in Anomaly::ALL {
        if let Some(rule) = anomaly.rule() {
            assert!(report.has(rule), "{anomaly:?} not found");
        }
    }
}

#[test]
fn generation_is_deterministic_by_seed() {
    let a = election(30, &[]);
    let b = election(30, &[]);
    let bytes = |e: &Election| e.records.iter().map(|r| r.to_bytes()).collect::<Vec<_>>();
    assert_eq!(bytes(&a), bytes(&b));
    let other = generate(
        &Config {
            seed: 8,
            precincts: 30,
            ..Config::default()
        },
        &root(),
    );
    assert_ne!(bytes(&a), bytes(&other));
}

#[test]
fn the_default_election_is_kyrgyz_shaped() {
    let e = generate(
        &Config {
            turnout_updates: false,
            ..Config::default()
        },
        &root(),
    );
    assert!(
        (2_900_000..3_300_000).contains(&e.registered_voters),
        "{} registered",
        e.registered_voters
    );
    let protocols: Vec<_> = e
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::PrecinctProtocol(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(protocols.len(), 2500);
    let voted: u64 = protocols.iter().map(|p| u64::from(p.ballots_issued)).sum();
    let turnout = voted as f64 / e.registered_voters as f64;
    assert!((0.50..0.62).contains(&turnout), "turnout {turnout}");
    let biggest = e.records.iter().map(|r| r.to_bytes().len()).max().unwrap();
    assert!(biggest < 65_535, "largest record {biggest} bytes");
    // Every referenced document was generated and matches its reference.
    for r in &e.records {
        for d in r.body.documents() {
            let doc = e
                .documents
                .iter()
                .find(|x| x.reference == *d)
                .expect("document generated");
            assert!(d.matches(&doc.bytes));
        }
    }
}

#[test]
fn a_live_election_is_signed_now_with_one_precinct_offline() {
    let now = 1_900_000_000;
    let e = generate(
        &Config {
            precincts: 20,
            signed_at: Some(now),
            ..Config::default()
        },
        &root(),
    );
    let offline = e
        .records
        .iter()
        .filter(|r| r.time == now - OFFLINE_LAG)
        .map(|r| (r.kind(), r.body.precinct()))
        .collect::<Vec<_>>();
    assert!(
        offline.contains(&(Kind::PrecinctProtocol, Some(1020))),
        "{offline:?}"
    );
    assert!(offline.iter().all(|(_, p)| *p == Some(1020)), "{offline:?}");
    assert!(
        e.records
            .iter()
            .all(|r| r.time == now || r.time == now - OFFLINE_LAG)
    );
    // Signed that way, the election still passes the audit (the keys are valid now).
    let report = run(&e);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// The browser's precinct page (`precinct_findings` over one precinct's records) and the full
/// audit judge every precinct alike, on the rules a precinct's own records decide.
#[test]
fn a_precinct_alone_is_judged_as_the_full_audit_judges_it() {
    use election::audit::precinct_findings;
    let e = election(60, &[Anomaly::UrnMismatch, Anomaly::BallotStuffing]);
    let report = run(&e);
    let local = [
        Rule::RecordReference,
        Rule::ProtocolArithmetic,
        Rule::ProtocolSingle,
        Rule::TurnoutMonotonic,
        Rule::UrnMatchesProtocol,
        Rule::BallotsWithinIdentified,
    ];
    let entries: Vec<(u64, Vec<u8>, Option<u32>)> = e
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u64, r.to_bytes(), r.body.precinct()))
        .collect();
    // The definition and the registry, which the page proves and hands over as context.
    let context: Vec<(u64, &[u8])> = entries
        .iter()
        .filter(|(i, _, _)| {
            let kind = e.records[*i as usize].kind();
            kind == election::Kind::ElectionDefinition || kind == election::Kind::PrecinctRegistry
        })
        .map(|(i, bytes, _)| (*i, bytes.as_slice()))
        .collect();
    assert!(context.len() >= 2, "a definition and a registry");
    let mut precincts: Vec<u32> = entries.iter().filter_map(|(_, _, p)| *p).collect();
    precincts.sort_unstable();
    precincts.dedup();
    let mut found = 0;
    for precinct in precincts {
        let own = entries
            .iter()
            .filter(|(_, _, p)| *p == Some(precinct))
            .map(|(i, bytes, _)| (*i, bytes.as_slice()));
        let mut alone = precinct_findings(context.iter().copied(), own);
        let mut audited: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.precinct == Some(precinct) && local.contains(&f.rule))
            .cloned()
            .collect();
        let key = |f: &election::audit::Finding| (f.index, f.rule.id(), f.message.to_string());
        alone.sort_by_key(key);
        audited.sort_by_key(key);
        assert_eq!(alone, audited, "precinct {precinct}");
        found += alone.len();
    }
    assert!(found >= 2, "the injected anomalies are found: {found}");
}

/// The precinct page sees a precinct's corrections (the index lists them under the corrected
/// entry's precinct) and checks references against the definition and registry it is given.
#[test]
fn a_precinct_alone_applies_its_corrections_and_checks_its_references() {
    use election::audit::precinct_findings;
    use election::records::Correction;
    let e = election(5, &[]);
    let bytes: Vec<Vec<u8>> = e.records.iter().map(|r| r.to_bytes()).collect();
    let is = |i: usize, kinds: &[Kind]| kinds.contains(&e.records[i].kind());
    let context: Vec<(u64, &[u8])> = (0..bytes.len())
        .filter(|&i| is(i, &[Kind::ElectionDefinition, Kind::PrecinctRegistry]))
        .map(|i| (i as u64, bytes[i].as_slice()))
        .collect();
    let first = (0..bytes.len())
        .find(|&i| is(i, &[Kind::PrecinctProtocol]))
        .unwrap();
    let Body::PrecinctProtocol(protocol) = &e.records[first].body else {
        unreachable!()
    };
    let (n, time) = (bytes.len() as u64, e.records[first].time + 60);
    let sign = |body| election::Record::sign(&e.election, time, body, &root()).to_bytes();
    let correction = sign(Body::Correction(Correction {
        supersedes: first as u64,
        reason: "a page was misread".into(),
        document: None,
    }));
    let again = sign(Body::PrecinctProtocol(protocol.clone()));
    let rules = |entries: &[(u64, &[u8])]| -> Vec<Rule> {
        let found = precinct_findings(context.iter().copied(), entries.iter().copied());
        found.iter().map(|f| f.rule).collect()
    };
    // Without its correction, the second protocol is one too many; with it, it counts.
    let old = (first as u64, bytes[first].as_slice());
    assert_eq!(rules(&[old, (n + 1, &again)]), vec![Rule::ProtocolSingle]);
    assert_eq!(
        rules(&[old, (n, &correction), (n + 1, &again)]),
        Vec::<Rule>::new()
    );
    // A contest the definition does not have, or a precinct the registry does not.
    let mut unknown = protocol.clone();
    unknown.contest = 99;
    let unknown = sign(Body::PrecinctProtocol(unknown));
    let found = precinct_findings(context.iter().copied(), [(n, unknown.as_slice())]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, Rule::RecordReference);
    assert!(found[0].message.contains("contest 99 is not defined"));
    // Judged against what was registered when it was logged: not a registry logged later.
    let registry = context
        .iter()
        .find(|(i, _)| is(*i as usize, &[Kind::PrecinctRegistry]));
    let alone = precinct_findings([(n + 2, registry.unwrap().1)], [old]);
    assert!(
        alone
            .iter()
            .any(|f| f.message.contains("is not in the registry")),
        "{alone:?}"
    );
    // A correction of nothing this precinct logged is a reference problem, as in the audit.
    let stray = precinct_findings(context.iter().copied(), [(n, correction.as_slice())]);
    assert_eq!(stray.len(), 1, "{stray:?}");
    assert!(stray[0].message.contains("not an earlier valid record"));
}
