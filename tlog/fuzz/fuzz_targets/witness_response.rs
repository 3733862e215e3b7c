//! A witness's answer to add-checkpoint as the log reads it (`AddCheckpointResponse::parse`): a
//! hostile witness chooses the status, the content type and the body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tlog::witness::AddCheckpointResponse;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let status = [200, 409, 422, 403, 404, 400, 500][usize::from(choice) % 7];
    let content_type = match choice >> 4 {
        0 => None,
        1 => Some("text/x.tlog.size"),
        2 => Some("text/x.tlog.size; charset=utf-8"),
        _ => Some("text/plain"),
    };
    if let Ok(response) = AddCheckpointResponse::parse(status, content_type, body) {
        let _ = (response.body(), response.content_type());
    }
});
