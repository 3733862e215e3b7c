//! The end-to-end harness: the whole system as its users run it.
//!
//! Every test here drives the **release binaries** (`ledger`, `witness`, `verifier`), built
//! once per test binary by [`binaries`], as separate processes on 127.0.0.1 with ports the
//! OS picks, and stops them itself. Nothing runs in-process (but the web viewer's exports, which
//! [`two_clients`] calls natively as the page calls them): what a test sees is what an
//! operator, an observer organization or a citizen would see on their terminal.
//!
//! - [`process`]: a server process and a finished command, with their output.
//! - [`system`]: election night — a ledger, three witnesses (quorum 2 of 3), the trust policy
//!   the observers publish, and verifiers with their own memory.
//! - [`bastion`]: a witness behind NAT, reached through a bastion (c2sp.org/https-bastion).
//! - [`mirror`]: an observers' mirror following the log, and the policy that requires it.
//! - [`operator`]: what a dishonest log operator can do with its own key and files.
//! - [`records`]: records the tests sign themselves (enrollments of keys from a seed byte).
//! - [`seaweed`]: a real distributed object store (SeaweedFS) for logs kept in a bucket.
//! - [`tls`]: a throw-away certificate authority for servers that speak HTTPS.
//! - [`two_clients`]: the `verifier`'s verdict and the web viewer's, read alike.

pub mod bastion;
pub mod binaries;
pub mod mirror;
pub mod operator;
pub mod process;
pub mod records;
pub mod seaweed;
pub mod system;
pub mod tls;
pub mod two_clients;

pub use binaries::binaries;
pub use process::{Daemon, Run};
pub use system::{ElectionNight, ORIGIN, Verifier};
pub use tempfile::TempDir;

/// A fresh directory named after `name`, removed when dropped: for every test in the
/// workspace that needs one.
pub fn temp_dir(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("shailoo-{name}-"))
        .tempdir()
        .expect("a temporary directory")
}
