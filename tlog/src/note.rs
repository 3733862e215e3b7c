//! Signed notes (C2SP signed-note v1.0.0): a text, a blank line, and signature lines
//! `— <key name> base64(key ID || signature)`.
//!
//! Parsing is strict and separate from verification: [`Note::parse`] checks only the form,
//! [`open`] checks signatures against the keys a caller trusts. Signatures from unknown keys
//! are ignored; a known key whose signature fails rejects the whole note.

use crate::hash::{decode_base64_canonical, encode_base64};
use thiserror::Error;

/// The largest note accepted, signatures included. Generous for 16 post-quantum cosignatures.
pub const MAX_NOTE_SIZE: usize = 256 * 1024;
/// The most signature lines accepted on one note (the specification asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

const DASH: &str = "\u{2014} ";

/// Why a note was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    #[error("note is larger than {MAX_NOTE_SIZE} bytes")]
    TooLarge,
    #[error("note is not valid UTF-8")]
    NotUtf8,
    #[error("note contains a control character other than newline")]
    ControlCharacter,
    #[error("note is malformed: {0}")]
    Malformed(&'static str),
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("signature by known key {0} does not verify")]
    BadSignature(String),
    #[error("note has no valid signature from a trusted key")]
    NoTrustedSignature,
    #[error("signer and note do not fit: {0}")]
    Unsignable(&'static str),
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID: the first four bytes of the signature, big-endian.
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, newline included.
    pub fn to_line(&self) -> String {
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("{DASH}{} {}\n", self.name, encode_base64(&bytes))
    }

    /// Parses one signature line without its newline.
    pub fn parse_line(line: &str) -> Result<NoteSignature, NoteError> {
        let rest = line.strip_prefix(DASH).ok_or(NoteError::Malformed(
            "signature line does not start with an em dash and a space",
        ))?;
        let (name, b64) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "signature line has no space after the key name",
        ))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::Malformed("invalid key name in signature line"));
        }
        let bytes = decode_base64_canonical(b64)
            .ok_or(NoteError::Malformed("signature is not canonical base64"))?;
        if bytes.len() < 5 {
            return Err(NoteError::Malformed("signature is shorter than a key ID"));
        }
        Ok(NoteSignature {
            name: name.to_string(),
            key_id: u32::from_be_bytes(bytes[..4].try_into().expect("4 bytes")),
            signature: bytes[4..].to_vec(),
        })
    }
}

/// Key names are non-empty and contain neither Unicode spaces nor `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || (c as u32) < 0x20)
}

/// A note: its text (ending in a newline) and its signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// Parses a note's form: size, character set, the blank line, the signature lines.
    /// It verifies nothing: see [`open`].
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_SIZE {
            return Err(NoteError::TooLarge);
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        check_text_characters(s)?;
        if !s.ends_with('\n') {
            return Err(NoteError::Malformed("note does not end in a newline"));
        }
        let split = s
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, sig_block) = (&s[..split + 1], &s[split + 2..]);
        let lines: Vec<&str> = sig_block
            .strip_suffix('\n')
            .unwrap_or(sig_block)
            .split('\n')
            .collect();
        if sig_block.is_empty() {
            return Err(NoteError::Malformed("note has no signatures"));
        }
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let signatures = lines
            .into_iter()
            .map(NoteSignature::parse_line)
            .collect::<Result<_, _>>()?;
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The note's bytes: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.text.clone();
        out.push('\n');
        for sig in &self.signatures {
            out.push_str(&sig.to_line());
        }
        out.into_bytes()
    }
}

/// Notes contain no ASCII control character (below U+0020) but newline. DEL and the C1
/// controls are allowed, as the specification allows them.
fn check_text_characters(s: &str) -> Result<(), NoteError> {
    if s.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter);
    }
    Ok(())
}

/// Checks that `text` can be the text of a note: non-empty, ending in a newline, no control
/// characters but newline. (It may contain blank lines; the signatures follow the last one.)
pub fn check_note_text(text: &str) -> Result<(), NoteError> {
    check_text_characters(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::Unsignable("note text must end in a newline"));
    }
    Ok(())
}

/// What a successful signature check says beyond "valid".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SignatureInfo {
    /// The cosignature's timestamp (cosignature/v1), if the signature type has one.
    pub timestamp: Option<u64>,
}

/// A public key that verifies note signatures of one type.
pub trait NoteVerifier {
    fn name(&self) -> &str;
    fn key_id(&self) -> u32;
    /// Checks `signature` (the bytes after the key ID) over the note `text`.
    fn verify(&self, text: &str, signature: &[u8]) -> Option<SignatureInfo>;
}

/// A private key that signs note texts.
pub trait NoteSigner {
    fn name(&self) -> &str;
    fn key_id(&self) -> u32;
    /// Signs the note text; returns the signature bytes (without the key ID).
    fn sign(&self, text: &str) -> Vec<u8>;
}

/// A signature that verified, and which of the caller's verifiers it matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// Position of the key in the verifiers given to [`open`].
    pub verifier: usize,
    pub name: String,
    pub key_id: u32,
    pub info: SignatureInfo,
}

/// Signs `text` with each signer and returns the note.
pub fn sign(text: &str, signers: &[&dyn NoteSigner]) -> Result<Note, NoteError> {
    check_note_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::Unsignable("no signer"));
    }
    let signatures = signers
        .iter()
        .map(|s| {
            if !is_valid_key_name(s.name()) {
                return Err(NoteError::Unsignable("invalid key name"));
            }
            Ok(NoteSignature {
                name: s.name().to_string(),
                key_id: s.key_id(),
                signature: s.sign(text),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Note {
        text: text.to_string(),
        signatures,
    })
}

/// Parses a note and verifies its signatures against `verifiers`.
///
/// Signatures whose key name and ID match no verifier are ignored. A matching signature that
/// fails rejects the note. At least one must verify. Each key is counted once.
pub fn open(
    bytes: &[u8],
    verifiers: &[&dyn NoteVerifier],
) -> Result<(Note, Vec<VerifiedSignature>), NoteError> {
    let note = Note::parse(bytes)?;
    let verified = verify_signatures(&note, verifiers)?;
    if verified.is_empty() {
        return Err(NoteError::NoTrustedSignature);
    }
    Ok((note, verified))
}

/// Verifies every signature of `note` made by one of `verifiers`; returns those that did,
/// possibly none. A failing signature by a known key is an error.
pub fn verify_signatures(
    note: &Note,
    verifiers: &[&dyn NoteVerifier],
) -> Result<Vec<VerifiedSignature>, NoteError> {
    let mut verified: Vec<VerifiedSignature> = Vec::new();
    for sig in &note.signatures {
        let matching: Vec<usize> = (0..verifiers.len())
            .filter(|&i| verifiers[i].name() == sig.name && verifiers[i].key_id() == sig.key_id)
            .collect();
        if matching.is_empty() {
            continue;
        }
        // Two trusted keys may share a name and a 4-byte ID; the signature is good if one of
        // them verifies it, and bad only if none does.
        let (at, info) = matching
            .iter()
            .find_map(|&i| {
                verifiers[i]
                    .verify(&note.text, &sig.signature)
                    .map(|info| (i, info))
            })
            .ok_or_else(|| NoteError::BadSignature(sig.name.clone()))?;
        if !verified.iter().any(|v| v.verifier == at) {
            verified.push(VerifiedSignature {
                verifier: at,
                name: sig.name.clone(),
                key_id: sig.key_id,
                info,
            });
        }
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig_line(name: &str, bytes: &[u8]) -> String {
        format!("{DASH}{name} {}\n", encode_base64(bytes))
    }

    #[test]
    fn parse_and_format_round_trip() {
        let text = "hello\n\nworld\n";
        let note_bytes = format!(
            "{text}\n{}{}",
            sig_line("a.example/k", &[1, 2, 3, 4, 5]),
            sig_line("b", &[0; 68])
        );
        let note = Note::parse(note_bytes.as_bytes()).unwrap();
        assert_eq!(note.text, text);
        assert_eq!(note.signatures.len(), 2);
        assert_eq!(note.signatures[0].key_id, 0x01020304);
        assert_eq!(note.signatures[0].signature, vec![5]);
        assert_eq!(note.to_bytes(), note_bytes.as_bytes());
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let good_sig = sig_line("k", &[1, 2, 3, 4, 5]);
        let cases: Vec<(String, &str)> = vec![
            (format!("text\n{good_sig}"), "no blank line"),
            ("text\n\n".to_string(), "no signatures"),
            (
                format!("text\n\n{}", good_sig.trim_end()),
                "no final newline",
            ),
            (format!("te\tt\n\n{good_sig}"), "tab"),
            (format!("te\rt\n\n{good_sig}"), "carriage return"),
            (format!("te\0t\n\n{good_sig}"), "NUL"),
            ("text\n\n- k AQIDBAU=\n".to_string(), "ascii dash"),
            (
                "text\n\n\u{2014}k AQIDBAU=\n".to_string(),
                "no space after dash",
            ),
            ("text\n\n\u{2014}  AQIDBAU=\n".to_string(), "empty name"),
            (
                "text\n\n\u{2014} a+b AQIDBAU=\n".to_string(),
                "plus in name",
            ),
            (
                "text\n\n\u{2014} a\u{00a0}b AQIDBAU=\n".to_string(),
                "unicode space in name",
            ),
            (
                "text\n\n\u{2014} k AQIDBA==\n".to_string(),
                "signature shorter than key id",
            ),
            (
                "text\n\n\u{2014} k AQIDBAU\n".to_string(),
                "unpadded base64",
            ),
            (
                "text\n\n\u{2014} k AQIDBAU= \n".to_string(),
                "trailing space",
            ),
            (
                format!("text\n\n{good_sig}\n"),
                "blank line after signatures",
            ),
            (format!("text\n\n{good_sig}junk\n"), "junk line"),
        ];
        for (note, why) in cases {
            assert!(
                Note::parse(note.as_bytes()).is_err(),
                "accepted note with {why}: {note:?}"
            );
        }
        assert_eq!(Note::parse(&[0xff, b'\n', b'\n']), Err(NoteError::NotUtf8));
        let many = format!("t\n\n{}", good_sig.repeat(MAX_SIGNATURES + 1));
        assert_eq!(
            Note::parse(many.as_bytes()),
            Err(NoteError::TooManySignatures)
        );
        let huge = format!("{}\n\n{good_sig}", "a".repeat(MAX_NOTE_SIZE));
        assert_eq!(Note::parse(huge.as_bytes()), Err(NoteError::TooLarge));
    }
}
