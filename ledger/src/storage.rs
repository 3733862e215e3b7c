//! Where the log's public files live: tiles, entry bundles, the checkpoint, documents.
//!
//! Everything a client reads is a file at a C2SP path, so a static server, a CDN or an object
//! store can serve it. The sequencer writes through the [`Storage`] trait and never assumes a
//! filesystem, so an object store can be added without touching it. [`FsStorage`] is the
//! default: each write goes to a temporary file, is fsynced, renamed into place, and the
//! directory is fsynced, so a file is either wholly there or not at all, even across a crash.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Durable storage of the log's public files, addressed by their path under the log's URL
/// (`tile/0/000`, `tile/entries/x001/234.p/17`, `checkpoint`, `blob/<hex>`).
pub trait Storage: Send + Sync + 'static {
    /// Writes several files; when it returns Ok, all of them are durable.
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()>;
    /// Reads a file, `None` if it does not exist.
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>>;
    /// Whether a file exists.
    fn exists(&self, path: &str) -> bool;
    /// The names in a directory (`tile/0/001.p`), none if it does not exist.
    fn list(&self, dir: &str) -> io::Result<Vec<String>>;
    /// Removes a file durably; one already gone is no error.
    fn remove(&self, path: &str) -> io::Result<()>;
}

/// Files in a directory, written atomically and durably.
pub struct FsStorage {
    root: PathBuf,
}

impl FsStorage {
    pub fn new(root: impl Into<PathBuf>) -> io::Result<FsStorage> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(FsStorage { root })
    }

    /// The file for a storage path. Paths come from this crate (tile paths it formatted, hex
    /// hashes it checked), never raw from a request; `..` is refused anyway.
    fn file(&self, path: &str) -> io::Result<PathBuf> {
        if path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad storage path {path:?}"),
            ));
        }
        Ok(self.root.join(path))
    }
}

/// Writes `bytes` to `path` atomically: temporary file, fsync, rename. The caller fsyncs the
/// directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().expect("storage files live in a directory");
    create_dir_durably(dir)?;
    // A name of its own for each write: two writers of one path (two uploads of one scan)
    // never share a temporary file, so neither can rename the other's half-written one.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(
        ".{}.{}-{n}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    let written = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        // Not left behind to fill the disk a retry waits on.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Creates `dir` and any missing parents, each made durable in its parent (a directory that
/// exists only in the page cache would take the files renamed into it along in a crash).
fn create_dir_durably(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir
        .parent()
        .expect("storage directories live under the root");
    create_dir_durably(parent)?;
    match fs::create_dir(dir) {
        Ok(()) => File::open(parent)?.sync_all(),
        // Made meanwhile by another writer, who makes it durable.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl Storage for FsStorage {
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (path, bytes) in files {
            let file = self.file(path)?;
            write_atomic(&file, bytes)?;
            let dir = file.parent().expect("has a parent").to_path_buf();
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        // The renames are durable only once their directories are.
        for dir in dirs {
            File::open(&dir)?.sync_all()?;
        }
        Ok(())
    }

    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.file(path)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn exists(&self, path: &str) -> bool {
        self.file(path).map(|f| f.exists()).unwrap_or(false)
    }

    fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        let entries = match fs::read_dir(self.file(dir)?) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        entries
            .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
            .collect()
    }

    fn remove(&self, path: &str) -> io::Result<()> {
        let file = self.file(path)?;
        match fs::remove_file(&file) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
            // Durable like a write: an unlink lost in a crash would bring the file back.
            Ok(()) => File::open(file.parent().expect("has a parent"))?.sync_all(),
        }
    }
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

    #[test]
    fn writes_are_whole_and_paths_are_checked() {
        let dir = std::env::temp_dir().join(format!("shailoo-storage-{}", std::process::id()));
        let s = FsStorage::new(&dir).unwrap();
        s.write_all(&[
            ("tile/0/000.p/1".into(), vec![1; 32]),
            ("checkpoint".into(), b"cp".to_vec()),
        ])
        .unwrap();
        assert_eq!(s.read("tile/0/000.p/1").unwrap(), Some(vec![1; 32]));
        s.write_all(&[("checkpoint".into(), b"cp2".to_vec())])
            .unwrap();
        assert_eq!(s.read("checkpoint").unwrap(), Some(b"cp2".to_vec()));
        assert_eq!(s.read("tile/0/001").unwrap(), None);
        for bad in ["../x", "a//b", "/abs", "a/./b", ""] {
            assert!(s.read(bad).is_err(), "{bad}");
        }
        assert!(
            !fs::read_dir(dir.join("tile/0")).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp"))
        );
        fs::remove_dir_all(dir).unwrap();
    }

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
