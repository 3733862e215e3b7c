//! A precinct's page: its records (listed by the log's untrusted index, each proved), the
//! documents they reference, and the findings of the rules its records decide alone.

use crate::records::finding_json;
use election::Record;
use serde_json::json;
use wasm_bindgen::prelude::*;

/// An entry the page was given: its bytes once proved, or why it could not be.
struct Given {
    index: u64,
    entry: Result<Vec<u8>, String>,
}

impl Given {
    fn new(index: f64, entry: &[u8], proved: bool, error: &str) -> Result<Given, String> {
        let index = crate::index_arg(index, "index")?;
        let entry = match proved {
            true => Ok(entry.to_vec()),
            false => Err(error.to_string()),
        };
        Ok(Given { index, entry })
    }
}

/// The page of one precinct. The page hands over what it fetched and proved — the definition
/// and registry (`context`), each listed record with its inclusion proof's outcome, each
/// document — and draws the verdict this returns; it decides nothing itself.
#[wasm_bindgen]
pub struct PrecinctPage {
    precinct: u32,
    context: Vec<Given>,
    listed: Vec<Given>,
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

    /// An election definition or precinct registry entry (in log order), with the outcome of
    /// its inclusion proof: what the records' precincts and contests are checked against
    /// (`record.reference`). One that could not be proved fails the page, as a record would:
    /// without it, the page could only claim that precincts are not registered.
    pub fn context(
        &mut self,
        index: f64,
        entry: &[u8],
        proved: bool,
        error: &str,
    ) -> Result<(), String> {
        self.context.push(Given::new(index, entry, proved, error)?);
        Ok(())
    }

    /// A record the log's index lists for this precinct (in log order): its entry, and the
    /// outcome of its inclusion proof (`verify_inclusion_from_tiles`'s `ok` and `error`).
    pub fn record(
        &mut self,
        index: f64,
        entry: &[u8],
        proved: bool,
        error: &str,
    ) -> Result<(), String> {
        self.listed.push(Given::new(index, entry, proved, error)?);
        Ok(())
    }

    /// A document fetched for the listed record at `index`, named by its SHA-256 `sha256`:
    /// checked against that record's reference, size and hash (`{ok, error?}`); `fetch_error`
    /// if it could not be fetched (then `bytes` are ignored).
    pub fn document(
        &mut self,
        index: f64,
        sha256: &str,
        bytes: &[u8],
        fetch_error: &str,
    ) -> String {
        let proved = self
            .listed
            .iter()
            .find(|g| index_arg_eq(g.index, index))
            .and_then(|g| g.entry.as_ref().ok());
        let referenced = proved
            .and_then(|entry| Record::from_bytes(entry).ok())
            .and_then(|r| {
                r.body
                    .documents()
                    .into_iter()
                    .find(|d| d.hex() == sha256)
                    .cloned()
            });
        let checked = match referenced {
            None => Err(format!(
                "no proved record listed at entry {index} references a document {sha256}"
            )),
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

    /// The verdict: `{ok, findings, records: [{index, ok, error?}], context_error?}` — `ok`
    /// when the checkpoint was accepted (`checkpoint_ok`), every context entry is proved, the
    /// index listed records, each is proved, signed (its signature holds) and this precinct's,
    /// and every document matches. The findings are those of the rules this precinct's records
    /// decide alone (`election::audit::precinct_findings`); who may sign, and what needs the
    /// whole log, are the full audit's ([`crate::Audit`]).
    ///
    /// The index is not trusted: an entry listed here that is not this precinct's record (nor a
    /// correction of one listed before it) is named as such and left out.
    pub fn verdict(&self, checkpoint_ok: bool, lang: &str) -> String {
        let mut own: Vec<(u64, &[u8])> = Vec::new();
        let mut records = Vec::new();
        for listed in &self.listed {
            let problem = match &listed.entry {
                Err(e) => Some(e.clone()),
                Ok(entry) => match self.whose(entry, &own) {
                    // Judged with the precinct's records (`record.signature` if it is not
                    // signed), and the page fails unless it is signed.
                    Ok(record) => {
                        own.push((listed.index, entry));
                        let signed = record.verify_signature();
                        signed
                            .err()
                            .map(|e| format!("its signature does not verify: {e}"))
                    }
                    Err(problem) => Some(problem),
                },
            }
            .map(|problem| format!("entry {}: {problem}", listed.index));
            records.push(json!({"index": listed.index, "ok": problem.is_none(), "error": problem}));
        }
        let unproved = self.context.iter().find_map(|g| {
            let e = g.entry.as_ref().err()?;
            Some(format!(
                "the election's entry {} could not be proved: {e}",
                g.index
            ))
        });
        let context = self
            .context
            .iter()
            .filter_map(|g| Some((g.index, g.entry.as_deref().ok()?)));
        let findings = election::audit::precinct_findings(context, own.iter().copied());
        let ok = checkpoint_ok
            && unproved.is_none()
            && !records.is_empty()
            && records.iter().all(|r| r["ok"] == true)
            && self.documents.iter().all(|(_, d)| d.is_ok());
        json!({
            "ok": ok,
            "findings": findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
            "records": records,
            "context_error": unproved,
        })
        .to_string()
    }

    /// `entry` as a record of this precinct (or a correction of one listed before it), or why
    /// it is not.
    fn whose(&self, entry: &[u8], earlier: &[(u64, &[u8])]) -> Result<Record, String> {
        let record = Record::from_bytes(entry).map_err(|e| format!("not a record: {e}"))?;
        let own = match &record.body {
            election::Body::Correction(c) => earlier.iter().any(|(i, _)| *i == c.supersedes),
            body => body.precinct() == Some(self.precinct),
        };
        match own {
            true => Ok(record),
            false => Err(format!("not precinct {}'s", self.precinct)),
        }
    }
}

/// Whether the page's `index` (a JavaScript number) names entry `at`.
fn index_arg_eq(at: u64, index: f64) -> bool {
    crate::index_arg(index, "index").is_ok_and(|i| i == at)
}
