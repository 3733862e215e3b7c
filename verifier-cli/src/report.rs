//! The audit's report: for people (what was checked, what it means, findings grouped by rule
//! with the first few messages, the tally and the final-result comparison), or as JSON.

use crate::commands::Online;
use crate::commands::audit::AuditResult;
use crate::display::{decimal, name, name_in, number};
use crate::outcome::{Failure, Verdict};
use crate::phrases::Phrase;
use election::audit::{Finding, Rule};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How many messages of each rule a person sees.
const EXAMPLES: usize = 3;

/// Exit verdict of a finished audit.
pub fn verdict(r: &AuditResult) -> Verdict {
    Verdict::Clean.or_problems(r.has_problems())
}

fn by_rule(findings: &[Finding]) -> BTreeMap<Rule, Vec<&Finding>> {
    let mut map: BTreeMap<Rule, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        map.entry(f.rule).or_default().push(f);
    }
    map
}

/// Whether the final result logged at `index` matches the tally: no `final.matches-tally`
/// finding names it.
fn final_matches(r: &AuditResult, index: u64) -> bool {
    !r.report
        .findings
        .iter()
        .any(|f| f.rule == Rule::FinalMatchesTally && f.index == Some(index))
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The report for people; findings and rule titles in `lang` (`en`, `ky`, `ru`).
pub fn human(online: &Online, r: &AuditResult, lang: &str) -> String {
    let mut out = String::new();
    let rep = &r.report;
    let size = r.accepted.size();
    for line in online.checkpoint_lines(&r.accepted, lang) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "  {}",
        Phrase::EntriesAll.say(lang, [number(size, lang)])
    );
    let _ = writeln!(out);
    let root = online
        .trust
        .root
        .as_ref()
        .map(|k| k.to_string())
        .unwrap_or_default();
    let election = match &rep.election {
        Some(election) => election.clone(),
        None => Phrase::NoElectionYet.text(lang),
    };
    let _ = writeln!(
        out,
        "{}",
        Phrase::ElectionFromRoot.say(lang, [election, root])
    );
    // Kinds by their identifiers, as the records write them, in every language.
    let kinds: Vec<String> = rep
        .records_by_kind
        .iter()
        .map(|(k, n)| format!("{} {}", number(*n, lang), k.name()))
        .collect();
    let valid: u64 = rep.records_by_kind.values().sum();
    let kinds = match kinds.is_empty() {
        true => String::new(),
        false => format!(" ({})", kinds.join(", ")),
    };
    let _ = writeln!(
        out,
        "  {}",
        Phrase::Records.say(
            lang,
            [number(valid, lang), number(rep.entries, lang), kinds]
        )
    );
    let _ = writeln!(
        out,
        "  {}",
        Phrase::KeysEnrolled.say(lang, [number(rep.keys_enrolled as u64, lang)])
    );
    let _ = writeln!(out);
    let groups = by_rule(&rep.findings);
    if groups.is_empty() {
        let _ = writeln!(out, "{}", Phrase::FindingsNone.text(lang));
    } else {
        let _ = writeln!(
            out,
            "{}",
            Phrase::FindingsCount.say(
                lang,
                [
                    number(rep.findings.len() as u64, lang),
                    groups.len().to_string()
                ]
            )
        );
        for (rule, list) in &groups {
            let _ = writeln!(
                out,
                "  {} — {}: {}",
                rule.id(),
                rule.title(lang),
                list.len()
            );
            for f in list.iter().take(EXAMPLES) {
                let _ = writeln!(out, "    {}", f.line(lang));
            }
            if list.len() > EXAMPLES {
                let _ = writeln!(
                    out,
                    "    {}",
                    Phrase::AndMore.say(lang, [list.len() - EXAMPLES])
                );
            }
        }
    }
    let _ = writeln!(out);
    human_tally(&mut out, r, lang);
    if let Some(docs) = &r.documents {
        let _ = writeln!(out);
        let checked = number(docs.checked as u64, lang);
        if docs.problems.is_empty() {
            let _ = writeln!(out, "{}", Phrase::DocumentsMatch.say(lang, [checked]));
        } else {
            let wrong = number(docs.problems.len() as u64, lang);
            let _ = writeln!(
                out,
                "{}",
                Phrase::DocumentsDiffer.say(lang, [checked, wrong])
            );
            for p in &docs.problems {
                let _ = writeln!(out, "  {}", p.describe());
            }
        }
    }
    let _ = writeln!(out);
    let verdict = match verdict(r) {
        Verdict::Clean => Phrase::VerdictClean,
        Verdict::Problems => Phrase::VerdictProblems,
    };
    let _ = writeln!(out, "{}", verdict.say(lang, [decimal(r.seconds, 1, lang)]));
    out
}

fn human_tally(out: &mut String, r: &AuditResult, lang: &str) {
    let rep = &r.report;
    if rep.tally.contests.is_empty() {
        let _ = writeln!(out, "{}", Phrase::NoDefinition.text(lang));
    }
    for t in &rep.tally.contests {
        let names = r.contests.iter().find(|c| c.id == t.contest);
        let _ = writeln!(
            out,
            "{}",
            Phrase::TallyHeading.say(
                lang,
                [
                    t.contest.to_string(),
                    names.map_or(String::new(), |c| name_in(&c.name, lang).to_string())
                ]
            )
        );
        let valid: u64 = t.national.iter().sum();
        for (i, votes) in t.national.iter().enumerate() {
            let option = names.and_then(|c| c.options.get(i)).map_or_else(
                || Phrase::Option.say(lang, [i + 1]),
                |o| name_in(o, lang).to_string(),
            );
            let _ = writeln!(
                out,
                "  {:>3}. {option:<44} {:>12}  {:>6}%",
                i + 1,
                number(*votes, lang),
                decimal(percent(*votes, valid), 2, lang)
            );
        }
        let ballots = Phrase::Ballots.say(
            lang,
            [
                number(t.valid, lang),
                number(t.invalid, lang),
                number(t.included.len() as u64, lang),
                t.annulled.len().to_string(),
                t.missing.len().to_string(),
            ],
        );
        let _ = writeln!(out, "  {ballots}");
    }
    if rep.final_results.is_empty() {
        let _ = writeln!(out, "{}", Phrase::NoFinalResult.text(lang));
    }
    for (index, f) in &rep.final_results {
        if final_matches(r, *index) {
            let _ = writeln!(
                out,
                "{}",
                Phrase::FinalMatches.say(lang, [f.contest.to_string(), index.to_string()])
            );
        } else {
            let _ = writeln!(
                out,
                "{}",
                Phrase::FinalDiffers.say(lang, [f.contest.to_string(), index.to_string()])
            );
            for finding in rep
                .findings
                .iter()
                .filter(|x| x.rule == Rule::FinalMatchesTally && x.index == Some(*index))
            {
                let _ = writeln!(out, "  {}", finding.message.text(lang));
            }
        }
    }
}

fn finding_json(f: &Finding) -> Value {
    json!({"rule": f.rule.id(), "index": f.index, "precinct": f.precinct, "message": f.message.to_string()})
}

/// The report as JSON.
pub fn json(online: &Online, r: &AuditResult) -> Value {
    let rep = &r.report;
    let cp = &r.accepted.verified.checkpoint;
    let groups = by_rule(&rep.findings);
    let verdict = verdict(r);
    json!({
        "verdict": match verdict { Verdict::Clean => "clean", Verdict::Problems => "problems" },
        "exit_code": verdict.exit_code(),
        "log": {
            "origin": cp.origin,
            "url": online.location,
            "size": cp.size,
            "root": cp.root.to_base64(),
            "cosigners": r.accepted.verified.cosigners.iter()
                .map(|(name, time)| json!({"name": name, "time": time})).collect::<Vec<_>>(),
            "quorum": online.trust.policy.quorum_name(),
            "history": r.accepted.relation_line(),
            "root_recomputed": true,
        },
        "election": rep.election,
        "entries": rep.entries,
        "keys_enrolled": rep.keys_enrolled,
        "records_by_kind": rep.records_by_kind.iter()
            .map(|(k, n)| (k.name().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "findings_by_rule": groups.iter().map(|(rule, list)| json!({
            "rule": rule.id(), "title": rule.title("en"), "count": list.len(),
        })).collect::<Vec<_>>(),
        "findings": rep.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "tally": rep.tally.contests.iter().map(|t| {
            let names = r.contests.iter().find(|c| c.id == t.contest);
            json!({
                "contest": t.contest,
                "name": names.map(|c| name(&c.name)),
                "options": t.national.iter().enumerate().map(|(i, v)| json!({
                    "name": names.and_then(|c| c.options.get(i)).map(name),
                    "votes": v,
                })).collect::<Vec<_>>(),
                "valid": t.valid,
                "invalid": t.invalid,
                "precincts_counted": t.included.len(),
                "precincts_annulled": t.annulled,
                "precincts_missing": t.missing,
            })
        }).collect::<Vec<_>>(),
        "final_results": rep.final_results.iter().map(|(index, f)| json!({
            "index": index,
            "contest": f.contest,
            "totals": f.totals,
            "precincts_counted": f.precincts_counted,
            "annulled": f.annulled,
            "matches_tally": final_matches(r, *index),
        })).collect::<Vec<_>>(),
        "documents": r.documents.as_ref().map(|d| json!({
            "checked": d.checked,
            "problems": d.problems.iter().map(|p| json!({
                "index": p.referenced.index,
                "kind": p.referenced.kind.name(),
                "precinct": p.referenced.precinct,
                "sha256": p.referenced.document.hex(),
                "problem": p.problem,
            })).collect::<Vec<_>>(),
        })),
        "seconds": r.seconds,
    })
}

/// A failed audit as JSON.
pub fn json_failure(f: &Failure) -> Value {
    json!({
        "verdict": match f { Failure::Log(_) => "log-failed", _ => "error" },
        "exit_code": f.exit_code(),
        "error": f.message(),
    })
}
