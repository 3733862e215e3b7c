//! Getting checkpoints cosigned, and publishing them.
//!
//! After each batch the sequencer signs a checkpoint. This task sends it to every configured
//! witness (C2SP tlog-witness `add-checkpoint`), with a consistency proof from the size that
//! witness last cosigned; a 409 answer says which size that is, and the request is resent from
//! there. Once `quorum` witnesses have cosigned, the checkpoint with their cosignatures is
//! published at `/checkpoint`. With fewer, the previous checkpoint stays published: clients
//! accept only quorum-cosigned checkpoints, and the log keeps trying with the next batch.
//! Publication waits for no one past the quorum (and a short grace): a witness that answers
//! later still has its cosignature added, by publishing the same checkpoint again with it,
//! while the next checkpoints go on — so a far or slow witness is in the published
//! checkpoints, not always left out of them.
//!
//! A published checkpoint is then appended to the log itself, as a `log-checkpoint` record
//! ([`LogCheckpoints`]): the witnesses' timestamps on it are what every entry's witnessed
//! time is computed from (`spec/records.md` §6).

use crate::db::{self, SignedTree};
use crate::logdir::WitnessConfig;
use crate::sequencer::{Answer, Submission};
use crate::storage::{Storage, StorageTiles};
use election::records::{Body, LogCheckpoint};
use futures::stream::FuturesUnordered;
use rusqlite::Connection;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tlog::cosigner::CosignerKey;
use tlog::keys::SignerKey;
use tlog::note::{Note, NoteSignature, NoteVerifier};
use tlog::tile::TileHashReader;
use tlog::witness::{AddCheckpointRequest, AddCheckpointResponse};
use tokio::sync::{mpsc, oneshot, watch};

/// Seconds since 1970 by this machine's clock.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The published checkpoint, as clients see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub size: u64,
    pub checkpoint: Vec<u8>,
}

pub struct Witnessing {
    /// Each witness with its keys (one or two: Ed25519, ML-DSA-44).
    pub witnesses: Vec<(WitnessConfig, Vec<CosignerKey>)>,
    pub quorum: usize,
    pub storage: Arc<dyn Storage>,
    pub conn: Arc<Mutex<Connection>>,
    pub client: reqwest::Client,
    pub published: watch::Sender<Published>,
    /// When a checkpoint was last published (seconds since 1970), for `/readyz`.
    pub published_at: Arc<std::sync::atomic::AtomicU64>,
    /// Where published checkpoints are appended as records, and the way into the sequencer
    /// (weak: it must not keep the sequencer running once the server stops). `None` for a
    /// log without witnesses: its checkpoints attest no time.
    pub log_checkpoints: Option<(LogCheckpoints, mpsc::WeakSender<Submission>)>,
}

impl Witnessing {
    /// Follows the signed checkpoints until the sender is dropped.
    pub async fn run(self, mut signed: watch::Receiver<SignedTree>) {
        use futures::StreamExt;
        let mut starting = true;
        // Witnesses still answering for checkpoints published without them.
        let mut late: Asks<'_> = FuturesUnordered::new();
        loop {
            let tree = Arc::new(signed.borrow_and_update().clone());
            let behind = tree.size > self.published.borrow().size;
            // At start, a witness added since the last run (or one that missed the last
            // checkpoint) is asked to cosign the published tree too: it takes part from now,
            // not from whenever the next record arrives.
            let catch_up = starting && !behind && tree.size > 0 && self.a_witness_lags(tree.size);
            starting = false;
            if behind || catch_up {
                // Asks still running for an older tree are dropped first: the witness is asked
                // about this one now, and an older ask answered after it would only be refused.
                late.clear();
                late = self.round(&tree).await;
            }
            // Until a quorum cosigns the newest checkpoint, ask again now and then: witnesses
            // that were down come back, and no new record may arrive to prompt a round.
            let still_behind = behind && tree.size > self.published.borrow().size;
            // A new signed tree ends the wait early; so does the sequencer stopping (the
            // sender dropped), or the server could not stop while the quorum is missing.
            let next = async {
                if still_behind {
                    tokio::select! {
                        _ = tokio::time::sleep(RETRY_INTERVAL) => Ok(()),
                        changed = signed.changed() => changed,
                    }
                } else {
                    signed.changed().await
                }
            };
            tokio::pin!(next);
            let next = loop {
                tokio::select! {
                    next = &mut next => break next,
                    Some(answer) = late.next() => self.add_late(answer),
                }
            };
            if next.is_err() {
                return;
            }
        }
    }

    /// A cosignature that arrived after its checkpoint was published: published with it, if
    /// that checkpoint is still the published one (a later one supersedes it otherwise).
    fn add_late(&self, (tree, cosignatures): (Arc<SignedTree>, Vec<NoteSignature>)) {
        if !cosignatures.is_empty() && self.published.borrow().size == tree.size {
            self.publish_cosigned(&tree, cosignatures);
        }
    }

    /// Whether some witness has not cosigned a tree of `size` yet, by this log's records.
    fn a_witness_lags(&self, size: u64) -> bool {
        let conn = self.conn.lock().expect("db lock");
        self.witnesses
            .iter()
            .any(|(w, _)| db::witness_size(&conn, &w.name).is_ok_and(|s| s < size))
    }

    /// Asks every witness at once; publishes once a quorum cosigned. A slow or hostile witness
    /// delays nothing past the others' quorum: once it is met, the rest have
    /// [`STRAGGLER_GRACE`] to add their cosignatures; the asks still running then are
    /// returned, for their answers to be added when they come ([`Witnessing::add_late`]).
    async fn round(&self, tree: &Arc<SignedTree>) -> Asks<'_> {
        use futures::StreamExt;
        let mut asks: Asks<'_> = self
            .witnesses
            .iter()
            .map(|(w, keys)| {
                let tree = tree.clone();
                Box::pin(async move {
                    let cosignatures = self.cosign(w, keys, &tree).await;
                    (tree, cosignatures)
                }) as Ask<'_>
            })
            .collect();
        // A witness counts once toward the quorum, with one line per key it cosigned with.
        let mut cosignatures: Vec<NoteSignature> = Vec::new();
        let mut witnessed = 0;
        while witnessed < self.quorum.max(1) {
            match asks.next().await {
                Some((_, answer)) => {
                    witnessed += usize::from(!answer.is_empty());
                    cosignatures.extend(answer);
                }
                None => break,
            }
        }
        let stragglers = async {
            while let Some((_, answer)) = asks.next().await {
                witnessed += usize::from(!answer.is_empty());
                cosignatures.extend(answer);
            }
        };
        let _ = tokio::time::timeout(STRAGGLER_GRACE, stragglers).await;
        if witnessed < self.quorum {
            if tree.size == self.published.borrow().size {
                // Only a catch-up: the tree is published with the cosignatures it has.
                tracing::info!(
                    "checkpoint {} cosigned again by {witnessed} witnesses, quorum {}: kept as published",
                    tree.size,
                    self.quorum
                );
            } else {
                tracing::warn!(
                    "checkpoint {} cosigned by {witnessed} of {} witnesses, quorum {}: not published yet",
                    tree.size,
                    self.witnesses.len(),
                    self.quorum
                );
            }
            // Too few to publish (or, for a catch-up, to change what is published): the
            // asks still running are dropped, and the tree is offered again later.
            return FuturesUnordered::new();
        }
        self.publish_cosigned(tree, cosignatures);
        asks
    }

    /// Publishes `tree` with `cosignatures`, and with those it was published with before if it
    /// is the published tree already: republishing the same tree (a catch-up at start, a late
    /// cosignature) adds cosignatures, never drops one that a witness down now gave before.
    fn publish_cosigned(&self, tree: &SignedTree, cosignatures: Vec<NoteSignature>) {
        let mut note = Note::parse(&tree.checkpoint).expect("the log's own checkpoint parses");
        note.signatures.extend(cosignatures);
        let published = self.published.borrow().clone();
        if published.size == tree.size
            && let Ok(before) = Note::parse(&published.checkpoint)
            && before.text == note.text
        {
            for earlier in before.signatures {
                let known = note
                    .signatures
                    .iter()
                    .any(|s| s.name == earlier.name && s.key_id == earlier.key_id);
                if !known {
                    note.signatures.push(earlier);
                }
            }
        }
        // In the configured order, whichever answered first: the same note for the same set.
        let rank = |s: &NoteSignature| {
            self.witnesses
                .iter()
                .enumerate()
                .find_map(|(i, (_, keys))| {
                    let at = keys
                        .iter()
                        .position(|k| k.name() == s.name && k.key_id() == s.key_id)?;
                    Some((i, at))
                })
        };
        note.signatures[1..].sort_by_key(rank);
        let bytes = note.to_bytes();
        if bytes == published.checkpoint {
            return;
        }
        if let Err(e) = self.publish(tree.size, &bytes) {
            tracing::error!("publishing checkpoint {}: {e}", tree.size);
        }
    }

    fn publish(&self, size: u64, checkpoint: &[u8]) -> Result<(), String> {
        // Never over a larger one: on a shared bucket, a sequencer that lost its lease and
        // has not noticed yet may still be publishing.
        let mut grow = |current: Option<&[u8]>| {
            let current = current.and_then(crate::catchup::published_size);
            current
                .is_none_or(|c| c <= size)
                .then(|| checkpoint.to_vec())
        };
        self.storage
            .update("checkpoint", &mut grow)
            .map_err(|e| e.to_string())?;
        let conn = self.conn.lock().expect("db lock");
        if db::publish(&conn, size, checkpoint).map_err(|e| e.to_string())? {
            self.published.send_replace(Published {
                size,
                checkpoint: checkpoint.to_vec(),
            });
            tracing::info!("published checkpoint of size {size}");
            metrics::gauge!("shailoo_published_size").set(size as f64);
            metrics::gauge!("shailoo_published_at_seconds").set(unix_now() as f64);
            self.published_at
                .store(unix_now(), std::sync::atomic::Ordering::SeqCst);
            if let Some((records, sequencer)) = &self.log_checkpoints {
                records.append_if_new(size, checkpoint, sequencer, self.published.subscribe());
            }
        }
        Ok(())
    }

    /// One witness's cosignatures on `tree`, one per key of its that verified, or none (with
    /// the reason logged); counted and timed per witness for `/metrics`.
    async fn cosign(
        &self,
        w: &WitnessConfig,
        keys: &[CosignerKey],
        tree: &SignedTree,
    ) -> Vec<NoteSignature> {
        let started = std::time::Instant::now();
        let cosigned = self.ask_to_cosign(w, keys, tree).await.unwrap_or_default();
        let result = if !cosigned.is_empty() {
            "cosigned"
        } else {
            "failed"
        };
        let witness = w.name.clone();
        metrics::counter!("shailoo_witness_answers_total", "witness" => witness.clone(), "result" => result)
            .increment(1);
        metrics::histogram!("shailoo_witness_seconds", "witness" => witness)
            .record(started.elapsed().as_secs_f64());
        cosigned
    }

    async fn ask_to_cosign(
        &self,
        w: &WitnessConfig,
        keys: &[CosignerKey],
        tree: &SignedTree,
    ) -> Option<Vec<NoteSignature>> {
        let mut old = db::witness_size(&self.conn.lock().expect("db lock"), &w.name).ok()?;
        let url = format!("{}/add-checkpoint", w.url.trim_end_matches('/'));
        for _attempt in 0..3 {
            if old > tree.size {
                tracing::error!(
                    "witness {} has cosigned size {old}, larger than this log's {}: the log lost entries",
                    w.name,
                    tree.size
                );
                return None;
            }
            let proof = if old == 0 || old == tree.size {
                vec![]
            } else {
                let tiles = TileHashReader {
                    size: tree.size,
                    tiles: StorageTiles(self.storage.as_ref()),
                };
                tlog::proof::prove_consistency(old, tree.size, &tiles).ok()?
            };
            let body = AddCheckpointRequest {
                old_size: old,
                proof,
                checkpoint: tree.checkpoint.clone(),
            }
            .to_bytes();
            let response = match self.client.post(&url).body(body).send().await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("witness {} at {url}: {e}", w.name);
                    return None;
                }
            };
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = match read_at_most(response, MAX_WITNESS_ANSWER).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!("witness {} answered {status}: {e}", w.name);
                    return None;
                }
            };
            match AddCheckpointResponse::parse(status, content_type.as_deref(), &bytes) {
                Ok(AddCheckpointResponse::Cosigned(sigs)) => {
                    let text = Note::parse(&tree.checkpoint).ok()?.text;
                    // One line per configured key, each verified; lines by other keys are
                    // dropped (the log does not vouch for what it did not check).
                    let valid: Vec<NoteSignature> = keys
                        .iter()
                        .filter_map(|key| {
                            sigs.iter()
                                .find(|s| {
                                    s.name == key.name()
                                        && s.key_id == key.key_id()
                                        && key.verify(&text, &s.signature).is_some()
                                })
                                .cloned()
                        })
                        .collect();
                    if valid.is_empty() {
                        tracing::warn!(
                            "witness {} answered 200 without a valid cosignature by its keys",
                            w.name
                        );
                        return None;
                    }
                    if valid.len() < keys.len() {
                        tracing::warn!(
                            "witness {} cosigned with {} of its {} keys",
                            w.name,
                            valid.len(),
                            keys.len()
                        );
                    }
                    let _ = db::raise_witness_size(
                        &self.conn.lock().expect("db lock"),
                        &w.name,
                        tree.size,
                    );
                    return Some(valid);
                }
                Ok(AddCheckpointResponse::Conflict(size)) => {
                    tracing::info!(
                        "witness {} has cosigned size {size}; resending from there",
                        w.name
                    );
                    old = size;
                    let _ =
                        db::set_witness_size(&self.conn.lock().expect("db lock"), &w.name, size);
                }
                Ok(other) => {
                    tracing::warn!(
                        "witness {} refused checkpoint {}: {} {}",
                        w.name,
                        tree.size,
                        other.status(),
                        other.body().trim_end()
                    );
                    return None;
                }
                Err(e) => {
                    tracing::warn!("witness {} answered {status} unreadably: {e}", w.name);
                    return None;
                }
            }
        }
        None
    }
}

/// A witness being asked to cosign a tree, and its answer.
type Ask<'a> =
    std::pin::Pin<Box<dyn Future<Output = (Arc<SignedTree>, Vec<NoteSignature>)> + Send + 'a>>;
type Asks<'a> = FuturesUnordered<Ask<'a>>;

/// How often an unpublished checkpoint is offered to the witnesses again.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// How long a witness may take to answer.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// How long, once a quorum has cosigned, the other witnesses may still add theirs.
pub const STRAGGLER_GRACE: Duration = Duration::from_millis(250);

/// The largest answer read from a witness: a few cosignature lines (C2SP tlog-witness).
pub const MAX_WITNESS_ANSWER: usize = 64 * 1024;

/// A response's body, refused past `limit` bytes without reading the rest.
async fn read_at_most(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > limit {
            return Err(format!("an answer over {limit} bytes, not read"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The log's own checkpoint records: each published checkpoint is appended as a
/// `log-checkpoint` record signed by the log's key, if it contains a record that no checkpoint
/// logged before contains. So an idle log appends nothing, and the last records of a busy
/// spell are covered by one more checkpoint record once they are published.
#[derive(Clone)]
pub struct LogCheckpoints {
    election: String,
    key: SignerKey,
    state: Arc<Mutex<Logged>>,
}

/// What the log's checkpoint records hold so far.
#[derive(Clone, Debug, Default)]
struct Logged {
    /// The size of the newest checkpoint recorded.
    size: u64,
    /// Where the checkpoint records at or beyond that size are: entries there that are not
    /// records of the election. (A checkpoint record may land past the size of the next
    /// checkpoint published, when publication lags the sequencer.)
    records_beyond: Vec<u64>,
    /// Whether one is being sequenced now.
    in_flight: bool,
}

impl Logged {
    /// Takes a checkpoint record of the checkpoint of `size`, logged at `index`.
    fn recorded(&mut self, size: u64, index: u64) {
        self.size = self.size.max(size);
        self.records_beyond.push(index);
        let from = self.size;
        self.records_beyond.retain(|&i| i >= from);
    }
}

impl LogCheckpoints {
    /// Finds the newest checkpoint record in the log, if any.
    pub fn recover(
        election: &str,
        key: SignerKey,
        conn: &Connection,
        storage: &dyn Storage,
    ) -> Result<LogCheckpoints, String> {
        let code = election::Kind::LogCheckpoint.code();
        let indexes = db::indexes_of_kinds(conn, &[code]).map_err(|e| e.to_string())?;
        let mut logged = Logged::default();
        if let Some(&index) = indexes.last() {
            let tree = db::load_tree(conn)
                .map_err(|e| e.to_string())?
                .ok_or("the log has no signed tree")?;
            let entry = crate::sequencer::read_entry(storage, index, tree.size)?;
            let record = election::Record::from_bytes(&entry)
                .map_err(|e| format!("checkpoint record {index}: {e}"))?;
            let Body::LogCheckpoint(c) = record.body else {
                return Err(format!(
                    "entry {index} is indexed as a checkpoint record but is not one"
                ));
            };
            let note = Note::parse(c.note.as_bytes()).map_err(|e| e.to_string())?;
            let checkpoint = tlog::Checkpoint::parse(&note.text).map_err(|e| e.to_string())?;
            logged.size = checkpoint.size;
            logged.records_beyond = indexes
                .into_iter()
                .filter(|&i| i >= checkpoint.size)
                .collect();
        }
        Ok(LogCheckpoints {
            election: election.to_string(),
            key,
            state: Arc::new(Mutex::new(logged)),
        })
    }

    /// Whether the checkpoint of `size` contains a record no logged checkpoint contains: one
    /// of the entries from the newest recorded checkpoint's size on that is not itself a
    /// checkpoint record.
    fn is_new(logged: &Logged, size: u64) -> bool {
        let range = logged.size..size;
        let own = logged
            .records_beyond
            .iter()
            .filter(|i| range.contains(i))
            .count() as u64;
        size > logged.size && size - logged.size > own
    }

    /// Appends the published checkpoint of `size` as a record, if it is new (see
    /// [`LogCheckpoints::is_new`]) and no other is being sequenced. Does not wait for it; once
    /// it is sequenced, the checkpoint published meanwhile (`published`) is considered in
    /// turn, so that a publication that came while one was in flight is not skipped.
    fn append_if_new(
        &self,
        size: u64,
        checkpoint: &[u8],
        sequencer: &mpsc::WeakSender<Submission>,
        published: watch::Receiver<Published>,
    ) {
        {
            let mut logged = self.state.lock().expect("checkpoint records lock");
            if logged.in_flight || !LogCheckpoints::is_new(&logged, size) {
                return;
            }
            logged.in_flight = true;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let body = Body::LogCheckpoint(LogCheckpoint {
            note: String::from_utf8_lossy(checkpoint).into_owned(),
        });
        let record = election::Record::sign(&self.election, now, body, self.key.signing_key());
        let (reply, answer) = oneshot::channel::<Answer>();
        let submission = Submission {
            entry: record.to_bytes(),
            record,
            reply,
        };
        let state = self.state.clone();
        let sent = sequencer
            .upgrade()
            .is_some_and(|tx| tx.try_send(submission).is_ok());
        if !sent {
            // Stopping, or the queue is full: the next publication tries again.
            state.lock().expect("checkpoint records lock").in_flight = false;
            return;
        }
        let (this, sequencer) = (self.clone(), sequencer.clone());
        tokio::spawn(async move {
            let index = match answer.await {
                Ok(Ok(sequenced)) => Some(sequenced.index),
                Ok(Err(crate::sequencer::Refusal::Duplicate(index))) => Some(index),
                Ok(Err(crate::sequencer::Refusal::Refused(f))) => {
                    tracing::error!("the log's own checkpoint record was refused: {}", f.message);
                    None
                }
                Err(_) => None,
            };
            {
                let mut logged = state.lock().expect("checkpoint records lock");
                logged.in_flight = false;
                if let Some(index) = index {
                    logged.recorded(size, index);
                }
            }
            let latest = published.borrow().clone();
            this.append_if_new(latest.size, &latest.checkpoint, &sequencer, published);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_witness_answer_is_read_only_up_to_the_limit() {
        let answer = |n: usize| reqwest::Response::from(axum::http::Response::new(vec![b'x'; n]));
        assert_eq!(read_at_most(answer(10), 64).await.unwrap().len(), 10);
        assert_eq!(read_at_most(answer(64), 64).await.unwrap().len(), 64);
        let refused = read_at_most(answer(MAX_WITNESS_ANSWER + 1), MAX_WITNESS_ANSWER).await;
        assert!(refused.unwrap_err().contains("over"));
    }

    #[test]
    fn a_checkpoint_is_new_when_it_holds_a_record_beyond_the_last_logged_one() {
        let mut logged = Logged::default();
        assert!(!LogCheckpoints::is_new(&logged, 0));
        assert!(LogCheckpoints::is_new(&logged, 5));
        // The checkpoint of size 5 recorded at index 7 (publication lagged).
        logged.recorded(5, 7);
        assert!(!LogCheckpoints::is_new(&logged, 5));
        // Entries 5 and 6 are records: new.
        assert!(LogCheckpoints::is_new(&logged, 6));
        assert!(LogCheckpoints::is_new(&logged, 8));
        // The checkpoint of size 6 recorded at 9: the checkpoint of size 10 holds records 6
        // and 8 beyond it, besides the two checkpoint records.
        logged.recorded(6, 9);
        assert!(LogCheckpoints::is_new(&logged, 10));
        // The checkpoint of size 9 recorded at 10: the next ones hold only checkpoint records
        // (9 and 10) — or the record at 11.
        logged.recorded(9, 10);
        assert!(!LogCheckpoints::is_new(&logged, 10));
        assert!(!LogCheckpoints::is_new(&logged, 11));
        assert!(LogCheckpoints::is_new(&logged, 12));
        // Once recorded at its own size, the next checkpoint holds only that record.
        let mut at_size = Logged::default();
        at_size.recorded(8, 8);
        assert!(!LogCheckpoints::is_new(&at_size, 9));
        assert!(LogCheckpoints::is_new(&at_size, 10));
    }
}
