//! Compresses the viewer's site (`web-viewer/site/`) once, when the ledger is built, so that a
//! server never spends its CPU on it and its first visitor gets the smallest bytes: each file
//! gzipped (by Zopfli: any browser inflates it, and it is 5% smaller than `gzip -9`) and
//! brotli-compressed (quality 11, what current browsers ask for first; 20% smaller than gzip).
//! Writes `site_files.rs` into `OUT_DIR`: the table `viewer.rs` serves, each file as written
//! and in both codings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The site's folders and the kinds of files served from each.
const SERVED: &[(&str, &[&str])] = &[("", &["html", "js", "css"]), ("pkg", &["js", "wasm"])];

fn main() {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web-viewer/site");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed={}", site.display());
    let mut table = String::from("&[\n");
    for (folder, extensions) in SERVED {
        let mut names: Vec<String> = std::fs::read_dir(site.join(folder))
            .unwrap_or_else(|e| panic!("reading {}: {e}", site.join(folder).display()))
            .map(|entry| entry.expect("a directory entry").file_name())
            .filter_map(|name| name.into_string().ok())
            .filter(|name| {
                extensions
                    .iter()
                    .any(|ext| name.ends_with(&format!(".{ext}")))
            })
            .collect();
        names.sort();
        for name in names {
            let path = match folder.is_empty() {
                true => name.clone(),
                false => format!("{folder}/{name}"),
            };
            let source = site.join(&path);
            let plain = std::fs::read(&source).expect("reading a site file");
            let stem = out.join(path.replace('/', "__"));
            let (gzip, brotli) = (with_suffix(&stem, "gz"), with_suffix(&stem, "br"));
            std::fs::write(&gzip, gzipped(&plain)).expect("writing to OUT_DIR");
            std::fs::write(&brotli, brotli_compressed(&plain)).expect("writing to OUT_DIR");
            writeln!(
                table,
                "    SiteFile {{ path: {path:?}, media_type: {:?}, plain: include_bytes!({:?}), \
                 gzip: include_bytes!({:?}), brotli: include_bytes!({:?}) }},",
                media_type(&name),
                source.display().to_string(),
                gzip.display().to_string(),
                brotli.display().to_string(),
            )
            .expect("writing to a String");
        }
    }
    table.push(']');
    std::fs::write(out.join("site_files.rs"), table).expect("writing to OUT_DIR");
}

fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(format!(".{suffix}"));
    PathBuf::from(name)
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        _ => unreachable!("only the kinds in SERVED are read"),
    }
}

fn gzipped(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )
    .expect("writing to memory");
    out
}

fn brotli_compressed(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}
