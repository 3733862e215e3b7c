//! `verifier`: check a Shailoo Ledger election log — or any C2SP transparency log — yourself.
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verifier::commands::{self, Online};
use verifier::outcome::{EXIT_USAGE, Outcome};

/// Check an election's transparency log yourself, owing nothing to the log's operator.
///
/// Everything is checked against the keys in your trust policy: the log's signature, the
/// witnesses' cosignatures, that the log only grew since you last looked, that entries are in
/// the signed tree, and — with the CEC's root key in the policy — every election record, its
/// signer, every audit rule and the tally. Works with any C2SP tlog-tiles log.
///
/// A policy file (c2sp.org/tlog-policy, plus an optional `root` line for election records):
///
///   log shailoo.gov.kg/ledger/2026-11-29-parliamentary+1a2b3c4d+AQ… http://ledger.example.kg
///   witness observer-1 witness.example.kg/observer-1+5e6f7a8b+BA…
///   group observers any observer-1
///   quorum observers
///   root shailoo.gov.kg/root+9c8d7e6f+AQ…
///
/// Exit codes:
///   0  verified, and the election records passed every check
///   1  the log verified, but the election records or their documents have problems
///   2  the log itself failed verification: a bad signature, too few witness cosignatures,
///      a rollback or fork, an entry or tile that does not match the signed checkpoint
///   3  usage, file or network error: nothing was concluded about the log
#[derive(Parser)]
#[command(name = "verifier", version, verbatim_doc_comment)]
struct Cli {
    /// Where to remember the last checkpoint accepted for each log [default:
    /// $XDG_DATA_HOME/shailoo-verifier, else ~/.local/share/shailoo-verifier]
    #[arg(long, global = true, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The language of the audit report for people — the checkpoint and why it is believed,
    /// findings, rule titles, the tally, the final-result comparison, documents and the
    /// verdict: ky (Kyrgyz), ru (Russian) or en. The details of a mismatched document, of an
    /// entry that does not decode and of a checkpoint a policy refuses stay English; JSON output
    /// keeps the English sentence and the rule ids; the other commands speak English.
    #[arg(long, global = true, value_name = "LANG", default_value = "en", value_parser = ["ky", "ru", "en"])]
    lang: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct LogArgs {
    /// The trust policy file.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The log's URL (http://…), or a directory holding a copy of its files [default: the
    /// URL on the policy's `log` line]
    #[arg(long, value_name = "URL")]
    log: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch the log's checkpoint; check its signature, the witness quorum, and that it
    /// extends the checkpoint accepted last time.
    ///
    /// A smaller tree than before (rollback) or one that does not contain the earlier tree
    /// (fork) is reported with both signed checkpoints, which together prove the log
    /// misbehaved; the remembered checkpoint is kept. Otherwise the new one is remembered.
    ///
    /// Example:
    ///   verifier checkpoint --policy kg-2026.policy
    ///   verifier checkpoint --policy kg-2026.policy --log http://mirror.example.org/kg-2026
    #[command(verbatim_doc_comment)]
    Checkpoint {
        #[command(flatten)]
        log: LogArgs,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prove that an entry is in the log, and show what it says.
    ///
    /// The proof is computed from the log's hash tiles and checked against a checkpoint that
    /// meets your policy. Election records are decoded for people; other entries are shown by
    /// their length and hash. With --precinct and --kind the log's lookup index suggests
    /// entries, and each is proven like --index.
    ///
    /// Examples:
    ///   verifier inclusion --policy kg-2026.policy --index 1234
    ///   verifier inclusion --policy kg-2026.policy --precinct 1204 --kind protocol
    ///   verifier inclusion --policy kg-2026.policy --precinct 1204 --kind protocol --document scan.svg
    ///   verifier inclusion --policy kg-2026.policy --precinct 1204 --kind protocol --save-bundle p1204.proof
    #[command(verbatim_doc_comment)]
    Inclusion {
        #[command(flatten)]
        log: LogArgs,
        /// The entry's index in the log.
        #[arg(long, value_name = "N")]
        index: Option<u64>,
        /// Find the records of this precinct (needs the ledger's lookup API).
        #[arg(long, value_name = "ID")]
        precinct: Option<u32>,
        /// Find records of this kind: protocol, urn-result, turnout, identification-report,
        /// final-result, annulment, …
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Check that this file (a scan you hold) is a document the record references.
        #[arg(long, value_name = "FILE")]
        document: Option<PathBuf>,
        /// Keep the proof of the entry (one entry only) in FILE, a c2sp.org/tlog-proof
        /// bundle with the entry inside, which `verifier bundle` checks offline. FILE must
        /// not exist.
        #[arg(long, value_name = "FILE")]
        save_bundle: Option<PathBuf>,
    },
    /// Check a proof bundle (c2sp.org/tlog-proof) offline: no network at all.
    ///
    /// Bundles from a Shailoo ledger (GET /api/v1/bundle/N) carry their entry; for other
    /// logs give the entry's bytes with --entry.
    ///
    /// Example:
    ///   verifier bundle protocol-1204.proof --policy kg-2026.policy --document scan.svg
    #[command(verbatim_doc_comment)]
    Bundle {
        /// The proof bundle file.
        file: PathBuf,
        /// The trust policy file.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// The entry's bytes, if the bundle does not carry them.
        #[arg(long, value_name = "FILE")]
        entry: Option<PathBuf>,
        /// Check that this file is a document the record references.
        #[arg(long, value_name = "FILE")]
        document: Option<PathBuf>,
    },
    /// Audit the whole election: every entry, every record, every rule, the tally.
    ///
    /// Downloads every entry bundle, recomputes the Merkle root and compares it with the
    /// signed checkpoint; verifies every record's signature through the enrollment chain
    /// from the CEC root key (the policy's `root` line is required); runs every audit rule;
    /// recomputes the tally and compares it with the announced final result.
    ///
    /// Examples:
    ///   verifier audit --policy kg-2026.policy
    ///   verifier audit --policy kg-2026.policy --documents --json > audit.json
    ///   verifier audit --policy kg-2026.policy --log ./mirror-of-the-log
    #[command(verbatim_doc_comment)]
    Audit {
        #[command(flatten)]
        log: LogArgs,
        /// Also fetch every referenced document (scan) and check its size and SHA-256.
        #[arg(long)]
        documents: bool,
        /// The complaint deadline in seconds, instead of the one the election definition
        /// gives (the law gives 2 or 3 days: 172800 or 259200). Deadlines are judged on the
        /// witnessed time of each entry, never on the time its signer claims.
        #[arg(long, value_name = "SECONDS")]
        complaint_deadline: Option<u64>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Follow the log as it grows: check each new checkpoint and audit new records.
    ///
    /// Each round proves the new checkpoint consistent with the last, reads only the new
    /// entries and recomputes the root; with a `root` line in the policy it also audits the
    /// new records and prints findings as they appear.
    ///
    /// Example:
    ///   verifier monitor --policy kg-2026.policy --interval 30
    #[command(verbatim_doc_comment)]
    Monitor {
        #[command(flatten)]
        log: LogArgs,
        /// Seconds between rounds.
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        interval: u64,
        /// Stop after this many rounds [default: never]
        #[arg(long, value_name = "N")]
        iterations: Option<u64>,
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Measure the full audit against the bare cost of its cryptography on this machine.
    ///
    /// Writes the default simulated election, and one of at least --large records, as local
    /// tiled logs; measures SHA-256 and Ed25519 verification for as many entries, then the
    /// audit of each log; prints a table with the ratio audit / bare (goal: at most 1.5).
    /// Build with --release.
    ///
    /// Example:
    ///   cargo run --release -p verifier-cli -- bench
    ///   verifier bench --large 0
    #[command(verbatim_doc_comment)]
    Bench {
        /// The large log has at least this many records (0: skip it).
        #[arg(long, default_value_t = 1_000_000, value_name = "N")]
        large: u64,
        /// Where to write the logs [default: a new directory under the temp directory]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Measure each this many times, alternating bare cost and audit; the best counts.
        #[arg(long, default_value_t = 3, value_name = "N")]
        runs: u32,
        /// Keep the written logs, each with its policy (DIR/<election>.policy).
        #[arg(long)]
        keep: bool,
    },
}

fn online(log: &LogArgs, state_dir: Option<&Path>) -> Result<Online, verifier::outcome::Failure> {
    Online::open(&log.policy, log.log.as_deref(), state_dir)
}

fn run(cli: Cli) -> Outcome {
    let state_dir = cli.state_dir.as_deref();
    match cli.command {
        Command::Checkpoint { log, json } => {
            commands::checkpoint::run(&online(&log, state_dir)?, json)
        }
        Command::Inclusion {
            log,
            index,
            precinct,
            kind,
            document,
            save_bundle,
        } => commands::inclusion::run(
            &online(&log, state_dir)?,
            commands::inclusion::InclusionArgs {
                index,
                precinct,
                kind,
                document,
                save_bundle,
            },
        ),
        Command::Bundle {
            file,
            policy,
            entry,
            document,
        } => {
            let trust = verifier::trust::Trust::load(&policy)?;
            let state = verifier::state::State::locate(state_dir)?;
            commands::bundle::run(
                &trust,
                &state,
                commands::bundle::BundleArgs {
                    file,
                    entry,
                    document,
                },
            )
        }
        Command::Audit {
            log,
            documents,
            complaint_deadline,
            json,
            quiet,
        } => {
            let options = commands::audit::AuditOptions {
                documents,
                quiet,
                complaint_deadline,
            };
            match online(&log, state_dir) {
                Ok(o) => commands::audit::run(&o, options, json, &cli.lang),
                Err(f) => {
                    if json {
                        println!("{:#}", verifier::report::json_failure(&f));
                    }
                    Err(f)
                }
            }
        }
        Command::Monitor {
            log,
            interval,
            iterations,
            quiet,
        } => commands::monitor::run(
            &online(&log, state_dir)?,
            commands::monitor::MonitorArgs {
                interval,
                iterations,
                quiet,
            },
        ),
        Command::Bench {
            large,
            dir,
            runs,
            keep,
        } => commands::bench::run(commands::bench::BenchArgs {
            large,
            dir,
            runs: runs.max(1),
            keep,
        }),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors are exit code 3, not clap's 2,
            // which means "the log failed verification" here.
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        Err(failure) => {
            eprintln!("verifier: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
