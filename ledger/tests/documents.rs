//! Documents under attack: an upload is judged before its body is read, two uploads of one scan
//! at once leave it whole, and a stored document whose bytes are no longer it is never served.

mod common;
use common::*;
use shailoo::client::LedgerClient;
use std::io::{Read, Write};
use std::time::Duration;

/// A log with one precinct's records logged (none of its documents uploaded yet).
fn logged(dir: &std::path::Path) -> (Server, Vec<election::generate::Document>) {
    let (server, e) = serve_an_election(dir, 1);
    assert!(!e.documents.is_empty());
    (server, e.documents)
}

/// Sends `head` (a request line and headers) and one byte of body, and reads the answer: a
/// server that waits for the body it was promised fails the read's bound.
fn answer_before_the_body(server: &Server, head: &str) -> String {
    let address = server.url.trim_start_matches("http://");
    let mut socket = std::net::TcpStream::connect(address).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(format!("{head}\r\n\r\nx").as_bytes())
        .unwrap();
    let mut answer = vec![0; 4096];
    let n = socket
        .read(&mut answer)
        .expect("an answer, not a held connection");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[test]
fn an_upload_is_judged_before_its_body_is_read() {
    let dir = temp_dir("upload-early");
    let (server, documents) = logged(dir.path());
    let nobody = tlog::hash::sha256(b"nobody logged this").to_hex();
    let answer = answer_before_the_body(
        &server,
        &format!("PUT /api/v1/blobs/{nobody} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000"),
    );
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("\"unreferenced\""), "{answer}");
    let doc = &documents[0].reference;
    let answer = answer_before_the_body(
        &server,
        &format!(
            "PUT /api/v1/blobs/{} HTTP/1.1\r\nHost: x\r\nContent-Length: {}",
            doc.hex(),
            doc.size + 1
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("declared as"), "{answer}");
    assert!(server.stop());
}

#[test]
fn two_uploads_of_one_scan_at_once_leave_it_whole() {
    let dir = temp_dir("upload-race");
    let (server, documents) = logged(dir.path());
    let rt = runtime();
    let client = LedgerClient::new(&server.url);
    for doc in &documents {
        let hex = doc.reference.hex();
        let (a, b) = rt.block_on(async {
            tokio::join!(
                client.upload(&hex, doc.bytes.clone()),
                client.upload(&hex, doc.bytes.clone())
            )
        });
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
        let stored = std::fs::read(dir.path().join(format!("log/public/blob/{hex}"))).unwrap();
        assert!(doc.reference.matches(&stored), "document {hex} is whole");
    }
    assert!(server.stop());
}

#[test]
fn a_stored_document_that_is_no_longer_itself_is_never_served() {
    let dir = temp_dir("damaged-document");
    let (server, documents) = logged(dir.path());
    let doc = &documents[0];
    let hex = doc.reference.hex();
    runtime()
        .block_on(LedgerClient::new(&server.url).upload(&hex, doc.bytes.clone()))
        .unwrap();
    let fetch = || {
        runtime().block_on(async {
            let r = reqwest::get(format!("{}/blob/{hex}", server.url))
                .await
                .unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap())
        })
    };
    assert_eq!(fetch(), (200, doc.bytes.clone().into()));
    // Damaged on disk (or edited by an insider): the server refuses to serve it as the document.
    let file = dir.path().join(format!("log/public/blob/{hex}"));
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&file, &bytes).unwrap();
    let (status, body) = fetch();
    assert_eq!(status, 500);
    assert_ne!(&body[..], &bytes[..], "the damaged bytes are not served");
    // Uploading the document again repairs it (an intact one is left as it is).
    runtime()
        .block_on(LedgerClient::new(&server.url).upload(&hex, doc.bytes.clone()))
        .unwrap();
    assert_eq!(fetch(), (200, doc.bytes.clone().into()));
    assert!(server.stop());
}
