//! Progress of long work on stderr: one line that updates in place when stderr is a terminal,
//! otherwise a plain line now and then (every tenth of the way), so logs stay readable.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    label: String,
    total: u64,
    tty: bool,
    quiet: bool,
    started: Instant,
    last_draw: Instant,
    next_tenth: u64,
}

impl Progress {
    /// Progress towards `total` items; `quiet` shows nothing.
    pub fn new(label: &str, total: u64, quiet: bool) -> Progress {
        let now = Instant::now();
        Progress {
            label: label.to_string(),
            total,
            tty: std::io::stderr().is_terminal(),
            quiet,
            started: now,
            last_draw: now - Duration::from_secs(1),
            next_tenth: 1,
        }
    }

    /// `done` items of `total` are done.
    pub fn update(&mut self, done: u64) {
        if self.quiet || self.total == 0 {
            return;
        }
        if self.tty {
            if self.last_draw.elapsed() >= Duration::from_millis(100) || done == self.total {
                self.last_draw = Instant::now();
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K{}", self.line(done));
                let _ = err.flush();
            }
        } else if done * 10 >= self.next_tenth * self.total {
            while done * 10 >= self.next_tenth * self.total {
                self.next_tenth += 1;
            }
            eprintln!("{}", self.line(done));
        }
    }

    fn line(&self, done: u64) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        format!(
            "{}: {} of {} ({:.0}%), {:.1} s",
            self.label,
            crate::display::thousands(done),
            crate::display::thousands(self.total),
            done as f64 * 100.0 / self.total as f64,
            secs
        )
    }

    /// Ends the progress line.
    pub fn finish(&mut self) {
        if self.tty && !self.quiet && self.total > 0 {
            eprintln!();
        }
    }
}
