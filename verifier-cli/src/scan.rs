//! Reading every entry of a log and recomputing its Merkle root (spec/tlog.md §11 step 4).
//!
//! A fetching thread downloads the entry bundles — full ones and the final partial one at the
//! checkpoint's size — many at a time, checks their form and passes them on in order; the
//! caller's thread hashes each entry into a [`Frontier`] and looks at it (the audit's rules). When all are read, the recomputed root must equal the signed one: then
//! every entry the caller saw is exactly what the log committed to. The scanner keeps the
//! frontier, so `monitor` can go on from where it stopped as the log grows.

use crate::fetch::{Source, TileFetcher};
use crate::outcome::Failure;
use crate::prove::bundle_entries;
use progress::Progress;
use std::sync::mpsc;
use tlog::tile::{TILE_HEIGHT, TILE_WIDTH, Tile, TileReader};
use tlog::{Checkpoint, Frontier, Hash};

/// Bundles fetched ahead of the auditing thread.
const AHEAD: usize = 64;

/// The part of the tree read so far.
#[derive(Clone, Debug, Default)]
pub struct Scanner {
    frontier: Frontier,
    /// The hash of each full bundle's 256 entries (tree level 8), for locating a mismatch.
    bundle_roots: Vec<Hash>,
}

/// A fetched, well-formed bundle on its way to the auditing thread.
struct Chunk {
    tile: Tile,
    data: Vec<u8>,
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// How many entries have been read.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Reads the entries from `self.size()` up to the checkpoint's size, hands each to
    /// `sink(index, entry)` in order, and checks the recomputed root against the checkpoint.
    pub fn advance(
        &mut self,
        source: &Source,
        checkpoint: &Checkpoint,
        progress: &Progress,
        mut sink: impl FnMut(u64, &[u8]),
    ) -> Result<(), Failure> {
        let (start, end) = (self.size(), checkpoint.size);
        if end < start {
            return Err(Failure::Log(format!(
                "the checkpoint's size {end} is smaller than the {start} entries already read"
            )));
        }
        if end == start {
            return self.check_root(source, checkpoint);
        }
        let width = u64::from(TILE_WIDTH);
        let tiles = (start / width..end.div_ceil(width))
            .map(move |n| Tile::at_tree_size(0, n, end).expect("a bundle below the size"));
        let (tx, rx) = mpsc::sync_channel::<Result<Chunk, Failure>>(AHEAD);
        let read = std::thread::scope(|scope| -> Result<(), Failure> {
            scope.spawn(move || {
                source.for_each_tile(tiles, true, |tile, data| {
                    let chunk = data
                        .map_err(|e| e.committed(&format!("entry bundle {}", tile.entries_path())))
                        .and_then(|data| {
                            bundle_entries(&tile, &data)?;
                            Ok(Chunk { tile, data })
                        });
                    let failed = chunk.is_err();
                    tx.send(chunk).is_ok() && !failed
                });
            });
            // Hashing happens here, with the auditing, so that the tree and the caller always
            // stop at the same entry, even when a fetch fails halfway.
            for chunk in rx {
                let chunk = chunk?;
                let entries = bundle_entries(&chunk.tile, &chunk.data)?;
                let first = chunk.tile.index * width;
                let skip = (self.frontier.size() - first) as usize;
                for (i, entry) in entries.iter().enumerate().skip(skip) {
                    let roots = &mut self.bundle_roots;
                    self.frontier
                        .append_nodes(tlog::leaf_hash(entry), |level, _, h| {
                            if level == TILE_HEIGHT {
                                roots.push(h);
                            }
                        });
                    sink(first + i as u64, entry);
                }
                progress.update(self.frontier.size() - start);
            }
            Ok(())
        });
        progress.finish();
        read?;
        if self.size() != end {
            return Err(Failure::Network(format!(
                "reading the entries stopped at {} of {end}",
                self.size()
            )));
        }
        self.check_root(source, checkpoint)
    }

    /// The recomputed root must be the checkpoint's.
    fn check_root(&self, source: &Source, checkpoint: &Checkpoint) -> Result<(), Failure> {
        let root = self.frontier.root();
        if root == checkpoint.root {
            return Ok(());
        }
        let location = self.locate_mismatch(source, checkpoint.size);
        Err(Failure::Log(format!(
            "the entries the log serves do not match its signed checkpoint: their Merkle root is {root}, the checkpoint of size {} says {}. {location}",
            checkpoint.size, checkpoint.root
        )))
    }

    /// Best effort, for the report: which bundle differs from what the log's hash tiles say
    /// (the tiles are not trusted either, but they point at where to look).
    fn locate_mismatch(&self, source: &Source, size: u64) -> String {
        let unknown = "Entries were altered (or removed or added) after the checkpoint was signed."
            .to_string();
        let full = self.bundle_roots.len() as u64;
        let tiles: Vec<Tile> = (0..full.div_ceil(u64::from(TILE_WIDTH)))
            .filter_map(|n| Tile::at_tree_size(1, n, size))
            .collect();
        let Ok(contents) = TileFetcher::new(source).read_tiles(&tiles) else {
            return unknown;
        };
        for (tile, data) in tiles.iter().zip(&contents) {
            for (j, h) in data
                .chunks_exact(32)
                .take(usize::from(tile.width))
                .enumerate()
            {
                let n = tile.index * u64::from(TILE_WIDTH) + j as u64;
                if let Some(ours) = self.bundle_roots.get(n as usize)
                    && ours.0 != h
                {
                    let bundle = Tile::at_tree_size(0, n, size).expect("a full bundle");
                    return format!(
                        "The first bundle that differs from the log's hash tiles is {} (entries {} to {}): its entries were altered after the checkpoint was signed.",
                        bundle.entries_path(),
                        n * u64::from(TILE_WIDTH),
                        (n + 1) * u64::from(TILE_WIDTH) - 1
                    );
                }
            }
        }
        if !size.is_multiple_of(u64::from(TILE_WIDTH)) {
            let last = Tile::at_tree_size(0, size / u64::from(TILE_WIDTH), size).expect("partial");
            return format!(
                "The full bundles agree with the log's hash tiles; the difference is in the last, partial bundle {} or in the tiles themselves.",
                last.entries_path()
            );
        }
        unknown
    }
}
