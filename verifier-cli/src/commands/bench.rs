//! `verifier bench`: how fast the full audit runs, as a ratio to the bare cost of its
//! cryptography measured in the same run on the same machine.
//!
//! For each log — the default simulated election (`generate(&Config::default(), root)`) and
//! an election scaled to at least `--large` records — it writes the log as C2SP tiles to a
//! local directory, then measures (a) the bare cost: SHA-256 of N leaves of the election's
//! average entry size plus N node hashes, and N Ed25519 `verify_strict` calls; (b) `audit`
//! of that directory: checkpoint, every bundle read from disk, the root recomputed, every
//! record decoded and its signature and signer checked, every rule, the tally. Downloads
//! are excluded (files come from the page cache); documents are not checked. The bare cost
//! is one core's; the audit checks signatures on every core (`crate::parallel`), so on a
//! machine of N cores its ratio can go below 1.

use super::Online;
use super::audit::{AuditOptions, audit};
use crate::display::thousands;
use crate::fetch::Source;
use crate::outcome::{Failure, Outcome, Verdict};
use crate::state::State;
use crate::trust::Trust;
use ed25519_dalek::{Signer, SigningKey};
use election::generate::{Config, generate};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tlog::keys::{ALG_ED25519, SignerKey};
use tlog::note::NoteVerifier;
use tlog::{Checkpoint, writer::LogWriter};

pub struct BenchArgs {
    /// At least this many records in the large log; 0 skips it.
    pub large: u64,
    /// Where to write the logs (removed afterwards unless `keep`).
    pub dir: Option<PathBuf>,
    /// How many times to measure each (the best run counts).
    pub runs: u32,
    /// Keep the logs, each with a policy file (`DIR/<election>.policy`) to audit it again.
    pub keep: bool,
}

const ORIGIN_HOST: &str = "bench.shailoo.gov.kg/ledger";

fn io_fail(e: std::io::Error) -> Failure {
    Failure::Usage(format!("bench: {e}"))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::create_dir_all(path.parent().expect("has a parent")).map_err(io_fail)?;
    std::fs::write(path, bytes).map_err(io_fail)
}

/// Writes `entries` as a C2SP tiled log in `dir` (hash tiles, entry bundles, checkpoint
/// signed by `key`); returns the checkpoint and the entries' total size.
pub fn write_log(
    dir: &Path,
    key: &SignerKey,
    entries: impl Iterator<Item = Vec<u8>>,
) -> Result<(Checkpoint, u64), Failure> {
    let mut writer = LogWriter::new();
    let mut bytes = 0u64;
    for entry in entries {
        bytes += entry.len() as u64;
        for (path, data) in writer
            .append(&entry)
            .map_err(|e| Failure::Usage(e.to_string()))?
        {
            write_file(&dir.join(path), &data)?;
        }
    }
    for (path, data) in writer.partial_files() {
        write_file(&dir.join(path), &data)?;
    }
    let checkpoint = Checkpoint {
        origin: key.verifier().name().to_string(),
        size: writer.size(),
        root: writer.root(),
        extensions: vec![],
    };
    let note = tlog::note::sign(&checkpoint.to_text(), &[key])
        .map_err(|e| Failure::Usage(e.to_string()))?;
    write_file(&dir.join("checkpoint"), &note.to_bytes())?;
    Ok((checkpoint, bytes))
}

/// One measured case.
struct Case {
    name: String,
    entries: u64,
    avg_bytes: f64,
    hash_s: f64,
    verify_s: f64,
    audit_s: f64,
    findings: usize,
}

impl Case {
    fn bare(&self) -> f64 {
        self.hash_s + self.verify_s
    }
}

/// The bare cost of `n` entries of `avg` bytes: leaf and node hashes, and signature checks.
fn bare(n: u64, avg: usize) -> (f64, f64) {
    let entry = vec![0x5au8; avg.max(8)];
    let mut e = entry.clone();
    let t = Instant::now();
    let mut h = tlog::Hash([0; 32]);
    for i in 0..n {
        e[..8].copy_from_slice(&i.to_le_bytes());
        let leaf = tlog::leaf_hash(black_box(&e));
        h = tlog::node_hash(&h, &leaf);
    }
    black_box(h);
    let hash_s = t.elapsed().as_secs_f64();
    let key = SigningKey::from_bytes(&[9; 32]);
    let public = key.verifying_key();
    let signature = key.sign(&entry);
    let t = Instant::now();
    for _ in 0..n {
        black_box(public.verify_strict(black_box(&entry), &signature))
            .expect("the signature verifies");
    }
    (hash_s, t.elapsed().as_secs_f64())
}

fn measure(name: &str, config: &Config, dir: &Path, runs: u32) -> Result<Case, Failure> {
    let root = SignerKey::from_seed("bench.shailoo.gov.kg/root", ALG_ED25519, &[1; 32])
        .expect("a valid key");
    let log_key = SignerKey::from_seed(
        &format!("{ORIGIN_HOST}/{}", config.election),
        ALG_ED25519,
        &[2; 32],
    )
    .expect("a valid key");
    eprintln!(
        "bench: {name}: generating {} precincts",
        thousands(u64::from(config.precincts))
    );
    let t = Instant::now();
    let election = generate(config, root.signing_key());
    let records = election.records;
    eprintln!(
        "bench: {name}: {} records generated and signed in {:.1} s; writing the log",
        thousands(records.len() as u64),
        t.elapsed().as_secs_f64()
    );
    let log_dir = dir.join(&config.election);
    let (cp, bytes) = write_log(
        &log_dir,
        &log_key,
        records.into_iter().map(|r| r.to_bytes()),
    )?;
    let n = cp.size;
    let avg = bytes as f64 / n as f64;
    let policy = format!(
        "log {} {}\nquorum none\nroot {}\n",
        log_key.verifier(),
        log_dir.display(),
        root.verifier()
    );
    // Kept with the log, so that `--keep` leaves something `verifier audit` can run on.
    write_file(
        &dir.join(format!("{}.policy", config.election)),
        policy.as_bytes(),
    )?;
    let online = Online {
        trust: Trust::parse(&policy).map_err(Failure::Usage)?,
        source: Source::open(&log_dir.display().to_string())?,
        state: State::locate(Some(&dir.join("state")))?,
        location: log_dir.display().to_string(),
    };
    // The machine is shared: bare cost and audit alternate, and each keeps its best run.
    let (mut hash_s, mut verify_s, mut audit_s) = (f64::MAX, f64::MAX, f64::MAX);
    let mut findings = 0;
    for run in 1..=runs {
        eprintln!(
            "bench: {name}: run {run} of {runs}: bare cost of {} entries of {avg:.0} bytes",
            thousands(n)
        );
        let (h, v) = bare(n, avg.round() as usize);
        if h + v < hash_s + verify_s {
            (hash_s, verify_s) = (h, v);
        }
        eprintln!("bench: {name}: run {run} of {runs}: full audit");
        // Each audit starts from a clean state directory, as a first-time observer would.
        let _ = std::fs::remove_dir_all(dir.join("state"));
        let t = Instant::now();
        let result = audit(
            &online,
            AuditOptions {
                documents: false,
                quiet: true,
                complaint_deadline: None,
            },
        )?;
        audit_s = audit_s.min(t.elapsed().as_secs_f64());
        if result.report.entries != n {
            return Err(Failure::Usage(
                "bench: the audit did not read every entry".into(),
            ));
        }
        findings = result.report.findings.len();
    }
    Ok(Case {
        name: name.to_string(),
        entries: n,
        avg_bytes: avg,
        hash_s,
        verify_s,
        audit_s,
        findings,
    })
}

pub fn run(args: BenchArgs) -> Outcome {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("shailoo-verifier-bench-{}", std::process::id()))
    });
    if dir.exists() && std::fs::read_dir(&dir).map_err(io_fail)?.next().is_some() {
        return Err(Failure::Usage(format!(
            "bench: {} is not empty",
            dir.display()
        )));
    }
    let result = run_in(&args, &dir);
    if !args.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn run_in(args: &BenchArgs, dir: &Path) -> Outcome {
    let default = Config::default();
    let mut cases = vec![measure("default election", &default, dir, args.runs)?];
    if args.large > 0 {
        let per_precinct = cases[0].entries as f64 / f64::from(default.precincts);
        // A little over, since part of the records do not grow with the precincts.
        let precincts = (args.large as f64 / per_precinct * 1.01).ceil() as u32;
        let large = Config {
            precincts,
            election: "2026-11-29-large".into(),
            ..Config::default()
        };
        cases.push(measure("large election", &large, dir, args.runs)?);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "| log | entries | average entry | bare: hashing | bare: Ed25519 verify_strict | bare total | full audit | audit / bare | findings |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for c in &cases {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} B | {:.2} s | {:.2} s | {:.2} s | {:.2} s ({:.0} entries/s) | **{:.2}** | {} |",
            c.name,
            thousands(c.entries),
            c.avg_bytes,
            c.hash_s,
            c.verify_s,
            c.bare(),
            c.audit_s,
            c.entries as f64 / c.audit_s,
            c.audit_s / c.bare(),
            c.findings
        );
    }
    let worst = cases
        .iter()
        .map(|c| c.audit_s / c.bare())
        .fold(0.0, f64::max);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "\nworst ratio {worst:.2} on {cores} core(s) (goal: <= 0.6 on two cores); downloads excluded: the audit reads a local copy of the log"
    );
    Ok(Verdict::Clean)
}
