//! Writing a tiled log: entries in, the files C2SP tlog-tiles serves out — hash tiles and entry
//! bundles, full ones as they fill and the partial ones of the current size. The ledger's
//! sequencer, the benchmarks and every test that builds a log write through this one writer.
//!
//! Reading follows one rule too: a partial tile or bundle may be gone once the full one that
//! supersedes it is written, so a reader tries the partial path, then the full one, and uses
//! its first `width` items ([`Tile::paths_to_read`], [`entries_of`]).

use crate::appender::TileAppender;
use crate::entries::{BundleError, parse_entry_bundle, push_entry};
use crate::hash::{Hash, leaf_hash};
use crate::stored::ReadError;
use crate::tile::{TILE_WIDTH, Tile, TileReader};

/// A file of the log: its path under the log's URL, and its bytes.
pub type LogFile = (String, Vec<u8>);

/// Appends entries; hands out the files to write.
#[derive(Clone, Debug, Default)]
pub struct LogWriter {
    tiles: TileAppender,
    /// The entries of the partial entry bundle (fewer than 256).
    bundle: Vec<Vec<u8>>,
}

impl LogWriter {
    /// The writer of the empty log.
    pub fn new() -> LogWriter {
        LogWriter::default()
    }

    /// Resumes a log of `size` entries from its hash tiles and the entries of its partial
    /// entry bundle (`size % 256` of them).
    pub fn restore(
        size: u64,
        tiles: &impl TileReader,
        partial_bundle: Vec<Vec<u8>>,
    ) -> Result<LogWriter, ReadError> {
        if partial_bundle.len() as u64 != size % u64::from(TILE_WIDTH) {
            return Err(ReadError::BadTile(format!(
                "the partial entry bundle of a log of {size} entries holds {} entries",
                partial_bundle.len()
            )));
        }
        let tiles = TileAppender::restore(size, tiles)?;
        // The partial bundle must hold the entries whose hashes the level-0 partial tile holds.
        let level0 = tiles
            .partial_tiles()
            .into_iter()
            .find(|(t, _)| t.level == 0)
            .map(|(_, data)| data)
            .unwrap_or_default();
        let hashed: Vec<u8> = partial_bundle.iter().flat_map(|e| leaf_hash(e).0).collect();
        if hashed != level0 {
            return Err(ReadError::BadTile(
                "the partial entry bundle does not hash to the level-0 tile".into(),
            ));
        }
        Ok(LogWriter {
            tiles,
            bundle: partial_bundle,
        })
    }

    pub fn size(&self) -> u64 {
        self.tiles.size()
    }

    pub fn root(&self) -> Hash {
        self.tiles.root()
    }

    /// Appends an entry; returns the files it completes: full hash tiles and, with every
    /// 256th entry, the full entry bundle. An entry over 65,535 bytes is refused, unwritten.
    pub fn append(&mut self, entry: &[u8]) -> Result<Vec<LogFile>, BundleError> {
        if entry.len() > crate::entries::MAX_ENTRY_SIZE {
            return Err(BundleError::EntryTooLarge(entry.len()));
        }
        let mut files: Vec<LogFile> = self
            .tiles
            .append(leaf_hash(entry))
            .into_iter()
            .map(|(tile, data)| (tile.path(), data))
            .collect();
        self.bundle.push(entry.to_vec());
        if self.bundle.len() == usize::from(TILE_WIDTH) {
            let tile = Tile {
                level: 0,
                index: (self.size() - 1) / u64::from(TILE_WIDTH),
                width: TILE_WIDTH,
            };
            files.push((tile.entries_path(), bundle_bytes(&self.bundle)));
            self.bundle.clear();
        }
        Ok(files)
    }

    /// The partial hash tiles and the partial entry bundle of the current size.
    pub fn partial_files(&self) -> Vec<LogFile> {
        let mut files: Vec<LogFile> = self
            .tiles
            .partial_tiles()
            .into_iter()
            .map(|(tile, data)| (tile.path(), data))
            .collect();
        if !self.bundle.is_empty() {
            let tile = Tile {
                level: 0,
                index: self.size() / u64::from(TILE_WIDTH),
                width: self.bundle.len() as u16,
            };
            files.push((tile.entries_path(), bundle_bytes(&self.bundle)));
        }
        files
    }

    /// Writes every entry of `entries` into a new log; returns the writer and all its files.
    pub fn write_all<'a>(
        entries: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(LogWriter, Vec<LogFile>), BundleError> {
        let mut writer = LogWriter::new();
        let mut files = Vec::new();
        for entry in entries {
            files.extend(writer.append(entry)?);
        }
        files.extend(writer.partial_files());
        Ok((writer, files))
    }
}

fn bundle_bytes(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        push_entry(&mut out, e).expect("entries are checked on append");
    }
    out
}

/// Where entry `index` of a tree of `size` entries is: its entry bundle and the offset in it;
/// `None` if the tree does not hold it.
pub fn entry_position(index: u64, size: u64) -> Option<(Tile, usize)> {
    let width = u64::from(TILE_WIDTH);
    let tile = Tile::at_tree_size(0, index / width, size).filter(|_| index < size)?;
    Some((tile, (index % width) as usize))
}

/// The entries of entry bundle `tile` from the bytes read for it, which may be those of the
/// full bundle standing in for a partial one: its first `tile.width` entries.
pub fn entries_of<'a>(tile: &Tile, data: &'a [u8]) -> Result<Vec<&'a [u8]>, BundleError> {
    match parse_entry_bundle(data, usize::from(tile.width)) {
        Err(e) if !tile.is_full() => {
            let mut full = parse_entry_bundle(data, usize::from(TILE_WIDTH)).map_err(|_| e)?;
            full.truncate(usize::from(tile.width));
            Ok(full)
        }
        other => other,
    }
}

impl Tile {
    /// The paths to read for this tile (`entries`: its entry bundle), in order: its own, then,
    /// for a partial tile, the full one that supersedes it once the log has grown.
    pub fn paths_to_read(&self, entries: bool) -> Vec<String> {
        let path = |t: &Tile| if entries { t.entries_path() } else { t.path() };
        let mut paths = vec![path(self)];
        if !self.is_full() {
            paths.push(path(&Tile {
                width: TILE_WIDTH,
                ..*self
            }));
        }
        paths
    }
}

/// A log's files kept in memory by path (those a writer handed out, those a page fetched),
/// read by the same rule as a directory: a partial tile may stand in for a full one.
impl<S: std::hash::BuildHasher> TileReader for std::collections::HashMap<String, Vec<u8>, S> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError> {
        read_by_path(tiles, |path| self.get(path))
    }
}

impl TileReader for std::collections::BTreeMap<String, Vec<u8>> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError> {
        read_by_path(tiles, |path| self.get(path))
    }
}

fn read_by_path<'a>(
    tiles: &[Tile],
    get: impl Fn(&str) -> Option<&'a Vec<u8>>,
) -> Result<Vec<Vec<u8>>, ReadError> {
    tiles
        .iter()
        .map(|t| {
            t.paths_to_read(false)
                .iter()
                .find_map(|p| get(p).cloned())
                .ok_or_else(|| ReadError::BadTile(format!("{t} is missing")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tile::TileHashReader;
    use std::collections::BTreeMap;

    type Files = BTreeMap<String, Vec<u8>>;

    fn entry(i: u64) -> Vec<u8> {
        format!("entry {i}").into_bytes()
    }

    #[test]
    fn every_file_of_a_log_and_a_restored_writer_agree() {
        let entries: Vec<Vec<u8>> = (0..700).map(entry).collect();
        let (whole, files) = LogWriter::write_all(entries.iter().map(Vec::as_slice)).unwrap();
        let files = files.into_iter().collect::<Files>();
        assert!(files.contains_key("tile/entries/001"));
        assert!(files.contains_key("tile/entries/002.p/188"));
        // Stop at 300 and resume from the files, as the ledger does after a restart.
        let (first, at_300) =
            LogWriter::write_all(entries[..300].iter().map(Vec::as_slice)).unwrap();
        let at_300 = at_300.into_iter().collect::<Files>();
        let (tile, _) = entry_position(299, 300).unwrap();
        let data = &at_300[&tile.entries_path()];
        let partial = entries_of(&tile, data)
            .unwrap()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        let mut resumed = LogWriter::restore(300, &at_300, partial).unwrap();
        assert_eq!(resumed.root(), first.root());
        for e in &entries[300..] {
            resumed.append(e).unwrap();
        }
        assert_eq!(
            (resumed.size(), resumed.root()),
            (whole.size(), whole.root())
        );
        // Every entry is where entry_position says, read through a full bundle standing in for
        // a partial one when the partial is gone.
        for index in [0, 255, 256, 511, 699] {
            let (tile, offset) = entry_position(index, 700).unwrap();
            let data = tile
                .paths_to_read(true)
                .iter()
                .find_map(|p| files.get(p))
                .unwrap();
            assert_eq!(
                entries_of(&tile, data).unwrap()[offset],
                entries[index as usize]
            );
        }
        let (older, offset) = entry_position(10, 20).unwrap();
        assert_eq!(
            older.paths_to_read(true),
            ["tile/entries/000.p/20", "tile/entries/000"]
        );
        let full = &files["tile/entries/000"];
        assert_eq!(entries_of(&older, full).unwrap()[offset], entries[10]);
        assert_eq!(entry_position(700, 700), None);
        // The hash tiles give back the root.
        let reader = TileHashReader {
            size: 700,
            tiles: &files,
        };
        assert_eq!(
            crate::stored::tree_hash(700, &reader).unwrap(),
            whole.root()
        );
    }

    #[test]
    fn a_wrong_partial_bundle_or_an_oversized_entry_is_refused() {
        let (_, files) = LogWriter::write_all([b"a".as_slice(), b"b"]).unwrap();
        let files = files.into_iter().collect::<Files>();
        assert!(LogWriter::restore(2, &files, vec![b"a".to_vec()]).is_err());
        let swapped = vec![b"b".to_vec(), b"a".to_vec()];
        assert!(
            LogWriter::restore(2, &files, swapped).is_err(),
            "not the logged entries"
        );
        assert!(LogWriter::restore(2, &files, vec![b"a".to_vec(), b"b".to_vec()]).is_ok());
        let mut writer = LogWriter::new();
        assert_eq!(
            writer.append(&vec![0; 65_536]),
            Err(BundleError::EntryTooLarge(65_536))
        );
        assert_eq!(writer.size(), 0, "nothing was appended");
    }
}
