//! What a dishonest log operator can do: it holds the log's signing key and its files, so it
//! can edit them, sign any tree it likes, and offer what it signed to the witnesses. The
//! attack tests use these to lie; the system's job is to make every lie visible.

use ledger::storage::{FsStorage, Storage};
use std::path::Path;
use tlog::keys::SignerKey;
use tlog::{Checkpoint, Hash};

/// The log's private key, from the log's directory.
pub fn log_key(log_dir: &Path) -> SignerKey {
    ledger::logdir::load_key(&log_dir.join("log.key")).expect("the log's key")
}

/// The checkpoint in a log's public files (signature not checked: the operator's own).
pub fn checkpoint(public: &Path) -> Checkpoint {
    checkpoint_in(&FsStorage::new(public).expect("the public directory"))
}

/// [`checkpoint`], from any storage (a log's bucket).
pub fn checkpoint_in(storage: &dyn Storage) -> Checkpoint {
    let bytes = storage
        .read("checkpoint")
        .expect("the checkpoint file")
        .expect("a checkpoint");
    let note = tlog::note::Note::parse(&bytes).expect("a signed note");
    Checkpoint::parse(&note.text).expect("a checkpoint")
}

/// Every entry of the log, from its entry bundles.
pub fn entries(public: &Path) -> Vec<Vec<u8>> {
    let size = checkpoint(public).size;
    let storage = FsStorage::new(public).expect("the public directory");
    let width = u64::from(tlog::tile::TILE_WIDTH);
    (0..size.div_ceil(width))
        .flat_map(|n| ledger::sequencer::read_bundle(&storage, n, size).expect("a bundle"))
        .collect()
}

/// The entries `from..size` of the log's tree of `size` leaves, from its last entry bundles.
pub fn entries_from(public: &Path, from: u64, size: u64) -> Vec<Vec<u8>> {
    entries_from_in(
        &FsStorage::new(public).expect("the public directory"),
        from,
        size,
    )
}

/// [`entries_from`], from any storage (a log's bucket).
pub fn entries_from_in(storage: &dyn Storage, from: u64, size: u64) -> Vec<Vec<u8>> {
    let width = u64::from(tlog::tile::TILE_WIDTH);
    let first = from / width;
    let mut entries: Vec<Vec<u8>> = (first..size.div_ceil(width))
        .flat_map(|n| ledger::sequencer::read_bundle(storage, n, size).expect("a bundle"))
        .collect();
    entries.drain(..(from - first * width).min(entries.len() as u64) as usize);
    entries
}

/// The last entry of the log.
pub fn last_entry(public: &Path) -> Option<Vec<u8>> {
    let size = checkpoint(public).size;
    entries_from(public, size.checked_sub(1)?, size).pop()
}

/// An insider with the log's key and files appends `extra` entries to the log of `night`
/// directly, past the ledger's gate: writes their entry bundles and hash tiles, signs the
/// longer tree, has the running witnesses at `witness_urls` cosign it (it extends what they
/// cosigned, so they do) and replaces the published checkpoint with it. Returns it.
pub fn append_directly(
    night: &crate::ElectionNight,
    witness_urls: &[&str],
    extra: &[Vec<u8>],
) -> Vec<u8> {
    use ledger::storage::StorageTiles;
    use tlog::tile::{TILE_WIDTH, TileHashReader};
    let storage = night.storage();
    let old = checkpoint_in(storage).size;
    let width = u64::from(TILE_WIDTH);
    let partial = if old.is_multiple_of(width) {
        vec![]
    } else {
        ledger::sequencer::read_bundle(storage, old / width, old).expect("the last bundle")
    };
    let mut writer = tlog::writer::LogWriter::restore(old, &StorageTiles(storage), partial)
        .expect("the log's files");
    let mut files = Vec::new();
    for entry in extra {
        files.extend(writer.append(entry).expect("an entry"));
    }
    files.extend(writer.partial_files());
    // New paths only (a partial tile of another width is another file): no overwrite needed.
    storage.write_all(&files).expect("writing the tiles");
    let new = writer.size();
    let signed = sign(&night.log_dir(), new, writer.root());
    let tiles = TileHashReader {
        size: new,
        tiles: StorageTiles(storage),
    };
    let proof = tlog::proof::prove_consistency(old, new, &tiles).expect("a consistency proof");
    let mut note = tlog::note::Note::parse(&signed).expect("a signed note");
    for url in witness_urls {
        let answer = offer(url, old, proof.clone(), signed.clone());
        assert_eq!(
            answer.status, 200,
            "{url} cosigns the extension: {answer:?}"
        );
        let cosigned =
            tlog::note::Note::parse(format!("{}\n{}", note.text, answer.body).as_bytes())
                .expect("a cosignature line");
        note.signatures.extend(cosigned.signatures);
    }
    let bytes = note.to_bytes();
    night.overwrite("checkpoint", &bytes);
    bytes
}

/// The Merkle root of `entries`.
pub fn root_of(entries: &[Vec<u8>]) -> Hash {
    let mut frontier = tlog::Frontier::new();
    for e in entries {
        frontier.append(tlog::leaf_hash(e), |_, _| {});
    }
    frontier.root()
}

/// A checkpoint of the tree (`size`, `root`) signed with the log's key: a signed note with
/// no cosignatures, since no honest witness would add one.
pub fn sign(log_dir: &Path, size: u64, root: Hash) -> Vec<u8> {
    ledger::sequencer::sign_checkpoint(crate::ORIGIN, size, root, &log_key(log_dir))
}

/// Adds a cosignature made with `key` (a stolen witness key) to a signed checkpoint.
pub fn cosign(note: &[u8], key: &SignerKey) -> Vec<u8> {
    let mut note = tlog::note::Note::parse(note).expect("a signed note");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let cosignature = key.cosign(&note.text, now).expect("a cosignature");
    note.signatures.push(cosignature);
    note.to_bytes()
}

/// What a witness answered to an add-checkpoint request.
#[derive(Debug)]
pub struct WitnessAnswer {
    pub status: u16,
    pub body: String,
}

/// Offers `checkpoint` to the witness at `url` as an extension of its tree of `old_size`
/// (c2sp.org/tlog-witness), with `proof` as the consistency proof.
pub fn offer(url: &str, old_size: u64, proof: Vec<Hash>, checkpoint: Vec<u8>) -> WitnessAnswer {
    let request = tlog::witness::AddCheckpointRequest {
        old_size,
        proof,
        checkpoint,
    };
    crate::system::block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{url}/add-checkpoint"))
            .body(request.to_bytes())
            .send()
            .await
            .expect("the witness answers");
        WitnessAnswer {
            status: response.status().as_u16(),
            body: response.text().await.expect("its body"),
        }
    })
}
