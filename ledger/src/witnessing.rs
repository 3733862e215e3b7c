//! Getting checkpoints cosigned, and publishing them.
//!
//! After each batch the sequencer signs a checkpoint. This task sends it to every configured
//! witness (C2SP tlog-witness `add-checkpoint`), with a consistency proof from the size that
//! witness last cosigned; a 409 answer says which size that is, and the request is resent from
//! there. Once `quorum` witnesses have cosigned, the checkpoint with their cosignatures is
//! published at `/checkpoint`. With fewer, the previous checkpoint stays published: clients
//! accept only quorum-cosigned checkpoints, and the log keeps trying with the next batch.

use crate::db::{self, SignedTree};
use crate::logdir::WitnessConfig;
use crate::storage::{Storage, StorageTiles};
use rusqlite::Connection;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tlog::keys::VerifierKey;
use tlog::note::{Note, NoteSignature, NoteVerifier};
use tlog::tile::TileHashReader;
use tlog::witness::{AddCheckpointRequest, AddCheckpointResponse};
use tokio::sync::watch;

/// The published checkpoint, as clients see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub size: u64,
    pub checkpoint: Vec<u8>,
}

pub struct Witnessing {
    pub witnesses: Vec<(WitnessConfig, VerifierKey)>,
    pub quorum: usize,
    pub storage: Arc<dyn Storage>,
    pub conn: Arc<Mutex<Connection>>,
    pub client: reqwest::Client,
    pub published: watch::Sender<Published>,
}

impl Witnessing {
    /// Follows the signed checkpoints until the sender is dropped.
    pub async fn run(self, mut signed: watch::Receiver<SignedTree>) {
        loop {
            let tree = signed.borrow_and_update().clone();
            let behind = tree.size > self.published.borrow().size;
            if behind {
                self.round(&tree).await;
            }
            // Until a quorum cosigns the newest checkpoint, ask again now and then: witnesses
            // that were down come back, and no new record may arrive to prompt a round.
            let still_behind = behind && tree.size > self.published.borrow().size;
            let next = async {
                if still_behind {
                    tokio::time::sleep(RETRY_INTERVAL).await;
                    Ok(())
                } else {
                    signed.changed().await
                }
            };
            if next.await.is_err() {
                return;
            }
        }
    }

    /// Asks every witness at once; publishes if a quorum cosigned.
    async fn round(&self, tree: &SignedTree) {
        let asks = self
            .witnesses
            .iter()
            .map(|(w, key)| self.cosign(w, key, tree));
        let answers = futures::future::join_all(asks).await;
        let cosignatures: Vec<NoteSignature> = answers.into_iter().flatten().collect();
        let witnessed = cosignatures.len();
        if witnessed < self.quorum {
            tracing::warn!(
                "checkpoint {} cosigned by {witnessed} of {} witnesses, quorum {}: not published yet",
                tree.size,
                self.witnesses.len(),
                self.quorum
            );
            return;
        }
        let mut note = Note::parse(&tree.checkpoint).expect("the log's own checkpoint parses");
        note.signatures.extend(cosignatures);
        let bytes = note.to_bytes();
        if let Err(e) = self.publish(tree.size, &bytes) {
            tracing::error!("publishing checkpoint {}: {e}", tree.size);
        }
    }

    fn publish(&self, size: u64, checkpoint: &[u8]) -> Result<(), String> {
        self.storage
            .write_all(&[("checkpoint".to_string(), checkpoint.to_vec())])
            .map_err(|e| e.to_string())?;
        let conn = self.conn.lock().expect("db lock");
        if db::publish(&conn, size, checkpoint).map_err(|e| e.to_string())? {
            self.published.send_replace(Published {
                size,
                checkpoint: checkpoint.to_vec(),
            });
            tracing::info!("published checkpoint of size {size}");
        }
        Ok(())
    }

    /// One witness's cosignature on `tree`, or `None` (with the reason logged).
    async fn cosign(
        &self,
        w: &WitnessConfig,
        key: &VerifierKey,
        tree: &SignedTree,
    ) -> Option<NoteSignature> {
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
            let bytes = response.bytes().await.ok()?;
            match AddCheckpointResponse::parse(status, content_type.as_deref(), &bytes) {
                Ok(AddCheckpointResponse::Cosigned(sigs)) => {
                    let text = Note::parse(&tree.checkpoint).ok()?.text;
                    let valid = sigs.into_iter().find(|s| {
                        s.name == key.name()
                            && s.key_id == key.key_id()
                            && key.verify(&text, &s.signature).is_some()
                    });
                    if valid.is_none() {
                        tracing::warn!(
                            "witness {} answered 200 without a valid cosignature by its key",
                            w.name
                        );
                        return None;
                    }
                    let _ = db::set_witness_size(
                        &self.conn.lock().expect("db lock"),
                        &w.name,
                        tree.size,
                    );
                    return valid;
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

/// How often an unpublished checkpoint is offered to the witnesses again.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// How long a witness may take to answer.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);
