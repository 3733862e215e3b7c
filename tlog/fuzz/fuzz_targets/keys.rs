//! Key parsing: verifier keys (policies, `--log-key`, witness keys of either type) and signer
//! keys (key files) from any text never panic, and a key that parses prints as the text it
//! was read from.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::cosigner::{CosignerKey, CosignerSigningKey};
use tlog::keys::{SignerKey, VerifierKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = VerifierKey::parse(text) {
        assert_eq!(key.to_string(), text, "a verifier key prints as it was read");
    }
    if let Ok(key) = CosignerKey::parse(text) {
        assert_eq!(key.to_string(), text, "a cosigner key prints as it was read");
    }
    let _ = SignerKey::parse(text);
    if let Ok(key) = CosignerSigningKey::parse(text) {
        assert_eq!(key.to_private_string(), text.trim_end_matches('\n'));
    }
});
