//! One verdict whichever client a citizen uses: the `verifier`'s answer and the web viewer's,
//! read in the same terms. The page's path is its own wasm exports called natively, in the
//! order `web-viewer/site/app.js` calls them, on a log's public files; the page's JavaScript
//! only fetches and stores, so what these exports return is what the page shows.

use crate::Run;
use serde_json::Value;
use std::path::Path;
use tlog::tile::Tile;

/// A verdict, in terms both clients can be read in.
#[derive(Debug, PartialEq, Eq)]
pub enum Judged {
    Clean,
    /// The election records' findings, as (rule, index), or documents that do not match
    /// ("document", 0 each).
    Problems(Vec<(String, u64)>),
    /// The log failed: a fork proved by two signed checkpoints ("evidence"), an older view
    /// ("rollback"), "damaged" tiles, entries that do not match the checkpoint ("entries"), a
    /// checkpoint not signed by the trusted key ("not-this-log"), too few cosignatures
    /// ("quorum").
    LogFailed(&'static str),
}

impl Judged {
    /// The verdict's class, as the attack table names it.
    pub fn class(&self) -> &'static str {
        match self {
            Judged::Clean => "clean",
            Judged::Problems(_) => "problems",
            Judged::LogFailed(kind) => kind,
        }
    }
}

/// Classifies the `verifier`'s answer to `audit --json` (with `--documents` or not): its exit
/// code, its JSON findings and document problems, its message.
pub fn of_cli(run: &Run) -> Judged {
    match run.code {
        0 => Judged::Clean,
        1 => {
            let report: Value = serde_json::from_str(&run.stdout).expect("the --json report");
            let mut found = findings(&report["findings"]);
            let documents = report["documents"]["problems"].as_array();
            found.extend(
                documents
                    .into_iter()
                    .flatten()
                    .map(|_| ("document".into(), 0)),
            );
            found.sort();
            Judged::Problems(found)
        }
        2 => {
            let said = run.text();
            let kind = if said.contains("FORK") {
                "evidence"
            } else if said.contains("ROLLBACK") {
                "rollback"
            } else if said.contains("damaged or tampered") {
                "damaged"
            } else if said.contains("quorum is not met") {
                "quorum"
            } else if said.contains("no valid signature by the key") {
                "not-this-log"
            } else if said.contains("do not match its signed checkpoint") {
                "entries"
            } else {
                panic!("an unclassified log failure: {said}")
            };
            Judged::LogFailed(kind)
        }
        other => panic!("exit {other}: {}", run.text()),
    }
}

fn findings(list: &Value) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = list
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|f| {
            let rule = f["rule"].as_str().unwrap().to_string();
            (rule, f["index"].as_u64().unwrap_or(u64::MAX))
        })
        .collect();
    found.sort();
    found
}

fn parse(text: String) -> Value {
    serde_json::from_str(&text).expect("the wasm answers JSON")
}

/// How the page is asked: its policy, what the browser remembered from an earlier visit (the
/// `remember` text of that visit, or empty), and the audit's complaint deadline if not the
/// definition's (`verifier audit --complaint-deadline`).
pub struct Page<'a> {
    pub policy: &'a str,
    pub remembered: String,
    pub complaint_deadline: Option<u64>,
    /// Check every referenced document, as the precinct pages do (`verifier audit --documents`).
    pub documents: bool,
}

impl Page<'_> {
    /// The page's checkpoint step on the files in `public`: `accept_checkpoint`'s answer.
    pub fn checkpoint(&self, public: &Path) -> Value {
        use web_viewer::*;
        let read = |path: &str| std::fs::read(public.join(path)).ok();
        let checkpoint = read("checkpoint").expect("a checkpoint");
        let first = parse(verify_checkpoint(self.policy, &checkpoint));
        let mut paths = Vec::new();
        if let (Some(new), Ok(old)) = (
            first["relate"]["size"].as_f64(),
            serde_json::from_str::<Value>(&self.remembered),
        ) {
            let need = parse(consistency_tiles_needed(old["size"].as_f64().unwrap(), new));
            paths = serde_json::from_value(need["tiles"].clone()).unwrap();
        }
        let tiles: Vec<(String, Vec<u8>)> = paths
            .into_iter()
            .filter_map(|p: String| read(&p).map(|t| (p, t)))
            .collect();
        let names: Vec<&String> = tiles.iter().map(|(p, _)| p).collect();
        let data: Vec<u8> = tiles.iter().flat_map(|(_, t)| t.clone()).collect();
        let lens: Vec<u32> = tiles.iter().map(|(_, t)| t.len() as u32).collect();
        parse(accept_checkpoint(
            self.policy,
            &checkpoint,
            &self.remembered,
            &serde_json::to_string(&names).unwrap(),
            &data,
            &lens,
        ))
    }

    /// The page's verdict on the log in `public`: the checkpoint step, then the tally page's
    /// audit of every entry bundle, and (with `documents`) each precinct page's documents.
    pub fn verdict(&self, public: &Path) -> Judged {
        use web_viewer::*;
        let cp = self.checkpoint(public);
        if cp["ok"] != true {
            if cp["consistency"]["ok"] == false {
                let c = &cp["consistency"];
                let kind = cp["error"].as_str().unwrap_or_default();
                return Judged::LogFailed(if c["evidence"] == true {
                    "evidence"
                } else if c["damaged"] == true {
                    "damaged"
                } else if kind.starts_with("rollback") {
                    "rollback"
                } else {
                    panic!("an unclassified consistency failure: {cp}")
                });
            }
            let error = cp["error"].as_str().unwrap();
            return Judged::LogFailed(if error.contains("quorum") {
                "quorum"
            } else {
                "not-this-log"
            });
        }
        let read = |path: &str| std::fs::read(public.join(path)).unwrap();
        let size = cp["size"].as_u64().unwrap();
        let mut audit = match self.complaint_deadline {
            Some(s) => Audit::with_complaint_deadline(self.policy, s as f64),
            None => Audit::new(self.policy),
        }
        .unwrap_or_else(|_| panic!("the policy audits"));
        let mut entries = Vec::new();
        for n in 0..size.div_ceil(256) {
            let tile = Tile::at_tree_size(0, n, size).unwrap();
            let bundle = read(&tile.entries_path());
            if audit.push_bundle(&bundle, u32::from(tile.width)).is_err() {
                return Judged::LogFailed("entries");
            }
            let width = u32::from(tile.width);
            entries.extend((0..width).map(|i| entry_from_bundle(&bundle, width, i).ok()));
        }
        let report = parse(audit.report("en", &read("checkpoint")));
        if report["root_ok"] != true {
            return Judged::LogFailed("entries");
        }
        let mut found = findings(&report["findings"]);
        if self.documents {
            found.extend(self.document_problems(public, &entries));
        }
        found.sort();
        match found.is_empty() {
            true => Judged::Clean,
            false => Judged::Problems(found),
        }
    }

    /// What the precinct pages say of the documents the records reference, once per document.
    fn document_problems(&self, public: &Path, entries: &[Option<Vec<u8>>]) -> Vec<(String, u64)> {
        let mut seen = std::collections::HashSet::new();
        let mut problems = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let Some(entry) = entry else { continue };
            let record = parse(web_viewer::decode_record(entry));
            let mut page = web_viewer::PrecinctPage::new(0);
            page.record(index as f64, entry, true, "")
                .unwrap_or_else(|_| panic!("entry {index}"));
            for d in record["body"]["documents"].as_array().into_iter().flatten() {
                let sha = d["sha256"].as_str().unwrap();
                if !seen.insert(sha.to_string()) {
                    continue;
                }
                let (bytes, error) = match std::fs::read(public.join("blob").join(sha)) {
                    Ok(b) => (b, String::new()),
                    Err(e) => (Vec::new(), e.to_string()),
                };
                let checked = parse(page.document(index as f64, sha, &bytes, &error));
                if checked["ok"] != true {
                    problems.push(("document".to_string(), 0));
                }
            }
        }
        problems
    }
}

/// Asserts that the `verifier`'s `audit --json` answer (`cli`) and the page's verdict agree,
/// and returns it.
#[track_caller]
pub fn assert_same(what: &str, cli: &Run, page: &Page, public: &Path) -> Judged {
    let (cli, page) = (of_cli(cli), page.verdict(public));
    assert_eq!(cli, page, "{what}: the CLI and the browser disagree");
    cli
}
