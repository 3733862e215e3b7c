//! What a batch that was never committed leaves behind: tiles and entry bundles beyond the
//! signed tree.
//!
//! A batch writes its tiles before its commit (`sequencer`); after a crash or a failure the
//! log resumes from the last commit, and those files hold hashes of entries that are not in
//! the log. A full tile or a partial one at the width a later batch ends on is written again
//! with the right bytes; but a partial tile at any other width never is, and would be served
//! once the published tree is that wide. So each start removes every tile and bundle that only
//! a tree larger than the signed one contains, before anything is served.
//!
//! Which files those are follows from the tile layout alone (C2SP tlog-tiles): at a level
//! holding `count` hashes, tile `index` of width `width` belongs to the tree iff
//! `index × 256 + width ≤ count`. An uncommitted batch writes contiguous tiles, so the search
//! at each level stops at the first index with nothing on disk; and every level is searched,
//! and each level's tiles removed from the highest index down, each removal made durable
//! (`Storage::remove`), so that a cleanup cut short by a crash leaves no gap that would hide
//! what it had not reached from the next one.

use crate::storage::Storage;
use std::io;
use tlog::tile::{MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH, Tile};

/// Removes the tiles and entry bundles beyond a tree of `size` leaves; returns their paths.
pub fn remove_beyond(storage: &dyn Storage, size: u64) -> io::Result<Vec<String>> {
    let mut removed = Vec::new();
    let full = |level: u8, index: u64| Tile {
        level,
        index,
        width: TILE_WIDTH,
    };
    remove_at_level(storage, size, |i| full(0, i).entries_path(), &mut removed)?;
    for level in 0..=MAX_TILE_LEVEL {
        let count = size
            .checked_shr(u32::from(level) * u32::from(TILE_HEIGHT))
            .unwrap_or(0);
        remove_at_level(storage, count, |i| full(level, i).path(), &mut removed)?;
    }
    Ok(removed)
}

/// At one level holding `count` hashes (or entries), whose full tile `index` is at
/// `full_path(index)`: removes every tile beyond `count`, the highest index first.
fn remove_at_level(
    storage: &dyn Storage,
    count: u64,
    full_path: impl Fn(u64) -> String,
    removed: &mut Vec<String>,
) -> io::Result<()> {
    let width = u64::from(TILE_WIDTH);
    // The tiles on disk from the one `count` falls in, up to the first index with none.
    let mut beyond: Vec<String> = Vec::new();
    let mut index = count / width;
    loop {
        let full = full_path(index);
        let partial_dir = format!("{full}.p");
        let widths = storage.list(&partial_dir)?;
        let full_exists = storage.exists(&full);
        if widths.is_empty() && !full_exists {
            break;
        }
        let past = |w: u64| index * width + w > count;
        // A name that is not a width is not a tile; left alone.
        let mut stale: Vec<u64> = widths
            .iter()
            .filter_map(|name| name.parse::<u64>().ok())
            .filter(|w| past(*w))
            .collect();
        stale.sort_unstable();
        beyond.extend(stale.into_iter().map(|w| format!("{partial_dir}/{w}")));
        if full_exists && past(width) {
            beyond.push(full);
        }
        index += 1;
    }
    for path in beyond.into_iter().rev() {
        storage.remove(&path)?;
        removed.push(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FsStorage;

    #[test]
    fn only_tiles_beyond_the_tree_are_removed() {
        let dir = shailoo_e2e::temp_dir("leftovers");
        let storage = FsStorage::new(dir.path()).unwrap();
        // A tree of 300 entries, then a batch to 700 written but never committed.
        let kept = [
            "tile/entries/000",
            "tile/entries/001.p/20", // an earlier tree of 276
            "tile/entries/001.p/44",
            "tile/0/000",
            "tile/0/001.p/44",
            "tile/1/000.p/1",
        ];
        let stale = [
            "tile/entries/001",
            "tile/entries/002.p/188",
            "tile/entries/001.p/45",
            "tile/0/001",
            "tile/0/002.p/188",
            "tile/1/000.p/2",
        ];
        let files: Vec<(String, Vec<u8>)> = kept
            .iter()
            .chain(&stale)
            .map(|p| (p.to_string(), vec![1]))
            .collect();
        storage.write_all(&files).unwrap();
        let mut removed = remove_beyond(&storage, 300).unwrap();
        removed.sort();
        let mut expected: Vec<String> = stale.iter().map(|p| p.to_string()).collect();
        expected.sort();
        assert_eq!(removed, expected);
        for path in kept {
            assert!(storage.exists(path), "{path} was removed");
        }
        for path in stale {
            assert!(!storage.exists(path), "{path} is still there");
        }
        assert!(
            remove_beyond(&storage, 300).unwrap().is_empty(),
            "nothing left"
        );
    }

    /// The log's storage, whose removals fail after the first `allowed`: a cleanup cut short.
    struct CutShort {
        inner: FsStorage,
        allowed: std::sync::atomic::AtomicUsize,
    }

    impl Storage for CutShort {
        fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
            self.inner.write_all(files)
        }
        fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
            self.inner.read(path)
        }
        fn exists(&self, path: &str) -> bool {
            self.inner.exists(path)
        }
        fn list(&self, dir: &str) -> io::Result<Vec<String>> {
            self.inner.list(dir)
        }
        fn remove(&self, path: &str) -> io::Result<()> {
            use std::sync::atomic::Ordering::SeqCst;
            match self
                .allowed
                .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            {
                Ok(_) => self.inner.remove(path),
                Err(_) => Err(io::Error::other("the machine lost power")),
            }
        }
    }

    #[test]
    fn a_cleanup_cut_short_anywhere_leaves_nothing_the_next_one_misses() {
        // A tree of 300 entries; an uncommitted batch wrote hash tiles to 1,000.
        let kept = ["tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"];
        let stale = [
            "tile/0/001.p/45",
            "tile/0/001",
            "tile/0/002",
            "tile/0/003.p/232",
            "tile/1/000.p/3",
        ];
        for cut in 0..stale.len() {
            let dir = shailoo_e2e::temp_dir("leftovers-cut");
            let inner = FsStorage::new(dir.path()).unwrap();
            let files: Vec<(String, Vec<u8>)> = kept
                .iter()
                .chain(&stale)
                .map(|p| (p.to_string(), vec![1]))
                .collect();
            inner.write_all(&files).unwrap();
            let storage = CutShort {
                inner,
                allowed: cut.into(),
            };
            assert!(remove_beyond(&storage, 300).is_err(), "cut after {cut}");
            // The next start.
            remove_beyond(&storage.inner, 300).unwrap();
            for path in stale {
                assert!(!storage.exists(path), "cut after {cut}: {path} was missed");
            }
            for path in kept {
                assert!(storage.exists(path), "cut after {cut}: {path} was removed");
            }
        }
    }
}
