//! Signing a record offline: a record's JSON form (`election::json`), a key, the documents it
//! references → the signed canonical record, with its documents kept beside it, ready to
//! travel (on a USB stick from a precinct laptop) to whatever submits it. No network.
//!
//! What is written, for `--out OUT`: `OUT` holds the signed entry exactly as the log will
//! hold it (canonical CBOR, what `POST /api/v1/records` takes), and `OUT.documents/` a copy of
//! each document given, named by its SHA-256 (what `PUT /api/v1/blobs/<sha256>` takes).

use crate::files::write_durably;
use election::json::{JsonRecordError, UnsignedRecord};
use election::records::DocumentRef;
use election::{Record, RecordError, RecordSigner, SignerError};
use std::path::{Path, PathBuf};

/// Why a record was not signed (or its documents not kept).
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: JsonRecordError,
    },
    #[error(
        "{} is not a document this record references (its SHA-256 is {sha256}, {size} bytes); \
         what is referenced: {references}",
        path.display()
    )]
    NotReferenced {
        path: PathBuf,
        sha256: String,
        size: u64,
        references: String,
    },
    #[error(transparent)]
    Signer(#[from] SignerError),
    #[error("the signed record is not one the log takes: {0}")]
    Record(#[from] RecordError),
    #[error("{} already exists; a signed record is never overwritten", path.display())]
    Exists { path: PathBuf },
}

/// The largest JSON form read: a record is at most 64 KiB signed, and its JSON form (hex,
/// names, indentation) a few times that.
pub const MAX_JSON_SIZE: u64 = 1 << 20;

/// A text file of at most `limit` bytes (a bigger one is an error, not read into memory).
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {limit} bytes: not a record's JSON form"),
        ));
    }
    Ok(text)
}

/// A record signed and written.
#[derive(Debug, serde::Serialize)]
pub struct Signed {
    /// The file holding the signed entry.
    pub record: PathBuf,
    pub kind: &'static str,
    /// The signer's public key (hex).
    pub signer: String,
    pub time: u64,
    /// The entry's leaf hash (hex): the record's name in the log.
    pub leaf_hash: String,
    /// The documents copied beside it, by SHA-256 (hex).
    pub documents: Vec<String>,
}

/// Signs the record in `json_path` with `signer` at `time`, checks each of `documents`
/// against the references in the record, and writes the record to `out` and the documents to
/// `out.documents/`.
pub fn sign_file(
    json_path: &Path,
    signer: &dyn RecordSigner,
    time: u64,
    documents: &[PathBuf],
    out: &Path,
) -> Result<Signed, SignError> {
    sign_record(read_json(json_path)?, signer, time, documents, out)
}

/// Signs several records' JSON forms at once, each into RECORD with `.signed` for `.json`;
/// each document goes with the records that reference it. Every record is read, and every
/// document matched, before anything is written: one mistake, and nothing is signed.
pub fn sign_files(
    json_paths: &[PathBuf],
    signer: &dyn RecordSigner,
    time: u64,
    documents: &[PathBuf],
) -> Result<Vec<Signed>, SignError> {
    let records = json_paths
        .iter()
        .map(|path| Ok((path, read_json(path)?)))
        .collect::<Result<Vec<_>, SignError>>()?;
    let mut given: Vec<Vec<PathBuf>> = vec![Vec::new(); records.len()];
    for document in documents {
        let bytes = std::fs::read(document).map_err(|source| SignError::Io {
            path: document.clone(),
            source,
        })?;
        let mut referenced = false;
        for (i, (_, record)) in records.iter().enumerate() {
            if record.body.documents().iter().any(|r| r.matches(&bytes)) {
                given[i].push(document.clone());
                referenced = true;
            }
        }
        if !referenced {
            let all = records.iter().flat_map(|(_, r)| r.body.documents());
            return Err(SignError::NotReferenced {
                path: document.clone(),
                sha256: tlog::hash::sha256(&bytes).to_hex(),
                size: bytes.len() as u64,
                references: list_references(all),
            });
        }
    }
    for (path, _) in &records {
        let out = path.with_extension("signed");
        if out.exists() {
            return Err(SignError::Exists { path: out });
        }
    }
    records
        .into_iter()
        .zip(given)
        .map(|((path, record), documents)| {
            sign_record(
                record,
                signer,
                time,
                &documents,
                &path.with_extension("signed"),
            )
        })
        .collect()
}

/// Reads a record's JSON form (at most [`MAX_JSON_SIZE`] bytes).
pub fn read_json(json_path: &Path) -> Result<UnsignedRecord, SignError> {
    let text = read_bounded(json_path, MAX_JSON_SIZE).map_err(|source| SignError::Io {
        path: json_path.to_path_buf(),
        source,
    })?;
    UnsignedRecord::from_json(&text).map_err(|source| SignError::Json {
        path: json_path.to_path_buf(),
        source,
    })
}

/// Signs `unsigned` with `signer` at `time`, checks each of `documents` against the
/// references in the record, and writes the record to `out` and the documents to
/// `out.documents/`.
pub fn sign_record(
    unsigned: UnsignedRecord,
    signer: &dyn RecordSigner,
    time: u64,
    documents: &[PathBuf],
    out: &Path,
) -> Result<Signed, SignError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SignError::Io { path, source }
    };
    // Every document given must be one the record references: a file given by mistake is
    // said now, not discovered when the log refuses it.
    let references: Vec<DocumentRef> = unsigned.body.documents().into_iter().cloned().collect();
    let mut copies = Vec::new();
    for path in documents {
        let bytes = std::fs::read(path).map_err(io(path))?;
        let Some(reference) = references.iter().find(|r| r.matches(&bytes)) else {
            return Err(SignError::NotReferenced {
                path: path.clone(),
                sha256: tlog::hash::sha256(&bytes).to_hex(),
                size: bytes.len() as u64,
                references: list_references(references.iter()),
            });
        };
        copies.push((reference.hex(), bytes));
    }
    let record = Record::sign_with(&unsigned.election, time, unsigned.body, signer)?;
    let entry = record.to_bytes();
    // As the log will judge its form: size, canonical encoding.
    Record::from_bytes(&entry)?;
    if out.exists() {
        return Err(SignError::Exists {
            path: out.to_path_buf(),
        });
    }
    // The documents first, the record last: a record on disk always has its documents.
    let documents_dir = documents_dir(out);
    if !copies.is_empty() {
        std::fs::create_dir_all(&documents_dir).map_err(io(&documents_dir))?;
    }
    for (hex, bytes) in &copies {
        let path = documents_dir.join(hex);
        write_durably(&path, bytes, false).map_err(io(&path))?;
    }
    write_durably(out, &entry, true).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => SignError::Exists {
            path: out.to_path_buf(),
        },
        _ => io(out)(e),
    })?;
    Ok(Signed {
        record: out.to_path_buf(),
        kind: record.kind().name(),
        signer: hex::encode(record.signer),
        time,
        leaf_hash: tlog::leaf_hash(&entry).to_hex(),
        documents: copies.into_iter().map(|(hex, _)| hex).collect(),
    })
}

/// Documents referenced, as an error lists them: `<sha256> (<size> bytes), …`, or `none`.
fn list_references<'a>(references: impl Iterator<Item = &'a DocumentRef>) -> String {
    let listed: Vec<String> = references
        .map(|r| format!("{} ({} bytes)", r.hex(), r.size))
        .collect();
    if listed.is_empty() {
        "none".into()
    } else {
        listed.join(", ")
    }
}

/// Where the documents of the signed record at `out` are kept.
pub fn documents_dir(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_os_string();
    name.push(".documents");
    PathBuf::from(name)
}
