//! Trust policies: no panic, and a parsed policy survives formatting and parsing again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::policy::Policy;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(policy) = Policy::parse(text) {
            let again = Policy::parse(&policy.to_text()).expect("formatted policy parses");
            assert_eq!(again, policy);
            let names: Vec<&str> = policy.witnesses.iter().map(|w| w.name.as_str()).collect();
            let _ = policy.quorum_satisfied(&names);
        }
    }
});
