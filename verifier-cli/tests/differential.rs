//! One verdict whichever client a citizen uses: a corpus of logs — an honest election, elections
//! with anomalies, and the log-level attacks of the attack table — goes through the `verifier`
//! binary and through the web viewer's exports (the same functions the page calls, run
//! natively, in the order `site/app.js` calls them), and the verdicts and findings must be
//! identical, row by row.

mod common;
use common::*;
use election::generate::Anomaly;
use shailoo_e2e::two_clients::{Judged, Page};
use std::path::Path;
use tlog::keys::SignerKey;

/// One row: a log (its public files), the policy, and what both clients saw before (the
/// public files of an earlier view), if anything.
struct Row<'a> {
    name: &'a str,
    public: &'a Path,
    policy: String,
    before: Option<&'a Path>,
}

/// The `verifier`'s verdict and the page's, each after seeing the earlier view if any.
fn judge(row: &Row) -> (Judged, Judged) {
    let verifier = Verifier::new();
    let mut page = Page {
        policy: &row.policy,
        remembered: String::new(),
        complaint_deadline: None,
        documents: false,
    };
    if let Some(before) = row.before {
        let args = ["checkpoint", "--log", before.to_str().unwrap()];
        let first = verifier.with_policy(&row.policy, &args);
        assert_eq!(
            first.code,
            0,
            "{}: the earlier view: {}",
            row.name,
            first.text()
        );
        let seen = page.checkpoint(before);
        assert_eq!(seen["ok"], true, "{}: the earlier view: {seen}", row.name);
        page.remembered = seen["remember"].as_str().unwrap().to_string();
    }
    let public = row.public.to_str().unwrap();
    let args = ["audit", "--log", public, "--json", "-q"];
    let cli = shailoo_e2e::two_clients::of_cli(&verifier.with_policy(&row.policy, &args));
    (cli, page.verdict(row.public))
}

#[test]
fn the_cli_and_the_browser_give_the_same_verdict_on_every_row() {
    let tmp = temp_dir("differential");
    let clean = clean();
    let anomalous = anomalous();
    let more = simulated_log(
        &tmp.path().join("more"),
        20,
        &[
            Anomaly::UrnMismatch,
            Anomaly::AnnulledPrecinct,
            Anomaly::OverdueComplaint,
        ],
    );
    let entries = clean.entries();
    let key = clean.log_key();
    let policy = clean.policy("http://127.0.0.1:9", true);
    let dir = |name: &str| tmp.path().join(name);
    // (a) an entry edited on disk.
    let (_edited_tmp, edited) = copy(clean);
    flip_byte(&edited.public().join("tile/entries/000"), -10);
    // An earlier, smaller view of the honest log, signed by its key.
    let k = entries.len() / 3;
    write_log(&dir("earlier"), &key, &entries[..k]);
    // (s) one hash tile damaged on the way, after the browser saw the earlier view.
    let (_damaged_tmp, damaged) = copy(clean);
    flip_byte(&damaged.public().join("tile/0/000"), 5);
    // (c) a fork: another tree of k entries, signed by the log.
    let mut other = entries[..k].to_vec();
    other[k - 1] = b"another history".to_vec();
    write_log(&dir("fork"), &key, &other);
    // (t) another key for the same origin.
    let impostor = SignerKey::from_seed(common::ORIGIN, 0x01, &[9; 32]).unwrap();
    write_log(&dir("impostor"), &impostor, &entries);
    // (d) and (i), logged past the gate by an insider (the ledger refuses both at the door):
    // records signed by a key nobody enrolled, an annulment signed by a commission.
    let insider = election::generate::generate(
        &election::generate::Config {
            precincts: 8,
            anomalies: vec![Anomaly::UnenrolledSigner, Anomaly::UnauthorizedAnnulment],
            turnout_updates: false,
            ..Default::default()
        },
        clean.root_key().signing_key(),
    );
    let logged: Vec<Vec<u8>> = insider.records.iter().map(|r| r.to_bytes()).collect();
    write_log(&dir("insider"), &key, &logged);
    // (j) a policy that needs a witness's cosignature.
    let witness = SignerKey::from_seed("witness.example.kg/w", 0x04, &[8; 32]).unwrap();
    let stricter = format!(
        "log {} http://127.0.0.1:9\nwitness w {}\nquorum w\nroot {}\n",
        clean.log_vkey,
        witness.verifier(),
        clean.root_vkey
    );
    let rows = [
        Row {
            name: "honest",
            public: &clean.public(),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "honest, grown since seen",
            public: &clean.public(),
            policy: policy.clone(),
            before: Some(&dir("earlier")),
        },
        Row {
            name: "(g)(h) stuffing, wrong total",
            public: &anomalous.public(),
            policy: anomalous.policy("http://127.0.0.1:9", true),
            before: None,
        },
        Row {
            name: "(f)(l) urn, annulled, overdue",
            public: &more.public(),
            policy: more.policy("http://127.0.0.1:9", true),
            before: None,
        },
        Row {
            name: "(d)(i) unenrolled signer, annulment by a commission, logged by an insider",
            public: &dir("insider"),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "(a) edited entry",
            public: &edited.public(),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "(s) damaged tile",
            public: &damaged.public(),
            policy: policy.clone(),
            before: Some(&dir("earlier")),
        },
        Row {
            name: "(c) fork",
            public: &clean.public(),
            policy: policy.clone(),
            before: Some(&dir("fork")),
        },
        Row {
            name: "(b) rollback",
            public: &dir("earlier"),
            policy: policy.clone(),
            before: Some(&clean.public()),
        },
        Row {
            name: "(t) another key",
            public: &dir("impostor"),
            policy: policy.clone(),
            before: None,
        },
        Row {
            name: "(j) quorum not met",
            public: &clean.public(),
            policy: stricter,
            before: None,
        },
    ];
    let expected = [
        "clean",
        "clean",
        "problems",
        "problems",
        "problems",
        "entries",
        "damaged",
        "evidence",
        "rollback",
        "not-this-log",
        "quorum",
    ];
    let mut judged = Vec::new();
    for (row, expected) in rows.iter().zip(expected) {
        let (cli, page) = judge(row);
        assert_eq!(cli, page, "{}: the CLI and the browser disagree", row.name);
        assert_eq!(cli.class(), expected, "{}: {cli:?}", row.name);
        judged.push(cli);
    }
    // The insider's records are found under the rules meant for them.
    let Judged::Problems(found) = &judged[4] else {
        unreachable!("classified above")
    };
    for rule in ["signer.authorized", "annulment.by-cec"] {
        assert!(found.iter().any(|(r, _)| r == rule), "{rule}: {found:?}");
    }
}
