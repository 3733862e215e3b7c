//! Signed notes: parsing never panics, and whatever parses formats back to the same bytes
//! (one spelling per note). Opening with a key must never panic either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::keys::{ALG_ED25519, SignerKey};
use tlog::note::{Note, NoteVerifier, open};

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_bytes(), data, "a parsed note must format to its own bytes");
        let key = SignerKey::from_seed("k", ALG_ED25519, &[7; 32]).unwrap().verifier();
        let _ = open(data, &[&key as &dyn NoteVerifier]);
    }
});
