//! `ledger check DIR`: the operator's fsck. Every entry bundle is read and every tile rebuilt
//! from the entries, compared byte for byte with what the log serves, and the tree's root with
//! the signed checkpoint (itself checked against `log.key` and the origin); every stored
//! document is hashed and compared with what the records that reference it say. No file of the
//! log is changed (the log's lock is taken, so a running log is refused): the report says what
//! is wrong and where. (Partial tiles of earlier sizes, which tlog-tiles lets a log delete once
//! the full tile exists, are not checked.)

use crate::db;
use crate::logdir::{DirError, LogDir};
use crate::sequencer::{check_stored_checkpoint, read_bundle};
use tlog::writer::LogWriter;

/// What `check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// The size of the signed tree checked.
    pub size: u64,
    /// Files compared: entry bundles and hash tiles.
    pub files: u64,
    /// Documents referenced, and how many of them are stored (and so checked).
    pub documents_referenced: u64,
    pub documents_stored: u64,
    /// Each problem, naming the file.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the log in `dir`; `progress` is told how many of `size` entries are read.
pub fn check(
    dir: &std::path::Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<CheckReport, DirError> {
    let d = LogDir::new(dir);
    let config = d.load_config()?;
    // A running server would change the files under the check: refused, as a second server.
    let _lock = d.lock()?;
    let key = d.load_log_key()?;
    let store = crate::storage::open(config.storage.as_deref(), &d.public_path())
        .map_err(|e| DirError::Invalid(e.to_string()))?;
    let storage = store.as_ref();
    // The documents to check are those the database knows (in a bucket, those it cached).
    let conn = db::open(&d.db_path()).map_err(|e| DirError::Invalid(format!("database: {e}")))?;
    let signed = match &config.storage {
        // In a directory, the database holds the commit point.
        None => db::load_tree(&conn)
            .map_err(|e| DirError::Invalid(format!("database: {e}")))?
            .ok_or_else(|| DirError::Invalid("the log has no signed tree".into()))?,
        // In a bucket, the lease does (the database is only a cache).
        Some(url) => {
            let lease = crate::lease::read(storage)
                .map_err(|e| DirError::Invalid(format!("{url}: {e}")))?;
            let note = tlog::note::Note::parse(&lease.checkpoint)
                .map_err(|e| DirError::Invalid(format!("{url}: the lease's checkpoint: {e}")))?;
            let c = tlog::Checkpoint::parse(&note.text)
                .map_err(|e| DirError::Invalid(format!("{url}: the lease's checkpoint: {e}")))?;
            db::SignedTree {
                size: c.size,
                root: c.root,
                checkpoint: lease.checkpoint,
            }
        }
    };
    let mut report = CheckReport {
        size: signed.size,
        ..CheckReport::default()
    };
    match check_stored_checkpoint(&signed.checkpoint, &config.origin, &key.verifier()) {
        Err(why) => report.problems.push(format!("the signed checkpoint {why}")),
        Ok(c) if (c.size, c.root) != (signed.size, signed.root) => report.problems.push(format!(
            "the signed checkpoint says size {} with root {}, the database size {} with root {}",
            c.size, c.root, signed.size, signed.root
        )),
        Ok(_) => {}
    }
    let mut writer = LogWriter::new();
    let compare = |report: &mut CheckReport, files: Vec<(String, Vec<u8>)>| {
        for (path, want) in files {
            report.files += 1;
            match storage.read(&path) {
                Ok(Some(have)) if have == want => {}
                // A leaf-hash tile rebuilt from its bundle: either may be the one changed.
                Ok(Some(_)) => match path.strip_prefix("tile/0/") {
                    Some(at) => report.problems.push(format!(
                        "{path}: does not match the leaf hashes of tile/entries/{at}: one of the two is not what the log wrote"
                    )),
                    None => report.problems.push(format!(
                        "{path}: does not match the entries (it is not what the log wrote)"
                    )),
                },
                Ok(None) => report.problems.push(format!("{path}: missing")),
                Err(e) => report.problems.push(format!("{path}: {e}")),
            }
        }
    };
    for n in 0..signed.size.div_ceil(256) {
        let entries = match read_bundle(storage, n, signed.size) {
            Ok(entries) => entries,
            Err(e) => {
                // Without this bundle the tree cannot be rebuilt past it.
                report
                    .problems
                    .push(format!("entry bundle {n}: {e}; the check stops here"));
                return Ok(report);
            }
        };
        for entry in &entries {
            match writer.append(entry) {
                Ok(files) => compare(&mut report, files),
                Err(e) => report
                    .problems
                    .push(format!("entry {}: {e}", writer.size())),
            }
        }
        progress(writer.size(), signed.size);
    }
    compare(&mut report, writer.partial_files());
    if writer.root() != signed.root {
        report.problems.push(format!(
            "the entries hash to root {}, the signed checkpoint says {}",
            writer.root(),
            signed.root
        ));
    }
    for (sha, media_type, size) in
        db::all_documents(&conn).map_err(|e| DirError::Invalid(format!("database: {e}")))?
    {
        report.documents_referenced += 1;
        let hex = hex::encode(sha);
        let reference = election::records::DocumentRef {
            sha256: sha,
            media_type,
            size,
        };
        match storage.read(&format!("blob/{hex}")) {
            Ok(None) => {}
            Ok(Some(bytes)) => {
                report.documents_stored += 1;
                if let Err(e) = reference.check(&bytes) {
                    report.problems.push(format!("blob/{hex}: {e}"));
                }
            }
            Err(e) => report.problems.push(format!("blob/{hex}: {e}")),
        }
    }
    Ok(report)
}
