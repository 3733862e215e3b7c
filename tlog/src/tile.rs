//! C2SP tlog-tiles: the tree served as immutable files of 256 hashes.
//!
//! A tile at level `L`, index `N` holds the stored hashes of tree level `8L` numbered
//! `256N .. 256N + W`. Full tiles (`W = 256`) never change; a partial tile (`.p/<W>`) exists
//! for the current tree size only and is never hashed into the level above. Every hash of the
//! tree is either in a tile or computed from one: a hash at tree level `8L + k` is the root of
//! `2^k` adjacent hashes of a level-`L` tile.

use crate::hash::{HASH_SIZE, Hash, node_hash};
use crate::stored::{HashReader, ReadError, split_stored_hash_index, stored_hash_index};
use std::fmt;
use thiserror::Error;

/// Tree levels per tile level: C2SP fixes tiles at 2^8 = 256 hashes wide.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes in a full tile, and entries in a full entry bundle.
pub const TILE_WIDTH: u16 = 1 << TILE_HEIGHT;
/// The highest tile level a path may name.
pub const MAX_TILE_LEVEL: u8 = 63;

/// The coordinates of a hash tile, or of an entry bundle when used with [`Tile::entries_path`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Tile level: the tile holds hashes of tree level `8 * level`.
    pub level: u8,
    /// Index of the tile within its level.
    pub index: u64,
    /// Number of hashes (or entries): 1 to 256; 256 is a full tile.
    pub width: u16,
}

/// A tile path that failed strict parsing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("malformed tile path {path:?}: {reason}")]
pub struct TilePathError {
    pub path: String,
    pub reason: &'static str,
}

/// What a parsed tile path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes(Tile),
    /// `tile/entries/<N>[.p/<W>]`; the tile's level is 0.
    Entries(Tile),
}

impl Tile {
    /// Whether the tile is full (and so immutable and cacheable forever).
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The path of this hash tile, relative to the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            format_tile_index(self.index),
            self.width_suffix()
        )
    }

    /// The path of the entry bundle with this index and width: `tile/entries/<N>[.p/<W>]`.
    pub fn entries_path(&self) -> String {
        format!(
            "tile/entries/{}{}",
            format_tile_index(self.index),
            self.width_suffix()
        )
    }

    fn width_suffix(&self) -> String {
        if self.is_full() {
            String::new()
        } else {
            format!(".p/{}", self.width)
        }
    }

    /// The size in bytes of this hash tile's contents.
    pub fn data_len(&self) -> usize {
        usize::from(self.width) * HASH_SIZE
    }

    /// The tile at this tile's coordinates as it is in a tree of `size` leaves, or `None` if
    /// that tree has no such tile yet.
    pub fn at_tree_size(level: u8, index: u64, size: u64) -> Option<Tile> {
        let hashes_at_level = size
            .checked_shr(u32::from(level) * u32::from(TILE_HEIGHT))
            .unwrap_or(0);
        let start = index.checked_mul(u64::from(TILE_WIDTH))?;
        let width = hashes_at_level
            .checked_sub(start)?
            .min(u64::from(TILE_WIDTH));
        (width > 0).then_some(Tile {
            level,
            index,
            width: width as u16,
        })
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Writes a tile index as C2SP does: groups of three digits, all but the last prefixed with
/// `x` (1234067 is `x001/x234/067`).
pub fn format_tile_index(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Parses a tile path relative to the log's prefix (`tile/...`), accepting exactly one
/// spelling of each tile: no leading zeros, no empty or extra groups, no width of 0 or 256.
pub fn parse_tile_path(path: &str) -> Result<TilePath, TilePathError> {
    let err = |reason| TilePathError {
        path: path.to_string(),
        reason,
    };
    let rest = path
        .strip_prefix("tile/")
        .ok_or_else(|| err("does not start with tile/"))?;
    let (level_part, rest) = rest.split_once('/').ok_or_else(|| err("no tile index"))?;
    let entries = level_part == "entries";
    let level = if entries {
        0
    } else {
        parse_small_decimal(level_part, u64::from(MAX_TILE_LEVEL))
            .ok_or_else(|| err("bad level"))? as u8
    };
    let (index_part, width) = match rest.split_once(".p/") {
        Some((index_part, width_part)) => {
            let w = parse_small_decimal(width_part, u64::from(TILE_WIDTH) - 1)
                .ok_or_else(|| err("bad partial width"))?;
            if w == 0 {
                return Err(err("partial width 0"));
            }
            (index_part, w as u16)
        }
        None => (rest, TILE_WIDTH),
    };
    let index = parse_tile_index(index_part).ok_or_else(|| err("bad tile index"))?;
    let tile = Tile {
        level,
        index,
        width,
    };
    Ok(if entries {
        TilePath::Entries(tile)
    } else {
        TilePath::Hashes(tile)
    })
}

/// A decimal number with no sign, no leading zeros and at most `max`.
fn parse_small_decimal(text: &str, max: u64) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse::<u64>().ok().filter(|&n| n <= max)
}

fn parse_tile_index(text: &str) -> Option<u64> {
    let groups: Vec<&str> = text.split('/').collect();
    let (last, leading) = groups.split_last()?;
    let mut index: u64 = 0;
    for (i, group) in leading.iter().enumerate() {
        let digits = group.strip_prefix('x')?;
        // The first group must not be zero, or the same index would have two spellings.
        if i == 0 && digits == "000" {
            return None;
        }
        index = index
            .checked_mul(1000)?
            .checked_add(three_digits(digits)?)?;
    }
    index.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(text: &str) -> Option<u64> {
    (text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

/// The tile that holds, or from which one computes, the stored hash at `stored_index`,
/// narrowed to the width that hash needs; and the range of the tile's hashes it is made of.
pub fn tile_for_stored_index(stored_index: u64) -> (Tile, std::ops::Range<usize>) {
    let (level, n) = split_stored_hash_index(stored_index);
    let tile_level = level / TILE_HEIGHT;
    let sub = level % TILE_HEIGHT;
    let first = n << sub; // first hash of the tile's level that the hash covers
    let tile_index = first >> TILE_HEIGHT;
    let start = (first - (tile_index << TILE_HEIGHT)) as usize;
    let end = start + (1usize << sub);
    (
        Tile {
            level: tile_level,
            index: tile_index,
            width: end as u16,
        },
        start..end,
    )
}

/// Computes the stored hash at `stored_index` from the contents of a tile that holds it.
pub fn hash_from_tile(tile: &Tile, data: &[u8], stored_index: u64) -> Result<Hash, ReadError> {
    let (needed, range) = tile_for_stored_index(stored_index);
    if needed.level != tile.level || needed.index != tile.index || needed.width > tile.width {
        return Err(ReadError::BadTile(format!(
            "{tile} does not hold stored hash {stored_index}"
        )));
    }
    // A wider tile than asked for is fine (a client may fetch the full tile once the partial
    // one is gone); only its first `width` hashes are used.
    let full = usize::from(TILE_WIDTH) * HASH_SIZE;
    if !data.len().is_multiple_of(HASH_SIZE) || data.len() < tile.data_len() || data.len() > full {
        return Err(ReadError::BadTile(format!(
            "{tile} has {} bytes, want {}",
            data.len(),
            tile.data_len()
        )));
    }
    let mut row: Vec<Hash> = data[range.start * HASH_SIZE..range.end * HASH_SIZE]
        .chunks_exact(HASH_SIZE)
        .map(|c| Hash(c.try_into().expect("32-byte chunk")))
        .collect();
    while row.len() > 1 {
        row = row
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    Ok(row[0])
}

/// The tiles, at tree size `size`, that hold the given stored hashes: what a client fetches
/// to compute a proof. Each tile appears once, with its width at that tree size.
pub fn tiles_for_indexes(size: u64, indexes: &[u64]) -> Result<Vec<Tile>, ReadError> {
    crate::stored::check_tree_size(size)?;
    let stored_count = crate::stored::stored_hash_count(size);
    let mut tiles: Vec<Tile> = Vec::new();
    for &index in indexes {
        if index >= stored_count {
            return Err(ReadError::Missing(index));
        }
        let (needed, _) = tile_for_stored_index(index);
        let tile = Tile::at_tree_size(needed.level, needed.index, size)
            .filter(|t| t.width >= needed.width)
            .ok_or(ReadError::Missing(index))?;
        if !tiles.contains(&tile) {
            tiles.push(tile);
        }
    }
    Ok(tiles)
}

/// The tiles a log writes when its tree grows from `old` to `new` leaves, lowest level first:
/// every tile whose contents changed, full or partial, at its width at size `new`.
pub fn new_tiles(old: u64, new: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        let (old_count, new_count) = (
            old.checked_shr(shift).unwrap_or(0),
            new.checked_shr(shift).unwrap_or(0),
        );
        if new_count == 0 {
            break;
        }
        if new_count <= old_count {
            continue;
        }
        let first = old_count >> TILE_HEIGHT;
        let last = (new_count - 1) >> TILE_HEIGHT;
        tiles.extend((first..=last).filter_map(|index| Tile::at_tree_size(level, index, new)));
    }
    tiles
}

/// The contents of a hash tile, read from stored hashes: what a log writes out.
pub fn read_tile_data(tile: &Tile, reader: &impl HashReader) -> Result<Vec<u8>, ReadError> {
    // Any parsed tile path can reach here: refuse tiles no tree of this crate can have.
    let possible = Tile::at_tree_size(tile.level, tile.index, crate::stored::MAX_TREE_SIZE);
    if possible.is_none_or(|t| t.width < tile.width) {
        return Err(ReadError::BadTile(format!(
            "{tile} is beyond the largest tree"
        )));
    }
    let level = tile.level * TILE_HEIGHT;
    let first = tile.index << TILE_HEIGHT;
    let indexes: Vec<u64> = (0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, first + i))
        .collect();
    let hashes = crate::stored::read_checked(reader, &indexes)?;
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

/// Fetches tile contents: an HTTP client, a directory, a cache.
pub trait TileReader {
    /// Returns each tile's contents, in the order asked for.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError>;
}

impl<R: TileReader + ?Sized> TileReader for &R {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError> {
        (**self).read_tiles(tiles)
    }
}

/// Reads stored hashes out of tiles of a tree of a known size.
///
/// The tiles are not trusted: whatever is computed from them (a root, a proof) must be
/// checked against a signed checkpoint of that size, which is what every caller in this
/// project does. A tampered tile then makes the proof fail.
pub struct TileHashReader<R> {
    pub size: u64,
    pub tiles: R,
}

impl<R: TileReader> HashReader for TileHashReader<R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        read_hashes_from_tiles(
            self.size,
            indexes,
            |tiles| self.tiles.read_tiles(tiles),
            |tile, data, index| hash_from_tile(tile, data, index),
        )
    }
}

/// Reads stored hashes `indexes` of the tree of `size` leaves from its tiles: `load` gets
/// what each tile holds (its contents, or something made from them), and `hash` gets one
/// stored hash out of what `load` gave for the tile holding it.
pub fn read_hashes_from_tiles<T>(
    size: u64,
    indexes: &[u64],
    load: impl FnOnce(&[Tile]) -> Result<Vec<T>, ReadError>,
    hash: impl Fn(&Tile, &T, u64) -> Result<Hash, ReadError>,
) -> Result<Vec<Hash>, ReadError> {
    let tiles = tiles_for_indexes(size, indexes)?;
    let contents = load(&tiles)?;
    if contents.len() != tiles.len() {
        return Err(ReadError::WrongCount {
            want: tiles.len(),
            got: contents.len(),
        });
    }
    indexes
        .iter()
        .map(|&index| {
            let (needed, _) = tile_for_stored_index(index);
            let at = tiles
                .iter()
                .position(|t| t.level == needed.level && t.index == needed.index);
            let at = at.expect("tiles_for_indexes returned a tile for every index");
            hash(&tiles[at], &contents[at], index)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(level: u8, index: u64, width: u16) -> Tile {
        Tile {
            level,
            index,
            width,
        }
    }

    #[test]
    fn index_groups() {
        assert_eq!(format_tile_index(0), "000");
        assert_eq!(format_tile_index(999), "999");
        assert_eq!(format_tile_index(1000), "x001/000");
        assert_eq!(format_tile_index(1234067), "x001/x234/067");
        assert_eq!(
            format_tile_index(u64::MAX),
            "x018/x446/x744/x073/x709/x551/615"
        );
    }

    #[test]
    fn paths_round_trip() {
        for t in [
            tile(0, 0, 256),
            tile(0, 1234067, 17),
            tile(5, 999, 1),
            tile(63, u64::MAX, 255),
        ] {
            assert_eq!(parse_tile_path(&t.path()), Ok(TilePath::Hashes(t)));
            if t.level == 0 {
                assert_eq!(parse_tile_path(&t.entries_path()), Ok(TilePath::Entries(t)));
            }
        }
        assert_eq!(tile(1, 2, 3).path(), "tile/1/002.p/3");
        assert_eq!(tile(0, 1000, 256).entries_path(), "tile/entries/x001/000");
    }

    #[test]
    fn paths_are_strict() {
        for bad in [
            "",
            "tile/",
            "tile/0",
            "tile/0/",
            "tile/00/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/+1/000",
            "tile/0/0",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/001",
            "tile/0/x1/001",
            "tile/0/x001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/01",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000/",
            "/tile/0/000",
            "tile/0//000",
            "tile/entries/",
            "tile/entries/00",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
            "tile/data/000",
            "tile/0/000.p/1/",
            "tile/0/ 000",
            "tile/0/٠٠٠",
        ] {
            assert!(parse_tile_path(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn tiles_at_size_70000() {
        // The worked example of the C2SP tlog-tiles specification.
        let tiles = new_tiles(0, 70_000);
        assert_eq!(
            tiles.iter().filter(|t| t.level == 0 && t.is_full()).count(),
            273
        );
        assert!(tiles.contains(&tile(0, 273, 112)));
        assert!(tiles.contains(&tile(1, 0, 256)));
        assert!(tiles.contains(&tile(1, 1, 17)));
        assert!(tiles.contains(&tile(2, 0, 1)));
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        assert_eq!(new_tiles(0, 256), vec![tile(0, 0, 256), tile(1, 0, 1)]);
    }

    #[test]
    fn new_tiles_only_what_changed() {
        assert_eq!(new_tiles(10, 10), vec![]);
        assert_eq!(new_tiles(10, 11), vec![tile(0, 0, 11)]);
        assert_eq!(
            new_tiles(255, 257),
            vec![tile(0, 0, 256), tile(0, 1, 1), tile(1, 0, 1)]
        );
        assert_eq!(new_tiles(257, 258), vec![tile(0, 1, 2)]);
    }

    #[test]
    fn tiles_beyond_any_tree_are_errors_not_panics() {
        let none: Vec<crate::Hash> = Vec::new();
        for t in [
            tile(8, 0, 1),
            tile(32, 0, 1),
            tile(63, u64::MAX, 255),
            tile(0, 1 << 56, 1),
            tile(7, 0, 128),
        ] {
            assert!(
                matches!(read_tile_data(&t, &none), Err(ReadError::BadTile(_))),
                "{t}"
            );
        }
        assert!(tiles_for_indexes(u64::MAX, &[0]).is_err());
        assert!(tiles_for_indexes(10, &[u64::MAX]).is_err());
    }

    #[test]
    fn a_full_tile_serves_for_a_partial_one() {
        let data: Vec<u8> = (0..=255u8).flat_map(|i| [i; 32]).collect();
        let partial = tile(0, 0, 3);
        let h = hash_from_tile(&partial, &data, stored_hash_index(0, 2)).unwrap();
        assert_eq!(h, crate::Hash([2; 32]));
        assert!(hash_from_tile(&partial, &data[..64], stored_hash_index(0, 2)).is_err());
        assert!(hash_from_tile(&partial, &data[..95], stored_hash_index(0, 2)).is_err());
    }

    #[test]
    fn stored_index_to_tile() {
        // A leaf hash: level 0, width one past its position.
        let (t, r) = tile_for_stored_index(stored_hash_index(0, 300));
        assert_eq!((t, r), (tile(0, 1, 45), 44..45));
        // Tree level 3 node 5 covers level-0 hashes 40..48.
        let (t, r) = tile_for_stored_index(stored_hash_index(3, 5));
        assert_eq!((t, r), (tile(0, 0, 48), 40..48));
        // Tree level 8 node 0 is the first hash of level-1 tile 0.
        let (t, r) = tile_for_stored_index(stored_hash_index(8, 0));
        assert_eq!((t, r), (tile(1, 0, 1), 0..1));
    }
}
