//! Checkpoint texts: no panic, and parse then format is the identity.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::Checkpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(text) {
            assert_eq!(cp.to_text(), text);
        }
    }
});
