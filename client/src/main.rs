//! `shailoo`: the submitters' command (see `shailoo --help`).

use clap::{Parser, Subcommand};
use shailoo::keyfile::{self, KeyFileError, Protection};
use shailoo::passphrase;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tlog::keys::{ALG_ED25519, SignerKey};

#[derive(Parser)]
#[command(
    name = "shailoo",
    version,
    about = "The client of everyone who appends to the election's log: the CEC, the precinct \
             commissions, the urns and identification devices, the complaints and finance offices.",
    after_help = "Exit codes: 0 done; 1 some records refused by the ledger (with its \
                  reasons); 2 refused (a key file that exists, that others can read, a wrong \
                  passphrase; a record that does not read, a document it does not reference); \
                  3 usage, or a ledger not reached in time.\n\
                  Passphrases are read from SHAILOO_PASSPHRASE when it is set, otherwise asked \
                  for on the terminal; never from the command line."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Makes a new signing key in a new file (mode 0600, sealed with a passphrase) and prints
    /// its public key as the last line: what `ledger init --root-vkey` and enrollments take.
    ///
    /// Make the CEC's root key on an offline machine and keep the file (and its passphrase)
    /// apart; only its public key goes to the log. The file is never overwritten.
    Keygen {
        /// Where to write the key.
        #[arg(long)]
        out: PathBuf,
        /// The key's name, e.g. `cec.gov.kg/root` or `cec.gov.kg/precinct-1001`: shown in
        /// signatures and listings, never secret.
        #[arg(long)]
        name: String,
        /// Write the key unsealed. For tests only: anyone who copies the file can sign.
        #[arg(long)]
        no_passphrase: bool,
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Signs a record offline: its JSON form (spec/records.md §7), the key, and the documents
    /// it references, into the entry the log will hold — no network.
    ///
    /// Writes OUT (default: RECORD with `.signed` instead of `.json`) and a copy of each
    /// document in OUT.documents/, named by its SHA-256: carry both to whatever submits them.
    /// Example: shailoo sign --key uik-1001.key protocol-1001.json --document page1.jpg
    Sign {
        /// The signer's key file.
        #[arg(long)]
        key: PathBuf,
        /// The record in its JSON form: {"election": …, "kind": …, "body": {…}}.
        record: PathBuf,
        /// A document the record references (a scan, a PDF); repeat for each.
        #[arg(long = "document")]
        documents: Vec<PathBuf>,
        /// The time to sign at (Unix seconds; default now). The log admits a record signed
        /// up to 72 hours before it arrives.
        #[arg(long)]
        time: Option<u64>,
        /// Where to write the signed record.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print a JSON object instead of text: the record's file, kind, signer, time, leaf
        /// hash and documents.
        #[arg(long)]
        json: bool,
    },
    /// Delivers signed records (from `shailoo sign`) to a ledger, then the documents kept
    /// beside each, and writes each record's receipt (its tlog-proof bundle) beside it as
    /// RECORD.receipt once it proves the record is in the log.
    ///
    /// A network that drops or a busy ledger is waited out (up to --patience seconds); a
    /// record the log already holds counts as delivered. Check a receipt against the
    /// observers' policy with `verifier bundle RECEIPT --policy P`.
    /// Example: shailoo submit --url https://ledger.example.kg protocol-1001.signed
    Submit {
        /// The ledger's URL.
        #[arg(long)]
        url: String,
        /// Signed records.
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// How long to keep trying to reach a ledger, in seconds.
        #[arg(long, default_value_t = 600)]
        patience: u64,
        /// Print one JSON object per record instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Prints the public key of a key file (no passphrase needed).
    Pubkey {
        /// The key file.
        file: PathBuf,
        /// Print a JSON object instead of text: the file, whether it is sealed, the key.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version: 0; usage errors: 3 (2 means "refused" here).
            let code = if e.use_stderr() { 3 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("shailoo: {e}");
            ExitCode::from(2)
        }
    }
}

/// Why a command failed: each says what to do.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Key(#[from] KeyFileError),
    #[error(transparent)]
    Sign(#[from] shailoo::sign::SignError),
    #[error(transparent)]
    Passphrase(#[from] passphrase::PassphraseError),
}

/// Runs a command; its exit code.
fn run(command: Command) -> Result<u8, Failure> {
    match command {
        Command::Keygen {
            out,
            name,
            no_passphrase,
            json,
        } => {
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(seed.as_mut()).expect("the OS's random source");
            let key = SignerKey::from_seed(&name, ALG_ED25519, &seed).map_err(|e| {
                KeyFileError::Malformed {
                    path: out.clone(),
                    why: format!("the name {name:?}: {e}"),
                }
            })?;
            if no_passphrase {
                keyfile::create(&out, &key, Protection::None)?;
            } else {
                let passphrase = passphrase::for_new_key(&out.display().to_string())?;
                keyfile::create(&out, &key, Protection::Passphrase(&passphrase))?;
            }
            let vkey = key.verifier().to_string();
            if json {
                let answer = serde_json::json!({
                    "file": out,
                    "name": name,
                    "sealed": !no_passphrase,
                    "vkey": vkey,
                });
                println!("{answer}");
            } else {
                let sealing = if no_passphrase {
                    "NOT sealed (tests only: anyone who copies it can sign)"
                } else {
                    "sealed with your passphrase"
                };
                println!(
                    "wrote {} (mode 0600, {sealing}); keep it and its passphrase apart, and never share them",
                    out.display()
                );
                println!("public key:\n{vkey}");
            }
            Ok(0)
        }
        Command::Sign {
            key,
            record,
            documents,
            time,
            out,
            json,
        } => {
            let signer = keyfile::load(&key, || passphrase::for_key(&key.display().to_string()))?;
            let time = time.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("the clock is after 1970")
                    .as_secs()
            });
            let out = out.unwrap_or_else(|| record.with_extension("signed"));
            let signed =
                shailoo::sign::sign_file(&record, signer.signing_key(), time, &documents, &out)?;
            if json {
                println!("{}", serde_json::to_string(&signed).expect("plain data"));
            } else {
                println!(
                    "signed {} at {time} by {}: {} ({} document(s) in {})",
                    signed.kind,
                    signed.signer,
                    signed.record.display(),
                    signed.documents.len(),
                    shailoo::sign::documents_dir(&signed.record).display()
                );
            }
            Ok(0)
        }
        Command::Submit {
            url,
            records,
            patience,
            json,
        } => Ok(submit(&url, &records, Duration::from_secs(patience), json)),
        Command::Pubkey { file, json } => {
            let vkey = keyfile::public_key(&file)?.to_string();
            if json {
                let sealed = keyfile::is_sealed(&file)?;
                println!(
                    "{}",
                    serde_json::json!({"file": file, "sealed": sealed, "vkey": vkey})
                );
            } else {
                println!("{vkey}");
            }
            Ok(0)
        }
    }
}

/// Delivers each record in turn; the exit code: 1 if the ledger refused one, 3 if one could not
/// be delivered in time, 2 if one could not be read, 0 when all are in the log.
fn submit(url: &str, records: &[PathBuf], patience: Duration, json: bool) -> u8 {
    use shailoo::submit::SubmitError;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = shailoo::client::LedgerClient::new(url);
    let mut code = 0;
    for record in records {
        let retrying = |what: &str| eprintln!("shailoo: {what}");
        let delivered = runtime.block_on(shailoo::submit::deliver(
            &client, record, patience, &retrying,
        ));
        match delivered {
            Ok(d) if json => println!("{}", serde_json::to_string(&d).expect("plain data")),
            Ok(d) => println!(
                "{}: logged at index {}{} ({} document(s) uploaded); receipt {}",
                d.record.display(),
                d.index,
                if d.already_logged { " (already)" } else { "" },
                d.documents,
                d.receipt.display()
            ),
            Err(e) => {
                eprintln!("shailoo: {e}");
                let this = match e {
                    SubmitError::Refused { .. } | SubmitError::BadReceipt { .. } => 1,
                    SubmitError::GaveUp { .. } => 3,
                    SubmitError::Io { .. } => 2,
                };
                // A refusal says most; then a ledger not reached; then a file not read.
                let rank = |c: u8| [0, 2, 3, 1].iter().position(|&x| x == c);
                if rank(this) > rank(code) {
                    code = this;
                }
            }
        }
    }
    code
}
