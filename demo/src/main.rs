//! `demo`: Shailoo Ledger on one machine (see `demo --help`).
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Run everything on one machine: a log, three witnesses, a simulated election.
///
/// Starts a log and three witness nodes (real HTTP on loopback, quorum 2 of 3), submits a
/// generated election (2,500 precincts by default) through the public API, writes the trust
/// policy to DIR/policy, serves the viewer, prints what to try next, and serves until
/// Ctrl-C. Run it again with the same --dir to serve the same election.
///
///   cargo run --release -p demo
///   cargo run --release -p demo -- --dir other --listen 127.0.0.1:8081 --anomalies urn-mismatch
///
/// `demo simulate` submits a generated election to a log you run; `demo bench` load-tests one.
///
/// Exit codes: 0 done; 1 failed while running (the message says what failed); 2 refused to
/// start (a demo directory holds another election: the message says what to do); 3 usage
/// error.
#[derive(Parser)]
#[command(
    name = "demo",
    version,
    verbatim_doc_comment,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    demo: DemoArgs,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Where the demo keeps its log, witnesses and policy.
    #[arg(long, default_value = "shailoo-demo")]
    dir: PathBuf,
    /// Where the log listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// How many precincts a new demo election has [default: 2500]. A demo directory
    /// always serves the election it was made with.
    #[arg(long)]
    precincts: Option<u32>,
    /// The generator's seed for a new demo election [default: 2026].
    #[arg(long)]
    seed: Option<u64>,
    /// Comma-separated anomalies to inject in a new demo election (names in `demo simulate
    /// --help`).
    #[arg(long, value_delimiter = ',')]
    anomalies: Option<Vec<String>>,
    /// Show the servers' logs here (every cosignature, every request) instead of keeping
    /// them in DIR/logs/demo.log.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Submit a generated election to a running log through its public API.
    ///
    /// Enrolls the keys (signed with the CEC root key), then submits every record and its
    /// documents, showing progress and a summary. Anomalies are injected on request, e.g.
    /// --anomalies urn-mismatch,ballot-stuffing (names: urn-mismatch, ballot-stuffing,
    /// annulled-precinct, unauthorized-annulment, overdue-complaint, unenrolled-signer,
    /// wrong-final-total). The log refuses the unenrolled signer and the unauthorized
    /// annulment at the door; the others are logged for the audit to find.
    ///
    /// Example: demo simulate --url http://127.0.0.1:8080 --root-key log/root.key
    #[command(verbatim_doc_comment)]
    Simulate {
        /// The log's URL.
        #[arg(long)]
        url: String,
        /// The CEC root key file (DIR/root.key of a log made by `ledger init` without
        /// --root-vkey).
        #[arg(long)]
        root_key: PathBuf,
        #[command(flatten)]
        election: ElectionArgs,
        /// Records in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Leave out the hourly turnout records (12 per precinct).
        #[arg(long)]
        no_turnout: bool,
    },
    /// Load-test a fresh log on loopback and report throughput, latency, reads and memory.
    ///
    /// Creates a log in DIR (default: a new temporary directory), starts `ledger serve` on it
    /// (the `ledger` built beside this program), measures this machine's Ed25519
    /// verification rate, and submits a generated election (about --records / 24 precincts,
    /// at most the real 2,500) with --concurrency submitters: records/s and latencies. Past
    /// the election, the log grows on to --records with finance reports (server memory as it
    /// grows). Then it times tile and proof reads. Build with --release:
    ///   cargo build --release -p ledger -p demo
    ///   target/release/demo bench --records 200000
    ///   target/release/demo bench --records 10000000   (memory to 10M entries)
    #[command(verbatim_doc_comment)]
    Bench {
        /// The log's size at the end (the election, then growth).
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        /// Records in flight at once. By Little's law the rate is at most this many divided
        /// by the latency to an index (about the batch interval): 2,048 / 0.12 s ≈ 17,000/s.
        #[arg(long, default_value_t = 2048)]
        concurrency: usize,
        /// The server's batch interval in milliseconds.
        #[arg(long, default_value_t = 50)]
        batch_ms: u64,
        /// Seconds each of tile reads and proof reads.
        #[arg(long, default_value_t = 5)]
        read_seconds: u64,
        /// Where to create the log (default: a new temporary directory, left for you to
        /// delete).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The `ledger` program to measure [default: the one built beside this program].
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// Keep the log in an S3 bucket, s3://BUCKET/PREFIX (an unused prefix), with the
        /// endpoint and credentials of the AWS_* environment, as `ledger init --storage`.
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        storage: Option<String>,
        /// The server terminates TLS with this certificate (PEM; it must name 127.0.0.1) and
        /// the load generator speaks HTTPS, trusting the platform's roots or SSL_CERT_FILE.
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
    },
}

/// The generated election `simulate` submits.
#[derive(clap::Args)]
struct ElectionArgs {
    /// How many precincts (about 15 records each, plus key enrollments).
    #[arg(long, default_value_t = demo::demo::DEFAULT_PRECINCTS)]
    precincts: u32,
    /// The generator's seed: the same seed gives the same election.
    #[arg(long, default_value_t = demo::demo::DEFAULT_SEED)]
    seed: u64,
    /// Comma-separated anomalies to inject (names above).
    #[arg(long, value_delimiter = ',')]
    anomalies: Vec<String>,
}

/// Failed while running.
const EXIT_FAILED: u8 = 1;
/// Refused to start: a demo directory that holds another election.
const EXIT_REFUSED: u8 = 2;
/// A usage error (clap's own code would be 2, which means "refused to start" here).
const EXIT_USAGE: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,tower_http=warn".into())
    };
    // The demo is for a person: its servers' logs go to a file unless asked for.
    let demo_log = match (&cli.command, cli.demo.verbose) {
        (None, false) => open_demo_log(&cli.demo.dir),
        _ => None,
    };
    match demo_log {
        Some(file) => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .init(),
        None => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            let refused = e.is::<demo::demo::Refused>();
            ExitCode::from(if refused { EXIT_REFUSED } else { EXIT_FAILED })
        }
    }
}

/// `DIR/logs/demo.log`, opened for appending (`None`, and the logs go to stderr, if it
/// cannot be).
fn open_demo_log(dir: &std::path::Path) -> Option<std::fs::File> {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).ok()?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join("demo.log"))
        .ok()
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        None => {
            let DemoArgs {
                dir,
                listen,
                precincts,
                seed,
                anomalies,
                verbose,
            } = cli.demo;
            let anomalies = anomalies.as_deref().map(parse_anomalies).transpose()?;
            if !verbose {
                println!(
                    "the servers' logs: {} (-v to show them here)",
                    dir.join("logs/demo.log").display()
                );
            }
            let opts = demo::demo::DemoOptions {
                dir,
                listen,
                precincts,
                seed,
                anomalies,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            // The signal handlers need the runtime to be registered in.
            let stop = {
                let _inside = runtime.enter();
                ledger::server::shutdown_signal()
            };
            runtime
                .block_on(demo::demo::run(opts, stop, |line| println!("{line}")))
                .map_err(|e| -> Box<dyn std::error::Error> { e })?;
        }
        Some(Command::Bench {
            records,
            concurrency,
            batch_ms,
            read_seconds,
            dir,
            ledger,
            storage,
            tls_cert,
            tls_key,
        }) => {
            let dir = dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("shailoo-bench-{}", std::process::id()))
            });
            let opts = demo::bench::BenchOptions {
                records,
                concurrency,
                batch_ms,
                read_seconds,
                dir: dir.clone(),
                ledger,
                storage,
                tls: tls_cert.zip(tls_key),
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(demo::bench::run(opts))?;
            print!("{report}");
            println!("log left in {} (delete it when done)", dir.display());
        }
        Some(Command::Simulate {
            url,
            root_key,
            election,
            concurrency,
            no_turnout,
        }) => {
            let ElectionArgs {
                precincts,
                seed,
                anomalies,
            } = election;
            let anomalies = parse_anomalies(&anomalies)?;
            if precincts < 20 {
                return Err("simulate at least 20 precincts (the generator places each anomaly in its own precinct)".into());
            }
            let root_key = ledger::logdir::load_key(&root_key)?;
            let opts = demo::simulate::SimulateOptions {
                url,
                root_key,
                precincts,
                seed,
                anomalies,
                concurrency,
                turnout_updates: !no_turnout,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let bar = progress::Progress::new("records submitted", 0);
            let summary = runtime.block_on(demo::simulate::simulate(opts, |done, total| {
                bar.set_total(total as u64);
                bar.update(done as u64);
            }));
            bar.finish();
            let summary = summary?;
            print!("{}", demo::simulate::report(&summary));
        }
    }
    Ok(())
}

fn parse_anomalies(names: &[String]) -> Result<Vec<election::generate::Anomaly>, String> {
    names
        .iter()
        .filter(|a| !a.is_empty())
        .map(|a| {
            election::generate::Anomaly::from_name(a)
                .ok_or_else(|| format!("unknown anomaly {a:?}; see `demo simulate --help`"))
        })
        .collect()
}
