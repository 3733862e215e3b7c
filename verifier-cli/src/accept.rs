//! Accepting a log's current checkpoint: it must satisfy the trust policy (the log's
//! signature and the witness quorum), and it must extend the checkpoint this verifier accepted
//! before for the same log (spec/tlog.md §11 steps 1–2). A smaller tree is a **rollback**; a
//! tree that does not contain the earlier one is a **fork**. Either way both signed
//! checkpoints are printed in full — together they prove the log misbehaved — and the
//! remembered one is kept; tiles that do not agree with the new signed root are damage, not a
//! fork (the rule is `tlog::relation`'s). Every online command goes through here first.

use crate::display::format_system_time;
use crate::fetch::{FetchError, MAX_NOTE, Source, TileFetcher};
use crate::outcome::Failure;
use crate::phrases::Phrase;
use crate::state::{LogId, Remembered, State};
use crate::trust::Trust;
use tlog::policy::VerifiedCheckpoint;
use tlog::relation::{Extends, NotExtended, SignedTree};
use tlog::tile::TileHashReader;

/// How the new checkpoint relates to what was remembered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Relation {
    /// No checkpoint of this log was accepted before.
    First,
    /// The same tree as before.
    Unchanged,
    /// The tree grew from `from` leaves, and a consistency proof of `proof_len` hashes
    /// showed it contains the earlier tree.
    Grew { from: u64, proof_len: usize },
}

/// A checkpoint that satisfied the policy and extends what was accepted before.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub verified: VerifiedCheckpoint,
    /// The signed note, verbatim.
    pub note: Vec<u8>,
    pub relation: Relation,
}

impl Accepted {
    pub fn size(&self) -> u64 {
        self.verified.checkpoint.size
    }

    pub fn origin(&self) -> &str {
        &self.verified.checkpoint.origin
    }

    /// One line on the signatures: the log's and the witnesses'.
    pub fn signatures_line(&self, trust: &Trust, lang: &str) -> String {
        signatures_line(&self.verified, trust, lang)
    }

    /// One line on the relation to the remembered checkpoint, in English (as JSON gives it).
    pub fn relation_line(&self) -> String {
        self.relation_said("en")
    }

    /// [`Accepted::relation_line`] in `lang` (`en`, `ky`, `ru`).
    pub fn relation_said(&self, lang: &str) -> String {
        match &self.relation {
            Relation::First => Phrase::HistoryFirst.text(lang),
            Relation::Unchanged => Phrase::HistoryUnchanged.text(lang),
            Relation::Grew { from, proof_len } => {
                Phrase::HistoryGrew.say(lang, [from.to_string(), proof_len.to_string()])
            }
        }
    }
}

/// Fetches the log's checkpoint and accepts it, or says why not.
pub fn accept(source: &Source, trust: &Trust, state: &State) -> Result<Accepted, Failure> {
    let url = source.url("checkpoint");
    let note = source.get("checkpoint", MAX_NOTE).map_err(|e| match e {
        FetchError::Missing(_) => Failure::Network(format!(
            "there is no checkpoint at {url}: is this the log's URL?"
        )),
        other => other.plain(),
    })?;
    match trust.verify_checkpoint(&note, &url) {
        Ok(verified) => {
            let log = trust.log_id(&verified.checkpoint.origin);
            adopt_origin_only_state(state, trust, &log)?;
            accept_verified(source, state, &log, verified, note, &url)
        }
        Err(refusal) => {
            Err(contradiction(source, trust, state, &note, &url, &refusal).unwrap_or(refusal))
        }
    }
}

/// A verifier upgraded from one that remembered logs by origin alone keeps what it
/// remembered: the old file is taken for this log if the policy's key for it signed it.
fn adopt_origin_only_state(state: &State, trust: &Trust, log: &LogId) -> Result<(), Failure> {
    if state.load(log)?.is_some() {
        return Ok(());
    }
    let Some(old) = state.load_by_origin_only(&log.origin) else {
        return Ok(());
    };
    if trust.policy.verify_log_signature(&old.note).is_ok() {
        state.save(log, &old.note)?;
    }
    Ok(())
}

/// A checkpoint the policy refuses (too few cosignatures) may still be signed by the log. If
/// it contradicts the checkpoint accepted before, that is the bigger news: the log signed two
/// histories, and the two notes prove it — whatever the witnesses did. If it is an older view,
/// that is said too, with both notes (as a rollback, not as evidence).
fn contradiction(
    source: &Source,
    trust: &Trust,
    state: &State,
    note: &[u8],
    from: &str,
    refusal: &Failure,
) -> Option<Failure> {
    let signed = trust.policy.verify_log_signature(note).ok()?;
    let log = trust.log_id(&signed.checkpoint.origin);
    adopt_origin_only_state(state, trust, &log).ok()?;
    let old = state.load(&log).ok()??;
    match relate(source, &old, &signed, note, from, state, &log) {
        Err(Unrelated::Contradiction(evidence) | Unrelated::OlderView(evidence)) => {
            Some(Failure::Log(format!(
                "{evidence}\n\nThe checkpoint served now is also refused on its own: {}",
                refusal.message()
            )))
        }
        _ => None,
    }
}

/// Checks a verified checkpoint against the remembered one and remembers it.
pub fn accept_verified(
    source: &Source,
    state: &State,
    log: &LogId,
    verified: VerifiedCheckpoint,
    note: Vec<u8>,
    from: &str,
) -> Result<Accepted, Failure> {
    let previous = state.load(log)?;
    let relation = match &previous {
        None => Relation::First,
        Some(old) => relate(source, old, &verified, &note, from, state, log)
            .map_err(Unrelated::into_failure)?,
    };
    if previous.as_ref().is_none_or(|p| p.note != note) {
        state.save(log, &note)?;
    }
    Ok(Accepted {
        verified,
        note,
        relation,
    })
}

/// Why a checkpoint does not extend the remembered one.
enum Unrelated {
    /// The log signed both, and they contradict each other: the message is the evidence.
    Contradiction(String),
    /// An older view than the one accepted: refused, both notes shown, no evidence claimed.
    OlderView(String),
    /// The relation could not be checked (the hash tiles for the proof).
    Unchecked(Failure),
}

impl Unrelated {
    fn into_failure(self) -> Failure {
        match self {
            Unrelated::Contradiction(message) | Unrelated::OlderView(message) => {
                Failure::Log(message)
            }
            Unrelated::Unchecked(failure) => failure,
        }
    }
}

fn relate(
    source: &Source,
    old: &Remembered,
    verified: &VerifiedCheckpoint,
    note: &[u8],
    from: &str,
    state: &State,
    log: &LogId,
) -> Result<Relation, Unrelated> {
    let (o, n) = (&old.checkpoint, &verified.checkpoint);
    // Both notes in full, after what they show.
    let both = |headline: String, meaning: &str| {
        format!(
            "{headline}\n\n{meaning}\n\n--- accepted earlier{} (kept in {}) ---\n{}--- served now by {from} ---\n{}--- end ---",
            old.saved
                .map(|t| format!(", on {}", format_system_time(t)))
                .unwrap_or_default(),
            state.path_for(log).display(),
            String::from_utf8_lossy(&old.note),
            String::from_utf8_lossy(note),
        )
    };
    let evidence = |headline: String| {
        Unrelated::Contradiction(both(
            headline,
            "Both checkpoints are signed by the log; together they are evidence that it misbehaved. Keep them.",
        ))
    };
    let fetcher = TileFetcher::new(source);
    let reader = TileHashReader {
        size: n.size,
        tiles: &fetcher,
    };
    let old_tree = SignedTree {
        size: o.size,
        root: o.root,
    };
    let new_tree = SignedTree {
        size: n.size,
        root: n.root,
    };
    match tlog::relation::relate(old_tree, new_tree, &reader) {
        Ok(Extends::Unchanged) => Ok(Relation::Unchanged),
        Ok(Extends::Grew { proof }) => Ok(Relation::Grew {
            from: o.size,
            proof_len: proof.len(),
        }),
        // An older view: refused, but no evidence — the older checkpoint may be genuine.
        Err(NotExtended::Rollback { .. }) => Err(Unrelated::OlderView(both(
            format!(
                "ROLLBACK: {from} serves a checkpoint of size {}, smaller than the checkpoint of size {} this verifier accepted earlier. A transparency log only grows: this is an older view of it, not accepted.",
                n.size, o.size
            ),
            "A stale mirror or cache serves older views, and so does a log that removed entries: the older checkpoint may be genuine, so the two do not by themselves prove the log misbehaved. Ask the log's own URL and other mirrors.",
        ))),
        Err(NotExtended::SameSizeFork { .. }) => Err(evidence(format!(
            "FORK: the log signed two different trees of the same size {}: root {} earlier, root {} now. It is showing different histories to different people.",
            n.size, o.root, n.root
        ))),
        Err(NotExtended::Fork { old_in_tiles, .. }) => Err(evidence(format!(
            "FORK: the log's checkpoint of size {} does not contain the checkpoint of size {} this verifier accepted earlier — by the consistency proof from its own hash tiles, which agree with the new checkpoint's signed root, its tree of size {} is another (root {old_in_tiles}, where it signed {} before). The log has rewritten its history: it cannot be trusted.",
            n.size, o.size, o.size, o.root
        ))),
        // Anyone between the log and this verifier can damage tiles: nothing is claimed.
        Err(NotExtended::Damaged) => Err(Unrelated::Unchecked(Failure::Log(format!(
            "the log's files are damaged or tampered: its hash tiles do not agree with its own signed checkpoint of size {} (hash tiles read: {}). Nothing is proved about the log itself: no fork or rollback is claimed, and no evidence is kept; try another mirror or later.",
            n.size,
            fetcher.tiles_read().join(", ")
        )))),
        Err(NotExtended::Unreadable(e)) => Err(Unrelated::Unchecked(
            fetcher.take_problem().unwrap_or_else(|| {
                Failure::Log(format!(
                    "the log's files are damaged or tampered: the consistency proof from size {} to size {} cannot be computed from its hash tiles ({e}; read: {}). Nothing is proved about the log itself; try another mirror or later.",
                    o.size,
                    n.size,
                    fetcher.tiles_read().join(", ")
                ))
            }),
        )),
    }
}

/// One line on a verified checkpoint's signatures: the log's, the witnesses', the quorum.
pub fn signatures_line(
    verified: &tlog::policy::VerifiedCheckpoint,
    trust: &Trust,
    lang: &str,
) -> String {
    let cosigners: Vec<&str> = verified.cosigners.iter().map(|(n, _)| n.as_str()).collect();
    let names = if cosigners.is_empty() {
        String::new()
    } else {
        format!(" ({})", cosigners.join(", "))
    };
    // One witness may cosign with two keys (two policy lines, one key name): counted once.
    Phrase::SignedAndCosigned.say(
        lang,
        [
            trust.policy.witness_count(&cosigners).to_string(),
            names,
            match trust.policy.quorum_name() {
                "none" => Phrase::QuorumNone.text(lang),
                quorum => quorum.to_string(),
            },
        ],
    )
}
