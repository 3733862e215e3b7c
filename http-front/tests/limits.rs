//! The front door's limits, on a real socket: a client that never finishes its headers is cut
//! off; past the connection cap, clients wait until a connection closes; a stop lets the
//! request in flight finish and drops the router.

use axum::Router;
use axum::routing::get;
use http_front::{Limits, serve};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A server of `GET /` → "ok" within `limits`, on its own runtime; stopped when dropped.
struct Front {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: tokio::runtime::Runtime,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Front {
    fn start(limits: Limits, router: Router) -> Front {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = runtime.spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        Front {
            address,
            stop: Some(stop),
            runtime,
            served: Some(served),
        }
    }

    /// Stops the server and waits for `serve` to return.
    fn stop(mut self) -> std::io::Result<()> {
        let _ = self.stop.take().unwrap().send(());
        let served = self.served.take().unwrap();
        self.runtime.block_on(served).unwrap()
    }

    /// A connection, with a bound on every read so that a server that holds it fails the test.
    fn connect(&self) -> TcpStream {
        let socket = TcpStream::connect(self.address).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        socket
    }
}

fn ok_router() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
}

fn limits(max_connections: usize, header_timeout: Duration) -> Limits {
    Limits {
        max_connections,
        header_timeout,
        body_deadline: Duration::from_secs(10),
        shutdown_grace: Duration::from_secs(10),
        ..Limits::for_open_files(1024)
    }
}

/// Sends a whole request and reads the whole answer (the server closes after it).
fn get_root(socket: &mut TcpStream) -> String {
    request(socket, "GET")
}

/// Sends `METHOD /` without a body and reads the whole answer.
fn request(socket: &mut TcpStream, method: &str) -> String {
    let head =
        format!("{method} / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    socket.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let front = Front::start(limits(16, Duration::from_millis(300)), ok_router());
    let mut slow = front.connect();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection (with or without a 408): the read ends, not times out.
    let read = slow.read_to_end(&mut rest);
    assert!(read.is_ok(), "the server closed it: {read:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "closed by the header timeout, not by the test's bound"
    );
    // An honest client is still served.
    assert!(get_root(&mut front.connect()).ends_with("ok"));
    front.stop().unwrap();
}

#[test]
fn past_the_cap_a_client_waits_until_a_connection_closes() {
    let front = Front::start(limits(2, Duration::from_secs(60)), ok_router());
    // Two idle connections hold the cap (each accepted: one byte of a request is sent).
    let mut idle: Vec<TcpStream> = (0..2).map(|_| front.connect()).collect();
    for socket in &mut idle {
        socket.write_all(b"G").unwrap();
    }
    // A third is not served while they are held: it waits in the backlog, unanswered.
    let mut third = front.connect();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    third
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut byte = [0u8; 1];
    let waited = third.read(&mut byte);
    assert!(
        waited
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock
                || e.kind() == std::io::ErrorKind::TimedOut),
        "no answer while the cap is held: {waited:?}"
    );
    // One idle client leaves: the third is accepted and answered.
    drop(idle.pop());
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = String::new();
    third.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(idle);
    front.stop().unwrap();
}

#[test]
fn a_stop_lets_the_request_in_flight_finish_and_drops_the_router() {
    let (entered_tx, entered) = std::sync::mpsc::channel::<()>();
    let (release, released) = tokio::sync::watch::channel(false);
    let router = Router::new().route(
        "/",
        get(move || {
            let entered = entered_tx.clone();
            let mut released = released.clone();
            async move {
                let _ = entered.send(());
                let _ = released.wait_for(|r| *r).await;
                "finished"
            }
        }),
    );
    let front = Front::start(limits(16, Duration::from_secs(10)), router);
    let mut client = front.connect();
    let request = std::thread::spawn(move || get_root(&mut client));
    entered.recv().unwrap();
    // Told to stop while the request is in flight; it finishes once released.
    let Front {
        mut stop,
        runtime,
        mut served,
        address,
    } = front;
    let _ = stop.take().unwrap().send(());
    release.send(true).unwrap();
    let answer = request.join().unwrap();
    assert!(answer.ends_with("finished"), "{answer}");
    runtime.block_on(served.take().unwrap()).unwrap().unwrap();
    assert!(
        release.is_closed(),
        "the router (and its handler's state) is dropped"
    );
    // Nothing listens any more.
    assert!(TcpStream::connect(address).is_err());
}

#[test]
fn a_body_that_never_arrives_is_cut_off() {
    let router = Router::new().route(
        "/",
        axum::routing::post(
            |body: axum::body::Bytes| async move { format!("{} bytes", body.len()) },
        ),
    );
    let front = Front::start(
        Limits {
            body_deadline: Duration::from_millis(300),
            ..limits(16, Duration::from_secs(60))
        },
        router,
    );
    let mut slow = front.connect();
    // Whole headers, then one byte of the ten promised: the body never completes.
    slow.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx")
        .unwrap();
    let mut answer = String::new();
    let read = slow.read_to_string(&mut answer);
    assert!(read.is_ok(), "closed, not held: {read:?}");
    assert!(!answer.contains("10 bytes"), "{answer}");
    front.stop().unwrap();
}

#[test]
fn past_the_grace_a_stop_cuts_off_what_still_runs_and_drops_the_router() {
    let (release, released) = tokio::sync::watch::channel(false);
    let router = Router::new().route(
        "/",
        get(move || {
            let mut released = released.clone();
            async move {
                // Never released: a request that would hold the stop forever.
                let _ = released.wait_for(|r| *r).await;
                "never"
            }
        }),
    );
    let front = Front::start(
        Limits {
            shutdown_grace: Duration::from_millis(200),
            ..limits(16, Duration::from_secs(60))
        },
        router,
    );
    let mut client = front.connect();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // Give the request time to reach its handler (a bound, not a condition of the result:
    // stopped before or after, the router must be gone when `serve` returns).
    std::thread::sleep(Duration::from_millis(100));
    front.stop().unwrap();
    assert!(release.is_closed(), "every clone of the router is dropped");
}

#[test]
fn a_flood_of_reads_never_takes_the_place_of_a_write() {
    // Reads that hold their place until released: the flood.
    let (release, released) = tokio::sync::watch::channel(false);
    let holding = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let held = holding.clone();
    let router = Router::new().route(
        "/",
        get(move || {
            let mut released = released.clone();
            held.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                let _ = released.wait_for(|r| *r).await;
                "read"
            }
        })
        .post(|| async { "written" }),
    );
    let front = Front::start(
        Limits {
            reads_in_flight: 2,
            writes_in_flight: 1,
            queue_wait: Duration::from_millis(300),
            ..limits(16, Duration::from_secs(60))
        },
        router,
    );
    let mut flood: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut c = front.connect();
            c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            c
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while holding.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        assert!(
            Instant::now() < deadline,
            "the flood never reached its handler"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // A third read waits its turn, then is told the server is busy, and held no longer.
    let mut third = front.connect();
    let answer = get_root(&mut third);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    // The reads' places are all taken; a write has its own.
    let answer = request(&mut front.connect(), "POST");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("written"), "{answer}");
    release.send(true).unwrap();
    for c in &mut flood {
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        assert!(answer.ends_with("read"), "{answer}");
    }
    front.stop().unwrap();
}

#[test]
fn only_a_server_that_says_so_lets_any_origin_read_its_answers() {
    for any_origin in [false, true] {
        let limits = Limits {
            any_origin,
            ..limits(16, Duration::from_secs(5))
        };
        let front = Front::start(limits, ok_router());
        let ok = get_root(&mut front.connect()).to_ascii_lowercase();
        assert!(ok.ends_with("ok"), "{ok}");
        // An answer the router refuses carries it too.
        let missing = request(&mut front.connect(), "DELETE").to_ascii_lowercase();
        assert!(missing.starts_with("http/1.1 405"), "{missing}");
        for answer in [&ok, &missing] {
            assert_eq!(
                answer.contains("access-control-allow-origin: *"),
                any_origin,
                "{answer}"
            );
        }
        front.stop().unwrap();
    }
}
