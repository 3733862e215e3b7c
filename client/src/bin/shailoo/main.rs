//! `shailoo`: the submitters' command (see `shailoo --help`).

mod delivery;
mod keys;

use clap::{Parser, Subcommand};
use shailoo::keyfile::KeyFileError;
use shailoo::passphrase;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Delivers signed records to a ledger through the outbox, then the documents kept
    /// beside each, and writes each record's receipt (its tlog-proof bundle) beside it as
    /// RECORD.receipt once it proves the record is in the log.
    ///
    /// Each record is first copied into the outbox, so nothing is lost if the network drops
    /// or this is stopped; then everything waiting there is delivered, oldest first. A
    /// ledger that is down or busy is waited out (up to --patience seconds; its Retry-After
    /// is honoured); what is still waiting after that is delivered by the next `shailoo
    /// submit`, with or without records. A record the log already holds counts as delivered.
    ///
    /// With --key, RECORD is a record's JSON form, signed here first (as `shailoo sign`
    /// would, beside it) and then delivered: one step for devices that are online.
    ///
    /// Examples:
    ///   shailoo submit --url https://ledger.example.kg --policy observers.policy protocol-1001.signed
    ///   shailoo submit --url https://ledger.example.kg            (what waits in the outbox)
    ///   shailoo submit --url https://ledger.example.kg --key urn-1001.key urn-result.json
    #[command(verbatim_doc_comment)]
    Submit {
        /// The ledger's URL.
        #[arg(long)]
        url: String,
        /// Signed records (or, with --key, one record's JSON form). None: deliver what waits
        /// in the outbox.
        records: Vec<PathBuf>,
        /// The observers' trust policy (the log's key, the witnesses, the quorum) each
        /// receipt must satisfy before its record counts as delivered. Without it, a receipt
        /// is checked against the checkpoint it carries, whoever signed it.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The outbox directory [default: $XDG_STATE_HOME/shailoo/outbox, else
        /// ~/.local/state/shailoo/outbox].
        #[arg(long)]
        outbox: Option<PathBuf>,
        /// Sign RECORD (a JSON form) with this key first.
        #[arg(long)]
        key: Option<PathBuf>,
        /// With --key: a document the record references; repeat for each.
        #[arg(long = "document", requires = "key")]
        documents: Vec<PathBuf>,
        /// With --key: the time to sign at (Unix seconds; default now).
        #[arg(long, requires = "key")]
        time: Option<u64>,
        /// How long to keep trying to reach a ledger, in seconds.
        #[arg(long, default_value_t = 600)]
        patience: u64,
        /// Print one JSON object per record instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Shows what waits in the outbox to be delivered and why, and what the ledger refused.
    Outbox {
        /// The outbox directory [default: as `shailoo submit`].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Receipts: the proof bundles `shailoo submit` writes beside delivered records.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Prints the public key of a key file (no passphrase needed).
    Pubkey {
        /// The key file.
        file: PathBuf,
        /// Print a JSON object instead of text: the file, whether it is sealed, the key.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ReceiptCommand {
    /// Checks receipts offline: each one's checkpoint satisfies the trust policy (the log's
    /// signature, the witness quorum) and its inclusion proof leads from the record it
    /// carries to that checkpoint's root. Exit 1 if one does not.
    /// Example: shailoo receipt verify --policy observers.policy protocol-1001.signed.receipt
    Verify {
        /// The observers' trust policy.
        #[arg(long)]
        policy: PathBuf,
        /// Receipts.
        #[arg(required = true)]
        receipts: Vec<PathBuf>,
        /// Print one JSON object per receipt instead of text.
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
        Err(e @ Failure::Usage(_)) => {
            eprintln!("shailoo: {e}");
            ExitCode::from(3)
        }
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
    #[error(transparent)]
    Outbox(#[from] shailoo::outbox::OutboxError),
    #[error("policy {}: {why}", path.display())]
    Policy { path: PathBuf, why: String },
    #[error("{0}")]
    Usage(String),
}

/// Runs a command; its exit code.
fn run(command: Command) -> Result<u8, Failure> {
    match command {
        Command::Keygen {
            out,
            name,
            no_passphrase,
            json,
        } => keys::keygen(&out, &name, no_passphrase, json),
        Command::Sign {
            key,
            record,
            documents,
            time,
            out,
            json,
        } => {
            let out = out.unwrap_or_else(|| record.with_extension("signed"));
            let signed = keys::sign(&key, &record, &documents, time, &out)?;
            if json {
                println!("{}", serde_json::to_string(&signed).expect("plain data"));
            } else {
                println!(
                    "signed {} at {} by {}: {} ({} document(s) in {})",
                    signed.kind,
                    signed.time,
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
            policy,
            outbox,
            key,
            documents,
            time,
            patience,
            json,
        } => {
            let records = match key {
                Some(key) => {
                    let [record] = &records[..] else {
                        return Err(Failure::Usage(
                            "with --key, give one record's JSON form to sign and submit".into(),
                        ));
                    };
                    let out = record.with_extension("signed");
                    vec![keys::sign(&key, record, &documents, time, &out)?.record]
                }
                None => records,
            };
            delivery::submit(&delivery::Submission {
                url,
                records,
                policy,
                outbox,
                patience: std::time::Duration::from_secs(patience),
                json,
            })
        }
        Command::Outbox { dir, json } => delivery::list_outbox(dir, json),
        Command::Receipt(ReceiptCommand::Verify {
            policy,
            receipts,
            json,
        }) => delivery::verify_receipts(&policy, &receipts, json),
        Command::Pubkey { file, json } => keys::pubkey(&file, json),
    }
}
