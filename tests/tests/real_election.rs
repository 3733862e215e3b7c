//! An election run with no generator at all, as the CEC, its commissions and its devices run
//! one (README.md, "Run a real election"): every file in `examples/` goes through `shailoo`
//! into a real `ledger` process and comes out clean of `verifier audit --documents`.
//!
//! Keys are made with `shailoo keygen` (sealed with a passphrase); the election is defined
//! from the CEC's JSON and CSV files; keys are enrolled from a CSV list; every record is signed
//! offline by the key whose role signs it, then submitted through an outbox — and halfway the
//! ledger is stopped, a submission waits it out, and the ledger comes back on its address.
//! Every receipt is then verified offline against the observers' policy.

use shailoo_e2e::system::path;
use shailoo_e2e::{Daemon, Run, Verifier, binaries, temp_dir};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSPHRASE: &str = "the commission's own passphrase";
const ELECTION: &str = "2027-04-06-local";

/// The keys this election needs, in the order of the rows of `examples/keys.csv` (then the
/// root, and the key `examples/key-enrollment.json` enrolls).
const ENROLLED: [&str; 10] = [
    "operator",
    "tik-1",
    "uik-1001",
    "uik-1002",
    "uik-1003",
    "uik-1004",
    "urn-1001",
    "id-1001",
    "complaints",
    "finance",
];

/// The CEC's and the commissions' desks: one directory, the keys made in it.
struct Desk {
    dir: PathBuf,
    vkeys: HashMap<String, String>,
}

impl Desk {
    /// `shailoo ARGS` here, the passphrase typed in (`SHAILOO_PASSPHRASE`), the outbox its own.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&binaries().shailoo);
        command
            .current_dir(&self.dir)
            .args(args)
            .env("SHAILOO_PASSPHRASE", PASSPHRASE)
            .env("XDG_STATE_HOME", self.dir.join("state"))
            .stdin(Stdio::null());
        command
    }

    fn shailoo(&self, args: &[&str]) -> Run {
        Run::of(self.command(args))
    }

    fn keygen(&mut self, name: &str) {
        let made = self.shailoo(&[
            "keygen",
            "--out",
            &format!("{name}.key"),
            "--name",
            &format!("cec.gov.kg/{name}"),
        ]);
        made.expect(0, &["sealed with your passphrase"]);
        self.vkeys
            .insert(name.to_string(), made.last_line().to_string());
    }

    fn hex(&self, name: &str) -> String {
        let vkey = tlog::keys::VerifierKey::parse(&self.vkeys[name]).unwrap();
        hex::encode(vkey.public_key())
    }

    /// Signs the records (JSON forms in `cec/`) with `key`, each with the documents of
    /// `cec/documents/` it references.
    fn sign(&self, key: &str, records: &[&str]) {
        let mut args = vec!["sign".to_string(), "--key".into(), format!("{key}.key")];
        for record in records {
            let text = std::fs::read_to_string(self.dir.join("cec").join(record)).unwrap();
            args.push(format!("cec/{record}"));
            for document in std::fs::read_dir(self.dir.join("cec/documents")).unwrap() {
                let document = document.unwrap().path();
                let sha256 = tlog::hash::sha256(&std::fs::read(&document).unwrap()).to_hex();
                if text.contains(&sha256) {
                    args.extend(["--document".into(), path(&document).to_string()]);
                }
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.shailoo(&args).expect(0, &["signed"]);
    }

    /// `cec/<record>` signed.
    fn signed(&self, record: &str) -> String {
        format!(
            "cec/{}",
            Path::new(record).with_extension("signed").display()
        )
    }

    /// Rewrites `cec/<file>` with `edit`.
    fn edit(&self, file: &str, edit: impl Fn(String) -> String) {
        let path = self.dir.join("cec").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(text)).unwrap();
    }
}

/// `ledger serve LOG --listen LISTEN`, with no witnesses and batches every 100 ms.
fn serve(log: &Path, listen: &str) -> Result<Daemon, String> {
    let mut command = Command::new(&binaries().ledger);
    command.args([
        "serve",
        path(log),
        "--listen",
        listen,
        "--no-witnesses",
        "--batch-ms",
        "100",
    ]);
    Daemon::try_start(command, &log.with_file_name("ledger.log"))
}

#[test]
fn an_election_with_no_generator_runs_from_the_cec_files_to_a_clean_audit() {
    let temp = temp_dir("real-election");
    let mut desk = Desk {
        dir: temp.path().to_path_buf(),
        vkeys: HashMap::new(),
    };
    shailoo_e2e::system::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"),
        &desk.dir.join("cec"),
    );

    // The key ceremony: each key made where it is used, sealed; the root's public half pins
    // the log.
    for name in ["root", "tik-2"].iter().chain(ENROLLED.iter()) {
        desk.keygen(name);
    }
    let log = desk.dir.join("log");
    let origin = format!("shailoo.gov.kg/ledger/{ELECTION}");
    let init = shailoo_e2e::system::ledger(&[
        "init",
        path(&log),
        "--origin",
        &origin,
        "--root-vkey",
        &desk.vkeys["root"],
    ]);
    init.expect(0, &[]);
    let log_vkey = init.last_line().to_string();

    // The CEC's files, with the keys made above in place of the examples' own.
    let rows = ENROLLED.map(|name| desk.vkeys[name].clone());
    desk.edit("keys.csv", |text| {
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        for (line, vkey) in lines.zip(&rows) {
            let rest = line.split_once(',').unwrap().1;
            out.push_str(&format!("{vkey},{rest}\n"));
        }
        out
    });
    let example_key = |file: &str| {
        let text = std::fs::read_to_string(desk.dir.join("cec").join(file)).unwrap();
        let record: serde_json::Value = serde_json::from_str(&text).unwrap();
        record["body"]["key"].as_str().unwrap().to_string()
    };
    let (enrolled, revoked) = (
        example_key("key-enrollment.json"),
        example_key("key-revocation.json"),
    );
    let (tik2, id1001) = (desk.hex("tik-2"), desk.hex("id-1001"));
    desk.edit("key-enrollment.json", |t| t.replace(&enrolled, &tik2));
    desk.edit("key-revocation.json", |t| t.replace(&revoked, &id1001));

    // Offline, on the root's machine: the definition and registry, and the enrollments.
    desk.shailoo(&[
        "define",
        "--definition",
        "cec/election.json",
        "--precincts",
        "cec/precincts.csv",
        "--out",
        "setup",
    ])
    .expect(
        0,
        &["4 precincts, 4950 registered voters, in 1 registry part(s)"],
    );
    desk.shailoo(&[
        "sign",
        "--key",
        "root.key",
        "setup/00-election-definition.json",
        "setup/01-precinct-registry-000.json",
    ])
    .expect(
        0,
        &["signed election-definition", "signed precinct-registry"],
    );
    desk.shailoo(&[
        "enroll",
        "--key",
        "root.key",
        "--keys",
        "cec/keys.csv",
        "--election",
        ELECTION,
        "--out",
        "enrollments",
    ])
    .expect(0, &["0010-finance-office.signed"]);
    desk.sign("root", &["key-enrollment.json"]);

    // The ledger comes up; the observers' policy names its key, the root and no witness.
    let ledger = serve(&log, "127.0.0.1:0").unwrap();
    let url = format!("http://{}", ledger.address());
    let policy = desk.dir.join("observers.policy");
    std::fs::write(
        &policy,
        format!(
            "log {log_vkey} {url}\nroot {}\nquorum none\n",
            desk.vkeys["root"]
        ),
    )
    .unwrap();
    let submit = |records: &[String]| {
        let mut args = vec!["submit", "--url", &url, "--policy", path(&policy)];
        args.extend(records.iter().map(String::as_str));
        desk.shailoo(&args)
    };
    let mut setup: Vec<String> = vec![
        "setup/00-election-definition.signed".into(),
        "setup/01-precinct-registry-000.signed".into(),
    ];
    for n in 1..=ENROLLED.len() {
        let role = std::fs::read_dir(desk.dir.join("enrollments"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .find(|f| f.starts_with(&format!("{n:04}-")) && f.ends_with(".signed"))
            .unwrap();
        setup.push(format!("enrollments/{role}"));
    }
    setup.push(desk.signed("key-enrollment.json"));
    submit(&setup).expect(0, &["logged at index"]);

    // Polling day, offline at each desk: each record signed by the key whose role signs it.
    desk.sign("uik-1001", &["protocol-1001.json"]);
    desk.sign("urn-1001", &["urn-result-1001.json"]);
    desk.sign(
        "id-1001",
        &["turnout-1001.json", "identification-report-1001.json"],
    );
    desk.sign("uik-1002", &["protocol-1002.json"]);
    desk.sign("uik-1003", &["protocol-1003.json"]);
    desk.sign("uik-1004", &["protocol-1004.json"]);
    desk.sign("complaints", &["complaint-filed.json"]);
    desk.sign("finance", &["finance-report.json", "bank-statement.json"]);
    desk.sign("operator", &["annulment.json"]);
    let first: Vec<String> = [
        "protocol-1001.json",
        "urn-result-1001.json",
        "turnout-1001.json",
        "identification-report-1001.json",
    ]
    .map(|r| desk.signed(r))
    .into();
    submit(&first).expect(0, &["logged at index"]);

    // The ledger goes down; a submission waits; the ledger comes back on its address.
    let address = ledger.address().to_string();
    assert!(ledger.stop().success());
    let second: Vec<String> = [
        "protocol-1002.json",
        "protocol-1003.json",
        "protocol-1004.json",
        "complaint-filed.json",
        "finance-report.json",
        "bank-statement.json",
        "annulment.json",
    ]
    .map(|r| desk.signed(r))
    .into();
    let mut args = vec![
        "submit",
        "--url",
        &url,
        "--policy",
        path(&policy),
        "--patience",
        "120",
        "--json",
    ];
    args.extend(second.iter().map(String::as_str));
    let mut waiting = desk
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(waiting.stderr.take().unwrap());
    let mut said = String::new();
    stderr.read_line(&mut said).unwrap();
    assert!(said.contains("retrying in"), "{said}");
    let listing = desk.shailoo(&["outbox", "--json"]);
    let listing: serde_json::Value = serde_json::from_str(&listing.stdout).unwrap();
    assert_eq!(listing["waiting"].as_array().unwrap().len(), second.len());
    // Its address is free again; the ledger takes it back (a moment after it was let go).
    let deadline = Instant::now() + Duration::from_secs(30);
    let ledger = loop {
        match serve(&log, &address) {
            Ok(daemon) => break daemon,
            Err(e) if Instant::now() > deadline => panic!("the ledger does not come back: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let delivered = waiting.wait_with_output().unwrap();
    assert!(delivered.status.success(), "exit {:?}", delivered.status);
    assert_eq!(
        String::from_utf8_lossy(&delivered.stdout).lines().count(),
        second.len()
    );

    // The count is corrected after a complaint; the complaint decided; the result announced;
    // the identification device, its work done, lost and revoked.
    let receipt = std::fs::read(desk.dir.join("cec/protocol-1004.signed.receipt")).unwrap();
    let wrong = tlog::bundle::ProofBundle::parse(&receipt).unwrap().index;
    desk.edit("correction-1004.json", |t| {
        t.replace("\"supersedes\": 0", &format!("\"supersedes\": {wrong}"))
    });
    desk.sign(
        "uik-1004",
        &["correction-1004.json", "protocol-1004-corrected.json"],
    );
    desk.sign("complaints", &["complaint-decision.json"]);
    desk.sign("operator", &["final-result.json"]);
    let last: Vec<String> = [
        "correction-1004.json",
        "protocol-1004-corrected.json",
        "complaint-decision.json",
        "final-result.json",
    ]
    .map(|r| desk.signed(r))
    .into();
    submit(&last).expect(0, &["logged at index"]);
    desk.sign("operator", &["key-revocation.json"]);
    submit(&[desk.signed("key-revocation.json")]).expect(0, &["logged at index"]);
    // `shailoo revoke` signs and submits one in a step: the first territorial commission's
    // key, never used, is retired.
    desk.shailoo(&[
        "revoke",
        "--key",
        "operator.key",
        "--revoke",
        &desk.vkeys["tik-1"],
        "--reason",
        "the commission's laptop was replaced",
        "--election",
        ELECTION,
        "--url",
        &url,
    ])
    .expect(0, &["logged at index"]);
    // What the revoked key signs now is refused, whatever time it claims.
    desk.edit("turnout-1001.json", |t| {
        t.replace("\"hour\": 12", "\"hour\": 13")
    });
    std::fs::remove_file(desk.dir.join("cec/turnout-1001.signed")).unwrap();
    desk.sign("id-1001", &["turnout-1001.json"]);
    submit(&[desk.signed("turnout-1001.json")]).expect(1, &["refused"]);

    // Every receipt proves its record offline under the observers' policy.
    let mut receipts = vec![];
    for dir in ["cec", "setup", "enrollments"] {
        for file in std::fs::read_dir(desk.dir.join(dir)).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "receipt") {
                receipts.push(path(&file).to_string());
            }
        }
    }
    receipts.push(format!(
        "revoke-{}.signed.receipt",
        &desk.hex("tik-1")[..16]
    ));
    // Definition, registry, 10 + 1 enrollments, 4 + 7 + 4 records, two revocations.
    assert_eq!(receipts.len(), 2 + 11 + 15 + 2, "{receipts:?}");
    // Every example record was submitted (the definition through `define`).
    for file in std::fs::read_dir(desk.dir.join("cec")).unwrap() {
        let file = file.unwrap().path();
        let name = file.file_name().unwrap().to_str().unwrap();
        if name.ends_with(".json") && name != "election.json" {
            let receipt = file.with_extension("signed.receipt");
            assert!(
                receipts.contains(&path(&receipt).to_string()),
                "examples/{name} was not delivered"
            );
        }
    }
    let mut args = vec!["receipt", "verify", "--policy", path(&policy)];
    args.extend(receipts.iter().map(String::as_str));
    desk.shailoo(&args).expect(0, &["OK"]);

    // Nothing waits; the revoked key's record is kept with the ledger's reason.
    let listing = desk.shailoo(&["outbox", "--json"]);
    let listing: serde_json::Value = serde_json::from_str(&listing.stdout).unwrap();
    assert_eq!(listing["waiting"].as_array().unwrap().len(), 0, "{listing}");
    let refused = listing["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{listing}");
    assert_eq!(refused[0]["kind"], "turnout");

    // The observers' audit: every record, every rule, the tally, every document.
    Verifier::new(&policy)
        .run(&["audit", "--documents"])
        .expect(0, &["findings: none"]);
    drop(ledger);
}
