//! Time, as the rules may use it (`spec/records.md` §6).
//!
//! A record's `time` is what its signer claims, and a signer can lie: a stolen key backdates,
//! a device's clock runs a day ahead. So no rule trusts a claimed time on its own:
//!
//! - At the door, the ledger admits a record only if its claimed time lies in a
//!   [`TimeWindow`] around the ledger's clock: not ahead by more than a small skew, not
//!   behind by more than the offline lag (a precinct that signed at night with no network
//!   submits in the morning).
//! - Afterwards, everyone can bound when each entry was logged from the log alone: the log
//!   logs each checkpoint it published (a `log-checkpoint` record) with the witnesses'
//!   cosignatures, and a quorum of witnesses' timestamps says when each tree existed
//!   ([`tlog::time::WitnessedTime`]). [`WitnessedCheckpoints`] turns those into a
//!   [`LoggedInterval`] per entry. Deadlines are judged on these intervals, and the audit
//!   applies the same window to them that the ledger applied to its clock.

use std::fmt;
use thiserror::Error;
use tlog::time::{WitnessedTime, rfc3339};

/// How far ahead of the ledger's clock a claimed time may be: clocks drift.
pub const DEFAULT_MAX_AHEAD: u64 = 5 * 60;
/// How far behind it may be: a precinct may sign offline at night and submit in the morning.
pub const DEFAULT_MAX_BEHIND: u64 = 72 * 3600;

/// The admission window around the time a record was logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// Seconds a claimed time may be ahead of when the record was logged.
    pub max_ahead: u64,
    /// Seconds a claimed time may be behind it.
    pub max_behind: u64,
}

impl Default for TimeWindow {
    fn default() -> TimeWindow {
        TimeWindow {
            max_ahead: DEFAULT_MAX_AHEAD,
            max_behind: DEFAULT_MAX_BEHIND,
        }
    }
}

/// What is known of when an entry was logged (Unix seconds); either end may be unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoggedInterval {
    /// It was logged no earlier than this.
    pub not_before: Option<u64>,
    /// It was logged no later than this.
    pub not_after: Option<u64>,
}

impl LoggedInterval {
    /// Logged at exactly `time`: what the ledger knows at its door.
    pub fn at(time: u64) -> LoggedInterval {
        LoggedInterval {
            not_before: Some(time),
            not_after: Some(time),
        }
    }
}

impl fmt::Display for LoggedInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.not_before, self.not_after) {
            (Some(a), Some(b)) if a == b => write!(f, "at {}", rfc3339(a)),
            (Some(a), Some(b)) => write!(f, "between {} and {}", rfc3339(a), rfc3339(b)),
            (Some(a), None) => write!(f, "no earlier than {}", rfc3339(a)),
            (None, Some(b)) => write!(f, "no later than {}", rfc3339(b)),
            (None, None) => f.write_str("at an unknown time"),
        }
    }
}

/// Why a claimed time is outside the window.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TimeError {
    #[error(
        "the record claims it was signed at {claimed}, more than {allowed} ahead of when it was logged ({logged})",
        claimed = rfc3339(*.claimed),
        allowed = duration(*.allowed)
    )]
    Ahead {
        claimed: u64,
        logged: LoggedInterval,
        allowed: u64,
    },
    #[error(
        "the record claims it was signed at {claimed}, more than {allowed} before it was logged ({logged}): older than the offline lag allows",
        claimed = rfc3339(*.claimed),
        allowed = duration(*.allowed)
    )]
    Behind {
        claimed: u64,
        logged: LoggedInterval,
        allowed: u64,
    },
}

impl TimeWindow {
    /// Whether a record claiming `claimed` may have been logged in `logged`: some moment of
    /// the interval is at most `max_ahead` before and at most `max_behind` after the claim.
    /// An unknown end checks nothing.
    pub fn check(&self, claimed: u64, logged: LoggedInterval) -> Result<(), TimeError> {
        if let Some(latest) = logged.not_after
            && claimed > latest.saturating_add(self.max_ahead)
        {
            return Err(TimeError::Ahead {
                claimed,
                logged,
                allowed: self.max_ahead,
            });
        }
        if let Some(earliest) = logged.not_before
            && claimed.saturating_add(self.max_behind) < earliest
        {
            return Err(TimeError::Behind {
                claimed,
                logged,
                allowed: self.max_behind,
            });
        }
        Ok(())
    }
}

/// A checkpoint of the log (its size) with its witnessed time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    pub size: u64,
    pub time: WitnessedTime,
}

/// A checkpoint the log logged: where its record is, and what it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedCheckpoint {
    /// The index of the `log-checkpoint` record.
    pub index: u64,
    pub checkpoint: WitnessedCheckpoint,
}

impl WitnessedCheckpoint {
    /// A checkpoint that satisfied `policy`, with the time its cosignatures attest; `None`
    /// if they attest none (`quorum none`).
    pub fn of(
        policy: &tlog::policy::Policy,
        verified: &tlog::policy::VerifiedCheckpoint,
    ) -> Option<WitnessedCheckpoint> {
        Some(WitnessedCheckpoint {
            size: verified.checkpoint.size,
            time: tlog::time::witnessed_time(policy, &verified.cosigners)?,
        })
    }
}

/// Why a checkpoint record cannot follow the ones before it (the auditor says it in words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckpointOrder {
    /// A checkpoint of `size` entries logged as entry `index`: it holds entries not yet logged.
    AfterItsEntries { size: u64, index: u64 },
    /// A checkpoint of `size` entries after one of `last`: the log's checkpoints must grow.
    DidNotGrow { size: u64, last: u64 },
}

/// The checkpoints the log logged, in log order (so by increasing index and size): what
/// bounds when each entry was logged.
#[derive(Clone, Debug, Default)]
pub struct WitnessedCheckpoints {
    logged: Vec<LoggedCheckpoint>,
}

impl WitnessedCheckpoints {
    /// Adds the next checkpoint record; its size must be larger than every earlier one's, and
    /// no larger than its own index (a checkpoint holds only entries logged before it).
    pub fn push(&mut self, logged: LoggedCheckpoint) -> Result<(), CheckpointOrder> {
        let size = logged.checkpoint.size;
        if size > logged.index {
            return Err(CheckpointOrder::AfterItsEntries {
                size,
                index: logged.index,
            });
        }
        if let Some(last) = self.logged.last()
            && size <= last.checkpoint.size
        {
            return Err(CheckpointOrder::DidNotGrow {
                size,
                last: last.checkpoint.size,
            });
        }
        self.logged.push(logged);
        Ok(())
    }

    /// Whether the log logged any checkpoint.
    pub fn is_empty(&self) -> bool {
        self.logged.is_empty()
    }

    /// When entry `index` was logged:
    /// - no earlier than the `newest_at` time of the nearest checkpoint *record* before it:
    ///   that record carries cosignatures made before it was logged, and the entry was logged
    ///   after the record (the log is sequenced in order), whatever the log's pipelining;
    /// - no later than the `contained_by` time of the nearest logged checkpoint that contains
    ///   it — or, if none does yet, of `latest` (the checkpoint being audited).
    pub fn interval(&self, index: u64, latest: Option<&WitnessedCheckpoint>) -> LoggedInterval {
        let records_before = self.logged.partition_point(|c| c.index < index);
        let before = records_before.checked_sub(1).map(|i| &self.logged[i]);
        let first_with = self.logged.partition_point(|c| c.checkpoint.size <= index);
        let with = self
            .logged
            .get(first_with)
            .map(|c| &c.checkpoint)
            .or(latest.filter(|c| c.size > index));
        LoggedInterval {
            not_before: before.map(|c| c.checkpoint.time.newest_at),
            not_after: with.map(|c| c.time.contained_by),
        }
    }
}

/// Seconds as days, hours and minutes, for messages.
pub fn duration(seconds: u64) -> String {
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} days"));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} min"));
    }
    if parts.is_empty() {
        return format!("{seconds} s");
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn witnessed(size: u64, contained_by: u64, newest_at: u64) -> WitnessedCheckpoint {
        WitnessedCheckpoint {
            size,
            time: WitnessedTime {
                contained_by,
                newest_at,
            },
        }
    }

    fn logged_at(index: u64, checkpoint: WitnessedCheckpoint) -> LoggedCheckpoint {
        LoggedCheckpoint { index, checkpoint }
    }

    #[test]
    fn the_window_allows_skew_ahead_and_lag_behind_and_no_more() {
        let w = TimeWindow::default();
        let now = 1_800_000_000;
        assert!(w.check(now + 300, LoggedInterval::at(now)).is_ok());
        assert!(w.check(now - 72 * 3600, LoggedInterval::at(now)).is_ok());
        let ahead = w.check(now + 301, LoggedInterval::at(now)).unwrap_err();
        assert!(
            ahead.to_string().contains("more than 5 min ahead"),
            "{ahead}"
        );
        let behind = w
            .check(now - 72 * 3600 - 1, LoggedInterval::at(now))
            .unwrap_err();
        assert!(behind.to_string().contains("offline lag"), "{behind}");
        // Unknown ends check nothing.
        assert!(w.check(0, LoggedInterval::default()).is_ok());
    }

    #[test]
    fn an_entry_is_bounded_by_the_nearest_checkpoints_without_and_with_it() {
        let mut log = WitnessedCheckpoints::default();
        // The checkpoint of size 10 logged at 12 (entries 10 and 11 were sequenced while it
        // was being cosigned), that of size 20 at 20.
        log.push(logged_at(12, witnessed(10, 100, 101))).unwrap();
        log.push(logged_at(20, witnessed(20, 200, 201))).unwrap();
        assert!(log.push(logged_at(30, witnessed(20, 300, 300))).is_err());
        assert!(log.push(logged_at(30, witnessed(31, 300, 300))).is_err());
        let bounds = |i, latest| {
            let b = log.interval(i, latest);
            (b.not_before, b.not_after)
        };
        assert_eq!(bounds(3, None), (None, Some(100)));
        assert_eq!(bounds(10, None), (None, Some(200)));
        assert_eq!(bounds(12, None), (None, Some(200)));
        assert_eq!(bounds(13, None), (Some(101), Some(200)));
        assert_eq!(bounds(19, None), (Some(101), Some(200)));
        assert_eq!(bounds(20, None), (Some(101), None));
        assert_eq!(bounds(21, None), (Some(201), None));
        let latest = witnessed(25, 250, 260);
        assert_eq!(bounds(21, Some(&latest)), (Some(201), Some(250)));
        assert_eq!(bounds(25, Some(&latest)), (Some(201), None));
    }
}
