//! add-checkpoint request bodies: no panic, parse then format is the identity, and the
//! witness rule itself never panics on what parses.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::keys::{ALG_ED25519, SignerKey};
use tlog::note::NoteVerifier;
use tlog::witness::{AddCheckpointRequest, WitnessedTree, check_add_checkpoint};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpointRequest::parse(data) {
        assert_eq!(req.to_bytes(), data);
        let key = SignerKey::from_seed("example.com/log", ALG_ED25519, &[7; 32]).unwrap().verifier();
        let state = WitnessedTree { size: 5, root: tlog::leaf_hash(b"x") };
        let _ = check_add_checkpoint(&req, |_| Some(vec![&key as &dyn NoteVerifier]), Some(&state));
    }
});
