//! The `witness` command: a thin CLI over the `witness` library. Exit codes: 0 ok, 1 failure,
//! 2 usage.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use witness::config::KeyKind;

/// A witness for transparency logs (C2SP tlog-witness): it cosigns a log's checkpoint only if
/// it extends everything it cosigned before for that log, and keeps any checkpoint that
/// contradicts that as evidence.
#[derive(Parser)]
#[command(
    name = "witness",
    version,
    after_help = "Getting started:\n  \
      witness init /var/lib/witness --name witness.example.kg/observer-1\n  \
      witness add-log /var/lib/witness --origin shailoo.gov.kg/ledger/2026-11-30-parliamentary \\\n      \
      --vkey 'shailoo.gov.kg/ledger/2026-11-30-parliamentary+1a2b3c4d+AQ...'\n  \
      witness serve /var/lib/witness --listen 0.0.0.0:7380\n\n\
      Give the log operator the lines `witness vkey /var/lib/witness` prints and this\n\
      witness's URL. Back up the whole directory: a witness that loses its state must not\n\
      be restarted empty with the same key.\n\n\
      Exit codes: 0 done; 1 failed while running (the file system or the state database);\n\
      2 refused (what was asked cannot be done as asked: the message says what to do\n\
      instead); 3 usage error."
)]
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
    /// Create a witness: new cosigning keys and an empty state database in DIR.
    ///
    /// Writes the private keys (mode 0600: back them up, never share them) — DIR/witness.key
    /// (Ed25519, cosignature/v1) and DIR/witness-ml-dsa-44.key (ML-DSA-44, post-quantum) —
    /// and DIR/witness.db (what this witness cosigned). Prints the public keys (vkeys), one
    /// per line, as the last lines: give them all to the log operators and to the verifiers
    /// that trust this witness. Refuses to overwrite an existing witness.
    ///
    /// Both kinds by default: tlog-cosignature v1.1 asks new deployments to use ML-DSA-44,
    /// whose cosignatures stay convincing if Ed25519 falls to a quantum computer, and Ed25519
    /// is what every client verifies today. Each cosignature is one line per key.
    #[command(after_help = "Example:\n  \
        witness init /var/lib/witness --name witness.example.kg/observer-1\n  \
        witness init /var/lib/witness --name witness.example.kg/observer-1 --keys ed25519")]
    Init {
        /// The witness directory (created if missing).
        dir: PathBuf,
        /// The witness's name: a schema-less URL naming your organization's witness.
        #[arg(long)]
        name: String,
        /// The kinds of key to make, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "ed25519,ml-dsa-44")]
        keys: Vec<KeyKind>,
    },
    /// Witness a log: cosign checkpoints with this origin that its key signed.
    ///
    /// The origin is the first line of the log's checkpoints; the key is the log's Ed25519
    /// verifier key (type 0x01), from its operator. Works with any C2SP log. A second key for
    /// the same origin is added beside the first (key rotation) and the state is kept. There
    /// is no removal: a witness that forgot a log and met it again could cosign a split view.
    /// Takes effect at once, even while `witness serve` runs.
    #[command(after_help = "Example:\n  \
        witness add-log /var/lib/witness \\\n    \
        --origin shailoo.gov.kg/ledger/2026-11-30-parliamentary \\\n    \
        --vkey 'shailoo.gov.kg/ledger/2026-11-30-parliamentary+1a2b3c4d+AQ...'")]
    AddLog {
        /// The witness directory.
        dir: PathBuf,
        /// The log's origin: the first line of its checkpoints.
        #[arg(long)]
        origin: String,
        /// The log's verifier key: <name>+<8 hex digits>+<base64 key>.
        #[arg(long)]
        vkey: String,
    },
    /// Witness every log of a witness-network log list (`logs/v0`), from a file or a URL.
    ///
    /// Each listed log is added as `add-log` adds it (its origin, or the key's name when the
    /// list gives none, and its Ed25519 key). All or none: a list with one bad entry adds
    /// nothing and names the line. Run it again when the list changes; logs already
    /// witnessed stay as they are, and none is ever removed. A URL is fetched over HTTP(S),
    /// at most 1 MiB, within 30 s.
    #[command(after_help = "Examples:
          witness add-logs /var/lib/witness --list observers-logs.txt
          witness add-logs /var/lib/witness --list https://observers.example.kg/logs/v0")]
    AddLogs {
        /// The witness directory.
        dir: PathBuf,
        /// The list: a file, or an http:// or https:// URL.
        #[arg(long, value_name = "FILE|URL")]
        list: String,
        /// Print what was added as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the witness's public keys (vkeys), one per line, Ed25519 first.
    ///
    /// Log operators configure them all to request cosignatures (`ledger witness add --vkey
    /// "$(witness vkey DIR)"`); verifiers put each in their trust policy (`witness <name>
    /// <vkey> <url>`, one line per key; a group says whether either key or both must cosign).
    #[command(after_help = "Example:\n  witness vkey /var/lib/witness")]
    Vkey {
        /// The witness directory.
        dir: PathBuf,
    },
    /// Serve the witness over HTTP until SIGINT or SIGTERM.
    ///
    /// Routes, at the root of the URL: POST /add-checkpoint (c2sp.org/tlog-witness),
    /// GET /<sha256 hex of origin>/checkpoint (the latest cosigned checkpoint of a log),
    /// GET /evidence (JSON), GET / (who this witness is, which logs it witnesses), GET /healthz,
    /// GET /readyz (its state database answers), GET /metrics (Prometheus: cosignatures by
    /// answer, requests, connections). Prints
    /// `listening on http://ADDR` once bound; logs requests to stderr (set RUST_LOG=debug for
    /// more, RUST_LOG=warn for less). Every cosigned state is on disk before its answer is
    /// sent. With --tls-cert and --tls-key it speaks HTTPS itself (and says
    /// `listening on https://ADDR`); otherwise put a TLS proxy in front of it on a public
    /// network.
    #[command(after_help = "Example:\n  \
        witness serve /var/lib/witness --listen 0.0.0.0:7380")]
    Serve {
        /// The witness directory.
        dir: PathBuf,
        /// The address and port to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:7380", conflicts_with = "bastion")]
        listen: SocketAddr,
        /// Speak HTTPS with this certificate chain (PEM, the server's certificate first).
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM, readable by its owner only).
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
        /// Listen nowhere: dial out to this bastion (https://host[:port], c2sp.org/
        /// https-bastion) and serve through it, for a witness behind NAT or a firewall. Its
        /// public URL is https://host[:port]/<key hash> (`witness bastion-hash`); the bastion's
        /// operator must allow that hash. Trusts the platform's roots, or SSL_CERT_FILE.
        #[arg(long, value_name = "URL", conflicts_with_all = ["tls_cert", "tls_key"])]
        bastion: Option<String>,
    },
    /// Print the key hash that names this witness at a bastion: give it to the bastion's
    /// operator to allow, and tell log operators https://BASTION/<hash> as the witness's URL.
    #[command(after_help = "Example:\n  witness bastion-hash /var/lib/witness")]
    BastionHash { dir: PathBuf },
    /// Run a bastion (c2sp.org/https-bastion): witnesses that accept no connections dial out
    /// to it, and it relays each request for https://HOST/<key hash>/<path> to that witness.
    ///
    /// Speaks TLS 1.3 only. Backends prove their Ed25519 key with a client certificate; only
    /// the key hashes listed in --backends are served (restart to change the list). Prints
    /// `listening on https://ADDRESS` once bound.
    #[command(after_help = "Example:\n  \
        witness bastion --listen 0.0.0.0:443 --tls-cert cert.pem --tls-key key.pem --backends backends.txt")]
    Bastion {
        #[arg(long, default_value = "127.0.0.1:7443")]
        listen: SocketAddr,
        /// The bastion's certificate chain (PEM).
        #[arg(long, value_name = "PEM")]
        tls_cert: PathBuf,
        /// Its private key (PEM, readable by its owner only).
        #[arg(long, value_name = "PEM")]
        tls_key: PathBuf,
        /// The allowed backends: one key hash per line (`witness bastion-hash`), `#` comments.
        #[arg(long, value_name = "FILE")]
        backends: PathBuf,
    },
    /// List the evidence of log misbehaviour this witness kept.
    ///
    /// Each record is a validly signed checkpoint that contradicts what this witness had
    /// cosigned (the same size with another root, or an extension whose consistency proof
    /// failed), with the time it came, the request verbatim and the checkpoint the witness had
    /// cosigned. Publish it: together they show the log signed two histories. Safe to run
    /// while the witness serves.
    #[command(after_help = "Example:\n  witness evidence /var/lib/witness\n  \
        witness evidence /var/lib/witness --json > evidence.json")]
    Evidence {
        /// The witness directory.
        dir: PathBuf,
        /// Print JSON (as GET /evidence serves it) instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version: 0; usage errors: 3 (clap's own 2 means "refused" here).
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
            eprintln!("witness: {e}");
            let code = match e {
                witness::Error::Invalid(_) => 2,
                witness::Error::Io { .. }
                | witness::Error::Database { .. }
                | witness::Error::Group(_) => 1,
            };
            ExitCode::from(code)
        }
    }
}

fn run(command: Command) -> Result<(), witness::Error> {
    match command {
        Command::Init { dir, name, keys } => {
            let vkeys = witness::init(&dir, &name, &keys)?;
            println!("created witness {name} in {}", dir.display());
            for kind in KeyKind::ALL.into_iter().filter(|k| keys.contains(k)) {
                println!(
                    "its {kind:?} private key is {} (mode 0600): back it up and never share it",
                    witness::config::key_path(&dir, kind).display()
                );
            }
            println!("its verifier keys (give them to log operators and verifiers):");
            for vkey in vkeys {
                println!("{vkey}");
            }
        }
        Command::AddLog { dir, origin, vkey } => {
            witness::add_log(&dir, &origin, &vkey)?;
            println!("witnessing {origin} signed by {}", vkey.trim());
        }
        Command::AddLogs { dir, list, json } => {
            let text = read_list(&list)?;
            let added = witness::add_listed_logs(&dir, &text)?;
            if json {
                let logs: Vec<serde_json::Value> = added
                    .iter()
                    .map(|(log, new)| {
                        serde_json::json!({"origin": log.origin, "vkey": log.vkey, "qpd": log.qpd, "contact": log.contact, "new": new})
                    })
                    .collect();
                println!("{}", serde_json::json!({ "logs": logs }));
            } else {
                for (log, new) in &added {
                    let state = if *new { "added" } else { "already witnessed" };
                    println!("{state}: {} signed by {}", log.origin, log.vkey);
                }
                let new = added.iter().filter(|(_, new)| *new).count();
                println!("{} log(s) in the list, {new} new", added.len());
            }
        }
        Command::Vkey { dir } => {
            for vkey in witness::vkeys(&dir)? {
                println!("{vkey}");
            }
        }
        Command::Serve {
            dir,
            listen,
            tls_cert,
            tls_key,
            bastion: Some(url),
        } => {
            let _ = (listen, tls_cert, tls_key);
            serve_through_bastion(&dir, &url)?
        }
        Command::BastionHash { dir } => {
            println!(
                "{}",
                witness::Witness::open(&dir)?.bastion_identity()?.key_hash()
            );
        }
        Command::Bastion {
            listen,
            tls_cert,
            tls_key,
            backends,
        } => run_bastion(listen, &tls_cert, &tls_key, &backends)?,
        Command::Serve {
            dir,
            listen,
            tls_cert,
            tls_key,
            bastion: None,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(
                    http_front::Tls::from_pem_files(&cert, &key)
                        .map_err(|e| witness::Error::Invalid(e.to_string()))?,
                ),
                _ => None,
            };
            serve(&dir, listen, tls)?
        }
        Command::Evidence { dir, json } => {
            let records = witness::evidence(&dir)?;
            if json {
                let text = serde_json::to_string_pretty(&records)
                    .expect("evidence records always encode as JSON");
                println!("{text}");
            } else {
                print!("{}", witness::evidence::to_text(&records));
            }
        }
    }
    Ok(())
}

fn serve(
    dir: &Path,
    listen: SocketAddr,
    tls: Option<http_front::Tls>,
) -> Result<(), witness::Error> {
    // Open before binding, so that a missing key or database fails before anyone is told
    // the witness is listening.
    let witness = witness::Witness::open(dir)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(witness::Error::io("cannot start the async runtime"))?;
    runtime.block_on(async {
        // Catch the signals before saying "listening", so that a SIGTERM sent right after
        // that line stops the witness cleanly instead of killing it.
        let stop = stop_signal()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = http_front::bind_and_announce(listen, scheme)
            .await
            .map_err(|e| witness::Error::Invalid(e.to_string()))?;
        witness.serve_tls(listener, tls, stop).await
    })
}

/// A future that completes on SIGINT or SIGTERM; the handlers are installed when it is made.
fn serve_through_bastion(dir: &Path, url: &str) -> Result<(), witness::Error> {
    let witness = witness::Witness::open(dir)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(witness::Error::io("cannot start the async runtime"))?;
    runtime.block_on(async {
        let stop = stop_signal()?;
        let said = std::sync::atomic::AtomicBool::new(false);
        witness
            .serve_through_bastion(url, stop, |public| {
                // Scripts and tests read the witness's URL from this line, said once.
                if !said.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    let mut stdout = std::io::stdout();
                    let _ = writeln!(stdout, "listening on {public}");
                    let _ = stdout.flush();
                }
                tracing::info!(url = %public, "connected to the bastion");
            })
            .await
    })
}

fn run_bastion(
    listen: SocketAddr,
    cert: &Path,
    key: &Path,
    backends: &Path,
) -> Result<(), witness::Error> {
    let invalid = |e: &dyn std::fmt::Display| witness::Error::Invalid(e.to_string());
    let (chain, key) = http_front::load_pem(cert, key).map_err(|e| invalid(&e))?;
    let text = std::fs::read_to_string(backends).map_err(witness::Error::io(format!(
        "reading {}",
        backends.display()
    )))?;
    let allowed = bastion::relay::Allowed::parse(&text).map_err(|e| invalid(&e))?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(witness::Error::io("cannot start the async runtime"))?;
    runtime.block_on(async {
        let stop = stop_signal()?;
        let listener = http_front::bind_and_announce(listen, "https")
            .await
            .map_err(|e| witness::Error::Invalid(e.to_string()))?;
        tracing::info!(backends = allowed.0.len(), "bastion serving");
        bastion::relay::run(listener, chain, key, allowed, stop)
            .await
            .map_err(|e| invalid(&e))
    })
}

fn stop_signal() -> Result<impl Future<Output = ()> + Send + 'static, witness::Error> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(witness::Error::io("cannot catch SIGTERM"))?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(witness::Error::io("cannot catch SIGINT"))?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
    })
}

/// The text of a log list: a file, or an http(s) URL (at most 1 MiB, within 30 s).
fn read_list(list: &str) -> Result<String, witness::Error> {
    const MAX: usize = 1 << 20;
    let bytes = if list.starts_with("http://") || list.starts_with("https://") {
        let fetch = async {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .map_err(|e| e.to_string())?;
            let mut answer = client
                .get(list)
                .send()
                .await
                .and_then(|a| a.error_for_status())
                .map_err(|e| e.to_string())?;
            let mut body = Vec::new();
            while let Some(chunk) = answer.chunk().await.map_err(|e| e.to_string())? {
                body.extend_from_slice(&chunk);
                if body.len() > MAX {
                    return Err("larger than 1 MiB".to_string());
                }
            }
            Ok(body)
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(witness::Error::io("starting the network runtime"))?
            .block_on(fetch)
            .map_err(|e| {
                witness::Error::Invalid(format!("cannot fetch the log list {list}: {e}"))
            })?
    } else {
        std::fs::read(list).map_err(witness::Error::io(format!("reading the log list {list}")))?
    };
    if bytes.len() > MAX {
        return Err(witness::Error::Invalid(format!(
            "the log list {list} is larger than 1 MiB"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| witness::Error::Invalid(format!("the log list {list} is not UTF-8 text")))
}
