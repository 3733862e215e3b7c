//! tlog-proof bundles: no panic, parse then format is the identity, verification never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::bundle::ProofBundle;
use tlog::policy::Policy;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = ProofBundle::parse(data) {
        assert_eq!(bundle.to_bytes(), data);
        let policy = Policy::parse("quorum none\n").unwrap();
        let _ = bundle.verify(&tlog::leaf_hash(b"x"), &policy);
    }
});
