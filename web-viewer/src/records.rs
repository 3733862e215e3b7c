//! Records as the page shows them: decoded, their signatures checked, as JSON.

use crate::err_json;
use election::Record;
#[cfg(feature = "auditor")]
use election::audit::Finding;
use election::records::{
    Body, ComplaintCategory, Decider, DocumentRef, ElectionDefinition, Names, Outcome,
};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

fn names_json(n: &Names) -> Value {
    json!({"ky": n.ky, "ru": n.ru, "en": n.en.clone().unwrap_or_else(|| n.ru.clone())})
}

fn doc_json(d: &DocumentRef) -> Value {
    json!({"sha256": d.hex(), "media_type": d.media_type, "size": d.size})
}

fn body_json(body: &Body) -> Value {
    match body {
        Body::PrecinctProtocol(p) => json!({
            "precinct": p.precinct, "contest": p.contest, "voters_on_list": p.voters_on_list,
            "ballots_received": p.ballots_received, "ballots_issued": p.ballots_issued,
            "ballots_cancelled": p.ballots_cancelled, "ballots_stationary": p.ballots_stationary,
            "ballots_mobile": p.ballots_mobile, "invalid": p.invalid, "valid": p.valid,
            "votes": p.votes, "documents": p.pages.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::UrnResult(u) => json!({
            "precinct": u.precinct, "contest": u.contest, "device": u.device,
            "ballots_read": u.ballots_read, "rejected": u.rejected, "votes": u.votes,
            "documents": u.printout.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::IdentificationReport(r) => json!({
            "precinct": r.precinct, "identified": r.identified,
            "identified_mobile": r.identified_mobile,
            "hourly": r.hourly.iter().map(|h| json!([h.hour, h.identified])).collect::<Vec<_>>(),
            "documents": r.scan.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::Turnout(t) => {
            json!({"precinct": t.precinct, "hour": t.hour, "identified": t.identified})
        }
        Body::ElectionDefinition(d) => definition_json(d),
        Body::PrecinctRegistry(r) => json!({
            "part": r.part,
            // [id, territory, registered, station names | null, address names | null]
            "precincts": r.precincts.iter().map(|p| json!([
                p.id, p.territory, p.registered,
                p.station.as_ref().map(names_json), p.address.as_ref().map(names_json),
            ])).collect::<Vec<_>>(),
        }),
        Body::FinalResult(f) => json!({
            "contest": f.contest, "totals": f.totals, "precincts_counted": f.precincts_counted,
            "annulled": f.annulled, "documents": f.document.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::Annulment(a) => json!({
            "precincts": a.precincts, "resolution": a.resolution, "reason": a.reason,
        }),
        Body::ComplaintFiled(c) => json!({
            "complaint": c.complaint, "filed_with": c.filed_with, "category": category_name(c.category),
            "precinct": c.precinct, "subject": c.subject,
            "documents": c.documents.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::ComplaintDecision(d) => json!({
            "complaint": d.complaint, "decided_by": decider_name(d.decided_by), "decider_name": d.decider_name,
            "outcome": outcome_name(d.outcome), "documents": d.documents.iter().map(doc_json).collect::<Vec<_>>(),
        }),
        Body::FinanceReport(f) => json!({
            "filer": f.filer, "period_end": f.period_end,
            "income": f.income.iter().map(|a| json!([a.category, a.tyiyn])).collect::<Vec<_>>(),
            "spending": f.spending.iter().map(|a| json!([a.category, a.tyiyn])).collect::<Vec<_>>(),
            "documents": [doc_json(&f.document)],
        }),
        Body::BankStatement(b) => json!({
            "filer": b.filer, "account": b.account, "period_end": b.period_end,
            "opening": b.opening_tyiyn, "credits": b.credits_tyiyn, "debits": b.debits_tyiyn,
            "closing": b.closing_tyiyn, "documents": [doc_json(&b.document)],
        }),
        other => json!({
            "precinct": other.precinct(),
            "documents": other.documents().into_iter().map(doc_json).collect::<Vec<_>>(),
            "text": format!("{other:?}"),
        }),
    }
}

// The enumerations by their names in `spec/records.md` (the viewer's strings are keyed by them).
fn category_name(c: ComplaintCategory) -> &'static str {
    match c {
        ComplaintCategory::VoterList => "voter-list",
        ComplaintCategory::Campaigning => "campaigning",
        ComplaintCategory::VotingProcess => "voting-process",
        ComplaintCategory::Counting => "counting",
        ComplaintCategory::Tabulation => "tabulation",
        ComplaintCategory::Finance => "finance",
        ComplaintCategory::Other => "other",
    }
}

fn decider_name(d: Decider) -> &'static str {
    match d {
        Decider::Commission => "commission",
        Decider::Court => "court",
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Upheld => "upheld",
        Outcome::PartlyUpheld => "partly-upheld",
        Outcome::Rejected => "rejected",
        Outcome::NotConsidered => "not-considered",
    }
}

pub(crate) fn definition_json(d: &ElectionDefinition) -> Value {
    json!({
        "date": d.date, "name": names_json(&d.name), "complaint_deadline": d.complaint_deadline,
        "contests": d.contests.iter().map(|c| json!({
            "id": c.id, "name": names_json(&c.name), "seats": c.seats,
            "options": c.options.iter().map(|o| names_json(&o.name)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "regions": d.regions.iter().map(|r| json!({"id": r.id, "name": names_json(&r.name)})).collect::<Vec<_>>(),
        "territories": d.territories.iter().map(|t| json!({"id": t.id, "region": t.region, "name": names_json(&t.name)})).collect::<Vec<_>>(),
    })
}

fn record_json(record: &Record) -> Value {
    json!({
        "ok": true,
        "kind": record.kind().name(),
        "election": record.election,
        "signer": hex::encode(record.signer),
        "time": record.time,
        "signature_ok": record.verify_signature().is_ok(),
        "body": body_json(&record.body),
    })
}

/// Decodes an entry as an election record (canonical CBOR, `spec/records.md`) and checks its
/// signature: `{ok, kind, election, signer, time, signature_ok, body}` or `{ok: false, error}`.
#[wasm_bindgen]
pub fn decode_record(entry: &[u8]) -> String {
    match Record::from_bytes(entry) {
        Ok(r) => record_json(&r).to_string(),
        Err(e) => err_json(e),
    }
}

/// A finding in `lang`, as the tally's report and the precinct page give it.
#[cfg(feature = "auditor")]
pub(crate) fn finding_json(f: &Finding, lang: &str) -> Value {
    json!({
        "rule": f.rule.id(), "title": f.rule.title(lang), "index": f.index,
        "precinct": f.precinct, "message": f.message.text(lang),
    })
}
