//! Fetching a log's public files by their C2SP paths (`checkpoint`, `tile/<L>/<N>[.p/<W>]`,
//! `tile/entries/<N>[.p/<W>]`, and documents at `blob/<sha256 hex>`), over plain HTTP from the
//! log or any mirror or static file server — or from a local directory holding a copy.
//!
//! Nothing fetched is trusted: every byte is checked against a checkpoint that satisfies the
//! policy. This module only fetches, many files at once where it can, with a size limit per
//! file. A missing file is reported apart from a network failure, because a log that does not
//! serve a tile its checkpoint commits to has failed, while an unreachable server says nothing
//! about the log.

use crate::outcome::Failure;
use futures::StreamExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tlog::ReadError;
use tlog::entries::MAX_ENTRY_SIZE;
use tlog::tile::{TILE_WIDTH, Tile, TileReader};

/// How many requests are in flight at once.
pub const CONCURRENCY: usize = 16;
/// The largest entry bundle: 256 entries of at most 65,535 bytes, each with its length.
pub const MAX_BUNDLE: usize = TILE_WIDTH as usize * (MAX_ENTRY_SIZE + 2);
/// The largest hash tile.
pub const MAX_TILE: usize = TILE_WIDTH as usize * 32;
/// The largest checkpoint note (signed-note's limit).
pub const MAX_NOTE: usize = tlog::note::MAX_NOTE_SIZE;

/// Why a file could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The server answered 404, or the file is not in the directory.
    Missing(String),
    /// The file is larger than any valid file of its kind.
    TooLarge(String),
    /// The server could not be reached, or answered with another error.
    Failed(String),
}

impl FetchError {
    /// The failure for a file the log's checkpoint commits it to serve: missing or oversized
    /// is the log's fault; a network problem is not.
    pub fn committed(self, what: &str) -> Failure {
        match self {
            FetchError::Missing(url) => Failure::Log(format!(
                "the log does not serve {what} ({url}), which its signed checkpoint commits it to"
            )),
            FetchError::TooLarge(url) => {
                Failure::Log(format!("{what} ({url}) is larger than any valid one"))
            }
            FetchError::Failed(m) => Failure::Network(m),
        }
    }

    /// The failure for a file that may legitimately be absent (a wrong URL, say).
    pub fn plain(self) -> Failure {
        match self {
            FetchError::Missing(url) => Failure::Network(format!("{url} does not exist (404)")),
            FetchError::TooLarge(url) => Failure::Network(format!("{url} is too large")),
            FetchError::Failed(m) => Failure::Network(m),
        }
    }
}

enum Location {
    Http {
        base: String,
        client: reqwest::Client,
    },
    Dir(PathBuf),
}

/// Where a log's files come from.
pub struct Source {
    location: Location,
    rt: tokio::runtime::Runtime,
}

/// Every cause of an error, joined: reqwest's top-level message alone rarely says why.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

impl Source {
    /// A log at `location`: an `http://` or `https://` URL (HTTPS trusts the platform's roots,
    /// or the PEM bundle `SSL_CERT_FILE` names), or a local directory (or `file://` URL)
    /// holding a copy of its files.
    pub fn open(location: &str) -> Result<Source, Failure> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Failure::Usage(format!("cannot start the network runtime: {e}")))?;
        let location = if location.starts_with("http://") || location.starts_with("https://") {
            let client = reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(15))
                .timeout(Duration::from_secs(120))
                .build()
                .map_err(|e| Failure::Usage(format!("cannot make an HTTP client: {e}")))?;
            Location::Http {
                base: location.trim_end_matches('/').to_string(),
                client,
            }
        } else {
            let dir = PathBuf::from(location.strip_prefix("file://").unwrap_or(location));
            if !dir.is_dir() {
                return Err(Failure::Usage(format!(
                    "--log {location}: not an http:// or https:// URL, nor a directory"
                )));
            }
            Location::Dir(dir)
        };
        Ok(Source { location, rt })
    }

    /// The full URL (or file name) of a path, for messages.
    pub fn url(&self, path: &str) -> String {
        match &self.location {
            Location::Http { base, .. } => format!("{base}/{path}"),
            Location::Dir(dir) => dir.join(path).display().to_string(),
        }
    }

    /// Whether the log is reached over HTTP (only then is its lookup API available).
    pub fn is_http(&self) -> bool {
        matches!(self.location, Location::Http { .. })
    }

    async fn get_async(&self, path: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
        let url = self.url(path);
        match &self.location {
            Location::Dir(dir) => {
                let file = dir.join(path.split('?').next().unwrap_or(path));
                match std::fs::read(&file) {
                    Ok(b) if b.len() > limit => Err(FetchError::TooLarge(url)),
                    Ok(b) => Ok(b),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        Err(FetchError::Missing(url))
                    }
                    Err(e) => Err(FetchError::Failed(format!("cannot read {url}: {e}"))),
                }
            }
            Location::Http { client, .. } => {
                let unreachable = |e: reqwest::Error| {
                    FetchError::Failed(format!("cannot reach {url}: {}", causes(&e)))
                };
                let mut response = client.get(&url).send().await.map_err(unreachable)?;
                let status = response.status();
                if status == reqwest::StatusCode::NOT_FOUND {
                    return Err(FetchError::Missing(url));
                }
                if !status.is_success() {
                    return Err(FetchError::Failed(format!("{url} answered {status}")));
                }
                if response.content_length().is_some_and(|n| n > limit as u64) {
                    return Err(FetchError::TooLarge(url));
                }
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
                    if body.len() + chunk.len() > limit {
                        return Err(FetchError::TooLarge(url));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            }
        }
    }

    /// One file, at most `limit` bytes.
    pub fn get(&self, path: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
        self.rt.block_on(self.get_async(path, limit))
    }

    /// Many files at once, in the order asked.
    pub fn get_all(&self, paths: &[(String, usize)]) -> Vec<Result<Vec<u8>, FetchError>> {
        let mut out = Vec::with_capacity(paths.len());
        self.for_each(paths.iter().cloned(), |_, data| {
            out.push(data);
            true
        });
        out
    }

    /// Fetches files (path, size limit) with many requests in flight and hands each to
    /// `sink(position, contents)` in order, holding only a few in memory; stops early if
    /// `sink` returns false.
    pub fn for_each(
        &self,
        paths: impl Iterator<Item = (String, usize)>,
        mut sink: impl FnMut(usize, Result<Vec<u8>, FetchError>) -> bool,
    ) {
        let concurrency = self.concurrency();
        self.rt.block_on(async {
            let mut answers = futures::stream::iter(paths.enumerate())
                .map(|(i, (p, limit))| async move { (i, self.get_async(&p, limit).await) })
                .buffered(concurrency);
            while let Some((i, data)) = answers.next().await {
                if !sink(i, data) {
                    break;
                }
            }
        })
    }

    fn concurrency(&self) -> usize {
        match self.location {
            Location::Http { .. } => CONCURRENCY,
            Location::Dir(_) => 1,
        }
    }

    /// A tile's contents (an entry bundle if `entries`), taking the full tile when the
    /// partial one is gone, as tlog-tiles allows; the caller uses the first `width` items.
    async fn tile_async(&self, tile: Tile, entries: bool) -> Result<Vec<u8>, FetchError> {
        let limit = if entries { MAX_BUNDLE } else { MAX_TILE };
        let mut missing = None;
        for path in tile.paths_to_read(entries) {
            match self.get_async(&path, limit).await {
                // The first path's URL is the one reported missing.
                Err(FetchError::Missing(url)) => {
                    missing.get_or_insert(url);
                }
                other => return other,
            }
        }
        Err(FetchError::Missing(missing.expect("at least one path")))
    }

    /// Several tiles at once, in order.
    pub fn tiles(&self, tiles: &[Tile], entries: bool) -> Result<Vec<Vec<u8>>, (Tile, FetchError)> {
        self.rt.block_on(async {
            let mut answers = futures::stream::iter(tiles.iter().copied())
                .map(|t| async move { (t, self.tile_async(t, entries).await) })
                .buffered(CONCURRENCY);
            let mut out = Vec::with_capacity(tiles.len());
            while let Some((t, data)) = answers.next().await {
                out.push(data.map_err(|e| (t, e))?);
            }
            Ok(out)
        })
    }

    /// Fetches tiles with many requests in flight and hands each to `sink` in order; stops
    /// early if `sink` returns false.
    pub fn for_each_tile(
        &self,
        tiles: impl Iterator<Item = Tile>,
        entries: bool,
        mut sink: impl FnMut(Tile, Result<Vec<u8>, FetchError>) -> bool,
    ) {
        let concurrency = self.concurrency();
        self.rt.block_on(async {
            let mut answers = futures::stream::iter(tiles)
                .map(|t| async move { (t, self.tile_async(t, entries).await) })
                .buffered(concurrency);
            while let Some((t, data)) = answers.next().await {
                if !sink(t, data) {
                    break;
                }
            }
        })
    }
}

/// Hash tiles fetched from a [`Source`], for computing proofs client-side with
/// `tlog::tile::TileHashReader`. A fetch failure is kept so that the caller can tell "the log
/// does not serve this tile" (log failure) from "the network failed" (no conclusion).
pub struct TileFetcher<'a> {
    source: &'a Source,
    problem: Mutex<Option<Failure>>,
    /// The paths of the tiles read, in order, for messages.
    read: Mutex<Vec<String>>,
}

impl<'a> TileFetcher<'a> {
    pub fn new(source: &'a Source) -> TileFetcher<'a> {
        TileFetcher {
            source,
            problem: Mutex::new(None),
            read: Mutex::new(Vec::new()),
        }
    }

    /// The fetch failure behind a read error, if one happened.
    pub fn take_problem(&self) -> Option<Failure> {
        self.problem.lock().expect("not poisoned").take()
    }

    /// The tiles read so far, each once.
    pub fn tiles_read(&self) -> Vec<String> {
        let mut read = self.read.lock().expect("not poisoned").clone();
        read.dedup();
        read
    }
}

impl TileReader for TileFetcher<'_> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, ReadError> {
        let mut read = self.read.lock().expect("not poisoned");
        for tile in tiles {
            let path = tile.path();
            if !read.contains(&path) {
                read.push(path);
            }
        }
        drop(read);
        self.source.tiles(tiles, false).map_err(|(tile, e)| {
            let failure = e.committed(&format!("hash tile {}", tile.path()));
            let message = failure.message().to_string();
            *self.problem.lock().expect("not poisoned") = Some(failure);
            ReadError::Backend(message)
        })
    }
}
