//! The audit on every core. Decoding an entry and checking its signature is most of an audit's
//! cost (an Ed25519 verification per record) and needs no log state, so it is spread over a
//! pool of threads, a bundle's worth of entries at a time; the results come back to the
//! auditing thread in log order, where every rule that needs the log's state runs once, as in
//! a single-threaded audit (`Auditor::push_verified`). The findings are the same either way.

use election::Record;
use election::audit::{Auditor, Finding, Gate};
use election::signers::SignerKeys;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, mpsc};

/// Entries per batch: one entry bundle.
const BATCH: usize = 256;

type Verified = Vec<(u64, Result<Record, Finding>)>;
type Job = (Vec<(u64, Vec<u8>)>, mpsc::SyncSender<Verified>);

/// Feeds an [`Auditor`] entries whose signatures a pool of threads checks.
pub struct ParallelAudit<'a> {
    auditor: &'a mut Auditor,
    jobs: Option<mpsc::SyncSender<Job>>,
    /// Batches sent, oldest first, each with where its results arrive.
    pending: VecDeque<mpsc::Receiver<Verified>>,
    batch: Vec<(u64, Vec<u8>)>,
    depth: usize,
}

impl<'a> ParallelAudit<'a> {
    /// Runs `feed` with a `ParallelAudit` over `auditor` and `threads` verifying threads (at
    /// least one); every entry fed is pushed to the auditor, in order, before this returns.
    pub fn run<R>(
        auditor: &'a mut Auditor,
        threads: usize,
        feed: impl FnOnce(&mut ParallelAudit<'a>) -> R,
    ) -> R {
        let signers: Arc<SignerKeys> = auditor.gate().signers();
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::sync_channel::<Job>(threads * 2);
        let queue = Mutex::new(queue);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (queue, signers) = (&queue, &signers);
                scope.spawn(move || {
                    loop {
                        let job = queue.lock().expect("the job queue").recv();
                        let Ok((entries, answer)) = job else { return };
                        let verified = entries
                            .iter()
                            .map(|(i, e)| (*i, Gate::verified_record(e, signers)))
                            .collect();
                        if answer.send(verified).is_err() {
                            return;
                        }
                    }
                });
            }
            let mut audit = ParallelAudit {
                auditor,
                jobs: Some(jobs),
                pending: VecDeque::new(),
                batch: Vec::with_capacity(BATCH),
                depth: threads * 2,
            };
            let result = feed(&mut audit);
            audit.finish();
            result
        })
    }

    /// Queues entry `index`; it reaches the auditor in order, a batch or two later.
    pub fn push(&mut self, index: u64, entry: &[u8]) {
        self.batch.push((index, entry.to_vec()));
        if self.batch.len() == BATCH {
            self.send();
        }
    }

    fn send(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let (answer, results) = mpsc::sync_channel(1);
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let jobs = self.jobs.as_ref().expect("open until finished");
        jobs.send((batch, answer))
            .expect("the verifying threads run until finished");
        self.pending.push_back(results);
        while self.pending.len() > self.depth {
            self.deliver_oldest();
        }
    }

    fn deliver_oldest(&mut self) {
        if let Some(results) = self.pending.pop_front() {
            for (index, verified) in results.recv().expect("a verifying thread answers") {
                self.auditor.push_verified(index, verified);
            }
        }
    }

    /// Sends what is left, pushes every result, and lets the threads end.
    fn finish(&mut self) {
        self.send();
        while !self.pending.is_empty() {
            self.deliver_oldest();
        }
        self.jobs = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use election::audit::AuditConfig;
    use election::generate::{Config, generate};

    /// The same findings, tally and counts as the single-threaded audit, on an election with
    /// anomalies and with any number of threads.
    #[test]
    fn on_every_core_the_audit_finds_what_it_finds_on_one() {
        let root = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let e = generate(
            &Config {
                precincts: 30,
                seed: 5,
                anomalies: election::generate::Anomaly::ALL.to_vec(),
                ..Config::default()
            },
            &root,
        );
        let entries: Vec<Vec<u8>> = e.records.iter().map(Record::to_bytes).collect();
        let config = || AuditConfig::new(root.verifying_key().to_bytes());
        let mut one = Auditor::new(config());
        for (i, entry) in entries.iter().enumerate() {
            one.push(i as u64, entry);
        }
        let expected = one.report(None);
        assert!(!expected.findings.is_empty(), "the anomalies are found");
        for threads in [1, 2, 3, 8] {
            let mut many = Auditor::new(config());
            ParallelAudit::run(&mut many, threads, |audit| {
                for (i, entry) in entries.iter().enumerate() {
                    audit.push(i as u64, entry);
                }
            });
            let got = many.report(None);
            assert_eq!(got.findings, expected.findings, "{threads} threads");
            assert_eq!(got.records_by_kind, expected.records_by_kind);
            assert_eq!(got.entries, expected.entries);
            assert_eq!(format!("{:?}", got.tally), format!("{:?}", expected.tally));
        }
    }
}
