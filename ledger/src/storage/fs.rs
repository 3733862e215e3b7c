//! The embedded default: the log's public files in a directory.

use super::Storage;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
        super::check_path(path)?;
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
}
