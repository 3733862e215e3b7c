//! The witness protocol (C2SP tlog-witness v1.0.0): the `add-checkpoint` request and its
//! answers, and the rule a witness applies before it cosigns.
//!
//! The rule is a pure function of the request, the log's keys and the witness's last
//! cosigned state, so the witness server, its tests and any other caller apply exactly the
//! same checks. Persisting the new state atomically is the caller's job.

use crate::checkpoint::{Checkpoint, parse_decimal};
use crate::hash::Hash;
use crate::note::{Note, NoteSignature, NoteVerifier, verify_signatures};
use crate::proof::verify_consistency;
use thiserror::Error;

/// The most consistency-proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;
/// The content type of a 409 answer's body.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A malformed request or response body.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("malformed witness message: {0}")]
pub struct WitnessMessageError(pub &'static str);

/// The body of `POST <prefix>/add-checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the checkpoint the client believes the witness last cosigned.
    pub old_size: u64,
    /// A consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpointRequest {
    /// Parses `old <size>\n`, up to 63 base64 hash lines, an empty line, then the note.
    pub fn parse(body: &[u8]) -> Result<AddCheckpointRequest, WitnessMessageError> {
        let (first, mut rest) = split_line(body).ok_or(WitnessMessageError("no old size line"))?;
        let old = first
            .strip_prefix("old ")
            .ok_or(WitnessMessageError("first line is not `old <size>`"))?;
        let old_size = parse_decimal(old).ok_or(WitnessMessageError(
            "old size is not a decimal without leading zeros",
        ))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = split_line(rest)
                .ok_or(WitnessMessageError("no empty line before the checkpoint"))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(WitnessMessageError("more than 63 consistency proof lines"));
            }
            proof.push(
                Hash::from_base64(line)
                    .ok_or(WitnessMessageError("proof line is not a base64 hash"))?,
            );
        }
        if rest.is_empty() {
            return Err(WitnessMessageError("no checkpoint"));
        }
        Ok(AddCheckpointRequest {
            old_size,
            proof,
            checkpoint: rest.to_vec(),
        })
    }

    /// The request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size);
        for h in &self.proof {
            out.push_str(&h.to_base64());
            out.push('\n');
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.checkpoint);
        bytes
    }
}

/// One line (without its newline) and what follows it; `None` if no newline is left.
fn split_line(data: &[u8]) -> Option<(&str, &[u8])> {
    let end = data.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&data[..end]).ok()?;
    Some((line, &data[end + 1..]))
}

/// A witness's answer to `add-checkpoint`, with the status code the protocol assigns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddCheckpointResponse {
    /// 200: the witness's cosignature lines.
    Cosigned(Vec<NoteSignature>),
    /// 400: old size larger than the checkpoint's size, or a malformed body.
    BadRequest(String),
    /// 403: no valid signature from a key the witness trusts for this origin.
    Forbidden(String),
    /// 404: the witness does not know this origin.
    UnknownOrigin,
    /// 409: the old size is not what the witness last cosigned; here is its size.
    Conflict(u64),
    /// 422: the consistency proof (or the root of an empty or same-size tree) is wrong.
    Unprocessable(String),
}

impl AddCheckpointResponse {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            AddCheckpointResponse::Cosigned(_) => 200,
            AddCheckpointResponse::BadRequest(_) => 400,
            AddCheckpointResponse::Forbidden(_) => 403,
            AddCheckpointResponse::UnknownOrigin => 404,
            AddCheckpointResponse::Conflict(_) => 409,
            AddCheckpointResponse::Unprocessable(_) => 422,
        }
    }

    /// The content type of the body.
    pub fn content_type(&self) -> &'static str {
        match self {
            AddCheckpointResponse::Conflict(_) => SIZE_CONTENT_TYPE,
            _ => "text/plain; charset=utf-8",
        }
    }

    /// The body: cosignature lines, the witness's size, or a human explanation.
    pub fn body(&self) -> String {
        match self {
            AddCheckpointResponse::Cosigned(sigs) => {
                sigs.iter().map(NoteSignature::to_line).collect()
            }
            AddCheckpointResponse::Conflict(size) => format!("{size}\n"),
            AddCheckpointResponse::UnknownOrigin => "unknown log origin\n".into(),
            AddCheckpointResponse::BadRequest(why)
            | AddCheckpointResponse::Forbidden(why)
            | AddCheckpointResponse::Unprocessable(why) => format!("{why}\n"),
        }
    }

    /// Reads an answer as a log receives it.
    pub fn parse(
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<AddCheckpointResponse, WitnessMessageError> {
        let text =
            std::str::from_utf8(body).map_err(|_| WitnessMessageError("body is not UTF-8"))?;
        let reason = text.trim_end().to_string();
        match status {
            200 => {
                let lines = text.strip_suffix('\n').ok_or(WitnessMessageError(
                    "cosignature lines must end in a newline",
                ))?;
                let sigs = lines
                    .split('\n')
                    .map(NoteSignature::parse_line)
                    .collect::<Result<Vec<_>, _>>();
                Ok(AddCheckpointResponse::Cosigned(sigs.map_err(|_| {
                    WitnessMessageError("bad cosignature line")
                })?))
            }
            409 => {
                if content_type.map(|c| c.split(';').next().unwrap_or("").trim())
                    != Some(SIZE_CONTENT_TYPE)
                {
                    return Err(WitnessMessageError(
                        "409 without Content-Type text/x.tlog.size",
                    ));
                }
                let size = text.strip_suffix('\n').and_then(parse_decimal);
                Ok(AddCheckpointResponse::Conflict(
                    size.ok_or(WitnessMessageError("409 body is not a size"))?,
                ))
            }
            400 => Ok(AddCheckpointResponse::BadRequest(reason)),
            403 => Ok(AddCheckpointResponse::Forbidden(reason)),
            404 => Ok(AddCheckpointResponse::UnknownOrigin),
            422 => Ok(AddCheckpointResponse::Unprocessable(reason)),
            _ => Err(WitnessMessageError("unexpected status code")),
        }
    }
}

/// What a witness last cosigned for one origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedTree {
    pub size: u64,
    pub root: Hash,
}

/// The outcome of checking an `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Cosign this checkpoint (after atomically replacing the state it was checked against).
    Cosign { checkpoint: Checkpoint, note: Note },
    /// Refuse with this answer. `evidence` is set when the checkpoint carries a valid log
    /// signature yet contradicts what the witness cosigned: proof that the log misbehaved.
    Refuse {
        response: AddCheckpointResponse,
        evidence: bool,
    },
}

/// Applies the tlog-witness rules to a request.
///
/// `log_keys` returns the keys the witness trusts for an origin, or `None` if the origin is
/// unknown. `state` is what the witness last cosigned for that origin, if anything.
pub fn check_add_checkpoint<'k>(
    request: &AddCheckpointRequest,
    log_keys: impl FnOnce(&str) -> Option<Vec<&'k dyn NoteVerifier>>,
    state: Option<&WitnessedTree>,
) -> Verdict {
    let refuse = |response, evidence| Verdict::Refuse { response, evidence };
    let Ok(note) = Note::parse(&request.checkpoint) else {
        return refuse(
            AddCheckpointResponse::BadRequest("malformed checkpoint note".into()),
            false,
        );
    };
    let Ok(checkpoint) = Checkpoint::parse(&note.text) else {
        return refuse(
            AddCheckpointResponse::BadRequest("malformed checkpoint".into()),
            false,
        );
    };
    let Some(keys) = log_keys(&checkpoint.origin) else {
        return refuse(AddCheckpointResponse::UnknownOrigin, false);
    };
    match verify_signatures(&note, &keys) {
        Ok(v) if !v.is_empty() => {}
        Ok(_) => {
            return refuse(
                AddCheckpointResponse::Forbidden("no signature by a trusted log key".into()),
                false,
            );
        }
        Err(e) => return refuse(AddCheckpointResponse::Forbidden(e.to_string()), false),
    }
    if request.old_size > checkpoint.size {
        return refuse(
            AddCheckpointResponse::BadRequest("old size is larger than the checkpoint size".into()),
            false,
        );
    }
    let (known_size, known_root) = state.map_or((0, Hash::empty_tree()), |s| (s.size, s.root));
    // Two validly signed trees of one size with different roots are conclusive on their own:
    // the log signed two histories. Kept whatever `old` says (a racing second branch would
    // otherwise get a 409 and be forgotten).
    let contradicts =
        state.is_some() && checkpoint.size == known_size && checkpoint.root != known_root;
    if request.old_size != known_size {
        return refuse(AddCheckpointResponse::Conflict(known_size), contradicts);
    }
    if checkpoint.size == 0 && checkpoint.root != Hash::empty_tree() {
        return refuse(
            AddCheckpointResponse::Unprocessable("a tree of size 0 has the empty root".into()),
            true,
        );
    }
    if request.old_size == 0 {
        if !request.proof.is_empty() {
            return refuse(
                AddCheckpointResponse::Unprocessable("a proof from size 0 must be empty".into()),
                false,
            );
        }
    } else if let Err(e) = verify_consistency(
        known_size,
        checkpoint.size,
        &known_root,
        &checkpoint.root,
        &request.proof,
    ) {
        // Evidence only when conclusive: the same size with another root. A larger tree with a
        // proof that fails proves nothing about the log — anyone can send a real checkpoint
        // with a wrong proof, and replaying honest checkpoints must not fill the evidence.
        return refuse(
            AddCheckpointResponse::Unprocessable(format!(
                "not consistent with the cosigned tree: {e}"
            )),
            contradicts,
        );
    }
    Verdict::Cosign { checkpoint, note }
}

/// The path segment under which a witness serves its latest cosigned checkpoint of a log:
/// the lower-case hex SHA-256 of the origin (`GET <prefix>/<origin hash>/checkpoint`).
pub fn origin_hash(origin: &str) -> String {
    crate::hash::sha256(origin.as_bytes()).to_hex()
}
