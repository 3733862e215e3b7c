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
use std::sync::{Arc, RwLock};

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

/// A hash tile's level and index.
type TileKey = (u8, u64);

/// Full hash tiles above level 0, kept in memory for computing proofs. Every inclusion proof
/// reads the tile of its leaf (level 0, different each time) and the same few tiles above it
/// (at 10 million entries: 152 full tiles of level 1, none of level 2), and a full tile never
/// changes once written. Bounded: past [`UpperTiles::CAPACITY`] tiles, more are read from
/// storage each time.
#[derive(Default)]
pub struct UpperTiles {
    tiles: RwLock<HashMap<TileKey, Arc<[u8]>>>,
}

impl UpperTiles {
    /// 8 MiB of tiles: a log of 268 million entries.
    pub const CAPACITY: usize = 1024;

    /// The hashes of the tree of `size` leaves in `storage`, for proofs, through this cache.
    pub fn reader<'a>(
        &'a self,
        storage: &'a dyn Storage,
        size: u64,
    ) -> tlog::tile::TileHashReader<CachedTiles<'a>> {
        tlog::tile::TileHashReader {
            size,
            tiles: CachedTiles {
                storage,
                upper: self,
            },
        }
    }

    fn cacheable(tile: &tlog::tile::Tile) -> bool {
        tile.level > 0 && tile.width == tlog::tile::TILE_WIDTH
    }

    fn get(&self, tile: &tlog::tile::Tile) -> Option<Arc<[u8]>> {
        let tiles = self.tiles.read().unwrap_or_else(|p| p.into_inner());
        tiles.get(&(tile.level, tile.index)).cloned()
    }

    fn keep(&self, tile: &tlog::tile::Tile, data: &[u8]) {
        let mut tiles = self.tiles.write().unwrap_or_else(|p| p.into_inner());
        if tiles.len() < Self::CAPACITY {
            tiles.insert((tile.level, tile.index), data.into());
        }
    }
}

/// [`StorageTiles`] with the full upper tiles served from an [`UpperTiles`].
pub struct CachedTiles<'a> {
    pub storage: &'a dyn Storage,
    pub upper: &'a UpperTiles,
}

impl tlog::tile::TileReader for CachedTiles<'_> {
    fn read_tiles(&self, tiles: &[tlog::tile::Tile]) -> Result<Vec<Vec<u8>>, tlog::ReadError> {
        tiles
            .iter()
            .map(|t| {
                let cacheable = UpperTiles::cacheable(t);
                if cacheable && let Some(data) = self.upper.get(t) {
                    return Ok(data.to_vec());
                }
                let data = StorageTiles(self.storage)
                    .read_tiles(std::slice::from_ref(t))?
                    .remove(0);
                if cacheable {
                    self.upper.keep(t, &data);
                }
                Ok(data)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn full_upper_tiles_are_kept_and_the_rest_read_each_time() {
        use tlog::tile::{Tile, TileReader};
        let dir = std::env::temp_dir().join(format!("shailoo-tiles-{}", std::process::id()));
        let s = FsStorage::new(&dir).unwrap();
        let upper_full = Tile {
            level: 1,
            index: 0,
            width: 256,
        };
        let upper_partial = Tile {
            level: 1,
            index: 1,
            width: 3,
        };
        let leaves = Tile {
            level: 0,
            index: 0,
            width: 256,
        };
        let tiles = [upper_full, upper_partial, leaves];
        let files: Vec<(String, Vec<u8>)> = tiles
            .iter()
            .map(|t| (t.path(), vec![t.width as u8; 32 * t.width as usize]))
            .collect();
        s.write_all(&files).unwrap();
        let upper = UpperTiles::default();
        let reader = CachedTiles {
            storage: &s,
            upper: &upper,
        };
        let first = reader.read_tiles(&tiles).unwrap();
        assert_eq!(
            first,
            files.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>()
        );
        // With the files gone, only the full upper tile can still be read: from memory.
        for t in &tiles {
            fs::remove_file(dir.join(t.path())).unwrap();
        }
        assert_eq!(
            reader.read_tiles(&[upper_full]).unwrap(),
            vec![first[0].clone()]
        );
        assert!(reader.read_tiles(&[upper_partial]).is_err());
        assert!(reader.read_tiles(&[leaves]).is_err());
        fs::remove_dir_all(dir).unwrap();
    }
}
