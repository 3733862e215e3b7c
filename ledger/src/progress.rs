//! Progress of a long submission, as a bar on stderr. indicatif draws nothing when stderr is
//! not a terminal, so scripts and log files get only the summary printed at the end.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for records submitted; its length is set by the first [`Submitted::update`].
pub struct Submitted(ProgressBar);

impl Submitted {
    pub fn new() -> Submitted {
        Submitted::counting("records submitted")
    }

    /// A bar counting `what` ("entries checked").
    pub fn counting(what: &str) -> Submitted {
        let bar = ProgressBar::new(0);
        let template =
            format!("  {{bar:40}} {{human_pos}}/{{human_len}} {what}, {{per_sec}}, {{eta}} left");
        let style = ProgressStyle::with_template(&template).expect("a valid template");
        bar.set_style(style);
        Submitted(bar)
    }

    /// `done` of `total` are done.
    pub fn update(&self, done: usize, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }

    /// Removes the bar (the summary follows).
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Default for Submitted {
    fn default() -> Submitted {
        Submitted::new()
    }
}
