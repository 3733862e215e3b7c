//! The one error type of the witness: every failure a user or an embedding program sees.
//!
//! Messages are sentences that say what went wrong and what to do about it, because the
//! people running a witness are observers, not the people who wrote it.

use std::path::Path;

/// Why a witness command or the server failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What was asked cannot be done as asked (a bad name, a missing key, a key file that is
    /// too readable...). The message says what to do instead.
    #[error("{0}")]
    Invalid(String),
    /// The file system failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The state database failed.
    #[error("{what}: {source}")]
    Database {
        what: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A write committed together with others failed with them: their shared transaction
    /// could not be opened or committed, so none of them was written.
    #[error("{0}")]
    Group(std::sync::Arc<Error>),
}

impl Error {
    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }

    pub(crate) fn db(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
        let what = what.into();
        move |source| Error::Database { what, source }
    }

    /// The error for a directory in which `witness init` was never run.
    pub(crate) fn not_a_witness(dir: &Path) -> Error {
        Error::Invalid(format!(
            "{} has no witness key; run `witness init {} --name NAME` first",
            dir.display(),
            dir.display()
        ))
    }
}
