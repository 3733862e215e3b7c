//! A precinct's page: its records (listed by the log's untrusted index, each proved), the
//! documents they reference, and the findings of the rules its records decide alone.

use crate::records::finding_json;
use election::Record;
use serde_json::json;
use wasm_bindgen::prelude::*;

/// A listed record: its entry once proved, or why it could not be.
struct Listed {
    index: u64,
    entry: Result<Vec<u8>, String>,
}

/// The page of one precinct. The page hands over what it fetched and proved — the definition
/// and registry (`context`), each listed record with its inclusion proof's outcome, each
/// document — and draws the verdict this returns; it decides nothing itself.
#[wasm_bindgen]
pub struct PrecinctPage {
    precinct: u32,
    context: Vec<Vec<u8>>,
    listed: Vec<Listed>,
    documents: Vec<(String, Result<(), String>)>,
}

#[wasm_bindgen]
impl PrecinctPage {
    #[wasm_bindgen(constructor)]
    pub fn new(precinct: u32) -> PrecinctPage {
        PrecinctPage {
            precinct,
            context: Vec::new(),
            listed: Vec::new(),
            documents: Vec::new(),
        }
    }

    /// A proved election definition or precinct registry entry: what the records' precincts
    /// and contests are checked against (`record.reference`).
    pub fn context(&mut self, entry: &[u8]) {
        self.context.push(entry.to_vec());
    }

    /// A record the log's index lists for this precinct (in log order): its entry, and the
    /// outcome of its inclusion proof (`verify_inclusion_from_tiles`'s `ok` and `error`).
    pub fn record(
        &mut self,
        index: f64,
        entry: &[u8],
        proved: bool,
        error: &str,
    ) -> Result<(), JsError> {
        let index = crate::index_arg(index, "index").map_err(|e| JsError::new(&e))?;
        let entry = match proved {
            true => Ok(entry.to_vec()),
            false => Err(error.to_string()),
        };
        self.listed.push(Listed { index, entry });
        Ok(())
    }

    /// A document fetched for the record in `entry` (proved), named by its SHA-256 `sha256`:
    /// checked against the record's reference, size and hash (`{ok, error?}`); `fetch_error`
    /// if it could not be fetched (then `bytes` are ignored).
    pub fn document(
        &mut self,
        entry: &[u8],
        sha256: &str,
        bytes: &[u8],
        fetch_error: &str,
    ) -> String {
        let referenced = Record::from_bytes(entry).ok().and_then(|r| {
            r.body
                .documents()
                .into_iter()
                .find(|d| d.hex() == sha256)
                .cloned()
        });
        let checked = match referenced {
            None => Err(format!("the record references no document {sha256}")),
            Some(_) if !fetch_error.is_empty() => Err(fetch_error.to_string()),
            Some(d) => d.check(bytes).map_err(|e| e.to_string()),
        };
        let answer = match &checked {
            Ok(()) => json!({"ok": true}),
            Err(e) => json!({"ok": false, "error": e}),
        };
        self.documents.push((sha256.to_string(), checked));
        answer.to_string()
    }

    /// The verdict: `{ok, findings, records: [{index, ok, error?}]}` — `ok` when the checkpoint
    /// was accepted (`checkpoint_ok`), the index listed records, each is proved and is this
    /// precinct's, and every document matches. The findings are those of the rules this
    /// precinct's records decide alone (`election::audit::precinct_findings`); who may sign,
    /// and what needs the whole log, are the full audit's ([`crate::Audit`]).
    ///
    /// The index is not trusted: an entry listed here that is not this precinct's record (nor a
    /// correction of one) is named as such and left out.
    pub fn verdict(&self, checkpoint_ok: bool, lang: &str) -> String {
        let mut own: Vec<(u64, &[u8])> = Vec::new();
        let mut records = Vec::new();
        for listed in &self.listed {
            let problem = match &listed.entry {
                Err(e) => Some(e.clone()),
                Ok(entry) if self.is_own(entry, &own) => {
                    own.push((listed.index, entry));
                    None
                }
                Ok(_) => Some(format!(
                    "entry {} is not precinct {}'s",
                    listed.index, self.precinct
                )),
            };
            records.push(json!({"index": listed.index, "ok": problem.is_none(), "error": problem}));
        }
        let context = self.context.iter().map(Vec::as_slice);
        let findings = election::audit::precinct_findings(context, own.iter().copied());
        let ok = checkpoint_ok
            && !records.is_empty()
            && records.iter().all(|r| r["ok"] == true)
            && self.documents.iter().all(|(_, d)| d.is_ok());
        json!({
            "ok": ok,
            "findings": findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
            "records": records,
        })
        .to_string()
    }

    /// Whether `entry` is this precinct's record, or a correction of one listed before.
    fn is_own(&self, entry: &[u8], earlier: &[(u64, &[u8])]) -> bool {
        match Record::from_bytes(entry) {
            Ok(r) => match r.body {
                election::Body::Correction(c) => earlier.iter().any(|(i, _)| *i == c.supersedes),
                body => body.precinct() == Some(self.precinct),
            },
            Err(_) => false,
        }
    }
}
