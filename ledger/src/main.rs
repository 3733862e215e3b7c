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
    /// How log lines are written to stderr: text, or one JSON object per line for a log
    /// collector. Every request is logged (target `access`); RUST_LOG filters.
    #[arg(long, global = true, default_value = "text", value_parser = http_front::watch::LogFormat::NAMES)]
    log_format: String,
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
        /// Keep the log's files in an S3 bucket, s3://BUCKET/PREFIX, rather than in DIR/public
        /// (the key and configuration stay in DIR). The endpoint and credentials come from
        /// the AWS_* environment variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
        /// AWS_SECRET_ACCESS_KEY, AWS_REGION; AWS_ALLOW_HTTP=true for a plain-HTTP endpoint).
        /// Copy DIR's config.json and log.key to a second machine to run a second sequencer.
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        storage: Option<String>,
    },
    /// Print the log's verifier key (vkey).
    Vkey { dir: PathBuf },
    /// Print the entry that lists this log in a witness-network log list (`logs/v0`): its
    /// key, its origin (when not the key's name), the checkpoints per day it may ask each
    /// witness to cosign, and whom to contact. Give it to the maintainers of the lists
    /// witnesses configure themselves from (`witness add-logs --list`).
    ///
    /// The checkpoints per day are at most one per batch interval (a batch with new records
    /// publishes one checkpoint), unless --qpd says less — but a log that asks more often
    /// than its list says may be refused by the witnesses.
    #[command(after_help = "Example:
          ledger list-entry /var/lib/shailoo/log --contact 'it@shailoo.gov.kg'")]
    ListEntry {
        dir: PathBuf,
        /// How humans reach the log's operator (an e-mail address, a URL).
        #[arg(long)]
        contact: String,
        /// Checkpoints per day to list (default: one per batch interval).
        #[arg(long)]
        qpd: Option<u64>,
    },
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
    ///
    /// Besides the log, every server answers GET /healthz (alive) and GET /metrics
    /// (Prometheus: records admitted and refused by code, queue depth, batch latency,
    /// published size and time, each witness's answers and latency, storage errors, requests
    /// and connections).
    ///
    /// A log in a bucket may be served by two processes (two machines, each with a copy of
    /// the log directory): one sequences, the other waits as a standby, without listening,
    /// and takes over when the first has been silent for the lease period. One that finds
    /// another has taken over exits with code 75 without answering anyone.
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
        /// For a log in a bucket: how long, in milliseconds, a standby waits on a silent
        /// sequencer before taking over (the sequencer renews every third of it).
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(300..=600_000))]
        lease_ms: u64,
        /// Report not ready at /readyz once the published checkpoint is older than this many
        /// seconds (its witnesses stopped cosigning, or nothing was logged for that long).
        #[arg(long, value_name = "SECONDS")]
        ready_max_age: Option<u64>,
        /// Speak HTTPS with this certificate chain (PEM, the server's certificate first),
        /// rather than plain HTTP behind a proxy.
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM, readable by its owner only).
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
    },
    /// Manage the witnesses the log asks for cosignatures.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
}

#[derive(Subcommand)]
enum WitnessCommand {
    /// Add a witness (takes effect at the next `serve`).
    ///
    /// A witness has one or two keys (Ed25519 and ML-DSA-44); give them all, as `witness
    /// vkey` prints them. The log collects a cosignature by each, and the witness counts
    /// once toward the quorum if any of them verifies.
    ///
    /// Example: ledger witness add ./log --name observer-1 \
    ///            --vkey "$(witness vkey ./w1)" --url http://127.0.0.1:7380
    #[command(verbatim_doc_comment)]
    Add {
        dir: PathBuf,
        /// A short name for the witness, used in logs and policies.
        #[arg(long)]
        name: String,
        /// The witness's verifier keys (cosignature/v1 and/or ML-DSA-44), as `witness vkey`
        /// prints them: repeat --vkey, or give them in one value separated by newlines.
        #[arg(long, required = true)]
        vkey: Vec<String>,
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
    ) || e.downcast_ref::<http_front::TlsError>().is_some()
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
    let format = http_front::watch::LogFormat::parse(&cli.log_format).expect("clap checked it");
    http_front::watch::init_logging(format, "info,tower_http=warn");
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger: {e}");
            ExitCode::from(exit_code(e.as_ref()))
        }
    }
}

fn run(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Init {
            dir,
            origin,
            root_vkey,
            storage,
        } => {
            let created =
                ledger::server::init_on(&dir, &origin, root_vkey.as_deref(), storage.as_deref())?;
            match &storage {
                Some(url) => println!(
                    "created log {origin}: its files in {url}, its key and configuration in {}",
                    dir.display()
                ),
                None => println!("created log {origin} in {}", dir.display()),
            }
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
        Command::ListEntry { dir, contact, qpd } => {
            let log = LogDir::new(&dir);
            let config = log.load_config()?;
            let entry = tlog::log_list::ListedLog {
                vkey: log.load_log_key()?.verifier().to_string(),
                origin: config.origin,
                qpd: qpd
                    .unwrap_or(86_400_000 / config.batch_interval_ms.max(1))
                    .max(1),
                contact: contact.trim().to_string(),
            };
            if entry.contact.is_empty() || entry.contact.contains('\n') {
                return Err("--contact must be one line of text, not empty".into());
            }
            print!("{}", entry.to_lines());
        }
        Command::Check { dir, json } => {
            let bar = progress::Progress::new("entries checked", 0);
            let report = ledger::check::check(&dir, |done, total| {
                bar.set_total(total);
                bar.update(done);
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
            lease_ms,
            ready_max_age,
            tls_cert,
            tls_key,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(http_front::Tls::from_pem_files(&cert, &key)?),
                _ => None,
            };
            let scheme = if tls.is_some() { "https" } else { "http" };
            let options = ledger::server::ServeOptions {
                no_witnesses,
                lease_period: std::time::Duration::from_millis(lease_ms),
                ready_max_age: ready_max_age.map(std::time::Duration::from_secs),
            };
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
                let mut stop = Box::pin(ledger::server::shutdown_signal());
                // Recovered (and, for a log in a bucket, its lease held) before the port is
                // taken: a standby does not listen, so clients and balancers find the holder.
                let prepared = tokio::select! {
                    prepared = ledger::server::prepare(&dir, &options) => prepared?,
                    () = &mut stop => return Ok(()),
                };
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                println!("listening on {scheme}://{}", listener.local_addr()?);
                prepared.with_tls(tls).run(listener, stop).await?;
                Ok::<(), Box<dyn std::error::Error>>(())
            })?;
        }
        Command::Witness { command } => witness_command(command)?,
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
            let vkeys = vkey
                .iter()
                .flat_map(|v| v.split_whitespace())
                .map(str::to_string)
                .collect();
            let w = WitnessConfig { name, vkeys, url };
            check_witness(&w, &config.witnesses)?;
            let kinds: Vec<&str> = w.keys()?.iter().map(|k| k.algorithm_name()).collect();
            println!(
                "added witness {} at {} ({} key{})",
                w.name,
                w.url,
                kinds.join(" and "),
                if kinds.len() > 1 { "s" } else { "" }
            );
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
                println!("{} {} {}", w.name, w.url, w.vkeys.join(" "));
            }
            println!("quorum: {} of {}", config.quorum, config.witnesses.len());
        }
    }
    Ok(())
}
