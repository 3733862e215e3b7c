//! Proving one entry: fetch its entry bundle, compute its inclusion proof from the log's hash
//! tiles, and verify that proof against the signed root (spec/tlog.md §11 step 3). The tiles
//! and the bundle are untrusted; a tampered byte in either makes the proof fail. Then say what
//! the entry is: an election record, decoded and its signature checked, or opaque bytes.

use crate::display::{format_time, record_lines};
use crate::fetch::{Source, TileFetcher};
use crate::outcome::Failure;
use election::Record;
use std::path::Path;
use tlog::Checkpoint;
use tlog::proof::{prove_inclusion, verify_inclusion};
use tlog::tile::{Tile, TileHashReader};

/// Fetches entry `index` of a tree of `size` leaves from its entry bundle.
pub fn fetch_entry(source: &Source, size: u64, index: u64) -> Result<Vec<u8>, Failure> {
    let (tile, offset) = tlog::writer::entry_position(index, size).ok_or_else(|| {
        Failure::Usage(match size {
            0 => format!("entry {index} is not in the log: its checkpoint says it is empty"),
            _ => format!(
                "entry {index} is not in the log yet: its checkpoint covers entries 0 to {}",
                size - 1
            ),
        })
    })?;
    let data = source
        .tiles(&[tile], true)
        .map_err(|(t, e)| e.committed(&format!("entry bundle {}", t.entries_path())))?
        .remove(0);
    let entries = bundle_entries(&tile, &data)?;
    Ok(entries[offset].to_vec())
}

/// The entries of a fetched bundle, `tile.width` of them (a full bundle may stand in for a
/// partial one). A malformed bundle is the log's failure.
pub fn bundle_entries<'a>(tile: &Tile, data: &'a [u8]) -> Result<Vec<&'a [u8]>, Failure> {
    tlog::writer::entries_of(tile, data).map_err(|e| {
        Failure::Log(format!(
            "entry bundle {} is malformed: {e}",
            tile.entries_path()
        ))
    })
}

/// Proves that `entry` is leaf `index` of the checkpoint's tree; returns the verified proof.
pub fn prove_entry(
    source: &Source,
    checkpoint: &Checkpoint,
    index: u64,
    entry: &[u8],
) -> Result<Vec<tlog::Hash>, Failure> {
    let fetcher = TileFetcher::new(source);
    let reader = TileHashReader {
        size: checkpoint.size,
        tiles: &fetcher,
    };
    let proof = prove_inclusion(index, checkpoint.size, &reader).map_err(|e| {
        fetcher.take_problem().unwrap_or_else(|| {
            Failure::Log(format!(
                "cannot compute the inclusion proof of entry {index} from the log's hash tiles: {e}"
            ))
        })
    })?;
    verify_inclusion(
        index,
        checkpoint.size,
        &tlog::leaf_hash(entry),
        &proof,
        &checkpoint.root,
    )
    .map_err(|e| {
        Failure::Log(format!(
            "entry {index} does not match the log's signed checkpoint (size {}, root {}): its inclusion proof fails ({e}). The entry bundle or the hash tiles the log serves have been altered.",
            checkpoint.size, checkpoint.root
        ))
    })?;
    Ok(proof)
}

/// What an entry is, for people, and the problems found in it.
pub struct EntryView {
    pub lines: Vec<String>,
    pub record: Option<Record>,
    /// Problems with the election record (exit code 1).
    pub problems: Vec<String>,
}

/// Describes an entry: always its size and hashes; the decoded record if it is one. If
/// `root` is set (the policy pins a CEC root key, so entries must be election records), an
/// entry that is not a valid record is a problem.
pub fn describe_entry(entry: &[u8], root: Option<&[u8; 32]>) -> EntryView {
    let mut lines = vec![format!(
        "entry: {} bytes, SHA-256 {}, leaf hash {}",
        entry.len(),
        tlog::hash::sha256(entry).to_hex(),
        tlog::leaf_hash(entry).to_hex()
    )];
    let mut problems = Vec::new();
    match Record::from_bytes(entry) {
        Ok(record) => {
            lines.extend(record_lines(&record));
            match record.verify_signature() {
                Ok(()) if root == Some(&record.signer) => lines.push(
                    "the record's signature verifies, and the signer is the CEC root key pinned in your policy".into(),
                ),
                Ok(()) => lines.push(
                    "the record's signature verifies; whether its signer was enrolled to sign it is checked by `verifier audit`".into(),
                ),
                Err(e) => problems.push(format!(
                    "the record's signature does NOT verify ({e}): it was not signed by the key it names, or it was altered before it was logged"
                )),
            }
            EntryView {
                lines,
                record: Some(record),
                problems,
            }
        }
        Err(e) => {
            if root.is_some() {
                problems.push(format!("the entry is not a valid election record: {e}"));
            } else {
                lines.push(
                    "not an election record; shown as bytes (your policy has no `root` line, so entries are opaque)".into(),
                );
            }
            EntryView {
                lines,
                record: None,
                problems,
            }
        }
    }
}

/// Checks a file someone holds (a scan) against the documents the proven records reference.
/// Returns a line saying what matched, or the problem.
pub fn check_document(
    file: &Path,
    records: &[(u64, &Record)],
) -> Result<Result<String, String>, Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
    let sha = tlog::hash::sha256(&bytes);
    for (index, record) in records {
        for (i, d) in record.body.documents().into_iter().enumerate() {
            if d.matches(&bytes) {
                return Ok(Ok(format!(
                    "{} matches document {} of entry {index} ({} of {} bytes, SHA-256 {}), logged at {}",
                    file.display(),
                    i + 1,
                    d.media_type,
                    d.size,
                    d.hex(),
                    format_time(record.time)
                )));
            }
        }
    }
    let referenced: Vec<String> = records
        .iter()
        .flat_map(|(_, r)| r.body.documents())
        .map(|d| format!("{} ({} bytes)", d.hex(), d.size))
        .collect();
    Ok(Err(format!(
        "{} ({} bytes, SHA-256 {}) does not match any document the record references{}",
        file.display(),
        bytes.len(),
        sha.to_hex(),
        if referenced.is_empty() {
            " (it references none)".to_string()
        } else {
            format!(": {}", referenced.join(", "))
        }
    )))
}

/// The end of `inclusion` and `bundle`: checks `--document` if one was given, prints the
/// closing line (`ok` when nothing is wrong), and turns the problems into the verdict.
pub fn conclude(
    document: Option<&Path>,
    records: &[(u64, &Record)],
    mut problems: Vec<String>,
    ok: &str,
) -> crate::outcome::Outcome {
    if let Some(file) = document {
        println!();
        match check_document(file, records)? {
            Ok(line) => println!("document: {line}"),
            Err(problem) => {
                println!("document: PROBLEM: {problem}");
                problems.push(problem);
            }
        }
    }
    println!();
    if problems.is_empty() {
        println!("{ok}");
    } else {
        println!("verified that the log holds the entry, but with the problems above");
    }
    Ok(crate::outcome::Verdict::Clean.or_problems(!problems.is_empty()))
}
