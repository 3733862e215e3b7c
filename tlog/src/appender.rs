//! Growing a tiled log: the right edge of the tree and of its tiles, nothing more.
//!
//! A log that serves C2SP tiles needs, when it appends leaves, the full tiles that the new
//! leaves complete and the partial tiles of the new size. Both are on the right edge of the
//! tile structure: at each tile level, at most one partial tile of fewer than 256 hashes. So
//! an appender keeps the tree's [`Frontier`] and those partial tiles — O(log n) memory — and
//! hands out finished tiles as they fill. The tree itself lives in the tiles it writes.

use crate::frontier::Frontier;
use crate::hash::{HASH_SIZE, Hash};
use crate::stored::{ReadError, check_tree_size};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, Tile, TileHashReader, TileReader};

/// Appends leaves and produces the tiles to write.
#[derive(Clone, Debug, Default)]
pub struct TileAppender {
    frontier: Frontier,
    /// Per tile level, the hashes of its partial tile (tree level 8L), oldest first.
    edges: Vec<Vec<Hash>>,
}

impl TileAppender {
    /// The appender of the empty log.
    pub fn new() -> TileAppender {
        TileAppender::default()
    }

    /// Resumes a log of `size` leaves from its tiles: the frontier from at most 64 stored
    /// hashes, the partial tiles from the partial tiles of that size.
    pub fn restore(size: u64, tiles: &impl TileReader) -> Result<TileAppender, ReadError> {
        check_tree_size(size)?;
        let frontier = Frontier::from_stored(size, &TileHashReader { size, tiles })?;
        let partial: Vec<Tile> = (0..=crate::tile::MAX_TILE_LEVEL)
            .map_while(|level| {
                let count = size
                    .checked_shr(u32::from(level) * u32::from(TILE_HEIGHT))
                    .unwrap_or(0);
                (count > 0).then_some((level, count))
            })
            .filter_map(|(level, count)| {
                let width = (count % u64::from(TILE_WIDTH)) as u16;
                (width > 0).then_some(Tile {
                    level,
                    index: count >> TILE_HEIGHT,
                    width,
                })
            })
            .collect();
        let contents = tiles.read_tiles(&partial)?;
        let mut edges = Vec::new();
        for (tile, data) in partial.iter().zip(contents) {
            if data.len() < tile.data_len() {
                return Err(ReadError::BadTile(format!(
                    "{tile} is shorter than its width"
                )));
            }
            let level = usize::from(tile.level);
            edges.resize(edges.len().max(level + 1), Vec::new());
            edges[level] = data[..tile.data_len()]
                .chunks_exact(HASH_SIZE)
                .map(|c| Hash(c.try_into().expect("32 bytes")))
                .collect();
        }
        Ok(TileAppender { frontier, edges })
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// Appends a leaf hash; returns the full tiles it completed (at most one per level), with
    /// their contents, lowest level first.
    pub fn append(&mut self, leaf: Hash) -> Vec<(Tile, Vec<u8>)> {
        let mut full = Vec::new();
        let edges = &mut self.edges;
        self.frontier.append_nodes(leaf, |level, n, hash| {
            if level % TILE_HEIGHT != 0 {
                return;
            }
            let tile_level = usize::from(level / TILE_HEIGHT);
            if edges.len() <= tile_level {
                edges.resize(tile_level + 1, Vec::new());
            }
            let edge = &mut edges[tile_level];
            edge.push(hash);
            if edge.len() == usize::from(TILE_WIDTH) {
                let tile = Tile {
                    level: tile_level as u8,
                    index: n >> TILE_HEIGHT,
                    width: TILE_WIDTH,
                };
                full.push((tile, edge.iter().flat_map(|h| h.0).collect()));
                edge.clear();
            }
        });
        full
    }

    /// The partial tiles of the current size, with their contents, lowest level first.
    pub fn partial_tiles(&self) -> Vec<(Tile, Vec<u8>)> {
        let size = self.size();
        self.edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| !edge.is_empty())
            .map(|(level, edge)| {
                let count = size >> (level as u32 * u32::from(TILE_HEIGHT));
                let tile = Tile {
                    level: level as u8,
                    index: count >> TILE_HEIGHT,
                    width: edge.len() as u16,
                };
                (tile, edge.iter().flat_map(|h| h.0).collect())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tile::{new_tiles, read_tile_data};
    use std::collections::BTreeMap;

    /// Tiles kept in a map, as a log's directory would keep them.
    struct Written(BTreeMap<Tile, Vec<u8>>);
    impl TileReader for Written {
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError> {
            tiles
                .iter()
                .map(|t| self.0.get(t).cloned().ok_or(ReadError::BadTile(t.path())))
                .collect()
        }
    }

    #[test]
    fn appended_tiles_are_the_tiles_of_the_tree() {
        let mut stored = Vec::new();
        let mut reference = Frontier::new();
        let mut appender = TileAppender::new();
        let mut written = Written(BTreeMap::new());
        let mut size = 0u64;
        // Batches of awkward sizes, crossing tile boundaries at levels 0 and 1.
        for batch in [1u64, 254, 1, 1, 300, 65_000, 3, 600] {
            let old = size;
            for i in size..size + batch {
                let leaf = leaf_hash(&i.to_be_bytes());
                reference.append(leaf, |_, h| stored.push(h));
                for (tile, data) in appender.append(leaf) {
                    written.0.insert(tile, data);
                }
            }
            size += batch;
            for (tile, data) in appender.partial_tiles() {
                written.0.insert(tile, data);
            }
            assert_eq!(appender.root(), reference.root());
            for tile in new_tiles(old, size) {
                assert_eq!(
                    written.0.get(&tile),
                    Some(&read_tile_data(&tile, &stored).unwrap()),
                    "{tile} at size {size}"
                );
            }
            // A restart from the written tiles resumes exactly where the appender is.
            let resumed = TileAppender::restore(size, &written).unwrap();
            assert_eq!(resumed.root(), appender.root());
            assert_eq!(resumed.partial_tiles(), appender.partial_tiles());
        }
    }

    #[test]
    fn restore_of_the_empty_log() {
        let empty = TileAppender::restore(0, &Written(BTreeMap::new())).unwrap();
        assert_eq!(empty.size(), 0);
        assert!(empty.partial_tiles().is_empty());
    }
}
