//! `verifier inclusion`: prove that an entry — by index, or an election record found by
//! precinct and kind — is in the log under a checkpoint that meets the policy, and show what
//! it says. The ledger's lookup index (`/api/v1/records`) only suggests which indexes to look
//! at; each is proven like `--index`, and must be the record asked for.

use super::Online;
use crate::accept::accept;
use crate::fetch::FetchError;
use crate::outcome::{Failure, Outcome};
use crate::prove::{conclude, describe_entry, fetch_entry, prove_entry};
use election::{Kind, Record};
use std::path::PathBuf;

/// The most entries one lookup proves.
const MAX_PROVEN: usize = 25;

/// Which entries to prove, and what to check them against.
pub struct InclusionArgs {
    pub index: Option<u64>,
    pub precinct: Option<u32>,
    pub kind: Option<String>,
    pub document: Option<PathBuf>,
    /// Where to keep the proof of the one entry proven, as a tlog-proof bundle.
    pub save_bundle: Option<PathBuf>,
}

/// What to ask the log's lookup index.
#[derive(Default)]
struct Search {
    precinct: Option<u32>,
    kind: Option<Kind>,
    /// The records that enroll or revoke this key.
    key: Option<[u8; 32]>,
}

/// Indexes the log's lookup index gives for a search. Untrusted.
fn lookup(online: &Online, search: Search) -> Result<Vec<u64>, Failure> {
    let Search {
        precinct,
        kind,
        key,
    } = search;
    if !online.source.is_http() {
        return Err(Failure::Usage(
            "finding records by precinct needs the log's lookup API over HTTP; with a local copy, give --index N".into(),
        ));
    }
    let mut query = Vec::new();
    if let Some(p) = precinct {
        query.push(format!("precinct={p}"));
    }
    if let Some(k) = kind {
        query.push(format!("kind={}", k.name()));
    }
    if let Some(key) = key {
        query.push(format!("key={}", hex::encode(key)));
    }
    let path = format!("api/v1/records?{}", query.join("&"));
    let body = online.source.get(&path, 16 << 20).map_err(|e| match e {
        FetchError::Missing(url) => Failure::Usage(format!(
            "{url} does not exist: this log has no lookup index; give --index N"
        )),
        other => other.plain(),
    })?;
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        Failure::Network(format!(
            "the log's lookup index answered something that is not JSON: {e}"
        ))
    })?;
    let records = value["records"].as_array().ok_or_else(|| {
        Failure::Network("the log's lookup index answered without a `records` list".into())
    })?;
    records
        .iter()
        .map(|r| {
            r["index"].as_u64().ok_or_else(|| {
                Failure::Network("the log's lookup index answered a record without an index".into())
            })
        })
        .collect()
}

pub fn run(online: &Online, args: InclusionArgs) -> Outcome {
    let kind = match &args.kind {
        None => None,
        Some(name) => Some(Kind::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            Failure::Usage(format!(
                "--kind {name:?} is not a record kind; the kinds are {}",
                names.join(", ")
            ))
        })?),
    };
    let searching = args.precinct.is_some() || kind.is_some();
    if args.index.is_some() == searching {
        return Err(Failure::Usage(
            "say which entry: --index N, or --precinct ID and/or --kind KIND".into(),
        ));
    }
    let root = online.trust.root.as_ref().map(|k| k.public_key());
    let accepted = accept(&online.source, &online.trust, &online.state)?;
    let cp = accepted.verified.checkpoint.clone();
    for line in online.checkpoint_lines(&accepted, "en") {
        println!("{line}");
    }
    let indexes = match args.index {
        Some(i) => vec![i],
        None => {
            let search = Search {
                precinct: args.precinct,
                kind,
                key: None,
            };
            let found = lookup(online, search)?;
            let (under, later): (Vec<u64>, Vec<u64>) =
                found.into_iter().partition(|&i| i < cp.size);
            if !later.is_empty() {
                println!("  not yet under this checkpoint (ask again shortly): entries {later:?}");
            }
            if under.is_empty() {
                return Err(Failure::Usage(format!(
                    "the log's lookup index lists no record{} under this checkpoint. The index is only a convenience: `verifier audit` reads every entry.",
                    describe_search(args.precinct, kind)
                )));
            }
            println!(
                "  the log's lookup index suggests {} entr{}{}: {} proven below",
                under.len(),
                if under.len() == 1 { "y" } else { "ies" },
                describe_search(args.precinct, kind),
                if under.len() > MAX_PROVEN {
                    format!("the first {MAX_PROVEN} are (narrow the search with --precinct)")
                } else {
                    "each is".to_string()
                }
            );
            under.into_iter().take(MAX_PROVEN).collect()
        }
    };
    if args.save_bundle.is_some() && indexes.len() != 1 {
        return Err(Failure::Usage(format!(
            "--save-bundle keeps the proof of one entry, and {} were found: give --index N",
            indexes.len()
        )));
    }
    let mut problems = Vec::new();
    let mut proven: Vec<(u64, Record)> = Vec::new();
    for index in indexes {
        let entry = fetch_entry(&online.source, cp.size, index)?;
        let proof = prove_entry(&online.source, &cp, index, &entry)?;
        println!();
        println!(
            "entry {index} is in the log: its inclusion proof ({} hashes, computed from the log's hash tiles) leads to the signed root",
            proof.len()
        );
        let view = describe_entry(&entry, root.as_ref());
        for line in &view.lines {
            println!("  {line}");
        }
        if searching {
            check_found(index, view.record.as_ref(), args.precinct, kind)?;
        }
        if let Some(record) = &view.record
            && online.source.is_http()
            && root.as_ref() != Some(&record.signer)
        {
            // Best effort: a mirror without the lookup API (or out of reach) still proves the
            // entry; an enrollment entry that fails its proof is the log's failure, though.
            let line = match signer_line(online, &cp, index, record) {
                Err(e @ Failure::Log(_)) => return Err(e),
                Err(_) => "who signed it is not shown: this copy of the log answers no lookup by key (`verifier audit` checks every signer through the enrollment chain)".into(),
                Ok(line) => line,
            };
            println!("  {line}");
        }
        if let Some(path) = &args.save_bundle {
            save_bundle(path, index, proof, &accepted.note, &entry)?;
        }
        for p in &view.problems {
            println!("  PROBLEM: {p}");
        }
        problems.extend(view.problems);
        if let Some(r) = view.record {
            proven.push((index, r));
        }
    }
    if proven.iter().any(|(_, r)| votes_of(r).is_some()) && online.source.is_http() {
        named_votes(online, &cp, &proven)?;
    }
    let records: Vec<(u64, &Record)> = proven.iter().map(|(i, r)| (*i, r)).collect();
    conclude(args.document.as_deref(), &records, problems, "OK: verified")
}

/// Who signed the record at `index`: its signer's enrollment, found through the lookup index
/// and proven like any entry, its signature checked — never taken on trust. Whether the
/// enroller had the authority is `verifier audit`'s to check, through the chain from the root.
fn signer_line(
    online: &Online,
    cp: &tlog::Checkpoint,
    index: u64,
    record: &Record,
) -> Result<String, Failure> {
    let search = Search {
        kind: Some(Kind::KeyEnrollment),
        key: Some(record.signer),
        ..Search::default()
    };
    let earlier = lookup(online, search)?.into_iter().filter(|&i| i < index);
    for at in earlier.take(MAX_PROVEN) {
        let entry = fetch_entry(&online.source, cp.size, at)?;
        prove_entry(&online.source, cp, at, &entry)?;
        let Ok(enrollment) = Record::from_bytes(&entry) else {
            continue;
        };
        if enrollment.verify_signature().is_err() {
            continue;
        }
        if let election::Body::KeyEnrollment(k) = &enrollment.body
            && k.key == record.signer
        {
            return Ok(format!(
                "the signer is {:?}, {} for {}: enrolled at entry {at} (proven the same way; `verifier audit` checks that its enroller could enroll it)",
                k.holder,
                k.role.name(),
                crate::display::scope(&k.scope)
            ));
        }
    }
    Ok(
        "the log's lookup index shows no enrollment of this signer before this entry; `verifier audit` checks every signer through the enrollment chain"
            .into(),
    )
}

/// Writes the proof just verified as a tlog-proof bundle carrying its entry, which
/// `verifier bundle` checks offline. Never over an existing file.
fn save_bundle(
    path: &std::path::Path,
    index: u64,
    proof: Vec<tlog::Hash>,
    note: &[u8],
    entry: &[u8],
) -> Result<(), Failure> {
    let bundle = tlog::bundle::ProofBundle {
        extra: Some(entry.to_vec()),
        index,
        proof,
        checkpoint: note.to_vec(),
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, &bundle.to_bytes()));
    written.map_err(|e| Failure::Usage(format!("--save-bundle {}: {e}", path.display())))?;
    println!(
        "  its proof is kept in {} (check it offline: verifier bundle {} --policy POLICY)",
        path.display(),
        path.display()
    );
    Ok(())
}

/// A record's contest and votes per option, if it counts votes.
fn votes_of(record: &Record) -> Option<(u16, &[u32])> {
    match &record.body {
        election::Body::PrecinctProtocol(p) => Some((p.contest, &p.votes)),
        election::Body::UrnResult(u) => Some((u.contest, &u.votes)),
        _ => None,
    }
}

/// The votes of the proven records with the options' names, from the election definition —
/// itself found through the lookup index (the first one listed, which the rules make the one
/// that counts) and proven like any entry, its signature checked; never taken on trust.
fn named_votes(
    online: &Online,
    cp: &tlog::Checkpoint,
    proven: &[(u64, Record)],
) -> Result<(), Failure> {
    let definitions = Search {
        kind: Some(Kind::ElectionDefinition),
        ..Search::default()
    };
    let Some(index) = lookup(online, definitions)?
        .into_iter()
        .filter(|&i| i < cp.size)
        .min()
    else {
        return Ok(());
    };
    let entry = fetch_entry(&online.source, cp.size, index)?;
    prove_entry(&online.source, cp, index, &entry)?;
    let record = Record::from_bytes(&entry).ok();
    let Some(Record {
        body: election::Body::ElectionDefinition(definition),
        ..
    }) = record.as_ref().filter(|r| r.verify_signature().is_ok())
    else {
        return Err(Failure::Log(format!(
            "the log's lookup index pointed at entry {index} as the election definition, but it is not a validly signed one"
        )));
    };
    println!();
    println!(
        "the election definition is entry {index} (proven the same way, its signature verified; `verifier audit` checks that its signer is the CEC's and that no earlier one was logged); by its names:"
    );
    for (record_index, record) in proven {
        let Some((contest_id, votes)) = votes_of(record) else {
            continue;
        };
        let Some(contest) = definition.contests.iter().find(|c| c.id == contest_id) else {
            println!("  entry {record_index}: contest {contest_id} is not in the definition");
            continue;
        };
        println!(
            "  entry {record_index} ({}), {}:",
            record.kind().name(),
            crate::display::name(&contest.name)
        );
        for (n, votes) in votes.iter().enumerate() {
            let option = contest
                .options
                .get(n)
                .map_or("(no such option)", |o| crate::display::name(&o.name));
            println!(
                "    {:>2}. {option}: {}",
                n + 1,
                crate::display::thousands(u64::from(*votes))
            );
        }
    }
    Ok(())
}

fn describe_search(precinct: Option<u32>, kind: Option<Kind>) -> String {
    let mut s = String::new();
    if let Some(k) = kind {
        s.push_str(&format!(" of kind {}", k.name()));
    }
    if let Some(p) = precinct {
        s.push_str(&format!(" for precinct {p}"));
    }
    s
}

/// The proven entry must be what the lookup index said it is.
fn check_found(
    index: u64,
    record: Option<&Record>,
    precinct: Option<u32>,
    kind: Option<Kind>,
) -> Result<(), Failure> {
    let ok = record.is_some_and(|r| {
        kind.is_none_or(|k| r.kind() == k) && precinct.is_none_or(|p| r.body.precinct() == Some(p))
    });
    if ok {
        return Ok(());
    }
    let is = record.map_or("not an election record".to_string(), |r| {
        format!(
            "a {} record{}",
            r.kind().name(),
            r.body
                .precinct()
                .map(|p| format!(" for precinct {p}"))
                .unwrap_or_default()
        )
    });
    Err(Failure::Log(format!(
        "the log's lookup index pointed at entry {index} as a record{}, but the entry proven at {index} is {is}",
        describe_search(precinct, kind)
    )))
}
