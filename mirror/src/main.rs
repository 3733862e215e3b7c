//! The `mirror` command: a thin CLI over the `mirror` library. Exit codes: 0 ok, 1 failure,
//! 2 refused, 3 usage.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use mirror::MirrorError;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use witness::config::KeyKind;

/// An observers' mirror of a Shailoo log (C2SP tlog-mirror): it copies the whole log — entries,
/// tiles and every document the records reference — verifies every byte against checkpoints
/// its trust policy accepts, keeps the copy durably, cosigns each checkpoint it holds, and
/// serves the copy with the ledger's read API and the web viewer. When the CEC's server is
/// down, citizens verify the election from here.
#[derive(Parser)]
#[command(
    name = "mirror",
    version,
    after_help = "Getting started:\n  \
      mirror init /var/lib/mirror --name mirror.example.kg/observer-1 \\\n      \
      --log https://ledger.shailoo.gov.kg/ --policy observers.policy\n  \
      mirror serve /var/lib/mirror --listen 0.0.0.0:8443\n\n\
      Give the observers the lines `mirror vkey /var/lib/mirror` prints: a policy line\n  \
      mirror mirror.example.kg/observer-1 <vkey> https://mirror.example.kg/\n\
      lets verifiers find this copy, and lets a group require its cosignature.\n\n\
      Exit codes: 0 done; 1 failed while running (the file system, the database);\n\
      2 refused (the message says what to do instead); 3 usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines are written to stderr: text, or one JSON object per line.
    #[arg(long, global = true, default_value = "text", value_parser = http_front::watch::LogFormat::NAMES)]
    log_format: String,
}

#[derive(Subcommand)]
enum Command {
    /// Create a mirror in DIR: its cosigning keys, a copy of the policy, its configuration.
    ///
    /// Writes DIR/mirror.key and DIR/mirror-ml-dsa-44.key (mode 0600: back them up, never
    /// share them), DIR/policy (the trust policy the copy is checked against and that the
    /// viewer served here uses) and DIR/mirror.json. Prints the mirror's public keys last.
    #[command(after_help = "Example:\n  \
        mirror init /var/lib/mirror --name mirror.example.kg/observer-1 \\\n    \
        --log https://ledger.shailoo.gov.kg/ --policy observers.policy")]
    Init {
        /// The mirror's directory (created if missing).
        dir: PathBuf,
        /// The mirror's name: a schema-less URL naming your organization's mirror.
        #[arg(long)]
        name: String,
        /// The log's URL (the ledger's, or another mirror's: nothing it serves is trusted),
        /// or the absolute path of a directory holding a copy of the log's files.
        #[arg(long, value_name = "URL|DIR")]
        log: String,
        /// The trust policy: the log's key and the witnesses whose cosignatures it needs.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// The origin of the log to mirror, if the policy names several logs.
        #[arg(long)]
        origin: Option<String>,
        /// Keep the copy in a bucket (s3://BUCKET/PREFIX; AWS_* variables configure it)
        /// instead of DIR/public/.
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        storage: Option<String>,
        /// The kinds of cosigning key, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "ed25519,ml-dsa-44")]
        keys: Vec<KeyKind>,
    },
    /// Print the mirror's public keys (vkeys), one per line.
    Vkey { dir: PathBuf },
    /// Follow the log and serve the copy until SIGINT or SIGTERM.
    ///
    /// Prints `listening on URL` once bound. Serves what the ledger serves for reading
    /// (/checkpoint with this mirror's cosignatures, /tile/…, /blob/…, /api/v1/ proofs,
    /// bundles and the lookup index) and the viewer at /, with DIR/policy beside it.
    /// /readyz says how far the copy is and whether the log was read lately.
    #[command(after_help = "Example:\n  mirror serve /var/lib/mirror --listen 0.0.0.0:8443")]
    Serve {
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:7480")]
        listen: SocketAddr,
        /// How often to ask the log for a new checkpoint, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        poll_ms: u64,
        /// Serve HTTPS with this certificate chain (PEM)…
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// …and this private key (PEM, readable by its owner only).
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 3 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let format = http_front::watch::LogFormat::parse(&cli.log_format).expect("clap checked it");
    http_front::watch::init_logging(format, "info");
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mirror: {e}");
            let code = match e {
                MirrorError::Invalid(_) | MirrorError::Dir(_) => 2,
                MirrorError::Keys(witness::Error::Invalid(_)) => 2,
                _ => 1,
            };
            ExitCode::from(code)
        }
    }
}

fn run(command: Command) -> Result<(), MirrorError> {
    match command {
        Command::Init {
            dir,
            name,
            log,
            policy,
            origin,
            storage,
            keys,
        } => {
            let policy_text = std::fs::read_to_string(&policy)
                .map_err(MirrorError::io(format!("reading {}", policy.display())))?;
            let vkeys = mirror::dir::init(
                &dir,
                &mirror::dir::InitOptions {
                    name: &name,
                    upstream: &log,
                    policy_text: &policy_text,
                    origin: origin.as_deref(),
                    storage: storage.as_deref(),
                    keys: &keys,
                },
            )?;
            println!("created mirror {name} in {} following {log}", dir.display());
            println!("its verifier keys (for the observers' policy `mirror` lines):");
            for vkey in vkeys {
                println!("{vkey}");
            }
        }
        Command::Vkey { dir } => {
            for vkey in mirror::dir::vkeys(&dir)? {
                println!("{vkey}");
            }
        }
        Command::Serve {
            dir,
            listen,
            poll_ms,
            tls_cert,
            tls_key,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(
                    http_front::Tls::from_pem_files(&cert, &key)
                        .map_err(|e| MirrorError::Invalid(e.to_string()))?,
                ),
                _ => None,
            };
            serve(&dir, listen, Duration::from_millis(poll_ms.max(100)), tls)?;
        }
    }
    Ok(())
}

fn serve(
    dir: &Path,
    listen: SocketAddr,
    poll: Duration,
    tls: Option<http_front::Tls>,
) -> Result<(), MirrorError> {
    // Opened before the runtime and before binding: a missing key or a damaged copy fails
    // before anyone is told the mirror is listening.
    let mirror = mirror::serve::Mirror::open(dir, poll)?;
    let runtime =
        tokio::runtime::Runtime::new().map_err(MirrorError::io("starting the async runtime"))?;
    runtime.block_on(async {
        let stop = ledger::server::shutdown_signal();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = http_front::bind_and_announce(listen, scheme)
            .await
            .map_err(|e| MirrorError::Invalid(e.to_string()))?;
        mirror.run(listener, tls, stop).await
    })
}
