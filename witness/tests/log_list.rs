//! A witness configured from a witness-network log list (`logs/v0`): from a URL and from a
//! file, idempotent, all or none, and then cosigning the listed logs.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpListener;

/// Serves `body` once over HTTP on loopback; the list's URL.
fn serve_once(body: String) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/logs/v0", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).unwrap();
        write!(
            socket,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    (url, server)
}

#[test]
fn a_witness_takes_its_logs_from_a_list_all_or_none_and_cosigns_them() {
    let tmp = TempDir::new("log-list");
    let dir = tmp.witness_dir();
    let witness = init(&dir);
    let a = FakeLog::new("ledger.example.kg/a", 11, "a", 8);
    let b = FakeLog::new("ledger.example.kg/b", 12, "b", 8);
    // `a` names its origin, `b` leaves it to its key's name.
    let list = format!(
        "# observers' list\nlogs/v0\n\nvkey {}\norigin {}\nqpd 1440\ncontact it@example.kg\n\nvkey {}\nqpd 24\ncontact ops (at) example.kg\n",
        a.vkey(),
        a.origin,
        b.vkey()
    );
    let w = dir.to_str().unwrap();

    let (url, server) = serve_once(list.clone());
    let out = cli(&["add-logs", w, "--list", &url]);
    server.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("added: {} signed by {}", a.origin, a.vkey())),
        "{text}"
    );
    assert!(
        text.contains(&format!("added: {} signed by {}", b.origin, b.vkey())),
        "{text}"
    );
    assert!(text.contains("2 log(s) in the list, 2 new"), "{text}");

    // Again, from a file: nothing new.
    let file = tmp.path().join("list");
    std::fs::write(&file, &list).unwrap();
    let out = cli(&["add-logs", w, "--list", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let new: Vec<bool> = json["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["new"].as_bool().unwrap())
        .collect();
    assert_eq!(new, [false, false]);

    // A list with one bad entry adds none of its logs, and names the line.
    let c = FakeLog::new("ledger.example.kg/c", 13, "c", 8);
    let bad = format!(
        "logs/v0\n\nvkey {}\nqpd 24\ncontact c@example.kg\n\nvkey {}\nqpd 0\ncontact d\n",
        c.vkey(),
        b.vkey()
    );
    std::fs::write(&file, bad).unwrap();
    let out = cli(&["add-logs", w, "--list", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 8"), "{}", stderr(&out));

    // A well-formed entry the witness cannot take (a witness's cosignature key, not a log's)
    // is named by its place in the list, and nothing is added either.
    let bad = format!(
        "logs/v0\n\nvkey {}\nqpd 24\ncontact c@example.kg\n\nvkey {witness}\norigin ledger.example.kg/d\nqpd 24\ncontact d\n",
        c.vkey()
    );
    std::fs::write(&file, bad).unwrap();
    let out = cli(&["add-logs", w, "--list", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("entry 2"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was added"),
        "{}",
        stderr(&out)
    );

    // The witness cosigns the listed logs, and not the one of the refused list.
    let server = WitnessProcess::start(&dir);
    let http = client();
    for log in [&a, &b] {
        let answer = post(&http, &server.url, log.request(0, 8));
        check_cosignature(&answer, &witness, &log.text(8));
    }
    let answer = post(&http, &server.url, c.request(0, 8));
    assert_eq!(answer.status, 404, "{}", answer.text());
}
