//! Files written so that a crash leaves each whole or absent, and a written file survives a
//! power cut: signed records, their documents, receipts, the outbox.

use std::path::Path;

/// Writes `bytes` to `path` through a temporary file renamed into place (so a crash leaves
/// the whole file or none), then syncs the directory. With `new`, an existing file is never
/// replaced; a document may be (it is named by its hash: the same bytes).
pub fn write_durably(path: &Path, bytes: &[u8], new: bool) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if new {
            // A hard link fails if the name is taken: never a replacement.
            std::fs::hard_link(&tmp, path)?;
            std::fs::remove_file(&tmp)
        } else {
            std::fs::rename(&tmp, path)
        }
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    std::fs::File::open(dir)?.sync_all()
}

/// Moves `from` (a file or a directory) to `to` and syncs both directories, so the move
/// survives a crash once this returns.
pub fn move_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    for dir in [to.parent(), from.parent()].into_iter().flatten() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
