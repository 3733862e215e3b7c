//! Two sequencers on one bucket, never a fork: the lease (`spec/tlog.md` §13).
//!
//! Beside the log's files the bucket holds one more mutable object, [`LEASE_PATH`]: the
//! checkpoint the log last signed, the entries of the batch that made it, who holds the right
//! to sequence, and a generation that every write raises. It is only ever replaced by a
//! conditional write ([`Storage::update`]: `If-Match` its ETag), and only by a writer that
//! read the generation it last wrote itself. Everything follows from that one rule:
//!
//! - **Commit.** A batch's checkpoint (checked consistent with the last, then signed) and its
//!   entries replace the lease; only then are its tiles and bundles written (create-only, so
//!   any writer of them writes the same bytes), then the local cache, then the answers. The
//!   swap is the commit point: a record is acknowledged only after it won.
//! - **Renew.** An idle holder rewrites the lease every third of the lease period.
//! - **Take over.** A standby reads the lease; when its generation has not moved for a whole
//!   period by the standby's own clock (no two machines' clocks are compared), or the holder
//!   released it at a clean stop, the standby writes itself in as holder by the same
//!   conditional write. It then finishes the last batch's files from the entries in the
//!   lease (the holder may have died before writing them), rebuilds its cache, and serves.
//! - **Why it cannot fork.** Two writers that read the same generation cannot both replace
//!   it; the loser's next write fails, and it stops without answering anyone. No file beyond
//!   the committed tree is ever written, so a loser leaves nothing behind that the winner
//!   would have to overwrite.

use crate::storage::Storage;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The lease's object, beside `checkpoint` and `tile/` in the bucket.
pub const LEASE_PATH: &str = "sequencer-lease";

/// The default lease period: a standby takes over within about this long of the holder's
/// last write (plus one poll and the catch-up).
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(5);

/// What the lease object says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseState {
    /// Who may sequence: a name unique to one process (`host/pid/random`), empty before the
    /// first holder.
    pub holder: String,
    /// Raised by every write.
    pub generation: u64,
    /// Set by a holder that stopped cleanly: a standby need not wait out the period.
    pub released: bool,
    /// The checkpoint the log last signed (the log's signature only; cosignatures come later
    /// in the public `checkpoint`).
    pub checkpoint: Vec<u8>,
    /// The index of the first entry of `batch`.
    pub batch_start: u64,
    /// The entries the last batch appended, until its files are known to be written.
    pub batch: Vec<Vec<u8>>,
}

/// The header line of the lease object; the batch follows it as an entry bundle.
#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    holder: String,
    generation: u64,
    released: bool,
    checkpoint: String,
    batch_start: u64,
    batch_entries: usize,
}

/// Why a lease object could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the sequencer lease ({LEASE_PATH}) is malformed: {0}")]
pub struct MalformedLease(String);

impl LeaseState {
    /// The lease of a new log: its empty checkpoint, no holder yet.
    pub fn new_log(checkpoint: Vec<u8>) -> LeaseState {
        LeaseState {
            holder: String::new(),
            generation: 0,
            released: true,
            checkpoint,
            batch_start: 0,
            batch: vec![],
        }
    }

    /// One JSON line, then the batch's entries as an entry bundle (length-prefixed).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            holder: self.holder.clone(),
            generation: self.generation,
            released: self.released,
            checkpoint: String::from_utf8_lossy(&self.checkpoint).into_owned(),
            batch_start: self.batch_start,
            batch_entries: self.batch.len(),
        };
        let mut out = serde_json::to_vec(&header).expect("a header serializes");
        out.push(b'\n');
        for entry in &self.batch {
            tlog::entries::push_entry(&mut out, entry).expect("logged entries fit a bundle");
        }
        out
    }

    pub fn parse(bytes: &[u8]) -> Result<LeaseState, MalformedLease> {
        let bad = |why: String| MalformedLease(why);
        let newline = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("no header line".into()))?;
        let header: Header =
            serde_json::from_slice(&bytes[..newline]).map_err(|e| bad(e.to_string()))?;
        let batch = tlog::entries::parse_entry_bundle(&bytes[newline + 1..], header.batch_entries)
            .map_err(|e| bad(e.to_string()))?;
        Ok(LeaseState {
            holder: header.holder,
            generation: header.generation,
            released: header.released,
            checkpoint: header.checkpoint.into_bytes(),
            batch_start: header.batch_start,
            batch: batch.into_iter().map(<[u8]>::to_vec).collect(),
        })
    }

    /// The same lease, written again by `holder`: the next generation.
    fn next(&self, holder: &str) -> LeaseState {
        LeaseState {
            holder: holder.to_string(),
            generation: self.generation + 1,
            released: false,
            ..self.clone()
        }
    }
}

/// Why this process cannot go on as the holder.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Another process wrote the lease since this one last did: it holds the log now.
    #[error(
        "another sequencer ({holder}) holds the log now (lease generation {generation}); stepping down"
    )]
    Lost { holder: String, generation: u64 },
    /// The bucket has no lease: no log was made there (`ledger init --storage`).
    #[error(
        "the bucket holds no log (no {LEASE_PATH}): create one with `ledger init DIR --origin O --storage s3://…`"
    )]
    NoLog,
    /// The server is stopping.
    #[error("stopped while waiting for the lease")]
    Stopped,
    #[error(transparent)]
    Malformed(#[from] MalformedLease),
    /// The bucket could not be reached or written: may pass.
    #[error("the sequencer lease: {0}")]
    Io(#[from] io::Error),
}

/// This process's hold on the log: what it last wrote.
pub struct Lease {
    storage: Arc<dyn Storage>,
    holder: String,
    generation: u64,
    period: Duration,
    /// When this process last wrote the lease.
    written: Instant,
    /// Whether the files of the batch in the lease are all written, so that a renewal may
    /// leave its entries out.
    batch_written: bool,
}

impl Lease {
    /// A name for this process as a holder: unique, and telling an operator where it runs.
    pub fn holder_name() -> String {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        let mut nonce = [0u8; 4];
        // A name that repeats only makes a restarted process look like its predecessor,
        // which it then waits out like any other.
        let _ = getrandom::fill(&mut nonce);
        format!("{host}/{}/{}", std::process::id(), hex::encode(nonce))
    }

    /// Waits, as a standby, until this process holds the log: the holder released the lease
    /// or has not written it for a whole `period`. Returns the lease and what it held (the
    /// last signed tree and its batch, which the new holder must finish). `waiting` is told
    /// each holder it waits on; `stopping` ends the wait.
    pub fn acquire(
        storage: Arc<dyn Storage>,
        holder: String,
        period: Duration,
        stopping: &AtomicBool,
        mut waiting: impl FnMut(&LeaseState),
    ) -> Result<(Lease, LeaseState), LeaseError> {
        let poll = (period / 10).max(Duration::from_millis(50));
        // The generation seen, and since when (this process's clock).
        let mut seen: Option<(u64, Instant)> = None;
        // The holder last reported to `waiting`: told once per holder, not per batch.
        let mut reported: Option<String> = None;
        loop {
            if stopping.load(Ordering::SeqCst) {
                return Err(LeaseError::Stopped);
            }
            let current = read(storage.as_ref())?;
            if !current.released && reported.as_deref() != Some(current.holder.as_str()) {
                waiting(&current);
                reported = Some(current.holder.clone());
            }
            let unchanged_since = match seen {
                Some((generation, since)) if generation == current.generation => since,
                _ => {
                    seen = Some((current.generation, Instant::now()));
                    Instant::now()
                }
            };
            if current.released || unchanged_since.elapsed() >= period {
                let mut taken = None;
                let mut change = |bytes: Option<&[u8]>| {
                    let now = LeaseState::parse(bytes?).ok()?;
                    // Only the lease that was judged free: if it moved, its holder lives.
                    (now.generation == current.generation).then(|| {
                        let next = now.next(&holder);
                        let bytes = next.to_bytes();
                        taken = Some(next);
                        bytes
                    })
                };
                if storage.update(LEASE_PATH, &mut change)? {
                    let state = taken.expect("written");
                    let lease = Lease {
                        storage,
                        holder,
                        generation: state.generation,
                        period,
                        written: Instant::now(),
                        // Not until the new holder has finished them.
                        batch_written: false,
                    };
                    return Ok((lease, state));
                }
                seen = None;
            }
            std::thread::sleep(poll);
        }
    }

    /// Swaps in a new signed tree and the batch that made it, if this process still holds
    /// the log: the commit point of a batch. Safe to call again after an error (a write whose
    /// answer was lost is recognised).
    pub fn commit(
        &mut self,
        checkpoint: &[u8],
        batch_start: u64,
        batch: &[Vec<u8>],
    ) -> Result<(), LeaseError> {
        let wanted = LeaseState {
            holder: self.holder.clone(),
            generation: self.generation + 1,
            released: false,
            checkpoint: checkpoint.to_vec(),
            batch_start,
            batch: batch.to_vec(),
        };
        self.batch_written = false;
        self.write(|_| wanted.clone())
    }

    /// Says that the files of the last committed batch are all written.
    pub fn batch_written(&mut self) {
        self.batch_written = true;
    }

    /// Writes the lease again, unchanged but for its generation (and the batch, once
    /// [`Lease::batch_written`] said its files are all written), so that a standby sees the
    /// holder alive.
    pub fn renew(&mut self) -> Result<(), LeaseError> {
        let (holder, batch_written) = (self.holder.clone(), self.batch_written);
        self.write(|current| {
            let mut next = current.next(&holder);
            if batch_written {
                next.batch_start += next.batch.len() as u64;
                next.batch.clear();
            }
            next
        })
    }

    /// Gives the log up at a stop: a standby takes over at once. The batch stays in the
    /// lease unless its files are known to be written (a stop may come while they were
    /// being retried), so that the next holder finishes them.
    pub fn release(&mut self) -> Result<(), LeaseError> {
        let (holder, batch_written) = (self.holder.clone(), self.batch_written);
        self.write(|current| {
            let mut next = current.next(&holder);
            next.released = true;
            if batch_written {
                next.batch_start += next.batch.len() as u64;
                next.batch.clear();
            }
            next
        })
    }

    /// How often an idle holder renews: a third of the period, so that one lost write does
    /// not let a standby take over a live holder.
    pub fn renew_every(&self) -> Duration {
        self.period / 3
    }

    /// Whether it is time to renew (nothing written for [`Lease::renew_every`]).
    pub fn due(&self) -> bool {
        self.written.elapsed() >= self.renew_every()
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Replaces the lease by `next(current)` if it is still what this process last wrote.
    fn write(&mut self, next: impl Fn(&LeaseState) -> LeaseState) -> Result<(), LeaseError> {
        let mut outcome: Result<Option<LeaseState>, LeaseError> = Ok(None);
        let (holder, generation) = (self.holder.clone(), self.generation);
        let mut change = |bytes: Option<&[u8]>| {
            let current = match bytes.map(LeaseState::parse) {
                None => {
                    outcome = Err(LeaseError::NoLog);
                    return None;
                }
                Some(Err(e)) => {
                    outcome = Err(e.into());
                    return None;
                }
                Some(Ok(current)) => current,
            };
            if current.holder == holder && current.generation == generation {
                let written = next(&current);
                let bytes = written.to_bytes();
                outcome = Ok(Some(written));
                return Some(bytes);
            }
            // Written already by an attempt whose answer was lost.
            if current.holder == holder && current.generation == generation + 1 {
                let mut retried = next(&LeaseState {
                    generation,
                    ..current.clone()
                });
                retried.generation = current.generation;
                if retried == current {
                    outcome = Ok(Some(current));
                    return None;
                }
            }
            outcome = Err(LeaseError::Lost {
                holder: current.holder,
                generation: current.generation,
            });
            None
        };
        self.storage.update(LEASE_PATH, &mut change)?;
        let written = outcome?.expect("written or recognised");
        self.generation = written.generation;
        metrics::gauge!("shailoo_lease_generation").set(written.generation as f64);
        self.written = Instant::now();
        Ok(())
    }
}

/// Reads the lease object.
pub fn read(storage: &dyn Storage) -> Result<LeaseState, LeaseError> {
    let bytes = storage.read(LEASE_PATH)?.ok_or(LeaseError::NoLog)?;
    Ok(LeaseState::parse(&bytes)?)
}

/// Writes the lease of a new log; refuses a bucket that already holds one.
pub fn create(storage: &dyn Storage, checkpoint: Vec<u8>) -> Result<(), LeaseError> {
    let mut existed = false;
    let mut change = |bytes: Option<&[u8]>| {
        existed = bytes.is_some();
        (!existed).then(|| LeaseState::new_log(checkpoint.clone()).to_bytes())
    };
    storage.update(LEASE_PATH, &mut change)?;
    match existed {
        true => Err(LeaseError::Io(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the bucket already holds a log (its sequencer lease exists); refusing to overwrite it",
        ))),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FsStorage;

    fn bucket() -> (shailoo_e2e::TempDir, Arc<dyn Storage>) {
        let dir = shailoo_e2e::temp_dir("lease");
        let storage: Arc<dyn Storage> = Arc::new(FsStorage::new(dir.path()).unwrap());
        create(storage.as_ref(), b"empty checkpoint\n".to_vec()).unwrap();
        (dir, storage)
    }

    #[test]
    fn a_lease_reads_back_as_written() {
        let state = LeaseState {
            holder: "cec-1/42/00ff".into(),
            generation: 7,
            released: false,
            checkpoint: b"origin\n3\nroot\n\n- sig\n".to_vec(),
            batch_start: 1,
            batch: vec![b"one".to_vec(), vec![], vec![0; 300]],
        };
        assert_eq!(LeaseState::parse(&state.to_bytes()).unwrap(), state);
        let mut cut = state.to_bytes();
        cut.pop();
        assert!(LeaseState::parse(&cut).is_err());
        assert!(LeaseState::parse(b"{}").is_err());
    }

    #[test]
    fn a_new_log_is_taken_at_once_and_a_second_one_refused() {
        let (_dir, storage) = bucket();
        assert!(create(storage.as_ref(), b"other".to_vec()).is_err());
        let stopping = AtomicBool::new(false);
        let started = Instant::now();
        let (lease, state) = Lease::acquire(
            storage.clone(),
            "a".into(),
            Duration::from_secs(60),
            &stopping,
            |_| panic!("a released lease is not waited on"),
        )
        .unwrap();
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!((state.holder.as_str(), state.generation), ("a", 1));
        assert_eq!(lease.generation, 1);
    }

    #[test]
    fn only_the_last_writer_can_commit_and_the_loser_learns_it() {
        let (_dir, storage) = bucket();
        let stopping = AtomicBool::new(false);
        let period = Duration::from_millis(200);
        let (mut a, _) =
            Lease::acquire(storage.clone(), "a".into(), period, &stopping, |_| {}).unwrap();
        a.commit(b"cp 1", 0, &[b"e0".to_vec()]).unwrap();
        // `a` goes silent (a paused process); `b` waits the period out and takes over.
        let mut waited_on = vec![];
        let (mut b, took) = Lease::acquire(storage.clone(), "b".into(), period, &stopping, |s| {
            waited_on.push(s.holder.clone())
        })
        .unwrap();
        assert_eq!(waited_on, ["a"]);
        assert_eq!(
            (took.checkpoint.as_slice(), took.batch.len()),
            (&b"cp 1"[..], 1)
        );
        b.commit(b"cp 2", 1, &[b"e1".to_vec()]).unwrap();
        // `a` wakes up believing it holds the log: its commit and its renewal both fail.
        match a.commit(b"cp 2'", 1, &[b"other".to_vec()]) {
            Err(LeaseError::Lost { holder, .. }) => assert_eq!(holder, "b"),
            other => panic!("a stale holder committed: {other:?}"),
        }
        assert!(matches!(a.renew(), Err(LeaseError::Lost { .. })));
        let now = read(storage.as_ref()).unwrap();
        assert_eq!(
            (now.holder.as_str(), now.checkpoint.as_slice()),
            ("b", &b"cp 2"[..])
        );
    }

    #[test]
    fn a_commit_whose_answer_was_lost_is_recognised_on_retry() {
        let (_dir, storage) = bucket();
        let stopping = AtomicBool::new(false);
        let (mut a, _) = Lease::acquire(
            storage.clone(),
            "a".into(),
            DEFAULT_PERIOD,
            &stopping,
            |_| {},
        )
        .unwrap();
        a.commit(b"cp 1", 0, &[b"e0".to_vec()]).unwrap();
        // As if the write landed but its answer did not: the generation was not counted.
        a.generation -= 1;
        a.commit(b"cp 1", 0, &[b"e0".to_vec()]).unwrap();
        assert_eq!(read(storage.as_ref()).unwrap().generation, a.generation);
        // A different commit from the same stale generation is not that write: refused.
        a.generation -= 1;
        assert!(matches!(
            a.commit(b"cp 1'", 0, &[b"x".to_vec()]),
            Err(LeaseError::Lost { .. })
        ));
    }

    #[test]
    fn renewing_keeps_the_batch_until_it_is_written_and_release_frees_the_log() {
        let (_dir, storage) = bucket();
        let stopping = AtomicBool::new(false);
        let (mut a, _) = Lease::acquire(
            storage.clone(),
            "a".into(),
            DEFAULT_PERIOD,
            &stopping,
            |_| {},
        )
        .unwrap();
        a.commit(b"cp 2", 0, &[b"e0".to_vec(), b"e1".to_vec()])
            .unwrap();
        a.renew().unwrap();
        assert_eq!(read(storage.as_ref()).unwrap().batch.len(), 2);
        a.batch_written();
        a.renew().unwrap();
        let renewed = read(storage.as_ref()).unwrap();
        assert_eq!((renewed.batch_start, renewed.batch.len()), (2, 0));
        a.commit(b"cp 3", 2, &[b"e2".to_vec()]).unwrap();
        // Stopped before the batch's files were written: the next holder must finish them.
        a.release().unwrap();
        let released = read(storage.as_ref()).unwrap();
        assert!(released.released);
        assert_eq!((released.batch_start, released.batch.len()), (2, 1));
        let (_, state) = Lease::acquire(
            storage.clone(),
            "b".into(),
            DEFAULT_PERIOD,
            &stopping,
            |_| panic!("a released lease is not waited on"),
        )
        .unwrap();
        assert_eq!(state.checkpoint, b"cp 3");
        assert_eq!(state.batch, [b"e2".to_vec()]);
    }
}
