//! `progress`: how every Shailoo program shows long work, in one style.
//!
//! At a terminal, a bar on stderr with the count, the rate and the time left; anywhere else (a
//! log file, a script, a CI run) a plain line every tenth of the way, so that logs stay short
//! and readable. Nothing is shown on stdout, which is the programs' answer (`--json`).

use indicatif::{HumanCount, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Progress of one piece of long work.
pub struct Progress {
    what: String,
    shown: Shown,
    total: AtomicU64,
}

enum Shown {
    Bar(ProgressBar),
    Lines {
        started: Instant,
        /// The next tenth of the way to say a line at.
        next_tenth: AtomicU64,
    },
    Nothing,
}

impl Progress {
    /// Progress of `what` ("entries checked", "records submitted") towards `total` (0 when
    /// not known yet: see [`Progress::set_total`]).
    pub fn new(what: &str, total: u64) -> Progress {
        let shown = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            let template = format!(
                "  {{bar:40}} {{human_pos}}/{{human_len}} {what}, {{per_sec}}, {{eta}} left"
            );
            bar.set_style(ProgressStyle::with_template(&template).expect("a valid template"));
            Shown::Bar(bar)
        } else {
            Shown::Lines {
                started: Instant::now(),
                next_tenth: AtomicU64::new(1),
            }
        };
        Progress {
            what: what.to_string(),
            shown,
            total: AtomicU64::new(total),
        }
    }

    /// Progress that shows nothing (`--quiet`).
    pub fn hidden() -> Progress {
        Progress {
            what: String::new(),
            shown: Shown::Nothing,
            total: AtomicU64::new(0),
        }
    }

    /// Progress of `what` unless `quiet`.
    pub fn unless(quiet: bool, what: &str, total: u64) -> Progress {
        if quiet {
            Progress::hidden()
        } else {
            Progress::new(what, total)
        }
    }

    /// The total, once known (or changed).
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        if let Shown::Bar(bar) = &self.shown {
            bar.set_length(total);
        }
    }

    /// `done` of the total are done.
    pub fn update(&self, done: u64) {
        let total = self.total.load(Ordering::Relaxed);
        match &self.shown {
            Shown::Bar(bar) => bar.set_position(done),
            Shown::Lines {
                started,
                next_tenth,
            } if total > 0 => {
                // A line each time `done` passes a tenth of the total (one line, however many
                // tenths it passed at once).
                let tenth = next_tenth.load(Ordering::Relaxed);
                if done * 10 < tenth * total {
                    return;
                }
                next_tenth.store(done * 10 / total + 1, Ordering::Relaxed);
                eprintln!(
                    "{}: {} of {} ({:.0}%), {:.1} s",
                    self.what,
                    HumanCount(done),
                    HumanCount(total),
                    done as f64 * 100.0 / total as f64,
                    started.elapsed().as_secs_f64()
                );
            }
            Shown::Lines { .. } | Shown::Nothing => {}
        }
    }

    /// The work is over: the bar is removed (the program's summary follows).
    pub fn finish(&self) {
        if let Shown::Bar(bar) = &self.shown {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_said_at_each_tenth_passed_and_once_for_several() {
        let progress = Progress {
            what: "entries".into(),
            shown: Shown::Lines {
                started: Instant::now(),
                next_tenth: AtomicU64::new(1),
            },
            total: AtomicU64::new(1000),
        };
        let next = |p: &Progress| match &p.shown {
            Shown::Lines { next_tenth, .. } => next_tenth.load(Ordering::Relaxed),
            _ => unreachable!(),
        };
        progress.update(50);
        assert_eq!(next(&progress), 1, "not yet a tenth");
        progress.update(100);
        assert_eq!(next(&progress), 2);
        progress.update(450);
        assert_eq!(next(&progress), 5, "four tenths passed at once: one line");
        progress.update(1000);
        assert_eq!(next(&progress), 11);
    }
}
