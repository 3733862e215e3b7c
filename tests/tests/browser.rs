//! The viewer's browser tests (web-viewer/tests/browser), run against the release `demo`:
//! headless Chromium loads the viewer from a running `demo` and checks that a citizen
//! sees a verified election, and a failure when a tile or a scan is tampered with.
//!
//! Needs Chromium and playwright-core: `web-viewer/tests/browser/setup.sh` installs both
//! (`.ci/run` runs it first).

use shailoo_e2e::{Run, binaries};
use std::path::Path;
use std::process::Command;

#[test]
fn the_viewer_verifies_in_a_real_browser() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web-viewer/tests/browser");
    assert!(
        Path::new("/usr/bin/chromium").exists() && tests.join("node_modules").exists(),
        "Chromium or playwright-core is missing: run web-viewer/tests/browser/setup.sh"
    );
    let mut node = Command::new("node");
    node.current_dir(&tests)
        .env("DEMO_BIN", &binaries().demo)
        .env("MIRROR_BIN", &binaries().mirror)
        .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
        .arg("viewer.test.mjs");
    let run = Run::of(node);
    // The TAP report, for the log of the run.
    println!("{}", run.stdout);
    run.expect(0, &["# fail 0"]);
    let count = |label: &str| {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|n| n.trim().parse::<u32>().ok())
            .unwrap_or_else(|| panic!("no {label:?} in the TAP summary"))
    };
    let (tests, passed) = (count("# tests "), count("# pass "));
    assert!(
        tests > 0 && passed == tests,
        "{passed} of {tests} browser tests passed"
    );
}
