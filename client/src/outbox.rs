//! The outbox: signed records on their way to a ledger, kept in a directory so that nothing is
//! lost when the network drops, the ledger restarts, or `shailoo` itself is stopped.
//!
//! `shailoo submit` first copies each record it is given (with its documents) in, then
//! delivers everything waiting, in the order it was added; a later `shailoo submit` with no records takes
//! up what is left. A record leaves `waiting/` only for `delivered/` (with its receipt) or for
//! `refused/` (with the ledger's reason), never for nowhere.
//!
//! Each record is named by its leaf hash, the name the log gives it:
//!
//! ```text
//! waiting/<leaf>.json               where it came from, when it was queued, its tries, the last failure
//! waiting/<leaf>.signed.documents/  its documents, named by SHA-256
//! waiting/<leaf>.signed             the signed entry (written last: a record here is whole)
//! waiting/<leaf>.signed.receipt     its receipt, once delivered (then all of it moves)
//! ```

use crate::files::{move_durably, write_durably};
use crate::sign::documents_dir;
use crate::submit::receipt_path;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const WAITING: &str = "waiting";
const DELIVERED: &str = "delivered";
const REFUSED: &str = "refused";

/// An outbox directory. (One `shailoo` at a time: two adding to one outbox at once may give
/// two records the same place in the order.)
pub struct Outbox {
    dir: PathBuf,
    /// The place in the order the next record added takes.
    next: std::sync::atomic::AtomicU64,
}

/// What the outbox knows of one record, kept in `<leaf>.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Status {
    /// The signed file it was submitted from; its receipt is also written beside it.
    pub origin: Option<PathBuf>,
    /// When it was put in the outbox (Unix seconds).
    pub queued: u64,
    /// Its place in the order records were added: they are delivered in this order, so that
    /// a record reaches the log after those it depends on (a definition before the registry,
    /// an enrollment before what the key signs).
    #[serde(default)]
    pub order: u64,
    /// Deliveries tried and failed so far.
    pub attempts: u32,
    /// When the last one failed (Unix seconds), and why.
    pub last_attempt: Option<u64>,
    pub last_failure: Option<String>,
    /// Why the ledger refused it, for a record in `refused/`.
    pub refusal: Option<String>,
}

/// A record in the outbox.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Its leaf hash (hex).
    pub leaf_hash: String,
    /// The signed entry inside the outbox.
    pub entry: PathBuf,
    pub status: Status,
}

/// What putting a record in the outbox found.
#[derive(Debug)]
pub enum Added {
    /// Queued now.
    Queued(Item),
    /// It was waiting already (an earlier submission was cut short).
    AlreadyWaiting(Item),
    /// It was delivered already; its receipt is copied beside it again.
    AlreadyDelivered(Item),
}

/// What waits, what was refused, and how much was delivered.
#[derive(Debug, Serialize)]
pub struct Listing {
    pub dir: PathBuf,
    pub waiting: Vec<Item>,
    pub refused: Vec<Item>,
    pub delivered: usize,
}

/// A file of the outbox that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("outbox {}: {source}", path.display())]
pub struct OutboxError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> OutboxError + '_ {
    move |source| OutboxError {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the outbox is unless `--outbox` says otherwise: `$XDG_STATE_HOME/shailoo/outbox`,
/// else `~/.local/state/shailoo/outbox`, else `shailoo-outbox` here.
pub fn default_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| Path::new(&home).join(".local/state"))
        });
    match state {
        Some(state) => state.join("shailoo/outbox"),
        None => PathBuf::from("shailoo-outbox"),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Outbox {
    /// Opens the outbox at `dir`, making it (readable by its owner alone) if it is new.
    pub fn open(dir: &Path) -> Result<Outbox, OutboxError> {
        use std::os::unix::fs::DirBuilderExt;
        for sub in [WAITING, DELIVERED, REFUSED] {
            let path = dir.join(sub);
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&path)
                .map_err(at(&path))?;
        }
        let mut outbox = Outbox {
            dir: dir.to_path_buf(),
            next: 0.into(),
        };
        let last = outbox.items(WAITING)?.iter().map(|i| i.status.order).max();
        outbox.next = last.map_or(0, |l| l + 1).into();
        Ok(outbox)
    }

    fn entry_in(&self, sub: &str, leaf: &str) -> PathBuf {
        self.dir.join(sub).join(format!("{leaf}.signed"))
    }

    fn status_in(&self, sub: &str, leaf: &str) -> PathBuf {
        self.dir.join(sub).join(format!("{leaf}.json"))
    }

    fn item_in(&self, sub: &str, leaf: &str) -> Result<Item, OutboxError> {
        let path = self.status_in(sub, leaf);
        let status = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            // A crash between the status and the entry's move: the record is what matters.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Status::default(),
            Err(e) => return Err(at(&path)(e)),
        };
        Ok(Item {
            leaf_hash: leaf.to_string(),
            entry: self.entry_in(sub, leaf),
            status,
        })
    }

    fn write_status(&self, sub: &str, leaf: &str, status: &Status) -> Result<(), OutboxError> {
        let path = self.status_in(sub, leaf);
        let json = serde_json::to_vec_pretty(status).expect("plain data");
        write_durably(&path, &json, false).map_err(at(&path))
    }

    /// Puts the signed record at `signed` (and the documents `shailoo sign` kept beside it)
    /// in the outbox. A record refused before is queued again: the reason may have passed (a
    /// key enrolled since).
    pub fn add(&self, signed: &Path) -> Result<Added, OutboxError> {
        let entry = std::fs::read(signed).map_err(at(signed))?;
        let leaf = tlog::leaf_hash(&entry).to_hex();
        if self.entry_in(DELIVERED, &leaf).exists() {
            let item = self.item_in(DELIVERED, &leaf)?;
            let receipt = std::fs::read(receipt_path(&item.entry));
            if let Ok(receipt) = receipt {
                let beside = receipt_path(signed);
                write_durably(&beside, &receipt, false).map_err(at(&beside))?;
            }
            return Ok(Added::AlreadyDelivered(item));
        }
        if self.entry_in(WAITING, &leaf).exists() {
            return self.item_in(WAITING, &leaf).map(Added::AlreadyWaiting);
        }
        let refused = self.entry_in(REFUSED, &leaf);
        if refused.exists() {
            self.take_back(&leaf)?;
            return self.item_in(WAITING, &leaf).map(Added::Queued);
        }
        let documents = documents_dir(signed);
        if documents.is_dir() {
            let copy = documents_dir(&self.entry_in(WAITING, &leaf));
            std::fs::create_dir_all(&copy).map_err(at(&copy))?;
            for document in std::fs::read_dir(&documents).map_err(at(&documents))? {
                let document = document.map_err(at(&documents))?.path();
                let bytes = std::fs::read(&document).map_err(at(&document))?;
                let name = copy.join(document.file_name().expect("a file in a directory"));
                write_durably(&name, &bytes, false).map_err(at(&name))?;
            }
        }
        let status = Status {
            origin: Some(std::path::absolute(signed).map_err(at(signed))?),
            queued: now(),
            order: self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..Status::default()
        };
        self.write_status(WAITING, &leaf, &status)?;
        let inside = self.entry_in(WAITING, &leaf);
        write_durably(&inside, &entry, false).map_err(at(&inside))?;
        Ok(Added::Queued(Item {
            leaf_hash: leaf,
            entry: inside,
            status,
        }))
    }

    /// The records waiting, in the order they were added.
    pub fn waiting(&self) -> Result<Vec<Item>, OutboxError> {
        let mut items = self.items(WAITING)?;
        items.sort_by(|a, b| (a.status.order, &a.leaf_hash).cmp(&(b.status.order, &b.leaf_hash)));
        Ok(items)
    }

    fn items(&self, sub: &str) -> Result<Vec<Item>, OutboxError> {
        let dir = self.dir.join(sub);
        let mut items = Vec::new();
        for file in std::fs::read_dir(&dir).map_err(at(&dir))? {
            let name = file.map_err(at(&dir))?.file_name();
            let Some(leaf) = name.to_str().and_then(|n| n.strip_suffix(".signed")) else {
                continue;
            };
            // Temporary files start with a dot; a record's name is its leaf hash.
            if tlog::Hash::from_hex(leaf).is_some() {
                items.push(self.item_in(sub, leaf)?);
            }
        }
        Ok(items)
    }

    /// What waits, what was refused, and how much was delivered.
    pub fn listing(&self) -> Result<Listing, OutboxError> {
        Ok(Listing {
            dir: self.dir.clone(),
            waiting: self.waiting()?,
            refused: self.items(REFUSED)?,
            delivered: self.items(DELIVERED)?.len(),
        })
    }

    /// Notes a failed delivery of a waiting record; it stays waiting.
    pub fn failed(&self, item: &mut Item, why: &str) -> Result<(), OutboxError> {
        item.status.attempts += 1;
        item.status.last_attempt = Some(now());
        item.status.last_failure = Some(why.to_string());
        self.write_status(WAITING, &item.leaf_hash, &item.status)
    }

    /// Moves a record the ledger refused to `refused/`, with the reason.
    pub fn refused(&self, item: &mut Item, refusal: &str) -> Result<(), OutboxError> {
        item.status.refusal = Some(refusal.to_string());
        self.write_status(WAITING, &item.leaf_hash, &item.status)?;
        self.move_item(&item.leaf_hash, WAITING, REFUSED)?;
        item.entry = self.entry_in(REFUSED, &item.leaf_hash);
        Ok(())
    }

    /// Moves a delivered record, with the receipt written beside it in the outbox, to
    /// `delivered/`, and copies the receipt beside the file it came from; that copy's path, or
    /// the outbox's if the file's directory is gone (a USB stick taken out).
    pub fn delivered(&self, item: &mut Item) -> Result<PathBuf, OutboxError> {
        self.move_item(&item.leaf_hash, WAITING, DELIVERED)?;
        item.entry = self.entry_in(DELIVERED, &item.leaf_hash);
        let receipt = receipt_path(&item.entry);
        let Some(origin) = &item.status.origin else {
            return Ok(receipt);
        };
        let bytes = std::fs::read(&receipt).map_err(at(&receipt))?;
        let beside = receipt_path(origin);
        match write_durably(&beside, &bytes, false) {
            Ok(()) => Ok(beside),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(receipt),
            Err(e) => Err(at(&beside)(e)),
        }
    }

    fn take_back(&self, leaf: &str) -> Result<(), OutboxError> {
        let mut item = self.item_in(REFUSED, leaf)?;
        item.status.refusal = None;
        item.status.order = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.write_status(REFUSED, leaf, &item.status)?;
        self.move_item(leaf, REFUSED, WAITING)
    }

    /// Moves a record's files from `from/` to `to/`, the entry last: until it moves, the
    /// record is where it was.
    fn move_item(&self, leaf: &str, from: &str, to: &str) -> Result<(), OutboxError> {
        let entry = self.entry_in(from, leaf);
        let parts = [
            self.status_in(from, leaf),
            documents_dir(&entry),
            receipt_path(&entry),
            entry.clone(),
        ];
        for part in parts {
            if part.exists() {
                let target = self.dir.join(to).join(part.file_name().expect("a name"));
                move_durably(&part, &target).map_err(at(&part))?;
            }
        }
        Ok(())
    }
}
