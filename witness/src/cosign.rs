//! `add-checkpoint` end to end: the tlog-witness rule (`tlog::witness::check_add_checkpoint`,
//! a pure function) applied inside the store's compare-and-swap, the cosignature, the
//! checkpoint kept for monitors, and the evidence kept when a log contradicts itself.
//!
//! The rule itself lives in `tlog` so that the witness, its tests and any other caller apply
//! the same checks in the same order; this module only decides what to persist.

use crate::config::now_unix;
use crate::error::Error;
use crate::store::{Decision, LogState, NewEvidence, Store};
use tlog::Checkpoint;
use tlog::keys::{SignerKey, VerifierKey};
use tlog::note::{Note, NoteSignature, NoteVerifier};
use tlog::witness::{
    AddCheckpointRequest, AddCheckpointResponse, Verdict, WitnessedTree, check_add_checkpoint,
};

/// Answers one parsed `add-checkpoint` request, persisting first whatever the answer implies.
///
/// `body` is the request as received, kept verbatim if it becomes evidence. An `Err` means
/// the state could not be read or written: the caller answers 500, never 200.
pub fn add_checkpoint(
    store: &Store,
    signer: &std::sync::Arc<SignerKey>,
    request: AddCheckpointRequest,
    body: Vec<u8>,
) -> Result<AddCheckpointResponse, Error> {
    // The store is keyed by origin, and the rule reads the origin only inside its own parse,
    // so parse it once here too. If it does not parse, the rule answers 400 on its own,
    // before it would ask for keys or state.
    let Some(origin) = origin_of(&request.checkpoint) else {
        return Ok(match check_add_checkpoint(&request, |_| None, None) {
            Verdict::Refuse { response, .. } => response,
            Verdict::Cosign { .. } => unreachable!("a checkpoint that does not parse is refused"),
        });
    };
    // Decide before queueing for the writer: verifying the signatures and the proof, and
    // cosigning, are most of a request's CPU, and here they run on every core at once while
    // the writer commits. The writer then only confirms that the keys and state decided
    // against are still those stored; if another request changed them meanwhile, it decides
    // again there, against what is stored now.
    let keys = store.log_keys(&origin)?;
    let state = store.state(&origin)?;
    let decided = decide(
        &request,
        &body,
        &origin,
        keys.as_deref(),
        state.as_ref(),
        signer,
    );
    let signer = std::sync::Arc::clone(signer);
    store.compare_and_swap(&origin.clone(), move |keys_now, state_now| {
        if keys_now == keys.as_deref() && state_now == state.as_ref() {
            decided
        } else {
            decide(&request, &body, &origin, keys_now, state_now, &signer)
        }
    })
}

fn origin_of(checkpoint: &[u8]) -> Option<String> {
    let note = Note::parse(checkpoint).ok()?;
    Some(Checkpoint::parse(&note.text).ok()?.origin)
}

/// The decision for a stored state: apply the rule to it, cosign or refuse.
fn decide(
    request: &AddCheckpointRequest,
    body: &[u8],
    origin: &str,
    keys: Option<&[VerifierKey]>,
    state: Option<&LogState>,
    signer: &SignerKey,
) -> Decision<AddCheckpointResponse> {
    let witnessed = state.map(|s| WitnessedTree {
        size: s.size,
        root: s.root,
    });
    let verifiers: Option<Vec<&dyn NoteVerifier>> =
        keys.map(|ks| ks.iter().map(|k| k as &dyn NoteVerifier).collect());
    let verdict = check_add_checkpoint(
        request,
        // The rule parses the same bytes as `origin_of`, so it asks for the same origin.
        |asked| if asked == origin { verifiers } else { None },
        witnessed.as_ref(),
    );
    match verdict {
        Verdict::Cosign { checkpoint, note } => {
            let now = now_unix();
            // Cannot fail: the key was checked to be type 0x04 when loaded and `now` is at
            // least 1. Were it to, the request would get a 500 (the panic is caught, in the
            // writer too, where the write is undone): never a 200 without a cosignature.
            let cosignature = signer
                .cosign(&note.text, now)
                .expect("a cosignature/v1 key cosigns at any time from 1 to 2^63 - 1");
            let kept = served_note(&note, keys.unwrap_or(&[]), &cosignature);
            Decision::Advance {
                state: LogState {
                    size: checkpoint.size,
                    root: checkpoint.root,
                    checkpoint: kept,
                    updated_at: now,
                },
                answer: AddCheckpointResponse::Cosigned(vec![cosignature]),
            }
        }
        Verdict::Refuse {
            response,
            evidence: true,
        } => {
            // `evidence` is only set after the note and checkpoint parsed and the log's
            // signature verified.
            let refused = Note::parse(&request.checkpoint)
                .ok()
                .and_then(|n| Checkpoint::parse(&n.text).ok().map(|c| (n, c)));
            let Some((note, checkpoint)) = refused else {
                return Decision::Refuse(response);
            };
            Decision::Evidence {
                evidence: NewEvidence {
                    received_at: now_unix(),
                    request: body.to_vec(),
                    reason: crate::evidence::reason(
                        &checkpoint,
                        witnessed.as_ref(),
                        &response.body(),
                    ),
                    cosigned_checkpoint: state.map(|s| s.checkpoint.clone()),
                    checkpoint_hash: tlog::hash::sha256(note.text.as_bytes()),
                },
                answer: response,
            }
        }
        Verdict::Refuse { response, .. } => Decision::Refuse(response),
    }
}

/// The checkpoint as monitors get it: the text, the signatures of the log's configured keys
/// (all of which verified, or the rule would have refused), and this witness's cosignature.
/// Other signatures are dropped: this witness did not check them and does not vouch for them.
fn served_note(note: &Note, log_keys: &[VerifierKey], cosignature: &NoteSignature) -> Vec<u8> {
    let is_log_key = |s: &NoteSignature| {
        log_keys
            .iter()
            .any(|k| k.name() == s.name && k.key_id() == s.key_id)
    };
    let is_ours = |s: &NoteSignature| s.name == cosignature.name && s.key_id == cosignature.key_id;
    let mut signatures: Vec<NoteSignature> = note
        .signatures
        .iter()
        .filter(|s| is_log_key(s) && !is_ours(s))
        .cloned()
        .collect();
    signatures.push(cosignature.clone());
    Note {
        text: note.text.clone(),
        signatures,
    }
    .to_bytes()
}
