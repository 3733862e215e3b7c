//! `shailoo define`, `enroll` and `revoke`: the CEC's set-up records, made from the files the
//! CEC keeps (`election::setup`) and signed offline.

use crate::Failure;
use crate::keys::{now, print_signed};
use election::Body;
use election::json::UnsignedRecord;
use election::records::KeyRevocation;
use election::setup::{self, SetupError};
use shailoo::signer::{KeySource, Signer};
use std::path::{Path, PathBuf};

/// The largest CSV file read (a registry of 2,500 precincts with addresses is about 500 KB).
const MAX_CSV_SIZE: u64 = 64 << 20;

fn read_csv(path: &Path) -> Result<String, Failure> {
    use std::io::Read;
    let io = |source| Failure::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_CSV_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_CSV_SIZE {
        return Err(setup_error(
            path,
            0,
            format!("larger than {MAX_CSV_SIZE} bytes"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        setup_error(
            path,
            0,
            format!(
                "not UTF-8 text (at byte {}): save it from the spreadsheet as CSV UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn setup_error(path: &Path, line: u64, message: String) -> Failure {
    Failure::Setup {
        path: path.to_path_buf(),
        source: SetupError {
            line,
            column: None,
            message,
        },
    }
}

/// A new directory for what a command writes (an existing one could mix two elections).
fn new_dir(out: &Path) -> Result<(), Failure> {
    if out.exists() {
        return Err(Failure::Usage(format!(
            "{} exists already: name a new directory, so that nothing of another run is mixed in",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|source| Failure::Io {
        path: out.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|source| Failure::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the definition (with the number of registry parts) and the registry's parts as JSON
/// forms in a new directory `out`.
pub fn define(definition: &Path, precincts: &Path, out: &Path, json: bool) -> Result<u8, Failure> {
    let mut unsigned = shailoo::sign::read_json(definition)?;
    let Body::ElectionDefinition(defined) = &mut unsigned.body else {
        return Err(Failure::Usage(format!(
            "{} is a {} record, not an election-definition",
            definition.display(),
            unsigned.body.kind().name()
        )));
    };
    let csv = read_csv(precincts)?;
    let listed = setup::precincts_from_csv(&csv, defined).map_err(|source| Failure::Setup {
        path: precincts.to_path_buf(),
        source,
    })?;
    let parts =
        setup::registry_parts(&unsigned.election, &listed).map_err(|source| Failure::Setup {
            path: precincts.to_path_buf(),
            source,
        })?;
    defined.registry_parts = parts.len() as u16;
    let registered: u64 = listed.iter().map(|p| p.registered as u64).sum();
    new_dir(out)?;
    let mut written = vec![out.join("00-election-definition.json")];
    write(&written[0], &unsigned.to_json())?;
    for part in parts {
        let path = out.join(format!("01-precinct-registry-{:03}.json", part.part));
        let record = UnsignedRecord {
            election: unsigned.election.clone(),
            body: Body::PrecinctRegistry(part),
        };
        write(&path, &record.to_json())?;
        written.push(path);
    }
    if json {
        let answer = serde_json::json!({
            "election": unsigned.election,
            "precincts": listed.len(),
            "registered": registered,
            "registry_parts": written.len() - 1,
            "files": written,
        });
        println!("{answer}");
    } else {
        println!(
            "{}: {} precincts, {registered} registered voters, in {} registry part(s)",
            unsigned.election,
            listed.len(),
            written.len() - 1
        );
        for path in &written {
            println!("  {}", path.display());
        }
        println!(
            "sign them with the root key: shailoo sign --key root.key {}/*.json",
            out.display()
        );
    }
    Ok(0)
}

/// Signs an enrollment for each row of the key list into a new directory `out`; their paths.
pub fn enroll(
    key: &KeySource,
    keys: &Path,
    election: &str,
    out: &Path,
    json: bool,
    tell: bool,
) -> Result<Vec<PathBuf>, Failure> {
    let csv = read_csv(keys)?;
    let enrollments = setup::enrollments_from_csv(&csv).map_err(|source| Failure::Setup {
        path: keys.to_path_buf(),
        source,
    })?;
    let signer = Signer::open(key)?;
    new_dir(out)?;
    let time = now();
    let mut signed = Vec::new();
    for (n, enrollment) in enrollments.into_iter().enumerate() {
        let path = out.join(format!("{:04}-{}.signed", n + 1, enrollment.role.name()));
        let record = UnsignedRecord {
            election: election.to_string(),
            body: Body::KeyEnrollment(enrollment),
        };
        let done = shailoo::sign::sign_record(record, &signer, time, &[], &path)?;
        if tell {
            print_signed(&done, json);
        }
        signed.push(done.record);
    }
    Ok(signed)
}

/// What `shailoo revoke` was asked.
pub struct Revocation {
    pub key: String,
    pub reason: String,
    pub effective: Option<String>,
    pub election: String,
    pub out: Option<PathBuf>,
}

/// Signs a key revocation; the signed file.
pub fn revoke(
    key: &KeySource,
    revocation: &Revocation,
    json: bool,
    tell: bool,
) -> Result<PathBuf, Failure> {
    let revoked = setup::parse_key(&revocation.key)
        .map_err(|why| Failure::Usage(format!("--revoke: {why}")))?;
    let effective = match &revocation.effective {
        Some(text) => {
            setup::parse_time(text).map_err(|why| Failure::Usage(format!("--effective: {why}")))?
        }
        None => now(),
    };
    if revocation.reason.trim().is_empty() {
        return Err(Failure::Usage(
            "--reason: say why, in a sentence people will read in the log".into(),
        ));
    }
    let out = revocation
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("revoke-{}.signed", &hex::encode(revoked)[..16])));
    let signer = Signer::open(key)?;
    let record = UnsignedRecord {
        election: revocation.election.clone(),
        body: Body::KeyRevocation(KeyRevocation {
            key: revoked,
            effective,
            reason: revocation.reason.clone(),
        }),
    };
    let done = shailoo::sign::sign_record(record, &signer, now(), &[], &out)?;
    if tell {
        print_signed(&done, json);
    }
    Ok(done.record)
}
