//! Tile paths: no panic, and every accepted path is the one spelling of its tile.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::tile::{TilePath, parse_tile_path};

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        match parse_tile_path(path) {
            Ok(TilePath::Hashes(t)) => assert_eq!(t.path(), path),
            Ok(TilePath::Entries(t)) => assert_eq!(t.entries_path(), path),
            Err(_) => {}
        }
    }
});
