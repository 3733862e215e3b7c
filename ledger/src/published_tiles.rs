//! The published tree's tiles and entry bundles, kept in memory: what citizens, mirrors and
//! proofs read most, served without touching storage.
//!
//! Only files of the published tree (or an earlier one) are kept, and those never change: a
//! full tile is final, and a partial one is named by its width (`tile/0/001.p/7`), so a wider
//! one is another file. Nothing is ever invalidated; when the budget is reached the cache
//! starts over (the hot files come back at once, and no bookkeeping is paid on every read).
//!
//! Hash tiles are also kept expanded for proofs ([`TileHashes`]: every subtree hash inside the
//! tile), so that a proof is a few lookups rather than a thousand SHA-256 compressions.
//!
//! Why: serving a tile from storage took a trip through the blocking thread pool (a file read,
//! or a GET from a bucket) for every request, and those thread hand-offs, not the reads,
//! bounded the ledger's reads at a third of what nginx serves from the same files; and
//! rebuilding the subtree hashes of a tile for every proof bounded proofs at about 11,000/s
//! (BENCHMARKS.md).

use crate::storage::{Storage, StorageTiles};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tlog::tile::{Tile, TileReader, read_hashes_from_tiles};
use tlog::tile_hashes::TileHashes;
use tlog::{Hash, HashReader, ReadError};

/// See the module's documentation.
#[derive(Default)]
pub struct PublishedTiles {
    files: RwLock<Files>,
}

#[derive(Default)]
struct Files {
    by_path: HashMap<String, Bytes>,
    /// Hash tiles expanded for proofs, by the tile's path.
    expanded: HashMap<String, Arc<TileHashes>>,
    bytes: usize,
}

impl Files {
    /// Makes room for `len` more bytes: past the budget, starts over.
    fn room_for(&mut self, len: usize) {
        if self.bytes + len > PublishedTiles::BUDGET {
            self.by_path.clear();
            self.expanded.clear();
            self.bytes = 0;
        }
    }
}

impl PublishedTiles {
    /// 64 MiB: the hash tiles and entry bundles of about 200,000 entries of an election (its
    /// records average about 250 bytes), or the hash tiles alone of two million.
    pub const BUDGET: usize = 64 << 20;

    /// A file of the published tree, if it is kept.
    pub fn get(&self, path: &str) -> Option<Bytes> {
        let files = self.files.read().unwrap_or_else(|p| p.into_inner());
        files.by_path.get(path).cloned()
    }

    /// Keeps a file of the published tree (the caller checked that it is one).
    pub fn keep(&self, path: &str, bytes: Bytes) {
        let mut files = self.files.write().unwrap_or_else(|p| p.into_inner());
        files.room_for(bytes.len());
        let len = bytes.len();
        if files.by_path.insert(path.to_string(), bytes).is_none() {
            files.bytes += len;
        }
    }

    fn expanded(&self, tile: &Tile) -> Option<Arc<TileHashes>> {
        let files = self.files.read().unwrap_or_else(|p| p.into_inner());
        files.expanded.get(&tile.path()).cloned()
    }

    fn keep_expanded(&self, hashes: Arc<TileHashes>) {
        let mut files = self.files.write().unwrap_or_else(|p| p.into_inner());
        files.room_for(hashes.bytes());
        let len = hashes.bytes();
        if files
            .expanded
            .insert(hashes.tile().path(), hashes)
            .is_none()
        {
            files.bytes += len;
        }
    }

    /// The hashes of the published tree of `size` leaves (or an earlier one), for proofs:
    /// from memory, and from `storage` what memory lacks (`None`: memory only, so a proof
    /// computed on an async thread never blocks it; it fails on the first tile not kept).
    pub fn reader<'a>(&'a self, storage: Option<&'a dyn Storage>, size: u64) -> KeptHashes<'a> {
        KeptHashes {
            tiles: KeptTiles {
                kept: self,
                storage,
            },
            size,
        }
    }
}

/// The stored hashes of a published tree, read through a [`PublishedTiles`]; see
/// [`PublishedTiles::reader`].
pub struct KeptHashes<'a> {
    tiles: KeptTiles<'a>,
    size: u64,
}

impl KeptHashes<'_> {
    /// `tile` expanded, from memory or made from its contents and kept.
    fn expanded(&self, tile: &Tile) -> Result<Arc<TileHashes>, ReadError> {
        if let Some(hashes) = self.tiles.kept.expanded(tile) {
            return Ok(hashes);
        }
        let data = self.tiles.read_tile(tile)?;
        let hashes = Arc::new(TileHashes::new(*tile, &data)?);
        self.tiles.kept.keep_expanded(hashes.clone());
        Ok(hashes)
    }
}

impl HashReader for KeptHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        read_hashes_from_tiles(
            self.size,
            indexes,
            |tiles| tiles.iter().map(|t| self.expanded(t)).collect(),
            |_, hashes, index| hashes.hash(index),
        )
    }
}

/// Tiles read through a [`PublishedTiles`]; see [`PublishedTiles::reader`].
pub struct KeptTiles<'a> {
    kept: &'a PublishedTiles,
    storage: Option<&'a dyn Storage>,
}

impl KeptTiles<'_> {
    fn read_tile(&self, tile: &Tile) -> Result<Vec<u8>, tlog::ReadError> {
        // A partial tile may have been superseded by a wider or full one; any of them holds
        // the hashes asked for.
        for path in tile.paths_to_read(false) {
            if let Some(bytes) = self.kept.get(&path) {
                return Ok(bytes.to_vec());
            }
        }
        let storage = self
            .storage
            .ok_or_else(|| tlog::ReadError::BadTile(format!("{tile} is not in memory")))?;
        let data = StorageTiles(storage)
            .read_tiles(std::slice::from_ref(tile))?
            .remove(0);
        // Kept under the path asked for: what was read may be a wider tile, whose first
        // hashes are this one's.
        let len = tile.data_len();
        if data.len() >= len {
            self.kept
                .keep(&tile.path(), Bytes::copy_from_slice(&data[..len]));
        }
        Ok(data)
    }
}

impl TileReader for KeptTiles<'_> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog::ReadError> {
        tiles.iter().map(|t| self.read_tile(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FsStorage;

    fn tile(level: u8, index: u64, width: u16) -> Tile {
        Tile {
            level,
            index,
            width,
        }
    }

    #[test]
    fn tiles_read_once_are_served_from_memory_after() {
        let dir = std::env::temp_dir().join(format!("shailoo-kept-{}", std::process::id()));
        let storage = FsStorage::new(&dir).unwrap();
        let tiles = [tile(1, 0, 256), tile(1, 1, 3), tile(0, 0, 256)];
        let files: Vec<(String, Vec<u8>)> = tiles
            .iter()
            .map(|t| (t.path(), vec![t.width as u8; 32 * t.width as usize]))
            .collect();
        storage.write_all(&files).unwrap();
        let kept = PublishedTiles::default();
        let reader = KeptTiles {
            kept: &kept,
            storage: Some(&storage),
        };
        let first = reader.read_tiles(&tiles).unwrap();
        let written: Vec<Vec<u8>> = files.iter().map(|(_, d)| d.clone()).collect();
        assert_eq!(first, written);
        // With the files gone, every tile is still read, from memory; memory alone serves.
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(reader.read_tiles(&tiles).unwrap(), written);
        let memory_only = KeptTiles {
            kept: &kept,
            storage: None,
        };
        assert_eq!(memory_only.read_tiles(&tiles).unwrap(), written);
        assert!(memory_only.read_tiles(&[tile(0, 1, 256)]).is_err());
    }

    #[test]
    fn a_partial_tile_is_read_from_the_full_one_that_superseded_it() {
        let kept = PublishedTiles::default();
        let full: Vec<u8> = (0..=255u8).flat_map(|b| [b; 32]).collect();
        kept.keep("tile/0/000", Bytes::from(full.clone()));
        let memory_only = KeptTiles {
            kept: &kept,
            storage: None,
        };
        let partial = memory_only.read_tiles(&[tile(0, 0, 5)]).unwrap().remove(0);
        assert_eq!(&partial[..5 * 32], &full[..5 * 32]);
    }

    #[test]
    fn proofs_from_kept_hashes_are_the_proofs_from_storage() {
        let dir = std::env::temp_dir().join(format!("shailoo-kept-proofs-{}", std::process::id()));
        let storage = FsStorage::new(&dir).unwrap();
        let mut writer = tlog::writer::LogWriter::new();
        let mut files = Vec::new();
        // Past two full tiles of level 0, so level 1 has a partial tile of its own.
        for n in 0..70_000u32 {
            files.extend(writer.append(&n.to_be_bytes()).unwrap());
        }
        files.extend(writer.partial_files());
        storage.write_all(&files).unwrap();
        let size = writer.size();
        let from_storage = tlog::tile::TileHashReader {
            size,
            tiles: StorageTiles(&storage),
        };
        let kept = PublishedTiles::default();
        let memory_only = kept.reader(None, size);
        for index in [0, 1, 255, 256, 40_000, 65_535, 65_536, size - 1] {
            let want = tlog::proof::prove_inclusion(index, size, &from_storage).unwrap();
            // Not in memory yet: memory alone cannot answer, storage can, and then memory can.
            if kept.files.read().unwrap().expanded.is_empty() {
                assert!(tlog::proof::prove_inclusion(index, size, &memory_only).is_err());
            }
            let got = tlog::proof::prove_inclusion(index, size, &kept.reader(Some(&storage), size));
            assert_eq!(got.unwrap(), want, "entry {index}");
            let again = tlog::proof::prove_inclusion(index, size, &memory_only);
            assert_eq!(again.unwrap(), want, "entry {index}, from memory");
        }
        let old = 300;
        let want = tlog::proof::prove_consistency(old, size, &from_storage).unwrap();
        let got = tlog::proof::prove_consistency(old, size, &kept.reader(Some(&storage), size));
        assert_eq!(got.unwrap(), want);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn past_the_budget_it_starts_over() {
        let kept = PublishedTiles::default();
        let tile = Bytes::from(vec![0u8; 8192]);
        let fits = PublishedTiles::BUDGET / tile.len();
        for n in 0..=fits {
            kept.keep(&format!("tile/0/{n:03}"), tile.clone());
        }
        let files = kept.files.read().unwrap();
        assert_eq!(files.by_path.len(), 1, "started over with the last one");
        assert!(files.bytes <= PublishedTiles::BUDGET);
    }
}
