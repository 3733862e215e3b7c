//! The log in an S3 bucket: AWS S3 or any store that speaks its API with conditional writes
//! (SeaweedFS, MinIO, Cloudflare R2), through the `object_store` crate.
//!
//! The endpoint and credentials come from the standard environment variables that crate
//! reads (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ALLOW_HTTP` for a plain-HTTP endpoint on loopback), never from the configuration:
//! `config.json` names only the bucket and the prefix, and holds no secret.
//!
//! Nothing here overwrites: an immutable file (tile, bundle, document) is created only if
//! absent, and one already there counts as written only if its bytes are the same; a mutable
//! one (the checkpoint, the sequencer's lease) is replaced only if its ETag is still the one
//! read. Those two rules are what keep two sequencers on one bucket from forking the log.

use super::{Change, Storage};
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutPayload, UpdateVersion};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};

/// A bucket and a prefix inside it: `s3://BUCKET/PREFIX`, as `ledger init --storage` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageUrl {
    pub bucket: String,
    /// Without slashes at either end; empty for the bucket's top.
    pub prefix: String,
}

/// Why a storage URL was refused.
#[derive(Debug, thiserror::Error)]
#[error("storage {url:?}: {why} (expected s3://BUCKET/PREFIX, e.g. s3://shailoo/2026-11-29)")]
pub struct BadStorageUrl {
    url: String,
    why: &'static str,
}

impl StorageUrl {
    pub fn parse(url: &str) -> Result<StorageUrl, BadStorageUrl> {
        let bad = |why| BadStorageUrl {
            url: url.to_string(),
            why,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("only s3:// buckets are supported"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            return Err(bad(
                "a bucket name is 3 to 63 lowercase letters, digits, '-' or '.'",
            ));
        }
        let prefix = prefix.trim_matches('/');
        let valid_prefix = prefix.split('/').all(|segment| {
            !segment.is_empty() && segment != "." && segment != ".." || prefix.is_empty()
        }) && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
        if !valid_prefix {
            return Err(bad(
                "a prefix is path segments of letters, digits, '-', '_' or '.'",
            ));
        }
        Ok(StorageUrl {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

impl fmt::Display for StorageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix.is_empty() {
            true => write!(f, "s3://{}", self.bucket),
            false => write!(f, "s3://{}/{}", self.bucket, self.prefix),
        }
    }
}

/// The log's files in a bucket.
pub struct BucketStorage {
    store: Arc<AmazonS3>,
    url: StorageUrl,
    /// A runtime of its own: the `Storage` trait is blocking (the sequencer is a thread), and
    /// its callers may be on the server's runtime, which must not wait on itself.
    runtime: Option<tokio::runtime::Runtime>,
    /// What this process last wrote to each mutable object, and its version: the next
    /// [`Storage::update`] tries it without reading first (one request per batch, not two),
    /// and reads only if another writer changed the object since.
    written: Mutex<HashMap<String, (Vec<u8>, UpdateVersion)>>,
    /// Tiles and bundles read or written, kept: in a bucket they never change (they are only
    /// ever created), so a tile served twice is fetched once.
    tiles: Mutex<TileCache>,
}

/// Immutable objects by path, at most [`TileCache::BUDGET`] bytes; when full it starts
/// over (the hot tiles come back at once, and no bookkeeping is paid on every read).
#[derive(Default)]
struct TileCache {
    objects: HashMap<String, Arc<[u8]>>,
    bytes: usize,
}

impl TileCache {
    /// 64 MiB: the level-0 tiles of two million entries.
    const BUDGET: usize = 64 << 20;

    /// Whether `path` is an object that never changes once it exists: a hash tile or an
    /// entry bundle (documents are too, but large and read rarely).
    fn holds(path: &str) -> bool {
        path.starts_with("tile/")
    }

    fn get(&self, path: &str) -> Option<Arc<[u8]>> {
        self.objects.get(path).cloned()
    }

    fn forget(&mut self, path: &str) {
        if let Some(bytes) = self.objects.remove(path) {
            self.bytes -= bytes.len();
        }
    }

    fn keep(&mut self, path: &str, bytes: &[u8]) {
        if self.bytes + bytes.len() > Self::BUDGET {
            self.objects.clear();
            self.bytes = 0;
        }
        if self
            .objects
            .insert(path.to_string(), bytes.into())
            .is_none()
        {
            self.bytes += bytes.len();
        }
    }
}

/// How many objects one `write_all` sends at once.
const PARALLEL_WRITES: usize = 16;

impl BucketStorage {
    /// Connects to the bucket `url` names, with the endpoint and credentials of the
    /// environment. Nothing is sent until the first read or write.
    pub fn open(url: &StorageUrl) -> io::Result<BucketStorage> {
        BucketStorage::open_with(url, &[])
    }

    /// [`BucketStorage::open`], with `settings` (`AWS_ENDPOINT_URL`, …: the names of the
    /// environment variables) over the environment's: for a program that reaches several
    /// stores, or a test that cannot change its own environment.
    pub fn open_with(url: &StorageUrl, settings: &[(&str, String)]) -> io::Result<BucketStorage> {
        let invalid =
            |e: String| io::Error::new(io::ErrorKind::InvalidInput, format!("{url}: {e}"));
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&url.bucket);
        for (name, value) in settings {
            let key = name
                .to_ascii_lowercase()
                .parse::<object_store::aws::AmazonS3ConfigKey>()
                .map_err(|e| invalid(format!("{name}: {e}")))?;
            builder = builder.with_config(key, value);
        }
        let store = builder.build().map_err(|e| invalid(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bucket")
            .enable_all()
            .build()?;
        Ok(BucketStorage {
            store: Arc::new(store),
            url: url.clone(),
            runtime: Some(runtime),
            written: Mutex::default(),
            tiles: Mutex::default(),
        })
    }

    pub fn url(&self) -> &StorageUrl {
        &self.url
    }

    fn key(&self, path: &str) -> io::Result<ObjectPath> {
        super::check_path(path)?;
        let full = match self.url.prefix.is_empty() {
            true => path.to_string(),
            false => format!("{}/{path}", self.url.prefix),
        };
        ObjectPath::parse(full).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// Runs `work` on the bucket's runtime and waits for it, from any thread.
    ///
    /// Called from a worker of another multi-threaded runtime (the server's tasks), the wait
    /// first tells that runtime this worker blocks, so its other tasks move to a free worker
    /// instead of queueing behind the bucket; a plain wait there was seen to stall a mirror.
    /// A current-thread runtime cannot hand its tasks over: callers there use spawn_blocking.
    fn run<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> T {
        let runtime = self
            .runtime
            .as_ref()
            .expect("the runtime lives as long as the storage");
        let task = runtime.spawn(work);
        let wait = move || futures::executor::block_on(task);
        let outcome = match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        match outcome {
            Ok(value) => value,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

impl Drop for BucketStorage {
    fn drop(&mut self) {
        // Dropped maybe on the server's runtime, where a blocking shutdown would panic.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// An `object_store` error as an I/O error of the right kind.
fn io_error(e: object_store::Error) -> io::Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } => io::ErrorKind::AlreadyExists,
        object_store::Error::InvalidPath { .. } => io::ErrorKind::InvalidInput,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e.to_string())
}

/// Reads an object: its bytes and the version to replace it by, `None` if it is absent.
async fn get(store: &AmazonS3, key: &ObjectPath) -> io::Result<Option<(Vec<u8>, UpdateVersion)>> {
    match store.get(key).await {
        Ok(result) => {
            let version = UpdateVersion {
                e_tag: result.meta.e_tag.clone(),
                version: result.meta.version.clone(),
            };
            let bytes = result.bytes().await.map_err(io_error)?;
            Ok(Some((bytes.to_vec(), version)))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(io_error(e)),
    }
}

/// Creates an immutable object; one already there is fine only with the same bytes.
async fn create(store: Arc<AmazonS3>, key: ObjectPath, bytes: Vec<u8>) -> io::Result<()> {
    let payload = PutPayload::from(bytes.clone());
    match store.put_opts(&key, payload, PutMode::Create.into()).await {
        Ok(_) => Ok(()),
        Err(
            object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. },
        ) => {
            match get(&store, &key).await? {
                Some((existing, _)) if existing == bytes => Ok(()),
                Some(_) => Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{key} already holds other bytes: another writer wrote it; refusing to overwrite"
                    ),
                )),
                // Removed between the two requests: only an operator does that.
                None => Err(io::Error::other(format!(
                    "{key} vanished while being written"
                ))),
            }
        }
        Err(e) => Err(io_error(e)),
    }
}

impl Storage for BucketStorage {
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let writes = files
            .iter()
            .map(|(path, bytes)| Ok((self.key(path)?, bytes.clone())))
            .collect::<io::Result<Vec<_>>>()?;
        let store = self.store.clone();
        self.run(async move {
            futures::stream::iter(writes)
                .map(|(key, bytes)| create(store.clone(), key, bytes))
                .buffer_unordered(PARALLEL_WRITES)
                .try_collect::<Vec<()>>()
                .await
                .map(|_| ())
        })?;
        // Written means stored with these bytes (or identical ones were there): the next
        // proof reads them from here.
        let mut tiles = self.tiles.lock().unwrap_or_else(|p| p.into_inner());
        for (path, bytes) in files.iter().filter(|(path, _)| TileCache::holds(path)) {
            tiles.keep(path, bytes);
        }
        Ok(())
    }

    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let cacheable = TileCache::holds(path);
        let tiles = || self.tiles.lock().unwrap_or_else(|p| p.into_inner());
        if cacheable && let Some(bytes) = tiles().get(path) {
            return Ok(Some(bytes.to_vec()));
        }
        let key = self.key(path)?;
        let store = self.store.clone();
        let found = self
            .run(async move { get(&store, &key).await })
            .map(|found| found.map(|(bytes, _)| bytes))?;
        // Absent is not kept: the tile may be written next.
        if cacheable && let Some(bytes) = &found {
            tiles().keep(path, bytes);
        }
        Ok(found)
    }

    fn exists(&self, path: &str) -> bool {
        let Ok(key) = self.key(path) else {
            return false;
        };
        let store = self.store.clone();
        self.run(async move { store.head(&key).await.is_ok() })
    }

    fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        let key = self.key(dir)?;
        let store = self.store.clone();
        self.run(async move {
            let listed = store
                .list_with_delimiter(Some(&key))
                .await
                .map_err(io_error)?;
            let names = listed
                .common_prefixes
                .iter()
                .chain(listed.objects.iter().map(|o| &o.location))
                .filter_map(|p| p.filename().map(str::to_string))
                .collect();
            Ok(names)
        })
    }

    fn remove(&self, path: &str) -> io::Result<()> {
        self.tiles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .forget(path);
        let key = self.key(path)?;
        let store = self.store.clone();
        self.run(async move {
            match store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(io_error(e)),
            }
        })
    }

    fn update(&self, path: &str, change: &mut Change<'_>) -> io::Result<bool> {
        let key = self.key(path)?;
        let remembered = || self.written.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let current = match remembered().get(path).cloned() {
                Some(last) => Some(last),
                None => {
                    let (store, read_key) = (self.store.clone(), key.clone());
                    self.run(async move { get(&store, &read_key).await })?
                }
            };
            let Some(bytes) = change(current.as_ref().map(|(bytes, _)| bytes.as_slice())) else {
                return Ok(false);
            };
            let mode = match current {
                Some((_, version)) => PutMode::Update(version),
                None => PutMode::Create,
            };
            let (store, write_key, payload) = (self.store.clone(), key.clone(), bytes.clone());
            let written = self.run(async move {
                store
                    .put_opts(&write_key, PutPayload::from(payload), mode.into())
                    .await
            });
            match written {
                Ok(result) => {
                    let version = UpdateVersion::from(result);
                    match version.e_tag.is_some() || version.version.is_some() {
                        true => remembered().insert(path.to_string(), (bytes, version)),
                        false => remembered().remove(path),
                    };
                    return Ok(true);
                }
                // Another writer got there first: read what it wrote and ask again.
                Err(
                    object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. },
                ) => {
                    remembered().remove(path);
                }
                Err(e) => {
                    // Whether it was written is unknown: read it next time.
                    remembered().remove(path);
                    return Err(io_error(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tiles_are_cached_and_a_full_cache_starts_over() {
        assert!(TileCache::holds("tile/0/001.p/7"));
        assert!(TileCache::holds("tile/entries/x001/234"));
        for mutable_or_large in ["checkpoint", "sequencer-lease", "blob/00ff"] {
            assert!(!TileCache::holds(mutable_or_large), "{mutable_or_large}");
        }
        let mut cache = TileCache::default();
        let tile = vec![7u8; 8192];
        cache.keep("tile/0/000", &tile);
        cache.keep("tile/0/000", &tile);
        assert_eq!(cache.bytes, 8192, "a tile kept twice is counted once");
        assert_eq!(cache.get("tile/0/000").as_deref(), Some(&tile[..]));
        cache.forget("tile/0/000");
        assert_eq!((cache.bytes, cache.get("tile/0/000")), (0, None));
        let n = TileCache::BUDGET / tile.len();
        for i in 0..=n {
            cache.keep(&format!("tile/0/{i}"), &tile);
        }
        assert!(cache.bytes <= TileCache::BUDGET);
        assert!(
            cache.get("tile/0/0").is_none(),
            "the first went when the cache filled"
        );
        assert!(
            cache.get(&format!("tile/0/{n}")).is_some(),
            "the last is kept"
        );
    }

    #[test]
    fn storage_urls_name_a_bucket_and_a_clean_prefix() {
        let url = StorageUrl::parse("s3://shailoo-logs/2026/parliament/").unwrap();
        assert_eq!(url.bucket, "shailoo-logs");
        assert_eq!(url.prefix, "2026/parliament");
        assert_eq!(url.to_string(), "s3://shailoo-logs/2026/parliament");
        assert_eq!(StorageUrl::parse("s3://logs").unwrap().prefix, "");
        for bad in [
            "/var/log",
            "gs://bucket/x",
            "s3://",
            "s3://UPPER/x",
            "s3://bucket/x/../y",
            "s3://bucket/a//b",
            "s3://bucket/a b",
        ] {
            assert!(StorageUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
