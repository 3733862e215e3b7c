//! Where the log's public files live: tiles, entry bundles, the checkpoint, documents.
//!
//! Everything a client reads is a file at a C2SP path, so a static server, a CDN or an object
//! store can serve it. The sequencer writes through the [`Storage`] trait and never assumes a
//! filesystem. Two backends:
//!
//! - [`FsStorage`] (the embedded default): files in a directory, each written to a temporary
//!   file, fsynced, renamed into place, the directory fsynced: whole or absent across a crash.
//! - [`BucketStorage`]: an S3 bucket, where an object is created only if absent
//!   (`If-None-Match: *`) and a mutable one replaced only if unchanged (`If-Match`), so that
//!   two sequencers sharing the bucket can never overwrite each other (`crate::lease`).

mod bucket;
mod fs;

pub use bucket::{BucketStorage, StorageUrl};
pub use fs::FsStorage;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

/// Durable storage of the log's public files, addressed by their path under the log's URL
/// (`tile/0/000`, `tile/entries/x001/234.p/17`, `checkpoint`, `blob/<hex>`).
pub trait Storage: Send + Sync + 'static {
    /// Writes several files; when it returns Ok, all of them are durable. Tiles, bundles and
    /// documents never change once written: a file already there with the same bytes is no
    /// error. One with other bytes is an error of kind `AlreadyExists` in a bucket, which
    /// never overwrites; a directory replaces it (its one writer removed what an uncommitted
    /// batch left before writing again, `crate::leftovers`).
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()>;
    /// Reads a file, `None` if it does not exist.
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>>;
    /// Whether a file exists.
    fn exists(&self, path: &str) -> bool;
    /// The names in a directory (`tile/0/001.p`), none if it does not exist.
    fn list(&self, dir: &str) -> io::Result<Vec<String>>;
    /// Removes a file durably; one already gone is no error.
    fn remove(&self, path: &str) -> io::Result<()>;
    /// Replaces a mutable file (the checkpoint, the sequencer's lease) only if no one changed
    /// it meanwhile: reads it, asks `change` for its new bytes (`None` leaves it as it is),
    /// and writes them unless another writer wrote the file since it was read, in which case
    /// it reads and asks again. Returns whether it wrote.
    ///
    /// This default is a compare-and-swap only for a single writer (a directory, which one
    /// server holds by its lock); a bucket shared by two servers overrides it with a
    /// conditional write.
    fn update(&self, path: &str, change: &mut Change<'_>) -> io::Result<bool> {
        let current = self.read(path)?;
        match change(current.as_deref()) {
            Some(bytes) => self.write_all(&[(path.to_string(), bytes)]).map(|()| true),
            None => Ok(false),
        }
    }
}

/// What [`Storage::update`] asks: the new bytes of a file given its current ones (`None`
/// when it does not exist), or `None` to leave it.
pub type Change<'a> = dyn FnMut(Option<&[u8]>) -> Option<Vec<u8>> + 'a;

/// Refuses a storage path with an empty, `.` or `..` segment. Paths come from this crate (tile
/// paths it formatted, hex hashes it checked), never raw from a request; refused anyway.
fn check_path(path: &str) -> io::Result<()> {
    if path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad storage path {path:?}"),
        ));
    }
    Ok(())
}

/// Opens the storage a log's configuration names: its `public/` directory, or a bucket.
pub fn open(
    configured: Option<&str>,
    public_dir: &std::path::Path,
) -> io::Result<Arc<dyn Storage>> {
    Ok(match configured {
        None => Arc::new(FsStorage::new(public_dir)?),
        Some(url) => {
            let url = StorageUrl::parse(url)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            Arc::new(BucketStorage::open(&url)?)
        }
    })
}

/// Reads hash tiles out of storage, for proofs and restarts.
pub struct StorageTiles<'a>(pub &'a dyn Storage);

impl tlog::tile::TileReader for StorageTiles<'_> {
    fn read_tiles(&self, tiles: &[tlog::tile::Tile]) -> Result<Vec<Vec<u8>>, tlog::ReadError> {
        tiles
            .iter()
            .map(|t| {
                // A partial tile may have been superseded by the full one.
                for path in t.paths_to_read(false) {
                    match self.0.read(&path) {
                        Ok(Some(data)) => return Ok(data),
                        Ok(None) => {}
                        Err(e) => return Err(tlog::ReadError::Backend(e.to_string())),
                    }
                }
                Err(tlog::ReadError::BadTile(format!("{t} is missing")))
            })
            .collect()
    }
}

/// The tiles of a batch not yet written, read before those in storage: the sequencer checks
/// a new tree before any of its files exist.
pub struct PendingTiles<'a> {
    pub pending: &'a HashMap<String, Vec<u8>>,
    pub storage: &'a dyn Storage,
}

impl tlog::tile::TileReader for PendingTiles<'_> {
    fn read_tiles(&self, tiles: &[tlog::tile::Tile]) -> Result<Vec<Vec<u8>>, tlog::ReadError> {
        tiles
            .iter()
            .map(|t| match self.pending.read_tiles(std::slice::from_ref(t)) {
                Ok(mut found) => Ok(found.remove(0)),
                Err(_) => Ok(StorageTiles(self.storage)
                    .read_tiles(std::slice::from_ref(t))?
                    .remove(0)),
            })
            .collect()
    }
}
