//! Checking the documents the records reference (scans, printouts, filings): each is fetched
//! from `<log URL>/blob/<sha256 hex>` and must have the referenced size and SHA-256. A
//! missing or different document is a problem with the election records (exit code 1), named
//! with the record and precinct it belongs to.

use crate::fetch::{FetchError, Source};
use crate::outcome::Failure;
use election::records::{DocumentRef, PrecinctId};
use election::{Kind, Record};
use progress::Progress;
use std::collections::HashSet;

/// A document a record references.
#[derive(Clone, Debug)]
pub struct Referenced {
    pub index: u64,
    pub kind: Kind,
    pub precinct: Option<PrecinctId>,
    pub document: DocumentRef,
}

/// Collects the references of an entry, if it is a record.
pub fn references(index: u64, entry: &[u8], out: &mut Vec<Referenced>) {
    if let Ok(record) = Record::from_bytes(entry) {
        let (kind, precinct) = (record.kind(), record.body.precinct());
        out.extend(record.body.documents().into_iter().map(|d| Referenced {
            index,
            kind,
            precinct,
            document: d.clone(),
        }));
    }
}

/// A document that is not what its record references.
#[derive(Clone, Debug)]
pub struct DocumentProblem {
    pub referenced: Referenced,
    pub problem: String,
}

impl DocumentProblem {
    pub fn describe(&self) -> String {
        let r = &self.referenced;
        format!(
            "entry {} ({}{}): document {} {}",
            r.index,
            r.kind.name(),
            r.precinct
                .map(|p| format!(", precinct {p}"))
                .unwrap_or_default(),
            r.document.hex(),
            self.problem
        )
    }
}

/// The result of checking every referenced document.
#[derive(Clone, Debug, Default)]
pub struct DocumentCheck {
    /// Distinct documents checked.
    pub checked: usize,
    pub problems: Vec<DocumentProblem>,
}

/// Fetches each distinct referenced document once and checks its size and hash.
pub fn check(source: &Source, refs: &[Referenced], quiet: bool) -> Result<DocumentCheck, Failure> {
    let mut seen = HashSet::new();
    let distinct: Vec<&Referenced> = refs
        .iter()
        .filter(|r| seen.insert((r.document.sha256, r.document.size)))
        .collect();
    let progress = Progress::unless(quiet, "documents", distinct.len() as u64);
    let mut result = DocumentCheck {
        checked: distinct.len(),
        problems: Vec::new(),
    };
    let mut network = None;
    let paths = distinct.iter().map(|r| {
        // One byte over the referenced size is enough to see that it is too long.
        let limit = usize::try_from(r.document.size)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        (format!("blob/{}", r.document.hex()), limit)
    });
    source.for_each(paths, |i, data| {
        let r = distinct[i];
        let problem = match data {
            Ok(bytes) => r.document.check(&bytes).err().map(|e| e.to_string()),
            Err(FetchError::Missing(url)) => Some(format!("is missing: {url} does not exist")),
            Err(FetchError::TooLarge(_)) => Some(format!(
                "does not match: the log serves more than the {} bytes the record references",
                r.document.size
            )),
            Err(FetchError::Failed(m)) => {
                network = Some(Failure::Network(m));
                return false;
            }
        };
        if let Some(problem) = problem {
            result.problems.push(DocumentProblem {
                referenced: (*r).clone(),
                problem,
            });
        }
        progress.update(i as u64 + 1);
        true
    });
    progress.finish();
    match network {
        Some(f) => Err(f),
        None => Ok(result),
    }
}
