//! Entry bundles as a mirror may serve them: any bytes, read as a bundle of any width, never
//! panic, and what is read back was in the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::tile::Tile;

fuzz_target!(|data: &[u8]| {
    let Some((&width, bundle)) = data.split_first() else {
        return;
    };
    let tile = Tile {
        level: 0,
        index: 0,
        width: u16::from(width).max(1),
    };
    if let Ok(entries) = tlog::writer::entries_of(&tile, bundle) {
        assert_eq!(entries.len(), usize::from(tile.width));
        assert!(entries.iter().map(|e| e.len()).sum::<usize>() <= bundle.len());
    }
});
