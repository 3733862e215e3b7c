//! Proof verification over arbitrary sizes, indexes and proofs: never panics, never loops.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::Hash;
use tlog::proof::{verify_consistency, verify_inclusion};

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let a = u64::from_le_bytes(data[..8].try_into().unwrap());
    let b = u64::from_le_bytes(data[8..16].try_into().unwrap());
    let proof: Vec<Hash> = data[16..].chunks_exact(32).map(|c| Hash(c.try_into().unwrap())).collect();
    let h = tlog::leaf_hash(b"x");
    let _ = verify_inclusion(a, b, &h, &proof, &h);
    let _ = verify_consistency(a, b, &h, &h, &proof);
});
