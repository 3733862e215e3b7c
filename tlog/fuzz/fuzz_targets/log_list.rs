//! Witness-network log lists: no panic, and what parses formats to a list that parses to the
//! same logs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::log_list;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(logs) = log_list::parse(text) {
            assert_eq!(log_list::parse(&log_list::format(&logs)), Ok(logs));
        }
    }
});
