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
use tlog::cosigner::CosignerSigningKey;
use tlog::keys::VerifierKey;
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
    signers: &std::sync::Arc<Vec<CosignerSigningKey>>,
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
        signers,
    );
    let signers = std::sync::Arc::clone(signers);
    store.compare_and_swap(&origin.clone(), move |keys_now, state_now| {
        if keys_now == keys.as_deref() && state_now == state.as_ref() {
            decided
        } else {
            decide(&request, &body, &origin, keys_now, state_now, &signers)
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
    signers: &[CosignerSigningKey],
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
            let cosignatures: Vec<NoteSignature> = match signers
                .iter()
                .map(|signer| cosign(signer, &note.text, now))
                .collect()
            {
                Ok(cosignatures) => cosignatures,
                // A checkpoint the ML-DSA-44 key cannot cosign (extension lines, an origin
                // longer than 255 bytes): refused whole, never cosigned by one key only.
                Err(e) => {
                    return Decision::Refuse(AddCheckpointResponse::BadRequest(format!(
                        "this witness cannot cosign that checkpoint: {e}"
                    )));
                }
            };
            let kept = served_note(&note, keys.unwrap_or(&[]), &cosignatures);
            Decision::Advance {
                state: LogState {
                    size: checkpoint.size,
                    root: checkpoint.root,
                    checkpoint: kept,
                    updated_at: now,
                },
                answer: AddCheckpointResponse::Cosigned(cosignatures),
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

/// One key's cosignature at `now`, hedged with fresh randomness (used by ML-DSA-44 only).
///
/// An `Err` is a checkpoint the key cannot cosign. The time cannot be wrong (`now` is at least
/// 1), and the key's type was checked when it was loaded.
fn cosign(
    signer: &CosignerSigningKey,
    text: &str,
    now: u64,
) -> Result<NoteSignature, tlog::keys::KeyError> {
    let mut randomness = zeroize::Zeroizing::new([0u8; 32]);
    // Without the OS's randomness the signature is FIPS 204's deterministic variant: still
    // valid and secure, only without the hedge against faults.
    let _ = getrandom::fill(&mut randomness[..]);
    signer.cosign(text, now, &randomness)
}

/// The checkpoint as monitors get it: the text, the signatures of the log's configured keys
/// (all of which verified, or the rule would have refused), and this witness's cosignatures.
/// Other signatures are dropped: this witness did not check them and does not vouch for them.
fn served_note(note: &Note, log_keys: &[VerifierKey], ours: &[NoteSignature]) -> Vec<u8> {
    let is_log_key = |s: &NoteSignature| {
        log_keys
            .iter()
            .any(|k| k.name() == s.name && k.key_id() == s.key_id)
    };
    let is_ours = |s: &NoteSignature| {
        ours.iter()
            .any(|o| s.name == o.name && s.key_id == o.key_id)
    };
    let mut signatures: Vec<NoteSignature> = note
        .signatures
        .iter()
        .filter(|s| is_log_key(s) && !is_ours(s))
        .cloned()
        .collect();
    signatures.extend_from_slice(ours);
    Note {
        text: note.text.clone(),
        signatures,
    }
    .to_bytes()
}
