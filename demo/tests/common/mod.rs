//! What the `demo` tests share: the `demo` program under test, and the release `ledger` the
//! end-to-end suite builds (the demo's log is operated with it, as README.md shows).
#![allow(dead_code, unused_imports)]

use std::path::Path;
use std::process::Command;

pub use shailoo_e2e::process::{runtime, signal, wait};
pub use shailoo_e2e::temp_dir;

pub fn demo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_demo"))
}

pub fn ledger() -> Command {
    Command::new(&shailoo_e2e::binaries().ledger)
}

/// The root key `ledger init` generated in a log directory.
pub fn root_key(dir: &Path) -> tlog::keys::SignerKey {
    ledger::logdir::load_key(&dir.join("root.key")).unwrap()
}
