//! The release binaries under test, built once per test binary.
//!
//! `cargo build --release` runs from here rather than from a build script: Cargo releases its
//! build lock before it runs tests, and a build that is up to date takes a second. So the
//! binaries are never stale, whichever way the suite is started (`.ci/run` builds them in a
//! step of its own first, so that their compile time shows there).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where the binaries are.
pub struct Binaries {
    pub ledger: PathBuf,
    pub witness: PathBuf,
    pub verifier: PathBuf,
    pub shailoo: PathBuf,
    pub demo: PathBuf,
    pub mirror: PathBuf,
}

/// Builds the binaries (once) and returns their paths.
pub fn binaries() -> &'static Binaries {
    static BINARIES: OnceLock<Binaries> = OnceLock::new();
    BINARIES.get_or_init(build)
}

fn build() -> Binaries {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "building the release binaries: cargo build --release -p ledger -p witness -p verifier-cli -p shailoo -p demo -p mirror"
    );
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "ledger",
            "-p",
            "witness",
        ])
        .args([
            "-p",
            "verifier-cli",
            "-p",
            "shailoo",
            "-p",
            "demo",
            "-p",
            "mirror",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --release failed");
    let release = target_dir().join("release");
    let binaries = Binaries {
        ledger: release.join("ledger"),
        witness: release.join("witness"),
        verifier: release.join("verifier"),
        shailoo: release.join("shailoo"),
        demo: release.join("demo"),
        mirror: release.join("mirror"),
    };
    for bin in [
        &binaries.ledger,
        &binaries.witness,
        &binaries.verifier,
        &binaries.shailoo,
        &binaries.demo,
        &binaries.mirror,
    ] {
        assert!(bin.exists(), "{} is missing after the build", bin.display());
    }
    binaries
}

/// Cargo's target directory: the test executable is `<target>/<profile>/deps/<name>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    exe.ancestors()
        .nth(3)
        .expect("the test runs from <target>/<profile>/deps")
        .to_path_buf()
}
