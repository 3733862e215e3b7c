//! `ledger`: run and operate a Shailoo Ledger log.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use ledger::logdir::{LogDir, WitnessConfig, check_witness};
use std::path::PathBuf;
use std::process::ExitCode;

/// The Shailoo Ledger log server and operator commands.
///
/// A log holds one election's signed records in a Merkle tree whose checkpoints are cosigned
/// by observers' witnesses. Start with `ledger demo` to see everything run, or create a log:
///
///   ledger init ./log --origin shailoo.gov.kg/ledger/2026-11-29-parliamentary
///   ledger witness add ./log --name observer-1 --vkey VKEY --url http://127.0.0.1:7380
///   ledger witness quorum ./log 1
///   ledger serve ./log --listen 127.0.0.1:8080
///
/// Exit codes: 0 done; 1 failed while running (the message says what failed); 2 refused to
/// start (the log directory is missing, invalid or inconsistent, or a demo directory holds
/// another election: the message says what to do); 3 usage error.
#[derive(Parser)]
#[command(name = "ledger", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a log: its signing key (mode 0600), configuration and storage.
    ///
    /// Prints the log's verifier key (vkey) as the last line: give it to the witnesses
    /// (`witness add-log`) and to verifiers (their policy's `log` line). Without --root-vkey a
    /// CEC root key is generated at DIR/root.key, for tests and demos.
    #[command(verbatim_doc_comment)]
    Init {
        /// The directory to create the log in (must not already hold one).
        dir: PathBuf,
        /// The log's name: a schema-less URL ending in the election id,
        /// e.g. shailoo.gov.kg/ledger/2026-11-29-parliamentary.
        #[arg(long)]
        origin: String,
        /// The CEC's root key as a vkey (type 0x01), pinned as the top of the key hierarchy.
        #[arg(long)]
        root_vkey: Option<String>,
    },
    /// Print the log's verifier key (vkey).
    Vkey { dir: PathBuf },
    /// Check a log's files, as an fsck would: every entry bundle and hash tile rebuilt from the
    /// entries and compared with what is stored, the root with the signed checkpoint (itself
    /// checked against log.key and the origin), every stored document with the records that
    /// reference it. Changes no file of the log. Exit 0 when all match, 1 when something does
    /// not (each problem is named). Run it on a stopped log (a running one is refused), or a
    /// copy.
    Check {
        /// The log's directory.
        dir: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the log's HTTP server until SIGINT or SIGTERM.
    ///
    /// Prints `listening on http://ADDR` once bound (use port 0 to let the OS choose).
    /// Checkpoints are published once the quorum of witnesses cosigned them; a log without
    /// witnesses runs only with --no-witnesses. `GET /readyz` reports the state as JSON.
    #[command(verbatim_doc_comment)]
    Serve {
        /// The log's directory (made by `ledger init`).
        dir: PathBuf,
        /// The address and port to listen on (port 0 lets the OS choose).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Set the batch interval in milliseconds: how long the sequencer gathers records
        /// before one durable commit and one signed checkpoint. Saved to config.json (the
        /// default there is 1000) and kept for later runs.
        #[arg(long)]
        batch_ms: Option<u64>,
        /// Publish checkpoints that no witness cosigned (a log with quorum 0). For test logs
        /// only: verifiers with a witness policy refuse them. Without witnesses and without
        /// this flag, `serve` refuses to start.
        #[arg(long)]
        no_witnesses: bool,
    },
    /// Submit a generated election to a running log through its public API.
    ///
    /// Enrolls the keys (signed with the CEC root key), then submits every record and its
    /// documents, showing progress and a summary. Anomalies are injected on request, e.g.
    /// --anomalies urn-mismatch,ballot-stuffing (names: urn-mismatch, ballot-stuffing,
    /// annulled-precinct, unauthorized-annulment, overdue-complaint, unenrolled-signer,
    /// wrong-final-total). The log refuses the unenrolled signer and the unauthorized
    /// annulment at the door; the others are logged for the audit to find.
    #[command(verbatim_doc_comment)]
    Simulate {
        /// The log's URL.
        #[arg(long)]
        url: String,
        /// The CEC root key file (DIR/root.key of a log made by `ledger init` without --root-vkey).
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
    /// Run everything on one machine: a log, three witnesses, a simulated election.
    ///
    /// Starts a log and three witness nodes (real HTTP on loopback, quorum 2 of 3), submits a
    /// generated election (2,500 precincts by default) through the public API, writes the trust
    /// policy to DIR/policy, serves the viewer, prints what to try next, and serves until
    /// Ctrl-C. Run it again with the same --dir to serve the same election.
    #[command(verbatim_doc_comment)]
    Demo {
        #[arg(long, default_value = "shailoo-demo")]
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// How many precincts a new demo election has [default: 2500]. A demo directory
        /// always serves the election it was made with.
        #[arg(long)]
        precincts: Option<u32>,
        /// The generator's seed for a new demo election [default: 2026].
        #[arg(long)]
        seed: Option<u64>,
        /// Comma-separated anomalies to inject in a new demo election (names in `ledger
        /// simulate --help`).
        #[arg(long, value_delimiter = ',')]
        anomalies: Option<Vec<String>>,
        /// Show the servers' logs here (every cosignature, every request) instead of keeping
        /// them in DIR/logs/demo.log.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Load-test a fresh log on loopback and report throughput, latency, reads and memory.
    ///
    /// Creates a log in DIR (default: a new temporary directory), starts `ledger serve` on it,
    /// measures this machine's Ed25519 verification rate, and submits a generated election
    /// (about --records / 24 precincts, at most the real 2,500) with --concurrency submitters:
    /// records/s and latencies. Past the election, the log grows on to --records with
    /// finance reports (server memory as it grows). Then it times tile and proof reads.
    /// Build with --release:
    ///   cargo run --release -p ledger -- bench --records 200000
    ///   cargo run --release -p ledger -- bench --records 10000000   (memory to 10M entries)
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
    },
    /// Manage the witnesses the log asks for cosignatures.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
}

/// The generated election `simulate` submits.
#[derive(clap::Args)]
struct ElectionArgs {
    /// How many precincts (about 15 records each, plus key enrollments).
    #[arg(long, default_value_t = ledger::demo::DEFAULT_PRECINCTS)]
    precincts: u32,
    /// The generator's seed: the same seed gives the same election.
    #[arg(long, default_value_t = ledger::demo::DEFAULT_SEED)]
    seed: u64,
    /// Comma-separated anomalies to inject (names in `ledger simulate --help`).
    #[arg(long, value_delimiter = ',')]
    anomalies: Vec<String>,
}

#[derive(Subcommand)]
enum WitnessCommand {
    /// Add a witness (takes effect at the next `serve`).
    ///
    /// Example: ledger witness add ./log --name observer-1 \
    ///            --vkey "$(witness vkey ./w1)" --url http://127.0.0.1:7380
    #[command(verbatim_doc_comment)]
    Add {
        dir: PathBuf,
        /// A short name for the witness, used in logs and policies.
        #[arg(long)]
        name: String,
        /// The witness's cosignature/v1 verifier key, as `witness vkey` prints it.
        #[arg(long)]
        vkey: String,
        /// The witness's URL (its add-checkpoint endpoint is URL/add-checkpoint).
        #[arg(long)]
        url: String,
    },
    /// Set how many witnesses must cosign a checkpoint before it is published (k of n).
    ///
    /// `ledger witness add` sets 1 when it adds the first witness. Quorum 0 publishes
    /// checkpoints no witness cosigned; `ledger serve` then runs only with --no-witnesses.
    #[command(verbatim_doc_comment)]
    Quorum { dir: PathBuf, k: usize },
    /// List the configured witnesses and the quorum.
    List { dir: PathBuf },
}

/// Failed while running.
const EXIT_FAILED: u8 = 1;
/// Refused to start: the directory or what was asked of it.
const EXIT_REFUSED: u8 = 2;
/// A usage error (clap's own code would be 2, which means "refused to start" here).
const EXIT_USAGE: u8 = 3;

/// The exit code for an error, by what kind it is.
fn exit_code(e: &(dyn std::error::Error + 'static)) -> u8 {
    use ledger::server::ServeError;
    // A directory that is not a usable log is a refusal; a file system that fails is not.
    let refused = matches!(
        e.downcast_ref::<ledger::logdir::DirError>(),
        Some(ledger::logdir::DirError::Invalid(_))
    ) || e.is::<ledger::demo::Refused>()
        || matches!(
            e.downcast_ref::<ServeError>(),
            Some(
                ServeError::Dir(ledger::logdir::DirError::Invalid(_))
                    | ServeError::Recovery(_)
                    | ServeError::NoWitnesses { .. }
                    | ServeError::QuorumSet { .. }
            )
        );
    if refused { EXIT_REFUSED } else { EXIT_FAILED }
}

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
    let demo_log = match &cli.command {
        Command::Demo {
            dir,
            verbose: false,
            ..
        } => open_demo_log(dir),
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
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger: {e}");
            ExitCode::from(exit_code(e.as_ref()))
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

fn run(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Init {
            dir,
            origin,
            root_vkey,
        } => {
            let created = ledger::server::init(&dir, &origin, root_vkey.as_deref())?;
            println!("created log {origin} in {}", dir.display());
            if created.root_generated {
                println!(
                    "generated a CEC root key for testing at {} (vkey {})",
                    LogDir::new(&dir).root_key_path().display(),
                    created.root_vkey
                );
            }
            eprintln!(
                "next: give the log's vkey (the last line) to the observers' witnesses, add them with `ledger witness add {0} --name NAME --vkey VKEY --url URL`, then `ledger serve {0}` (a test log without witnesses: `ledger serve {0} --no-witnesses`)",
                dir.display()
            );
            println!("{}", created.log_vkey);
        }
        Command::Vkey { dir } => println!("{}", LogDir::new(&dir).load_log_key()?.verifier()),
        Command::Check { dir, json } => {
            let bar = ledger::progress::Submitted::counting("entries checked");
            let report = ledger::check::check(&dir, |done, total| {
                bar.update(done as usize, total as usize)
            })?;
            bar.finish();
            if json {
                let answer = serde_json::json!({
                    "size": report.size, "files": report.files,
                    "documents_referenced": report.documents_referenced,
                    "documents_stored": report.documents_stored,
                    "problems": report.problems, "clean": report.is_clean(),
                });
                println!("{answer}");
            } else {
                println!(
                    "checked a tree of {} entries: {} files rebuilt and compared; {} of {} referenced documents stored, each hashed",
                    report.size, report.files, report.documents_stored, report.documents_referenced
                );
                for p in &report.problems {
                    println!("PROBLEM: {p}");
                }
                println!(
                    "{}",
                    if report.is_clean() {
                        "OK: the log's files are what it signed"
                    } else {
                        "the log's files are NOT what it signed: see the problems above"
                    }
                );
            }
            if !report.is_clean() {
                std::process::exit(1);
            }
        }
        Command::Serve {
            dir,
            listen,
            batch_ms,
            no_witnesses,
        } => {
            let options = ledger::server::ServeOptions { no_witnesses };
            // Refused before a port is taken or `listening on` is said.
            ledger::server::check_witness_quorum(&dir, &options)?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                if let Some(ms) = batch_ms {
                    let d = LogDir::new(&dir);
                    let mut config = d.load_config()?;
                    config.batch_interval_ms = ms;
                    d.save_config(&config)?;
                }
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                let stop = ledger::server::shutdown_signal();
                println!("listening on http://{}", listener.local_addr()?);
                ledger::server::serve(&dir, listener, &options, stop).await?;
                Ok::<(), Box<dyn std::error::Error>>(())
            })?;
        }
        Command::Witness { command } => witness_command(command)?,
        Command::Bench {
            records,
            concurrency,
            batch_ms,
            read_seconds,
            dir,
        } => {
            let dir = dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("shailoo-bench-{}", std::process::id()))
            });
            let opts = ledger::bench::BenchOptions {
                records,
                concurrency,
                batch_ms,
                read_seconds,
                dir: dir.clone(),
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(ledger::bench::run(opts))?;
            print!("{report}");
            println!("log left in {} (delete it when done)", dir.display());
        }
        Command::Demo {
            dir,
            listen,
            precincts,
            seed,
            anomalies,
            verbose,
        } => {
            let anomalies = anomalies.as_deref().map(parse_anomalies).transpose()?;
            if !verbose {
                println!(
                    "the servers' logs: {} (-v to show them here)",
                    dir.join("logs/demo.log").display()
                );
            }
            let opts = ledger::demo::DemoOptions {
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
                .block_on(ledger::demo::run(opts, stop, |line| println!("{line}")))
                .map_err(|e| -> Box<dyn std::error::Error> { e })?;
        }
        Command::Simulate {
            url,
            root_key,
            election,
            concurrency,
            no_turnout,
        } => {
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
            let opts = ledger::simulate::SimulateOptions {
                url,
                root_key,
                precincts,
                seed,
                anomalies,
                concurrency,
                turnout_updates: !no_turnout,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let bar = ledger::progress::Submitted::new();
            let summary = runtime.block_on(ledger::simulate::simulate(opts, |done, total| {
                bar.update(done, total)
            }));
            bar.finish();
            let summary = summary?;
            print!("{}", ledger::simulate::report(&summary));
        }
    }
    Ok(())
}

fn witness_command(command: WitnessCommand) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        WitnessCommand::Add {
            dir,
            name,
            vkey,
            url,
        } => {
            let d = LogDir::new(&dir);
            let mut config = d.load_config()?;
            let w = WitnessConfig { name, vkey, url };
            check_witness(&w, &config.witnesses)?;
            println!("added witness {} at {}", w.name, w.url);
            config.witnesses.push(w);
            // A log that has a witness waits for at least one: quorum 0 is only ever chosen
            // explicitly (`ledger witness quorum DIR 0` and `serve --no-witnesses`).
            config.quorum = config.quorum.max(1);
            d.save_config(&config)?;
            println!(
                "quorum: {} of {} (change it with `ledger witness quorum {} K`)",
                config.quorum,
                config.witnesses.len(),
                dir.display()
            );
        }
        WitnessCommand::Quorum { dir, k } => {
            let d = LogDir::new(&dir);
            let mut config = d.load_config()?;
            if k > config.witnesses.len() {
                return Err(format!(
                    "quorum {k} is more than the {} witnesses configured",
                    config.witnesses.len()
                )
                .into());
            }
            config.quorum = k;
            d.save_config(&config)?;
            println!("quorum: {k} of {}", config.witnesses.len());
            if k == 0 {
                println!(
                    "warning: with quorum 0 the log publishes checkpoints no witness cosigned; `ledger serve` runs it only with --no-witnesses"
                );
            }
        }
        WitnessCommand::List { dir } => {
            let config = LogDir::new(&dir).load_config()?;
            for w in &config.witnesses {
                println!("{} {} {}", w.name, w.url, w.vkey);
            }
            println!("quorum: {} of {}", config.quorum, config.witnesses.len());
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
                .ok_or_else(|| format!("unknown anomaly {a:?}; see `ledger simulate --help`"))
        })
        .collect()
}
