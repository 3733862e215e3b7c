//! The commands, one file each. Each returns an [`Outcome`](crate::outcome::Outcome);
//! `main` turns it into the exit code.

pub mod audit;
pub mod bench;
pub mod bundle;
pub mod checkpoint;
pub mod inclusion;
pub mod monitor;

use crate::accept::Accepted;
use crate::fetch::Source;
use crate::outcome::Failure;
use crate::state::State;
use crate::trust::Trust;
use std::path::Path;

/// What every online command needs: the policy, where the log is, what was remembered.
pub struct Online {
    pub trust: Trust,
    pub source: Source,
    pub state: State,
    /// The log's location as given, for messages.
    pub location: String,
}

impl Online {
    pub fn open(
        policy: &Path,
        log: Option<&str>,
        state_dir: Option<&Path>,
    ) -> Result<Online, Failure> {
        let trust = Trust::load(policy)?;
        let location = trust.log_location(log)?;
        let source = Source::open(&location)?;
        let state = State::locate(state_dir)?;
        Ok(Online {
            trust,
            source,
            state,
            location,
        })
    }

    /// The lines that say which checkpoint was accepted and why it is believed.
    pub fn checkpoint_lines(&self, accepted: &Accepted) -> Vec<String> {
        let cp = &accepted.verified.checkpoint;
        vec![
            format!("log {} at {}", cp.origin, self.location),
            format!(
                "  checkpoint: {} entries, root {}",
                crate::display::thousands(cp.size),
                cp.root
            ),
            format!("  signatures: {}", accepted.signatures_line(&self.trust)),
            format!("  history: {}", accepted.relation_line()),
        ]
    }
}
