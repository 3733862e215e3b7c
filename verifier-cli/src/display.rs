//! Writing things for people: times, numbers, hashes, and election records decoded field by
//! field in plain words.

use election::Record;
use election::records::{Amount, Body, DocumentRef, Names, Scope};
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_time(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = tlog::time::utc_parts(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
}

pub fn format_system_time(t: SystemTime) -> String {
    format_time(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// 1234567 as `1,234,567`.
pub fn thousands(n: u64) -> String {
    number(n, "en")
}

/// `n` with its thousands grouped as a reader of `lang` writes them: `1,234,567` in English,
/// `1 234 567` in Kyrgyz and Russian (where a comma is the decimal sign).
pub fn number(n: u64, lang: &str) -> String {
    let separator = if lang == "en" { ',' } else { ' ' };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// `x` with `places` decimals and the decimal sign of `lang`: `0.5` in English, `0,5` in
/// Kyrgyz and Russian.
pub fn decimal(x: f64, places: usize, lang: &str) -> String {
    let text = format!("{x:.places$}");
    if lang == "en" {
        text
    } else {
        text.replace('.', ",")
    }
}

/// A name for an English-reading report: English if given, else Russian.
pub fn name(n: &Names) -> &str {
    n.en.as_deref().unwrap_or(&n.ru)
}

/// A name for a reader of `lang`: Kyrgyz, Russian, or as [`name`] gives it.
pub fn name_in<'a>(n: &'a Names, lang: &str) -> &'a str {
    match lang {
        "ky" => &n.ky,
        "ru" => &n.ru,
        _ => name(n),
    }
}

fn som(tyiyn: u64) -> String {
    format!("{}.{:02} som", thousands(tyiyn / 100), tyiyn % 100)
}

fn sum(amounts: &[Amount]) -> u64 {
    amounts.iter().map(|a| a.tyiyn).sum()
}

fn list<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn scope(s: &Scope) -> String {
    if s.all {
        return "every precinct".into();
    }
    let mut parts = Vec::new();
    if !s.territories.is_empty() {
        parts.push(format!(
            "territorial commission(s) {}",
            list(&s.territories)
        ));
    }
    if !s.precincts.is_empty() {
        parts.push(format!("precinct(s) {}", list(&s.precincts)));
    }
    if parts.is_empty() {
        "no precinct".into()
    } else {
        parts.join(" and ")
    }
}

/// A document reference on one line.
pub fn document(d: &DocumentRef) -> String {
    format!(
        "{} of {} bytes, SHA-256 {}",
        d.media_type,
        thousands(d.size),
        d.hex()
    )
}

/// The record's fields, a line each, for people.
pub fn record_lines(r: &Record) -> Vec<String> {
    let mut out = vec![
        format!("record: {} (election {})", r.kind().name(), r.election),
        format!(
            "signed by key {} at {}",
            hex::encode(r.signer),
            format_time(r.time)
        ),
    ];
    let mut add = |line: String| out.push(line);
    match &r.body {
        Body::KeyEnrollment(k) => add(format!(
            "enrolls key {} as {} for {:?}, covering {}, valid from {} to {}",
            hex::encode(k.key),
            k.role.name(),
            k.holder,
            scope(&k.scope),
            format_time(k.valid_from),
            format_time(k.valid_until)
        )),
        Body::KeyRevocation(k) => add(format!(
            "revokes key {} from {}: {}",
            hex::encode(k.key),
            format_time(k.effective),
            k.reason
        )),
        Body::ElectionDefinition(d) => {
            add(format!(
                "{} ({:?}), polling day {}",
                name(&d.name),
                d.election_type,
                d.date
            ));
            for c in &d.contests {
                let options: Vec<&str> = c.options.iter().map(|o| name(&o.name)).collect();
                add(format!(
                    "contest {} \"{}\", {} seat(s): {}",
                    c.id,
                    name(&c.name),
                    c.seats,
                    options.join("; ")
                ));
            }
            add(format!(
                "{} regions, {} territorial commissions, registry in {} part(s), complaints decided within {} h",
                d.regions.len(),
                d.territories.len(),
                d.registry_parts,
                d.complaint_deadline / 3600
            ));
        }
        Body::PrecinctRegistry(p) => add(format!(
            "precinct registry part {}: {} precincts, {} registered voters",
            p.part,
            p.precincts.len(),
            thousands(p.precincts.iter().map(|x| u64::from(x.registered)).sum())
        )),
        Body::PrecinctProtocol(p) => {
            add(format!("precinct {}, contest {}", p.precinct, p.contest));
            add(format!(
                "voters on the list {}; ballots received {}, issued {}, cancelled {}",
                p.voters_on_list, p.ballots_received, p.ballots_issued, p.ballots_cancelled
            ));
            add(format!(
                "ballots found: {} in stationary boxes, {} in mobile boxes; {} invalid, {} valid",
                p.ballots_stationary, p.ballots_mobile, p.invalid, p.valid
            ));
            add(format!(
                "votes per option in ballot order: {}",
                list(&p.votes)
            ));
        }
        Body::UrnResult(u) => {
            add(format!(
                "precinct {}, contest {}, urn {}",
                u.precinct, u.contest, u.device
            ));
            add(format!(
                "ballots read {}, rejected {}; votes per option: {}",
                u.ballots_read,
                u.rejected,
                list(&u.votes)
            ));
        }
        Body::Turnout(t) => add(format!(
            "precinct {}: {} voters identified by {}:00",
            t.precinct, t.identified, t.hour
        )),
        Body::IdentificationReport(i) => add(format!(
            "precinct {}: {} voters identified in the premises, {} for the mobile box",
            i.precinct, i.identified, i.identified_mobile
        )),
        Body::ComplaintFiled(c) => add(format!(
            "complaint {} filed with {} ({:?}){}: {}",
            c.complaint,
            c.filed_with,
            c.category,
            c.precinct
                .map(|p| format!(" about precinct {p}"))
                .unwrap_or_default(),
            c.subject
        )),
        Body::ComplaintDecision(d) => add(format!(
            "decision on complaint {} by {} ({:?}): {:?}",
            d.complaint, d.decider_name, d.decided_by, d.outcome
        )),
        Body::FinanceReport(f) => add(format!(
            "{}, period ending {}: income {}, spending {}",
            f.filer,
            f.period_end,
            som(sum(&f.income)),
            som(sum(&f.spending))
        )),
        Body::BankStatement(s) => add(format!(
            "{}, account {}, period ending {}: opening {} + credits {} - debits {} = closing {}",
            s.filer,
            s.account,
            s.period_end,
            som(s.opening_tyiyn),
            som(s.credits_tyiyn),
            som(s.debits_tyiyn),
            som(s.closing_tyiyn)
        )),
        Body::Annulment(a) => add(format!(
            "annuls precinct(s) {} by resolution {}: {}",
            list(&a.precincts),
            a.resolution,
            a.reason
        )),
        Body::Correction(c) => add(format!("supersedes entry {}: {}", c.supersedes, c.reason)),
        Body::FinalResult(f) => add(format!(
            "final result of contest {}: totals per option {}; {} precincts counted; annulled: {}",
            f.contest,
            list(&f.totals),
            f.precincts_counted,
            if f.annulled.is_empty() {
                "none".into()
            } else {
                list(&f.annulled)
            }
        )),
        Body::LogCheckpoint(c) => {
            add("the log's own record of a checkpoint it published, with its cosignatures (witnessed time):".into());
            for line in c.note.lines() {
                add(format!("  {line}"));
            }
        }
    }
    for d in r.body.documents() {
        out.push(format!("document: {}", document(d)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_numbers() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            format_time(election::generate::POLLS_OPEN),
            "2026-11-29 02:00:00 UTC"
        );
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(som(123_456), "1,234.56 som");
        assert_eq!(number(1_234_567, "ru"), "1 234 567");
        assert_eq!(number(8_194, "ky"), "8 194");
        assert_eq!(number(999, "ru"), "999");
        assert_eq!(decimal(21.956, 2, "ru"), "21,96");
        assert_eq!(decimal(0.05, 1, "en"), "0.1");
    }
}
