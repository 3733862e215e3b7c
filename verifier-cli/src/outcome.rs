//! How a run ends: the four exit codes, and the failures that lead to codes 2 and 3.
//!
//! Scripts and documentation rely on these numbers; `verifier --help` lists them.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | verified, and every check on the election records passed |
//! | 1 | the log verified, but the election records or their documents have problems |
//! | 2 | the log itself failed verification: signature, quorum, consistency, inclusion, tampered data |
//! | 3 | usage, file or network error: nothing was concluded about the log |

use std::fmt;

/// Verified, and nothing wrong found.
pub const EXIT_CLEAN: u8 = 0;
/// The log verified, but its election records (or their documents) have problems.
pub const EXIT_PROBLEMS: u8 = 1;
/// The log itself failed verification.
pub const EXIT_LOG_FAILED: u8 = 2;
/// Usage, file or network error.
pub const EXIT_USAGE: u8 = 3;

/// The verdict of a command that ran to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything checked out.
    Clean,
    /// The log is sound, but problems were found in what it holds.
    Problems,
}

impl Verdict {
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => EXIT_CLEAN,
            Verdict::Problems => EXIT_PROBLEMS,
        }
    }

    /// `Problems` if `any`, else `self`.
    pub fn or_problems(self, any: bool) -> Verdict {
        if any { Verdict::Problems } else { self }
    }
}

/// Why a command stopped without a verdict on the election records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The log failed verification. The message says what, for a person.
    Log(String),
    /// The command was used wrongly, or a file could not be read.
    Usage(String),
    /// The log (or a mirror) could not be reached or answered with an error.
    Network(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Log(_) => EXIT_LOG_FAILED,
            Failure::Usage(_) | Failure::Network(_) => EXIT_USAGE,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Log(m) | Failure::Usage(m) | Failure::Network(m) => m,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Log(m) => write!(f, "LOG VERIFICATION FAILED: {m}"),
            Failure::Usage(m) | Failure::Network(m) => f.write_str(m),
        }
    }
}

/// What a command returns.
pub type Outcome = Result<Verdict, Failure>;
