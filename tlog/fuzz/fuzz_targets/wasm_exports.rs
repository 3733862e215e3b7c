//! The web viewer's exports, which take whatever a page fetched from an untrusted server: any
//! bytes as a checkpoint, an entry, a bundle, a remembered checkpoint or tiles never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use web_viewer::*;

/// A policy the viewer could hold (the spec's example).
const POLICY: &str = include_str!("../../../spec/vectors/policy.txt");

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let half = rest.len() / 2;
    match choice % 8 {
        0 => drop(verify_checkpoint(POLICY, rest)),
        1 => drop(decode_record(rest)),
        2 => drop(accept_checkpoint(POLICY, &rest[..half], &text, "[\"tile/0/000\"]", &rest[half..], &[(rest.len() - half) as u32])),
        3 => drop(entry_from_bundle(rest, u32::from(choice), 0)),
        4 => {
            let mut page = PrecinctPage::new(u32::from(choice));
            let _ = page.context(0.0, &rest[..half], true, "");
            let _ = page.record(1.0, &rest[half..], true, "");
            let _ = page.document(1.0, &text, rest, "");
            drop(page.verdict(true, "en"));
        }
        5 => drop(choose_policy(&text, "https://a.example/", POLICY, "x", false, "")),
        6 => drop(verify_consistency_from_tiles(
            f64::from(choice),
            "AAAA",
            1000.0,
            "AAAA",
            "[\"tile/0/000\",\"tile/1/000.p/3\"]",
            rest,
            &[half as u32, (rest.len() - half) as u32],
        )),
        _ => {
            if let Ok(mut audit) = Audit::new(POLICY) {
                let _ = audit.push_bundle(rest, u32::from(choice) + 1);
                drop(audit.report("en", rest));
            }
        }
    }
});
