//! `Record::from_bytes`, the ledger's main input (every submission): never panics, and a record
//! it accepts is canonical — encoding it again gives back exactly the bytes it was read from.
#![no_main]
use election::Record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = Record::from_bytes(data) {
        assert_eq!(record.to_bytes(), data, "accepted bytes that are not canonical");
        let _ = record.verify_signature();
        let _ = (record.body.precinct(), record.body.documents(), record.kind());
    }
});
