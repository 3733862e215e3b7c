//! `shailoo`: the submitters' command (see `shailoo --help`).

mod delivery;
mod keys;
mod setup;

use clap::{Parser, Subcommand};
use keyfile::KeyFileError;
use keyfile::passphrase;
use shailoo::signer::{KeySource, OpenError};
use std::path::PathBuf;
use std::process::ExitCode;

/// What every command's help ends with.
const EXIT_CODES: &str = "Exit codes: 0 done; 1 some records refused by the ledger (with its \
     reasons), or a receipt that does not prove its record; 2 refused (a key file that exists, \
     that others can read, a wrong passphrase; a record or a CSV row that does not read, a \
     document no record references); 3 usage, or a ledger not reached in time (what was not \
     delivered waits in the outbox).\n\
     Passphrases are read from SHAILOO_PASSPHRASE when it is set, otherwise asked for on the \
     terminal; never from the command line.";

#[derive(Parser)]
#[command(
    name = "shailoo",
    version,
    about = "The client of everyone who appends to the election's log: the CEC, the precinct \
             commissions, the urns and identification devices, the complaints and finance offices.",
    after_help = EXIT_CODES
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
    #[command(after_help = EXIT_CODES)]
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
    /// Signs records offline: their JSON forms (spec/records.md §7), the key, and the
    /// documents they reference, into the entries the log will hold — no network.
    ///
    /// Writes each RECORD with `.signed` instead of `.json` (or OUT, for one record) and a
    /// copy of each document it references in RECORD.signed.documents/, named by its
    /// SHA-256: carry both to whatever submits them. All records are read and every document
    /// matched before anything is written. The passphrase is asked for once.
    /// Example: shailoo sign --key uik-1001.key protocol-1001.json --document page1.jpg
    #[command(after_help = EXIT_CODES)]
    Sign {
        #[command(flatten)]
        key: KeyArgs,
        /// Records in their JSON form: {"election": …, "kind": …, "body": {…}}.
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// A document a record references (a scan, a PDF); repeat for each.
        #[arg(long = "document")]
        documents: Vec<PathBuf>,
        /// The time to sign at (Unix seconds; default now). The log admits a record signed
        /// up to 72 hours before it arrives.
        #[arg(long)]
        time: Option<u64>,
        /// Where to write the signed record (one record only).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print one JSON object per record instead of text: the record's file, kind, signer,
        /// time, leaf hash and documents.
        #[arg(long)]
        json: bool,
    },
    /// Makes the election's set-up records from the CEC's own files: the election definition
    /// (JSON) and the precinct registry (CSV), written as JSON forms to sign with the root key.
    ///
    /// The registry CSV has a header row naming its columns: precinct, territory, region,
    /// station_ky, station_ru, address_ky, address_ru, registered (spec/records.md §8). Each
    /// territory must be in the definition, in the region the row names. The registry is cut
    /// into parts that each fit in an entry, and the definition's registry_parts set to their
    /// number. Nothing is written if any row is wrong; the error names its line and column.
    ///
    /// Example:
    ///   shailoo define --definition election.json --precincts precincts.csv --out setup
    ///   shailoo sign --key root.key setup/*.json
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Define {
        /// The election definition in its JSON form (kind `election-definition`).
        #[arg(long)]
        definition: PathBuf,
        /// The precinct registry as CSV.
        #[arg(long)]
        precincts: PathBuf,
        /// A new directory for the records' JSON forms.
        #[arg(long)]
        out: PathBuf,
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Enrolls keys from a CSV list: signs a key enrollment for each row with KEY (the root's
    /// for CEC operators; the root's or an operator's for the rest) and, with --url, submits
    /// them through the outbox.
    ///
    /// The CSV has a header row naming its columns: key (as `shailoo keygen` prints it), role,
    /// holder, scope (`all`, or `territory:N` and `precinct:N` items separated by spaces),
    /// valid_from, valid_until (UTC, 2026-11-29T08:00:00Z, or Unix seconds). Without --url
    /// nothing touches a network: carry OUT to a machine that submits it.
    ///
    /// Example:
    ///   shailoo enroll --key operator.key --keys keys.csv --url https://ledger.example.kg
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Enroll {
        /// The enrolling key.
        #[command(flatten)]
        key: KeyArgs,
        /// The keys to enroll, as CSV.
        #[arg(long)]
        keys: PathBuf,
        /// The election's id (the last segment of the log's origin).
        #[arg(long)]
        election: String,
        /// A new directory for the signed enrollments [default: KEYS with `.enrollments`
        /// instead of its extension].
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        delivery: DeliveryArgs,
    },
    /// Revokes a key: signs a key revocation with KEY (the root's for a CEC operator's key)
    /// and, with --url, submits it. From its place in the log on, nothing the revoked key
    /// signs is admitted, whatever time it claims.
    ///
    /// Example:
    ///   shailoo revoke --key operator.key --revoke "$(shailoo pubkey lost-urn.key)" --reason "the urn was stolen" --url https://ledger.example.kg
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Revoke {
        /// The revoking key.
        #[command(flatten)]
        key: KeyArgs,
        /// The key to revoke, as `shailoo keygen` prints it (or 64 hex digits).
        #[arg(long)]
        revoke: String,
        /// Why, in a sentence people will read in the log.
        #[arg(long)]
        reason: String,
        /// When the CEC believes the key stopped being trustworthy (UTC,
        /// 2026-11-29T08:00:00Z, or Unix seconds) [default: now].
        #[arg(long)]
        effective: Option<String>,
        /// The election's id (the last segment of the log's origin).
        #[arg(long)]
        election: String,
        /// Where to write the signed revocation [default: revoke-<first 16 hex digits of
        /// the key>.signed].
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        delivery: DeliveryArgs,
    },
    /// Delivers signed records to a ledger through the outbox, then the documents kept
    /// beside each, and writes each record's receipt (its tlog-proof bundle) beside it as
    /// RECORD.receipt once it proves the record is in the log.
    ///
    /// Each record is first copied into the outbox, so nothing is lost if the network drops
    /// or this is stopped; then everything waiting there is delivered, in the order it was given. A
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
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
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
        /// Sign RECORD (a JSON form) first, with this key file.
        #[arg(long, conflicts_with = "agent")]
        key: Option<PathBuf>,
        /// Sign RECORD (a JSON form) first, with this key of the ssh-agent (as `sign --agent`).
        #[arg(long)]
        agent: Option<String>,
        /// With --key: a document the record references; repeat for each.
        #[arg(long = "document")]
        documents: Vec<PathBuf>,
        /// With --key: the time to sign at (Unix seconds; default now).
        #[arg(long)]
        time: Option<u64>,
        /// How long to keep trying to reach a ledger, in seconds.
        #[arg(long, default_value_t = 600)]
        patience: u64,
        /// Print one JSON object per record instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Shows what waits in the outbox to be delivered and why, and what the ledger refused.
    #[command(after_help = EXIT_CODES)]
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
    #[command(after_help = EXIT_CODES)]
    Pubkey {
        /// The key file.
        file: PathBuf,
        /// Print a JSON object instead of text: the file, whether it is sealed, the key.
        #[arg(long)]
        json: bool,
    },
}

/// The key a command signs with: a key file, or a key an ssh-agent holds.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct KeyArgs {
    /// The signer's key file (`shailoo keygen`).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Sign with a key the ssh-agent at $SSH_AUTH_SOCK holds (a hardware token's, loaded
    /// with `ssh-add`), named by its public key: an OpenSSH `.pub` file or `ssh-ed25519 AAAA…`
    /// line, or the key as `shailoo keygen` prints it. The key never leaves the agent.
    #[arg(long)]
    agent: Option<String>,
}

impl KeyArgs {
    fn source(&self) -> KeySource {
        match (&self.key, &self.agent) {
            (Some(file), _) => KeySource::File(file.clone()),
            (None, Some(agent)) => KeySource::Agent(agent.clone()),
            (None, None) => unreachable!("clap requires one of --key and --agent"),
        }
    }
}

/// Where and how `enroll` and `revoke` submit what they sign.
#[derive(clap::Args)]
struct DeliveryArgs {
    /// The ledger's URL; without it, the records are only signed.
    #[arg(long)]
    url: Option<String>,
    /// As `shailoo submit --policy`.
    #[arg(long, requires = "url")]
    policy: Option<PathBuf>,
    /// As `shailoo submit --outbox`.
    #[arg(long, requires = "url")]
    outbox: Option<PathBuf>,
    /// As `shailoo submit --patience`.
    #[arg(long, default_value_t = 600)]
    patience: u64,
    /// Print JSON objects instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ReceiptCommand {
    /// Checks receipts offline: each one's checkpoint satisfies the trust policy (the log's
    /// signature, the witness quorum) and its inclusion proof leads from the record it
    /// carries to that checkpoint's root. Exit 1 if one does not.
    /// Example: shailoo receipt verify --policy observers.policy protocol-1001.signed.receipt
    #[command(after_help = EXIT_CODES)]
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
    #[error(transparent)]
    Agent(#[from] shailoo::agent::AgentError),
    #[error("policy {}: {why}", path.display())]
    Policy { path: PathBuf, why: String },
    #[error("{}: {source}", path.display())]
    Setup {
        path: PathBuf,
        source: election::setup::SetupError,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

impl From<OpenError> for Failure {
    fn from(e: OpenError) -> Failure {
        match e {
            OpenError::File(e) => Failure::Key(e),
            OpenError::Agent(e) => Failure::Agent(e),
        }
    }
}

/// Submits records just signed, if a ledger was named; the exit code.
fn deliver_signed(args: DeliveryArgs, signed: Vec<PathBuf>) -> Result<u8, Failure> {
    let Some(url) = args.url else {
        return Ok(0);
    };
    delivery::submit(&delivery::Submission {
        url,
        records: signed,
        policy: args.policy,
        outbox: args.outbox,
        patience: std::time::Duration::from_secs(args.patience),
        json: args.json,
    })
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
            records,
            documents,
            time,
            out,
            json,
        } => {
            let signed = match (out, &records[..]) {
                (Some(out), [record]) => {
                    vec![keys::sign(&key.source(), record, &documents, time, &out)?]
                }
                (Some(_), _) => {
                    return Err(Failure::Usage(
                        "--out names the file of one record; give one, or leave --out out".into(),
                    ));
                }
                (None, _) => keys::sign_all(&key.source(), &records, &documents, time)?,
            };
            for signed in signed {
                keys::print_signed(&signed, json);
            }
            Ok(0)
        }
        Command::Define {
            definition,
            precincts,
            out,
            json,
        } => setup::define(&definition, &precincts, &out, json),
        Command::Enroll {
            key,
            keys,
            election,
            out,
            delivery,
        } => {
            let out = out.unwrap_or_else(|| keys.with_extension("enrollments"));
            // With a ledger and --json, stdout is the deliveries' objects alone.
            let tell = !(delivery.json && delivery.url.is_some());
            let signed = setup::enroll(&key.source(), &keys, &election, &out, delivery.json, tell)?;
            deliver_signed(delivery, signed)
        }
        Command::Revoke {
            key,
            revoke,
            reason,
            effective,
            election,
            out,
            delivery,
        } => {
            let signed = setup::revoke(
                &key.source(),
                &setup::Revocation {
                    key: revoke,
                    reason,
                    effective,
                    election,
                    out,
                },
                delivery.json,
                !(delivery.json && delivery.url.is_some()),
            )?;
            deliver_signed(delivery, vec![signed])
        }
        Command::Submit {
            url,
            records,
            policy,
            outbox,
            key,
            agent,
            documents,
            time,
            patience,
            json,
        } => {
            let source = match (key, agent) {
                (Some(file), _) => Some(KeySource::File(file)),
                (None, Some(agent)) => Some(KeySource::Agent(agent)),
                (None, None) => None,
            };
            let records = match source {
                Some(source) => {
                    let [record] = &records[..] else {
                        return Err(Failure::Usage(
                            "with --key or --agent, give one record's JSON form to sign and submit"
                                .into(),
                        ));
                    };
                    let out = record.with_extension("signed");
                    vec![keys::sign(&source, record, &documents, time, &out)?.record]
                }
                None if !documents.is_empty() || time.is_some() => {
                    return Err(Failure::Usage(
                        "--document and --time go with --key or --agent: signed records carry their documents beside them already"
                            .into(),
                    ));
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
