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
use crate::phrases::Phrase;
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

    /// The lines that say which checkpoint was accepted and why it is believed, in `lang`
    /// (`en`, `ky`, `ru`).
    pub fn checkpoint_lines(&self, accepted: &Accepted, lang: &str) -> Vec<String> {
        let cp = &accepted.verified.checkpoint;
        let size = crate::display::number(cp.size, lang);
        vec![
            Phrase::LogAt.say(lang, [&cp.origin, &self.location]),
            format!(
                "  {}",
                Phrase::Checkpoint.say(lang, [size, cp.root.to_string()])
            ),
            format!(
                "  {}: {}",
                Phrase::Signatures.text(lang),
                accepted.signatures_line(&self.trust, lang)
            ),
            format!(
                "  {}: {}",
                Phrase::History.text(lang),
                accepted.relation_said(lang)
            ),
        ]
    }
}
