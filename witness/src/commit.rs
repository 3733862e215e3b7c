//! Group commit: one thread owns the database's write connection and commits the writes that
//! are waiting, however many logs they belong to, in one transaction.
//!
//! A commit costs one fsync (WAL, `synchronous=FULL`), and an fsync costs the same for one
//! state as for fifty. While one group is being committed, the next writes queue; the thread
//! then takes them all at once. So under load the witness makes far fewer fsyncs than
//! cosignatures, and alone it waits for nothing: a write that finds the queue empty is committed
//! by itself at once.
//!
//! Each write runs inside its own savepoint, so one that fails (or panics) is undone without
//! undoing the others; each is answered only after the group's COMMIT returned, and if that
//! COMMIT fails, every write of the group is answered with the failure — never a cosignature
//! for a state a crash could lose. Writes queued one after another for one origin run in that
//! order in one transaction, each seeing what the previous wrote, so the compare-and-swap stays
//! a compare-and-swap.

use crate::error::Error;
use rusqlite::Connection;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The most writes committed in one transaction: bounds how long the first of them waits for
/// the others to run.
const MAX_GROUP: usize = 256;

/// A write waiting for the committer. It is called with the group's open transaction (or why
/// none could be opened) and returns what to tell its caller once the commit is known.
type Job = Box<dyn FnOnce(Result<&Group, &Arc<Error>>) -> Reply + Send>;

/// The open transaction of a group, and whether it can still be committed.
struct Group<'c> {
    conn: &'c Connection,
    /// Set when a write could not be undone: what it wrote is in the transaction, which must
    /// then be rolled back whole.
    broken: Cell<bool>,
}

impl Group<'_> {
    /// Whether the transaction is still open and holds only what succeeded. (SQLite rolls a
    /// transaction back by itself on some errors — a full disk, out of memory — and later
    /// statements would then run outside it, each committed on its own.)
    fn intact(&self) -> bool {
        !self.broken.get() && !self.conn.is_autocommit()
    }
}
/// Tells a write's caller its outcome, given how the group's COMMIT went.
type Reply = Box<dyn FnOnce(Result<(), &Arc<Error>>) + Send>;

/// The handle through which writes reach the committing thread.
pub(crate) struct Committer {
    queue: Mutex<Option<Sender<Job>>>,
    thread: Option<JoinHandle<()>>,
    counts: Arc<Counts>,
}

/// What went through the committer, for the tests.
#[derive(Default)]
struct Counts {
    /// Writes handed to the queue and not yet taken into a group.
    queued: AtomicU64,
    /// Transactions committed (or attempted).
    groups: AtomicU64,
}

impl Committer {
    /// Starts the committing thread, which owns `conn` from now on.
    pub(crate) fn start(conn: Connection, what: String) -> Result<Committer, Error> {
        let (queue, jobs) = channel::<Job>();
        let counts = Arc::new(Counts::default());
        let seen = counts.clone();
        let thread = std::thread::Builder::new()
            .name("witness-commit".into())
            .spawn(move || commit_groups(&conn, &jobs, &what, &seen))
            .map_err(Error::io("cannot start the witness's committing thread"))?;
        Ok(Committer {
            queue: Mutex::new(Some(queue)),
            thread: Some(thread),
            counts,
        })
    }

    /// Runs `work` in the next group's transaction and returns its result once that
    /// transaction has committed. If `work` fails, what it wrote is undone and its error is
    /// returned; if the commit fails, nothing of the group was written and that is returned.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (answer, answered): (SyncSender<Result<T, Error>>, _) = sync_channel(1);
        let job: Job = Box::new(move |transaction| {
            let outcome = match transaction {
                Ok(group) => in_savepoint(group, work),
                Err(e) => Err(Error::Group(e.clone())),
            };
            Box::new(move |committed| {
                let told = match (outcome, committed) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(e)) => Err(Error::Group(e.clone())),
                    (Err(e), _) => Err(e),
                };
                // The caller may have stopped waiting; nothing to tell then.
                let _ = answer.send(told);
            })
        });
        let stopped = || Error::Invalid("the witness's committing thread has stopped".into());
        let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let sender = queue.as_ref().ok_or_else(stopped)?;
        self.counts.queued.fetch_add(1, Ordering::SeqCst);
        sender.send(job).map_err(|_| stopped())?;
        drop(queue);
        answered.recv().map_err(|_| stopped())?
    }

    /// Writes waiting to be taken into a group.
    #[cfg(test)]
    fn queued(&self) -> u64 {
        self.counts.queued.load(Ordering::SeqCst)
    }

    /// Transactions run so far.
    #[cfg(test)]
    fn groups(&self) -> u64 {
        self.counts.groups.load(Ordering::SeqCst)
    }
}

impl Drop for Committer {
    /// Lets the thread commit what is queued, then waits for it to close the connection.
    fn drop(&mut self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The committing thread: waits for a write, takes every other one already waiting, runs them
/// in one transaction, commits, answers them all. Ends when the queue is closed.
fn commit_groups(conn: &Connection, jobs: &Receiver<Job>, what: &str, counts: &Counts) {
    while let Ok(first) = jobs.recv() {
        let mut jobs_of_group = vec![first];
        while jobs_of_group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => jobs_of_group.push(job),
                Err(_) => break,
            }
        }
        counts
            .queued
            .fetch_sub(jobs_of_group.len() as u64, Ordering::SeqCst);
        counts.groups.fetch_add(1, Ordering::SeqCst);
        let committed = commit_group(conn, jobs_of_group, what);
        if !conn.is_autocommit() {
            // Whatever failed left the transaction open: end it, so the next group can begin.
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in committed.0 {
            reply(committed.1.as_ref().map(|_| ()));
        }
    }
}

/// Runs one group's writes in one transaction and commits it; returns each write's reply and
/// how the commit went.
fn commit_group(
    conn: &Connection,
    jobs: Vec<Job>,
    what: &str,
) -> (Vec<Reply>, Result<(), Arc<Error>>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let e = Arc::new(Error::db(what)(e));
        return (jobs.into_iter().map(|job| job(Err(&e))).collect(), Err(e));
    }
    let group = Group {
        conn,
        broken: Cell::new(false),
    };
    let replies = jobs.into_iter().map(|job| job(Ok(&group))).collect();
    if !group.intact() {
        let lost = Error::Invalid(format!(
            "{what}: the transaction was lost (a write could not be undone, or the database \
             rolled it back); nothing of it was written"
        ));
        return (replies, Err(Arc::new(lost)));
    }
    let committed = conn
        .execute_batch("COMMIT")
        .map_err(|e| Arc::new(Error::db(what)(e)));
    (replies, committed)
}

/// Runs one write inside a savepoint: kept if it succeeds, undone if it fails or panics. A
/// write that cannot be undone breaks the group (it is rolled back whole).
fn in_savepoint<T>(
    group: &Group,
    work: impl FnOnce(&Connection) -> Result<T, Error>,
) -> Result<T, Error> {
    let conn = group.conn;
    if !group.intact() {
        return Err(Error::Invalid(
            "the group's transaction was lost; nothing was written".into(),
        ));
    }
    let undo = |e: Error| {
        if conn
            .execute_batch("ROLLBACK TO one_write; RELEASE one_write")
            .is_err()
        {
            group.broken.set(true);
        }
        e
    };
    conn.execute_batch("SAVEPOINT one_write")
        .map_err(Error::db("cannot start a write"))?;
    match catch_unwind(AssertUnwindSafe(|| work(conn))) {
        Ok(Ok(value)) => match conn.execute_batch("RELEASE one_write") {
            Ok(()) => Ok(value),
            Err(e) => Err(undo(Error::db("cannot finish a write")(e))),
        },
        Ok(Err(e)) => Err(undo(e)),
        Err(_) => Err(undo(Error::Invalid(
            "a write panicked; it was undone and nothing was cosigned".into(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// A committer over a fresh database with one table, `t(v)`, and a deferred constraint
    /// that lets a write make the whole group's COMMIT fail: a row in `t` whose `v` is negative
    /// must have a parent that never exists.
    fn committer() -> Committer {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE t (v INTEGER NOT NULL,
                 p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        Committer::start(conn, "test".into()).unwrap()
    }

    fn insert(v: i64) -> impl FnOnce(&Connection) -> Result<i64, Error> + Send + 'static {
        move |conn| {
            let parent = (v < 0).then_some(v);
            conn.execute("INSERT INTO t (v, p) VALUES (?1, ?2)", (v, parent))
                .map_err(Error::db("insert"))?;
            Ok(v)
        }
    }

    fn count(c: &Committer) -> i64 {
        c.write(|conn| {
            conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .map_err(Error::db("count"))
        })
        .unwrap()
    }

    type TestWrite<T> = Box<dyn FnOnce(&Connection) -> Result<T, Error> + Send>;

    /// Holds the committer inside a first write until `writes` more are queued, then lets it
    /// go: the queued ones must then be committed as one group, whatever the timing.
    fn with_queued<T: Send + 'static>(
        c: &Arc<Committer>,
        writes: Vec<TestWrite<T>>,
    ) -> Vec<Result<T, Error>> {
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = {
            let c = c.clone();
            std::thread::spawn(move || {
                c.write(move |_| {
                    released.recv().unwrap();
                    Ok(())
                })
            })
        };
        // The holder's write is taken as soon as it is queued; wait until it has been.
        let deadline = Instant::now() + Duration::from_secs(30);
        while c.groups() == 0 || c.queued() != 0 {
            assert!(Instant::now() < deadline, "the first write was never taken");
            std::thread::yield_now();
        }
        let n = writes.len() as u64;
        let threads: Vec<_> = writes
            .into_iter()
            .map(|w| {
                let c = c.clone();
                std::thread::spawn(move || c.write(w))
            })
            .collect();
        while c.queued() != n {
            assert!(Instant::now() < deadline, "the writes were never queued");
            std::thread::yield_now();
        }
        // A write is counted, then sent, under this lock: once it is free, all n were sent.
        drop(c.queue.lock().unwrap());
        release.send(()).unwrap();
        holder.join().unwrap().unwrap();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    }

    #[test]
    fn writes_waiting_together_are_committed_in_one_transaction() {
        let c = Arc::new(committer());
        let writes = (1..=20)
            .map(|v| Box::new(insert(v)) as TestWrite<i64>)
            .collect();
        let answers = with_queued(&c, writes);
        let mut values: Vec<i64> = answers.into_iter().map(Result::unwrap).collect();
        values.sort();
        assert_eq!(values, (1..=20).collect::<Vec<_>>());
        assert_eq!(c.groups(), 2, "the holder's group, then all twenty in one");
        assert_eq!(count(&c), 20);
    }

    #[test]
    fn a_failing_or_panicking_write_is_undone_alone() {
        let c = Arc::new(committer());
        type W = TestWrite<i64>;
        let fails: W = Box::new(|conn| {
            insert(7)(conn)?;
            Err(Error::Invalid("refused after writing".into()))
        });
        let panics: W = Box::new(|conn| {
            insert(8)(conn).unwrap();
            panic!("a bug after writing")
        });
        let answers = with_queued(
            &c,
            vec![Box::new(insert(1)), fails, panics, Box::new(insert(2))],
        );
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 2);
        assert_eq!(count(&c), 2, "only the two good writes were kept");
        let kept: i64 = c
            .write(|conn| {
                conn.query_row("SELECT sum(v) FROM t", [], |r| r.get(0))
                    .map_err(Error::db("sum"))
            })
            .unwrap();
        assert_eq!(kept, 3);
    }

    #[test]
    fn a_failed_commit_fails_every_write_of_its_group_and_keeps_none() {
        let c = Arc::new(committer());
        // The write itself succeeds; its row breaks a deferred constraint, so COMMIT fails.
        let writes = vec![
            Box::new(insert(1)) as TestWrite<i64>,
            Box::new(insert(-1)),
            Box::new(insert(2)),
        ];
        let answers = with_queued(&c, writes);
        for answer in &answers {
            assert!(
                matches!(answer, Err(Error::Group(_))),
                "every write of the group must be told its commit failed: {answer:?}"
            );
        }
        assert_eq!(count(&c), 0, "nothing of the failed group was kept");
        assert_eq!(c.write(insert(5)).unwrap(), 5, "the next group commits");
        assert_eq!(count(&c), 1);
    }
}
