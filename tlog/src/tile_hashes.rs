//! Every hash a tile implies, computed once.
//!
//! A hash tile stores one row of the tree: 256 hashes of its level. A proof also needs the
//! hashes of the subtrees between that row and the next tile's, which [`hash_from_tile`]
//! computes from the row each time it is asked — up to 255 node hashes per tile read, about a
//! thousand SHA-256 compressions per inclusion proof. A server answering proofs from the same
//! few tiles all night computes them once per tile with [`TileHashes`] and keeps them.
//!
//! [`hash_from_tile`]: crate::tile::hash_from_tile

use crate::hash::{HASH_SIZE, Hash, node_hash};
use crate::stored::ReadError;
use crate::tile::{TILE_HEIGHT, Tile, tile_for_stored_index};

/// A tile's stored row and every complete subtree hash above it inside the tile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileHashes {
    tile: Tile,
    /// `rows[h][p]`: the hash of the `2^h` row hashes from `p * 2^h` (`rows[0]` is the row).
    rows: Vec<Vec<Hash>>,
}

impl TileHashes {
    /// Computes the subtree hashes of `tile` from its contents (`data` may be a wider tile's:
    /// only the first `tile.width` hashes are used, as [`hash_from_tile`] does).
    ///
    /// [`hash_from_tile`]: crate::tile::hash_from_tile
    pub fn new(tile: Tile, data: &[u8]) -> Result<TileHashes, ReadError> {
        let full = usize::from(crate::tile::TILE_WIDTH) * HASH_SIZE;
        if !data.len().is_multiple_of(HASH_SIZE)
            || data.len() < tile.data_len()
            || data.len() > full
        {
            return Err(ReadError::BadTile(format!(
                "{tile} has {} bytes, want {}",
                data.len(),
                tile.data_len()
            )));
        }
        let row: Vec<Hash> = data[..tile.data_len()]
            .chunks_exact(HASH_SIZE)
            .map(|c| Hash(c.try_into().expect("32-byte chunk")))
            .collect();
        let mut rows = vec![row];
        while rows.len() <= usize::from(TILE_HEIGHT) {
            let below = rows.last().expect("the row");
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            if above.is_empty() {
                break;
            }
            rows.push(above);
        }
        Ok(TileHashes { tile, rows })
    }

    /// The tile these are the hashes of.
    pub fn tile(&self) -> Tile {
        self.tile
    }

    /// Stored hash `stored_index`, which this tile holds (what [`hash_from_tile`] computes).
    ///
    /// [`hash_from_tile`]: crate::tile::hash_from_tile
    pub fn hash(&self, stored_index: u64) -> Result<Hash, ReadError> {
        let (needed, range) = tile_for_stored_index(stored_index);
        let tile = &self.tile;
        if needed.level != tile.level || needed.index != tile.index || needed.width > tile.width {
            return Err(ReadError::BadTile(format!(
                "{tile} does not hold stored hash {stored_index}"
            )));
        }
        // The range is a whole subtree: 2^h row hashes from a multiple of 2^h.
        let height = range.len().trailing_zeros() as usize;
        let position = range.start >> height;
        self.rows
            .get(height)
            .and_then(|row| row.get(position))
            .copied()
            .ok_or_else(|| {
                ReadError::BadTile(format!("{tile} does not hold stored hash {stored_index}"))
            })
    }

    /// The memory these hashes take, in bytes.
    pub fn bytes(&self) -> usize {
        self.rows.iter().map(|row| row.len() * HASH_SIZE).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::stored_hash_index;
    use crate::tile::{TILE_WIDTH, hash_from_tile};

    /// Every stored index a tile holds: the hashes of its level and the seven above it,
    /// within its width.
    fn stored_indexes_of(tile: &Tile) -> Vec<u64> {
        let mut indexes = Vec::new();
        for h in 0..TILE_HEIGHT {
            let level = tile.level * TILE_HEIGHT + h;
            let first = (tile.index << TILE_HEIGHT) >> h;
            let count = u64::from(tile.width) >> h;
            indexes.extend((first..first + count).map(|n| stored_hash_index(level, n)));
        }
        indexes
    }

    #[test]
    fn every_hash_is_the_one_computed_from_the_row() {
        let data: Vec<u8> = (0..TILE_WIDTH)
            .flat_map(|i| crate::hash::leaf_hash(&i.to_be_bytes()).0)
            .collect();
        for width in [1, 2, 3, 7, 128, 200, 255, 256] {
            for (level, index) in [(0, 0), (0, 3), (1, 0), (2, 1)] {
                let tile = Tile {
                    level,
                    index,
                    width,
                };
                let hashes = TileHashes::new(tile, &data).unwrap();
                let indexes = stored_indexes_of(&tile);
                assert!(!indexes.is_empty(), "{tile}");
                for i in indexes {
                    assert_eq!(
                        hashes.hash(i),
                        hash_from_tile(&tile, &data, i),
                        "{tile}, stored hash {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn hashes_another_tile_holds_are_refused() {
        let data = vec![7u8; 3 * HASH_SIZE];
        let tile = Tile {
            level: 0,
            index: 0,
            width: 3,
        };
        let hashes = TileHashes::new(tile, &data).unwrap();
        // Stored hash 7 is the fourth leaf's: beyond this partial tile.
        assert!(hashes.hash(7).is_err());
        let elsewhere = stored_indexes_of(&Tile {
            level: 0,
            index: 1,
            width: 256,
        });
        assert!(hashes.hash(elsewhere[0]).is_err());
        assert!(TileHashes::new(tile, &data[..40]).is_err());
    }
}
