//! A hostile client's malformed requests, on every endpoint of a real `ledger serve`: each is
//! answered with a 4xx and the documented JSON error (`spec/api.md` §4) — the framework's own
//! rejections included — never a 5xx, and nothing in the log changes. A body declared far
//! larger than the route takes is refused at once, before it is sent.

mod common;
use common::*;
use std::io::{Read, Write};
use std::time::Duration;

/// (method, path, body) — each one malformed for its endpoint.
const MALFORMED: &[(&str, &str, &[u8])] = &[
    ("GET", "/api/v1/proof/inclusion/-1", b""),
    ("GET", "/api/v1/proof/inclusion/x", b""),
    (
        "GET",
        "/api/v1/proof/inclusion/99999999999999999999999",
        b"",
    ),
    ("GET", "/api/v1/proof/inclusion/0?size=x", b""),
    ("GET", "/api/v1/proof/inclusion/0?size=-1", b""),
    ("GET", "/api/v1/proof/inclusion/5?size=3", b""),
    ("GET", "/api/v1/proof/consistency?old=x&new=1", b""),
    ("GET", "/api/v1/proof/consistency?old=-1&new=1", b""),
    ("GET", "/api/v1/proof/consistency?old=1", b""),
    (
        "GET",
        "/api/v1/proof/consistency?old=99999999999999999999999&new=1",
        b"",
    ),
    ("GET", "/api/v1/bundle/x", b""),
    ("GET", "/api/v1/entry/x", b""),
    ("GET", "/api/v1/entry/-1", b""),
    ("GET", "/api/v1/entry/99999999999999999999999", b""),
    ("GET", "/api/v1/entry/18446744073709551615", b""),
    ("GET", "/api/v1/bundle/0?wait=-1", b""),
    ("GET", "/api/v1/bundle/0?wait=x", b""),
    ("GET", "/api/v1/records?precinct=x", b""),
    ("GET", "/api/v1/records?precinct=-1", b""),
    ("GET", "/api/v1/records?limit=-5", b""),
    ("GET", "/api/v1/records?kind=no-such-kind", b""),
    ("GET", "/api/v1/records?key=zz", b""),
    ("GET", "/tile/x/y", b""),
    ("GET", "/tile/0/-1", b""),
    ("GET", "/tile/0/000.p/0", b""),
    ("GET", "/tile/entries/x", b""),
    ("GET", "/blob/not-hex", b""),
    ("GET", "/blob/00", b""),
    ("GET", "/no/such/route", b""),
    ("GET", "/api/v2/records", b""),
    ("DELETE", "/checkpoint", b""),
    ("POST", "/checkpoint", b"x"),
    ("PUT", "/api/v1/records", b"x"),
    ("DELETE", "/api/v1/blobs/00", b""),
    ("PUT", "/api/v1/blobs/not-hex", b"x"),
    (
        "PUT",
        "/api/v1/blobs/0000000000000000000000000000000000000000000000000000000000000000",
        b"x",
    ),
    ("POST", "/api/v1/records", b""),
    ("POST", "/api/v1/records", b"not cbor"),
    ("POST", "/api/v1/records", &[0xa3, 0x00, 0x01]),
    ("POST", "/api/v1/records?wait=x", b"x"),
];

#[test]
fn every_malformed_request_is_a_json_4xx_and_changes_nothing() {
    let dir = temp_dir("malformed");
    let log = dir.path().join("log");
    init(&log);
    let server = Server::start(&log, 10);
    let rt = runtime();
    let http = reqwest::Client::new();
    let checkpoint = |rt: &tokio::runtime::Runtime| {
        rt.block_on(async {
            let r = http
                .get(format!("{}/checkpoint", server.url))
                .send()
                .await
                .unwrap();
            r.bytes().await.unwrap()
        })
    };
    let before = checkpoint(&rt);
    for (method, path, body) in MALFORMED {
        let (status, json) = rt.block_on(async {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = http
                .request(method, format!("{}{path}", server.url))
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            (status, json.ok_or(text))
        });
        let what = format!("{method} {path}");
        assert!((400..500).contains(&status), "{what}: {status} {json:?}");
        let json = json.unwrap_or_else(|text| panic!("{what}: {status}, not JSON: {text}"));
        let code = json["error"]["code"].as_str();
        assert!(
            code.is_some_and(|c| !c.is_empty()) && json["error"]["message"].is_string(),
            "{what}: {json}"
        );
    }
    assert_eq!(checkpoint(&rt), before, "nothing changed");
    assert!(server.stop());
}

#[test]
fn a_body_declared_too_large_is_refused_before_it_is_sent() {
    let dir = temp_dir("declared");
    let log = dir.path().join("log");
    init(&log);
    let server = Server::start(&log, 10);
    let address = server.url.trim_start_matches("http://");
    for (method, path) in [
        ("POST", "/api/v1/records"),
        (
            "PUT",
            "/api/v1/blobs/0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ] {
        let mut socket = std::net::TcpStream::connect(address).unwrap();
        // A bound on the wait, so that a server holding the connection fails the test.
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 999999999\r\n\r\nx"
        );
        socket.write_all(head.as_bytes()).unwrap();
        let mut answer = vec![0; 4096];
        let n = socket
            .read(&mut answer)
            .expect("an answer, not a held connection");
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{method} {path}: {answer}"
        );
        assert!(answer.contains("\"too-large\""), "{answer}");
    }
    assert!(server.stop());
}
