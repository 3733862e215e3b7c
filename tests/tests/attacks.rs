//! The attack table: each attack on an election logged by the real binaries, and the party
//! that exposes it with the message it prints. TESTING.md lists the same table.
//!
//! | attack | exposed by | with |
//! |---|---|---|
//! | (a) the operator edits an entry on disk | `verifier inclusion`, `verifier audit` | exit 2, "entry N does not match the log's signed checkpoint" |
//! | (b) the operator truncates the log and re-signs a shorter tree | the witnesses refuse it (409); `verifier` | exit 2, "ROLLBACK" with both checkpoints; "the witness quorum is not met" |
//! | (c) the operator signs a fork | the witnesses refuse it and keep evidence; `verifier` | 422 and `witness evidence`; exit 2, "FORK" with both checkpoints |
//! | (d) a record signed by an unenrolled or revoked key | the ledger, at the door | 403 `not-authorized` |
//! | (e) a scan replaced after it was logged | the ledger refuses to serve it; from a mirror, `verifier audit --documents`, `verifier inclusion --document` | 500; exit 1, "do not match" |
//! | (f) urn count differs from the protocol | `verifier audit` | exit 1, `[urn.matches-protocol]` |
//! | (g) more ballots than identified voters | `verifier audit` | exit 1, `[ballots.within-identified]` |
//! | (h) final result differs from the sum of precincts | `verifier audit` | exit 1, `[final.matches-tally]` |
//! | (i) an annulment signed by a non-CEC key | the ledger, at the door | 403 `not-authorized` |
//! | (j) one witness key stolen | the quorum: `verifier` | exit 2, "the witness quorum is not met" |
//! | (k) a witness down | nobody needs to: the log publishes with 2 of 3; `verifier` refuses less | exit 0; exit 2 on one cosignature |
//! | (l) a complaint decided after its deadline | `verifier audit`, on witnessed time | exit 1, `[complaint.deadline]` |
//! | (m) a revoked key signs a record dated before its revocation | the ledger, at the door; if an insider logs it anyway, `verifier audit` | 403 `not-authorized` "revoked earlier in the log"; exit 1, `[signer.authorized]` |
//! | (n) a revoked key enrolled again | the ledger, at the door | 403 `not-authorized`, "a revoked key is never enrolled again" |
//! | (o) a CEC operator key enrolls another operator key | the ledger, at the door | 403 `not-authorized`, "only the CEC root key may enroll a CEC operator key" |
//! | (p) a record dated a day ahead, or older than the offline lag | the ledger, at the door | 400 `time-out-of-window`, with both times |
//! | (q) a complaint decision backdated by its signer to meet the deadline | `verifier audit`, on witnessed time | exit 1, `[complaint.deadline]` "decided no earlier than" |
//! | (r) one device's far-future time, logged by an insider | `verifier audit` reports that record alone; no complaint becomes overdue | exit 1, `[record.time]`, no `[complaint.deadline]` |
//! | (s) a mirror or proxy serves one tampered hash tile of an honest log | `verifier` | exit 2, "the log's files are damaged or tampered", naming the tile; never "FORK", nothing kept |
//! | (w) a witness that answers slowly, never, or endlessly | nobody needs to: the log publishes once the others' quorum cosigned, and adds a late cosignature when it comes | each record published within seconds while the hostile witness holds its connection; a late witness's cosignature published once it answers |
//! | (x) Ed25519 broken: a fork signed by the log's key and "cosigned" with two observers' Ed25519 keys | the witnesses refuse it and keep evidence; `verifier` with a policy requiring ML-DSA-44 cosignatures (a policy counting Ed25519 is fooled) | 422 and `witness evidence`; exit 2, "the witness quorum is not met" |
//! | (t) a checkpoint signed by another key for the same origin | `verifier` | exit 2, "no valid signature by the key your policy trusts", never "FORK"; a verifier trusting that other log keeps its memory apart |
//!
//! Every row runs twice: with the log in the ledger's directory (`in_a_directory::…`) and in a
//! bucket of a real distributed object store (`in_a_bucket::…`, SeaweedFS), where the
//! operator's edits are plain PUTs into the bucket and citizens read the bucket as a CDN
//! would serve it.

use election::Body;
use election::records::{
    ComplaintCategory, ComplaintDecision, ComplaintFiled, Decider, KeyRevocation, Outcome, Role,
};
use shailoo::client::ClientError;
use shailoo::unix_now;
use shailoo_e2e::Run;
use shailoo_e2e::operator;
use shailoo_e2e::records::{ELECTION, ed25519_key, enrollment};
use shailoo_e2e::system::{
    Backend, ElectionNight, WitnessNode, copy_tree, is_log_checkpoint, path, scan_hash, witness,
};
use shailoo_e2e::two_clients::{Judged, Page};
use std::path::{Path, PathBuf};

/// A small clean election, logged and published.
fn logged_election(backend: Backend) -> (ElectionNight, u64) {
    let night = ElectionNight::start_on(backend);
    let size = night.simulate(20, &[]).size;
    (night, size)
}

/// The operator serves `checkpoint` with the log's other files to some people: a copy of the
/// public files (a directory is what any static web server or mirror serves; `verifier --log
/// DIR` reads it).
fn serve_checkpoint(night: &ElectionNight, name: &str, checkpoint: &[u8]) -> PathBuf {
    let copy = night.file(name);
    copy_tree(&night.public(), &copy);
    std::fs::write(copy.join("checkpoint"), checkpoint).unwrap();
    copy
}

/// Offers a checkpoint to every running witness as an extension of `old_size`.
fn offer_to_witnesses<'a>(
    night: &'a ElectionNight,
    old_size: u64,
    checkpoint: &[u8],
) -> Vec<(&'a WitnessNode, operator::WitnessAnswer)> {
    let running = night.witnesses.iter().filter(|w| w.daemon.is_some());
    running
        .map(|w| {
            let url = &w.daemon.as_ref().unwrap().url;
            (
                w,
                operator::offer(url, old_size, vec![], checkpoint.to_vec()),
            )
        })
        .collect()
}

/// Asserts that `run` reports the log's misbehaviour (exit 2) with `phrases`, and quotes both
/// signed checkpoints, the one accepted earlier and `note` in full: the evidence a citizen can
/// publish.
#[track_caller]
fn assert_proves(run: &Run, phrases: &[&str], note: &[u8]) {
    run.expect(2, phrases);
    run.expect(2, &["--- accepted earlier", "--- served now by"]);
    let quoted = String::from_utf8_lossy(note);
    assert!(run.text().contains(quoted.as_ref()), "{}", run.text());
}

/// The web viewer's verdict on the log in `public` is the `verifier`'s (`audit --json`, with
/// `--documents` and `--complaint-deadline` as asked): every row of the table gives one
/// verdict whichever client a citizen uses. Returns it.
#[track_caller]
fn the_browser_agrees(
    night: &ElectionNight,
    public: &Path,
    complaint_deadline: Option<u64>,
    documents: bool,
) -> Judged {
    let policy = std::fs::read_to_string(&night.policy).unwrap();
    let deadline = complaint_deadline.map(|s| s.to_string());
    let mut args = vec!["audit", "--json", "-q", "--log", path(public)];
    args.extend(
        deadline
            .iter()
            .flat_map(|s| ["--complaint-deadline", s.as_str()]),
    );
    if documents {
        args.push("--documents");
    }
    let cli = night.verifier().run(&args);
    let page = Page {
        policy: &policy,
        remembered: String::new(),
        complaint_deadline,
        documents,
    };
    shailoo_e2e::two_clients::assert_same(&args.join(" "), &cli, &page, public)
}

/// The rules a verdict's findings fall under, in order (none unless it found problems).
fn rules_of(judged: &Judged) -> Vec<&str> {
    match judged {
        Judged::Problems(found) => found.iter().map(|(rule, _)| rule.as_str()).collect(),
        _ => vec![],
    }
}

fn flip_last_byte(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(file, bytes).unwrap();
}

fn a_an_entry_edited_on_disk_is_exposed_by_every_verifier(backend: Backend) {
    let (night, _) = logged_election(backend);
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The operator edits entry 255 in the file the log's readers are served.
    let mut bundle = night.read("tile/entries/000").unwrap();
    *bundle.last_mut().unwrap() ^= 1;
    night.overwrite("tile/entries/000", &bundle);
    let served = night.stored_url();
    citizen
        .run(&["inclusion", "--index", "255", "--log", &served])
        .expect(
            2,
            &[
                "LOG VERIFICATION FAILED",
                "entry 255 does not match the log's signed checkpoint",
            ],
        );
    citizen.run(&["audit", "-q", "--log", &served]).expect(
        2,
        &[
            "the entries the log serves do not match its signed checkpoint",
            "tile/entries/000",
        ],
    );
}

fn b_a_truncated_log_re_signed_is_a_rollback_no_witness_cosigns(backend: Backend) {
    let (night, size) = logged_election(backend);
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The operator drops the last 10 entries and signs the shorter tree with the log's key.
    let shorter = size - 10;
    let entries = night.entries();
    let truncated = operator::sign(
        &night.log_dir(),
        shorter,
        operator::root_of(&entries[..shorter as usize]),
    );
    // No witness cosigns it: each has cosigned the longer tree.
    for (w, answer) in offer_to_witnesses(&night, shorter, &truncated) {
        assert_eq!(answer.status, 409, "{}: {answer:?}", w.name);
        assert!(answer.body.contains(&size.to_string()), "{answer:?}");
    }
    let served = serve_checkpoint(&night, "truncated", &truncated);
    // A citizen who saw the longer tree is shown the rollback, with both signed checkpoints —
    // as an older view, not as evidence: a stale mirror serves older, genuine views too.
    let seen_longer = citizen.run(&["checkpoint", "--log", path(&served)]);
    assert_proves(
        &seen_longer,
        &[
            "ROLLBACK",
            &format!("a checkpoint of size {shorter}, smaller than the checkpoint of size {size}"),
        ],
        &truncated,
    );
    assert!(!seen_longer.text().contains("evidence that it misbehaved"));
    // A citizen who never saw the longer tree still refuses it: no witness cosigned it.
    night
        .verifier()
        .run(&["checkpoint", "--log", path(&served)])
        .expect(2, &["the witness quorum is not met", "no witness it knows"]);
}

fn c_a_fork_is_refused_by_the_witnesses_and_reported_with_both_checkpoints(backend: Backend) {
    let (night, size) = logged_election(backend);
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The operator rewrites entry 3 and signs that history, of the same size, for some.
    let mut entries = night.entries();
    entries[3][20] ^= 1;
    let fork = operator::sign(&night.log_dir(), size, operator::root_of(&entries));
    for (w, answer) in offer_to_witnesses(&night, size, &fork) {
        assert_eq!(answer.status, 422, "{}: {answer:?}", w.name);
        let evidence = witness(&["evidence", path(&w.dir)]);
        evidence.expect(
            0,
            &["1 record(s)", "--- checkpoint this witness had cosigned"],
        );
        assert!(
            evidence
                .stdout
                .contains(String::from_utf8_lossy(&fork).as_ref())
        );
    }
    let served = serve_checkpoint(&night, "fork", &fork);
    assert_proves(
        &citizen.run(&["checkpoint", "--log", path(&served)]),
        &[
            "FORK",
            &format!("two different trees of the same size {size}"),
        ],
        &fork,
    );
    // The honest branch still verifies for the same citizen.
    citizen
        .run(&["checkpoint"])
        .expect(0, &["the same tree this verifier accepted last time"]);
}

/// A key enrolled with `role` and scope `everything`, signed by `signer` at `time`.
fn revocation(signer: &ed25519_dalek::SigningKey, key: u8, time: u64) -> election::Record {
    let body = Body::KeyRevocation(KeyRevocation {
        key: ed25519_key(key).verifying_key().to_bytes(),
        effective: time,
        reason: "workstation stolen".into(),
    });
    election::Record::sign(ELECTION, time, body, signer)
}

/// How many entries of the log are records (not the log's own checkpoint records).
fn records_in_log(night: &ElectionNight) -> usize {
    let entries = night.entries();
    entries.iter().filter(|e| !is_log_checkpoint(e)).count()
}

fn d_records_signed_by_unenrolled_or_revoked_keys_are_refused_at_the_door(backend: Backend) {
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let operator_key = ed25519_key(1);
    let now = unix_now();
    // Never enrolled: refused, and nothing is logged.
    let refused = night.submit(
        &enrollment(&operator_key, 2, Role::FinanceOffice, now),
        false,
    );
    assert_refused(refused, 403, "not-authorized", "was never enrolled");
    // Enrolled by the root: its records are accepted…
    let op = Role::CecOperator;
    night
        .submit(&enrollment(root.signing_key(), 1, op, now), false)
        .unwrap();
    night
        .submit(
            &enrollment(&operator_key, 2, Role::FinanceOffice, now),
            false,
        )
        .unwrap();
    // …until the root revokes it.
    night
        .submit(&revocation(root.signing_key(), 1, now), true)
        .unwrap();
    let refused = night.submit(
        &enrollment(&operator_key, 3, Role::FinanceOffice, now),
        false,
    );
    assert_refused(refused, 403, "not-authorized", "revoked");
    night.wait_settled();
    assert_eq!(
        records_in_log(&night),
        3,
        "the refused records took no place in the log"
    );
}

fn m_a_revoked_key_backdating_is_refused_and_if_logged_anyway_the_audit_reports_it(
    backend: Backend,
) {
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let now = unix_now();
    night
        .submit(
            &enrollment(root.signing_key(), 1, Role::CecOperator, now - 600),
            false,
        )
        .unwrap();
    // The CEC revokes the stolen operator key, effective from now.
    night
        .submit(&revocation(root.signing_key(), 1, now), true)
        .unwrap();
    // The thief signs an enrollment dated ten minutes before the revocation.
    let backdated = enrollment(&ed25519_key(1), 5, Role::FinanceOffice, now - 600);
    let refused = night.submit(&backdated, false);
    assert_refused(refused, 403, "not-authorized", "revoked earlier in the log");
    // Nobody but the log appends its checkpoint records: a replayed one is refused.
    night.wait_settled();
    let logged = night.entries().pop().unwrap();
    assert!(is_log_checkpoint(&logged));
    let replayed = election::Record::from_bytes(&logged).unwrap();
    assert_refused(
        night.submit(&replayed, false),
        403,
        "not-authorized",
        "appended by the log itself",
    );
    // An insider logs it anyway, past the gate; the witnesses cosign the longer log.
    insider_logs(&night, &backdated);
    night
        .verifier()
        .run(&["audit", "-q", "--log", path(&night.public())])
        .expect(
            1,
            &[
                "[signer.authorized]",
                "was revoked earlier in the log; nothing it signs is admitted after its revocation",
            ],
        );
    let judged = the_browser_agrees(&night, &night.public(), None, false);
    assert_eq!(rules_of(&judged), ["signer.authorized"]);
}

fn n_a_revoked_key_is_never_enrolled_again(backend: Backend) {
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let now = unix_now();
    let finance = Role::FinanceOffice;
    night
        .submit(&enrollment(root.signing_key(), 7, finance, now), false)
        .unwrap();
    night
        .submit(&revocation(root.signing_key(), 7, now), false)
        .unwrap();
    let again = night.submit(&enrollment(root.signing_key(), 7, finance, now + 1), false);
    assert_refused(
        again,
        403,
        "not-authorized",
        "a revoked key is never enrolled again",
    );
}

fn o_an_operator_key_cannot_enroll_another_operator_key(backend: Backend) {
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let now = unix_now();
    let op = Role::CecOperator;
    night
        .submit(&enrollment(root.signing_key(), 1, op, now), false)
        .unwrap();
    let second = night.submit(&enrollment(&ed25519_key(1), 2, op, now), false);
    assert_refused(
        second,
        403,
        "not-authorized",
        "only the CEC root key may enroll a CEC operator key",
    );
    // The root may.
    night
        .submit(&enrollment(root.signing_key(), 2, op, now), false)
        .unwrap();
}

fn p_records_dated_far_ahead_or_older_than_the_offline_lag_are_refused(backend: Backend) {
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let now = unix_now();
    let finance = Role::FinanceOffice;
    for (time, phrase) in [
        (now + 24 * 3600, "more than 5 min ahead"),
        (now - 73 * 3600, "older than the offline lag allows"),
    ] {
        let refused = night.submit(&enrollment(root.signing_key(), 9, finance, time), false);
        assert_refused(refused, 400, "time-out-of-window", phrase);
        // The message gives both times: the record's and the ledger's clock.
        let refused = night.submit(&enrollment(root.signing_key(), 9, finance, time), false);
        let claimed = tlog::time::rfc3339(time);
        assert_refused(refused, 400, "time-out-of-window", &claimed);
    }
    // Signed offline six hours ago: admitted.
    night
        .submit(
            &enrollment(root.signing_key(), 9, finance, now - 6 * 3600),
            false,
        )
        .unwrap();
}

fn filed(number: &str, time: u64, office: &ed25519_dalek::SigningKey) -> election::Record {
    let body = Body::ComplaintFiled(ComplaintFiled {
        complaint: number.into(),
        filed_with: "ЦИК / БШК".into(),
        category: ComplaintCategory::Counting,
        precinct: None,
        subject: "counting".into(),
        documents: vec![],
    });
    election::Record::sign(ELECTION, time, body, office)
}

fn decided(number: &str, time: u64, office: &ed25519_dalek::SigningKey) -> election::Record {
    let body = Body::ComplaintDecision(ComplaintDecision {
        complaint: number.into(),
        decided_by: Decider::Commission,
        decider_name: "ЦИК / БШК".into(),
        outcome: Outcome::Rejected,
        documents: vec![],
    });
    election::Record::sign(ELECTION, time, body, office)
}

fn l_q_late_decisions_are_found_on_witnessed_time_even_when_backdated(backend: Backend) {
    // A complaints office files two complaints; the law's deadline here is 3 seconds.
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let office = ed25519_key(20);
    let now = unix_now();
    night
        .submit(
            &enrollment(root.signing_key(), 20, Role::ComplaintsOffice, now),
            false,
        )
        .unwrap();
    night.submit(&filed("L-1", now, &office), false).unwrap();
    night.submit(&filed("Q-1", now, &office), true).unwrap();
    let filed_by = night.wait_settled();
    // Both filings were witnessed by now. Time passes (the witnesses' clocks are this
    // machine's): more than the deadline.
    let witnessed = unix_now();
    while unix_now() < witnessed + 5 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The log is busy meanwhile: the witnesses see a tree without either decision.
    night
        .submit(
            &enrollment(root.signing_key(), 21, Role::FinanceOffice, unix_now()),
            true,
        )
        .unwrap();
    night.wait_settled();
    // (l) decided late, honestly dated; (q) decided late, backdated by its signer to one
    // second after the filing — the claimed times say "on time", the witnesses do not.
    night
        .submit(&decided("L-1", unix_now(), &office), false)
        .unwrap();
    night
        .submit(&decided("Q-1", now + 1, &office), true)
        .unwrap();
    night.wait_settled();
    assert!(night.published().size > filed_by.size);
    let audit = night
        .verifier()
        .run(&["audit", "-q", "--complaint-deadline", "3"]);
    audit.expect(
        1,
        &[
            "findings: 2 under 1 rule(s)",
            "[complaint.deadline]",
            "complaint L-1 was decided no earlier than",
            "complaint Q-1 was decided no earlier than",
        ],
    );
    let judged = the_browser_agrees(&night, &night.public(), Some(3), false);
    assert_eq!(
        rules_of(&judged),
        ["complaint.deadline", "complaint.deadline"]
    );
    // Under the law's three days, both are in time.
    night
        .verifier()
        .run(&["audit", "-q"])
        .expect(0, &["findings: none"]);
}

fn r_a_far_future_time_makes_no_complaint_overdue(backend: Backend) {
    let night = ElectionNight::start_on(backend);
    let root = night.root_key();
    let office = ed25519_key(20);
    let now = unix_now();
    night
        .submit(
            &enrollment(root.signing_key(), 20, Role::ComplaintsOffice, now),
            false,
        )
        .unwrap();
    night.submit(&filed("R-1", now, &office), true).unwrap();
    // A signer whose clock says next month: refused at the door…
    let far_future = filed("R-2", now + 30 * 86_400, &office);
    assert_refused(
        night.submit(&far_future, false),
        400,
        "time-out-of-window",
        "ahead",
    );
    // …and logged anyway by an insider: the audit reports that record, and the undecided
    // complaint is still not overdue (the audit's "now" is the witnesses', not the device's).
    night.wait_settled();
    insider_logs(&night, &far_future);
    let audit = night
        .verifier()
        .run(&["audit", "-q", "--log", path(&night.public())]);
    audit.expect(
        1,
        &[
            "[record.time]",
            "more than 5 min ahead of when it was logged",
        ],
    );
    assert!(
        !audit.text().contains("[complaint.deadline]"),
        "{}",
        audit.text()
    );
    let judged = the_browser_agrees(&night, &night.public(), None, false);
    assert_eq!(rules_of(&judged), ["record.time"]);
}

fn s_a_tampered_tile_from_a_mirror_is_damage_not_a_fork(backend: Backend) {
    let (night, _) = logged_election(backend);
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // The honest log grows past the next full tile (another simulated batch of records); a
    // mirror copies it and damages one hash tile — each hash tile in turn, full and partial,
    // each shown to a citizen who remembers the tree before the growth. (A tile the proof
    // reads but the new tree's right edge does not is what once made damage look like a fork.)
    let records_before = night
        .entries()
        .iter()
        .filter(|e| !is_log_checkpoint(e))
        .count() as u64;
    let root_key = night.log_dir().join("root.key");
    let more = shailoo_e2e::system::demo(&[
        "simulate",
        "--url",
        night.url(),
        "--root-key",
        path(&root_key),
        "--precincts",
        "20",
        "--seed",
        "31",
    ]);
    more.expect(0, &["records accepted"]);
    let accepted = shailoo_e2e::system::count_before(&more.stdout, " records accepted");
    night.wait_records_published(records_before + accepted);
    let grown = night.wait_settled();
    assert!(grown.size > 512, "grown to {}", grown.size);
    let public = night.public();
    let mut hash_tiles = Vec::new();
    collect_files(&public.join("tile"), &mut hash_tiles);
    hash_tiles.retain(|p| !p.to_string_lossy().contains("/entries/"));
    let mut damaged = 0;
    for (n, tile) in hash_tiles.iter().enumerate() {
        let mirror = night.file(&format!("mirror-{n}"));
        copy_tree(&public, &mirror);
        let relative = tile.strip_prefix(&public).unwrap();
        flip_last_byte(&mirror.join(relative));
        let run = citizen.copy().run(&["checkpoint", "--log", path(&mirror)]);
        assert!(
            !run.text().contains("FORK"),
            "{}: {}",
            relative.display(),
            run.text()
        );
        if run.code != 0 {
            run.expect(
                2,
                &[
                    "the log's files are damaged or tampered",
                    "no fork or rollback is claimed",
                ],
            );
            damaged += 1;
        }
    }
    assert!(damaged > 0, "no tile of {hash_tiles:?} was used");
    // Nothing was kept from the mirrors: the honest log still extends what was accepted.
    citizen
        .run(&["checkpoint"])
        .expect(0, &["consistent with the checkpoint of size"]);
}

/// Every file below `dir`.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn t_a_checkpoint_of_another_key_with_the_same_origin_is_not_this_log(backend: Backend) {
    let (night, _) = logged_election(backend);
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &["OK"]);
    // Another log under the same origin, with its own key (a second `demo`, or an
    // impostor): its checkpoint of size 0.
    let other = night.file("other-log");
    let init =
        shailoo_e2e::system::ledger(&["init", path(&other), "--origin", shailoo_e2e::ORIGIN]);
    init.expect(0, &[]);
    let other_vkey = init.stdout.trim().lines().last().unwrap().to_string();
    let served = other.join("public");
    let run = citizen.run(&["checkpoint", "--log", path(&served)]);
    run.expect(2, &["no valid signature by the key your policy trusts"]);
    assert!(!run.text().contains("FORK") && !run.text().contains("ROLLBACK"));
    // A verifier that trusts the other log, sharing this one's memory, starts afresh for it:
    // no false ROLLBACK from the real log's larger tree of the same origin.
    let policy = night.file("other.policy");
    std::fs::write(&policy, format!("log {other_vkey}\nquorum none\n")).unwrap();
    citizen
        .with_policy(&policy)
        .run(&["checkpoint", "--log", path(&served)])
        .expect(0, &["first checkpoint this verifier has seen for this log"]);
    // And the real log is still remembered as it was.
    citizen
        .run(&["checkpoint"])
        .expect(0, &["the same tree this verifier accepted last time"]);
}

/// An insider appends `record` to the log's files past the gate, and the running witnesses
/// cosign the longer log (it extends what they cosigned). Readers of the files (`verifier
/// --log DIR`, a mirror, a CDN) see it; the running ledger does not know.
fn insider_logs(night: &ElectionNight, record: &election::Record) {
    let urls: Vec<&str> = night
        .witnesses
        .iter()
        .filter_map(|w| w.daemon.as_ref().map(|d| d.url.as_str()))
        .collect();
    operator::append_directly(night, &urls, &[record.to_bytes()]);
}

fn e_a_scan_replaced_after_it_was_logged_no_longer_matches(backend: Backend) {
    let (night, _) = logged_election(backend);
    let citizen = night.verifier();
    let index: serde_json::Value =
        serde_json::from_slice(&night.get("api/v1/records?kind=protocol&limit=2")).unwrap();
    let [first, second] = [&index["records"][0], &index["records"][1]];
    let precinct = first["precinct"].as_u64().unwrap().to_string();
    let hash = scan_hash(&citizen.protocol(&precinct, None));
    // The operator swaps the stored scan for another precinct's.
    let other = second["precinct"].as_u64().unwrap().to_string();
    let other_hash = scan_hash(&citizen.protocol(&other, None));
    assert_ne!(hash, other_hash, "two precincts, two scans");
    let swapped = night.read(&format!("blob/{other_hash}")).unwrap();
    night.overwrite(&format!("blob/{hash}"), &swapped);

    // The ledger itself hashes what it serves: it refuses to serve the swapped bytes.
    let served = shailoo_e2e::system::block_on(async {
        reqwest::get(format!("{}/blob/{hash}", night.url()))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(
        served, 500,
        "the swapped scan is not served as the document"
    );
    // A mirror of the files (or an operator's modified server) serves them: every citizen's
    // check of the documents finds it.
    let mirror = night.public();
    citizen
        .run(&["audit", "--documents", "-q", "--log", path(&mirror)])
        .expect(
            1,
            &[
                "1 do not match their records",
                &format!("document {hash} does not match"),
            ],
        );
    let downloaded = night.file("scan.svg");
    std::fs::write(&downloaded, night.read(&format!("blob/{hash}")).unwrap()).unwrap();
    citizen.protocol(&precinct, Some(&downloaded)).expect(
        1,
        &[
            "document: PROBLEM",
            "does not match any document the record references",
        ],
    );
    let judged = the_browser_agrees(&night, &night.public(), None, true);
    assert_eq!(rules_of(&judged), ["document"]);
}

fn d_f_g_h_i_election_anomalies_are_refused_or_found_by_the_audit(backend: Backend) {
    let night = ElectionNight::start_on(backend);
    let anomalies = [
        "unenrolled-signer",
        "urn-mismatch",
        "ballot-stuffing",
        "wrong-final-total",
        "unauthorized-annulment",
    ];
    let simulated = night.simulate(30, &anomalies);
    // (d) and (i): the ledger refuses them at the door, with the reason.
    simulated.run.expect(
        0,
        &[
            "refused protocol: 403 not-authorized: key",
            "was never enrolled",
            "refused annulment: 403 not-authorized: only the CEC's keys may annul results",
        ],
    );
    // (f), (g), (h): logged, and found by the citizen's audit, each under its rule. ((l) is
    // judged on witnessed time: `l_q_late_decisions_are_found_on_witnessed_time…`.)
    let audit = night.verifier().run(&["audit", "-q"]);
    audit.expect(
        1,
        &[
            "findings: 4 under 3 rule(s)",
            "[urn.matches-protocol]",
            "[ballots.within-identified]",
            "[final.matches-tally]",
            "the log is intact, but the election records have the problems listed above",
        ],
    );
    assert!(
        !audit.text().contains("[annulment.by-cec]"),
        "refused, so never logged"
    );
    let judged = the_browser_agrees(&night, &night.public(), None, false);
    assert_eq!(
        rules_of(&judged).len(),
        4,
        "the browser finds the same four: {judged:?}"
    );
}

fn j_a_stolen_witness_key_alone_cannot_make_a_fork_acceptable(backend: Backend) {
    let (night, size) = logged_election(backend);
    let mut entries = night.entries();
    entries[0][30] ^= 1;
    let fork = operator::sign(&night.log_dir(), size, operator::root_of(&entries));
    let stolen = ledger::logdir::load_key(&night.witnesses[0].dir.join("witness.key")).unwrap();
    let cosigned = operator::cosign(&fork, &stolen);
    let served = serve_checkpoint(&night, "fork", &cosigned);
    night
        .verifier()
        .run(&["checkpoint", "--log", path(&served)])
        .expect(
            2,
            &[
                "the witness quorum is not met",
                "your policy needs \"observers\", but only 1 cosigned it",
            ],
        );
    // Every witness node refuses the fork (the robbed one's too) and keeps it.
    for (w, answer) in offer_to_witnesses(&night, size, &fork) {
        assert_eq!(answer.status, 422, "{}: {answer:?}", w.name);
        witness(&["evidence", path(&w.dir)]).expect(0, &["1 record(s)"]);
    }
}

/// The day Ed25519 falls (or every witness's Ed25519 key leaks): an insider signs a fork with
/// the log's key and "cosigns" it with the Ed25519 keys of observer-1 (which also holds an
/// ML-DSA-44 key) and observer-3 (Ed25519 only). A citizen whose policy counts either kind is
/// fooled — which is why an election's policy should require ML-DSA-44 cosignatures — and one
/// whose policy names only the observers' ML-DSA-44 keys refuses the fork; the witnesses
/// themselves refuse it and keep it as evidence, as for any fork.
fn x_with_ed25519_broken_a_post_quantum_policy_still_refuses_a_fork(backend: Backend) {
    let (night, size) = logged_election(backend);
    let mut entries = night.entries();
    entries[0][30] ^= 1;
    let fork = operator::sign(&night.log_dir(), size, operator::root_of(&entries));
    let mut forged = fork.clone();
    for n in [0, 2] {
        let key = night.witnesses[n].dir.join("witness.key");
        forged = operator::cosign(&forged, &ledger::logdir::load_key(&key).unwrap());
    }
    let served = serve_checkpoint(&night, "fork-ed25519", &forged);

    // Counting Ed25519 cosignatures, the quorum (2 of 3) is met: the policy that every
    // verifier applies (`Policy::verify_checkpoint`) accepts the fork's checkpoint, and only an
    // operator who also served the forked tiles is needed to fool such a citizen.
    let classical = std::fs::read_to_string(&night.policy).unwrap();
    let classical = tlog::policy::Policy::parse_with_extensions(&classical, &["root"]).unwrap();
    let fooled = classical
        .verify_checkpoint(&forged)
        .expect("the quorum looks met");
    assert_eq!(
        classical.witness_count(
            &fooled
                .cosigners
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
        ),
        2
    );

    // The observers' post-quantum policy: the log, the ML-DSA-44 keys of observer-1 and
    // observer-2, both required.
    let pq_keys: Vec<(String, String)> = night
        .witnesses
        .iter()
        .flat_map(|w| w.vkeys.iter().map(move |v| (w.name.clone(), v.clone())))
        .filter(|(_, v)| {
            tlog::cosigner::CosignerKey::parse(v).unwrap().alg() == tlog::ml_dsa::ALG_ML_DSA_44
        })
        .collect();
    assert_eq!(
        pq_keys.len(),
        2,
        "observer-1 and observer-2 hold ML-DSA-44 keys"
    );
    let mut text = format!("log {} {}\n", night.log_vkey, night.url());
    for (name, vkey) in &pq_keys {
        text.push_str(&format!("witness {name}-pq {vkey}\n"));
    }
    text.push_str("group post-quantum all observer-1-pq observer-2-pq\nquorum post-quantum\n");
    text.push_str(&format!("root {}\n", night.root_vkey));
    let pq_policy = night.file("post-quantum-policy");
    std::fs::write(&pq_policy, text).unwrap();
    let careful = shailoo_e2e::system::Verifier::new(&pq_policy);
    careful.run(&["checkpoint", "--log", path(&served)]).expect(
        2,
        &[
            "the witness quorum is not met",
            "your policy needs \"post-quantum\", but no witness it knows cosigned it",
        ],
    );
    // The honest log satisfies it: both observers' ML-DSA-44 cosignatures are on it.
    careful.run(&["checkpoint"]).expect(
        0,
        &["cosigned by 2 witness(es) (observer-1-pq, observer-2-pq)"],
    );
    // Every witness node refuses the fork and keeps it.
    for (w, answer) in offer_to_witnesses(&night, size, &fork) {
        assert_eq!(answer.status, 422, "{}: {answer:?}", w.name);
        witness(&["evidence", path(&w.dir)]).expect(0, &["1 record(s)"]);
    }
}

fn k_with_a_witness_down_the_log_publishes_with_the_quorum_left(backend: Backend) {
    let (mut night, size) = logged_election(backend);
    let root = night.root_key();
    let record = |n: u8| enrollment(root.signing_key(), n, Role::FinanceOffice, unix_now());
    let citizen = night.verifier();
    citizen.run(&["checkpoint"]).expect(0, &[]);

    night.kill_witness(2);
    let a = night
        .submit(&record(1), true)
        .expect("published with 2 of 3");
    assert_eq!(a.index, size);
    let after_a = night.wait_settled().size;
    citizen.run(&["checkpoint"]).expect(
        0,
        &[
            "cosigned by 2 witness(es) (observer-1-ed25519, observer-1-ml-dsa-44, observer-2)",
            &format!("consistent with the checkpoint of size {size}"),
        ],
    );
    let judged = the_browser_agrees(&night, &night.public(), None, false);
    assert_eq!(judged, Judged::Clean, "2 of 3 is the quorum");

    // Two down: the record is sequenced, but nothing below the quorum is published…
    night.kill_witness(1);
    let b = night.submit(&record(2), false).unwrap();
    let refused = shailoo::client::LedgerClient::new(night.url());
    let waited =
        shailoo_e2e::system::block_on(refused.get(&format!("api/v1/bundle/{}?wait=3", b.index)));
    assert!(
        matches!(waited, Err(ClientError::Refused(ref r)) if r.code == "not-published"),
        "{waited:?}"
    );
    citizen
        .run(&["checkpoint"])
        .expect(0, &["the same tree this verifier accepted last time"]);
    // Its tiles are not served before a checkpoint covers them (they could change in a crash).
    let unpublished = tlog::tile::Tile::at_tree_size(0, b.index / 256, b.index + 1).unwrap();
    let tile = shailoo_e2e::system::block_on(refused.get(&unpublished.path()));
    assert!(
        matches!(tile, Err(ClientError::Refused(ref r)) if r.code == "not-published"),
        "{tile:?}"
    );
    // …and a checkpoint with a single cosignature is refused by every verifier.
    let published = night.read("checkpoint").unwrap();
    let mut note = tlog::note::Note::parse(&published).unwrap();
    note.signatures.truncate(2); // the log's signature and one cosignature
    let served = serve_checkpoint(&night, "one-cosignature", &note.to_bytes());
    night
        .verifier()
        .run(&["checkpoint", "--log", path(&served)])
        .expect(
            2,
            &["the witness quorum is not met", "but only 1 cosigned it"],
        );
    let judged = the_browser_agrees(&night, &served, None, false);
    assert_eq!(judged, Judged::LogFailed("quorum"));

    // A witness comes back: publication resumes by itself.
    night.restart_witness(1);
    night.wait_published(b.index + 1);
    citizen.run(&["checkpoint"]).expect(
        0,
        &[&format!("consistent with the checkpoint of size {after_a}")],
    );
}

fn control_a_clean_election_has_no_findings_and_no_evidence(backend: Backend) {
    // The control for the table: the same checks on an honest log find nothing.
    let (night, size) = logged_election(backend);
    night
        .verifier()
        .run(&["audit", "--documents", "-q"])
        .expect(
            0,
            &[
                &format!("checkpoint: {size} entries"),
                "findings: none",
                "the log is intact, and the election records passed every check",
            ],
        );
    for w in &night.witnesses {
        witness(&["evidence", path(&w.dir)]).expect(0, &["no evidence"]);
    }
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, ClientError>,
    status: u16,
    code: &str,
    message: &str,
) {
    match result {
        Err(ClientError::Refused(r)) => {
            assert_eq!((r.status, r.code.as_str()), (status, code), "{r}");
            assert!(r.message.contains(message), "{r}");
        }
        other => panic!("expected a {status} {code} refusal, got {other:?}"),
    }
}

/// A hostile witness on `address` (a witness's, freed by killing it), serving until the test
/// ends. What it does with each request is the returned switch: [`SILENT`] reads the request
/// and never answers; [`ENDLESS`] answers 200 and sends bytes without end.
fn hostile_witness(address: &str) -> std::sync::Arc<std::sync::atomic::AtomicU8> {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = bind_retrying(address);
    let behaviour = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(SILENT));
    let switch = behaviour.clone();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let endless = behaviour.load(Ordering::SeqCst) == ENDLESS;
            std::thread::spawn(move || {
                let _ = socket.read(&mut [0u8; 4096]);
                if endless {
                    let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n";
                    let _ = socket.write_all(head);
                    while socket.write_all(&[b'x'; 4096]).is_ok() {}
                } else {
                    // Held open, unanswered, until the ledger gives up on it.
                    let _ = socket.read_to_end(&mut Vec::new());
                }
            });
        }
    });
    switch
}

/// A listener on a killed witness's address, which may be held for a moment after the kill.
fn bind_retrying(address: &str) -> std::net::TcpListener {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match std::net::TcpListener::bind(address) {
            Ok(l) => return l,
            Err(e) if std::time::Instant::now() > deadline => panic!("{address}: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

/// A witness whose answers are held back until the returned sender is dropped: a proxy on
/// `address` (the one the ledger knows) to the real witness at `upstream`.
fn late_witness(address: &str, upstream: String) -> std::sync::mpsc::Sender<()> {
    use std::io::{Read, Write};
    let listener = bind_retrying(address);
    let (hold, held) = std::sync::mpsc::channel::<()>();
    let released = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let waker = released.clone();
    std::thread::spawn(move || {
        let _ = held.recv(); // returns once the sender is dropped
        *waker.0.lock().unwrap() = true;
        waker.1.notify_all();
    });
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            let (mut from_client, mut to_server) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || std::io::copy(&mut from_client, &mut to_server));
            let (mut from_server, mut to_client) = (server, client);
            let released = released.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 16 * 1024];
                while let Ok(n @ 1..) = from_server.read(&mut buffer) {
                    let (lock, wake) = &*released;
                    let _free = wake
                        .wait_while(lock.lock().unwrap(), |free| !*free)
                        .unwrap();
                    if to_client.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    hold
}

/// The cosignatures on the checkpoint the log publishes now.
fn published_cosignatures(night: &ElectionNight) -> usize {
    let text = String::from_utf8(night.read("checkpoint").unwrap()).unwrap();
    // The log's own signature, then one line per witness key (observer-1 has two).
    text.lines().filter(|l| l.starts_with("— ")).count() - 1
}

fn w_a_late_witness_is_added_to_the_published_checkpoint_once_it_answers(backend: Backend) {
    use std::time::{Duration, Instant};
    let (mut night, _) = logged_election(backend);
    let root = night.root_key();
    let upstream = night.move_witness(2);
    let hold = late_witness(&night.witnesses[2].address.clone(), upstream);
    // Published by the other two while the third's answer is still held back: publication
    // waited for it no longer than the grace.
    let record = enrollment(root.signing_key(), 1, Role::FinanceOffice, unix_now());
    let logged = night
        .submit(&record, true)
        .expect("published with two witnesses");
    // Settled: nothing more is appended, so no new round asks the witness again; only its
    // held answer can now bring its cosignature (within the ledger's 10 s wait for it).
    let settled = night.wait_settled();
    assert!(settled.size > logged.index);
    // observer-1's two lines and observer-2's.
    assert_eq!(published_cosignatures(&night), 3);
    // Once it answers, the same checkpoint is published again, with its cosignature.
    drop(hold);
    let deadline = Instant::now() + Duration::from_secs(30);
    while published_cosignatures(&night) < 4 {
        assert!(
            Instant::now() < deadline,
            "the late cosignature was never published"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(night.published().size, settled.size, "the same checkpoint");
    night.verifier().run(&["checkpoint"]).expect(
        0,
        &["cosigned by 3 witness(es) (observer-1-ed25519, observer-1-ml-dsa-44, observer-2, observer-3)"],
    );
}

const SILENT: u8 = 0;
const ENDLESS: u8 = 1;

fn w_a_slow_or_hostile_witness_delays_no_publication_past_the_others_quorum(backend: Backend) {
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};
    let (mut night, _) = logged_election(backend);
    let root = night.root_key();
    night.kill_witness(2);
    let hostile = hostile_witness(&night.witnesses[2].address.clone());
    for (n, behaviour) in [(1, SILENT), (2, ENDLESS), (3, SILENT)] {
        hostile.store(behaviour, Ordering::SeqCst);
        let record = enrollment(root.signing_key(), n, Role::FinanceOffice, unix_now());
        let started = Instant::now();
        night
            .submit(&record, true)
            .expect("published with the two honest witnesses");
        // Published before the ledger's 10 s timeout for the hostile witness could fire: the
        // quorum did not wait for it.
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(8),
            "record {n}: published after {took:?}"
        );
    }
    night.verifier().run(&["checkpoint"]).expect(
        0,
        &["cosigned by 2 witness(es) (observer-1-ed25519, observer-1-ml-dsa-44, observer-2)"],
    );
}

/// Each row of the table as a test, once per backend.
macro_rules! rows {
    ($($row:ident),* $(,)?) => {
        mod in_a_directory {
            $(#[test] fn $row() { super::$row(super::Backend::Directory) })*
        }
        mod in_a_bucket {
            $(#[test] fn $row() { super::$row(super::Backend::Bucket) })*
        }
    };
}

rows!(
    a_an_entry_edited_on_disk_is_exposed_by_every_verifier,
    b_a_truncated_log_re_signed_is_a_rollback_no_witness_cosigns,
    c_a_fork_is_refused_by_the_witnesses_and_reported_with_both_checkpoints,
    d_records_signed_by_unenrolled_or_revoked_keys_are_refused_at_the_door,
    d_f_g_h_i_election_anomalies_are_refused_or_found_by_the_audit,
    e_a_scan_replaced_after_it_was_logged_no_longer_matches,
    j_a_stolen_witness_key_alone_cannot_make_a_fork_acceptable,
    k_with_a_witness_down_the_log_publishes_with_the_quorum_left,
    l_q_late_decisions_are_found_on_witnessed_time_even_when_backdated,
    m_a_revoked_key_backdating_is_refused_and_if_logged_anyway_the_audit_reports_it,
    n_a_revoked_key_is_never_enrolled_again,
    o_an_operator_key_cannot_enroll_another_operator_key,
    p_records_dated_far_ahead_or_older_than_the_offline_lag_are_refused,
    r_a_far_future_time_makes_no_complaint_overdue,
    s_a_tampered_tile_from_a_mirror_is_damage_not_a_fork,
    t_a_checkpoint_of_another_key_with_the_same_origin_is_not_this_log,
    w_a_late_witness_is_added_to_the_published_checkpoint_once_it_answers,
    w_a_slow_or_hostile_witness_delays_no_publication_past_the_others_quorum,
    x_with_ed25519_broken_a_post_quantum_policy_still_refuses_a_fork,
    control_a_clean_election_has_no_findings_and_no_evidence,
);
