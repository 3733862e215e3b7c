//! Crashes: `kill -9` at random moments while requests are being answered never loses a
//! cosigned state nor takes one back. Every checkpoint answered 200 before the kill is
//! covered by the state after the restart (the witness committed before answering), and
//! the state never goes backwards across restarts.

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tlog::Checkpoint;
use tlog::witness::origin_hash;

const KILLS: usize = 12;
const WRITERS: u64 = 4;

#[test]
fn sigkill_never_loses_or_reverts_state() {
    let tmp = TempDir::new("sigkill");
    let dir = tmp.witness_dir();
    let witness = init(&dir);
    let log = Arc::new(FakeLog::new("example.com/crash", 31, "entry", 20_000));
    add_log(&dir, &log);
    let log_key = log.key.verifier();
    let path = format!("/{}/checkpoint", origin_hash(&log.origin));
    let mut rng = Rng::from_time();
    println!("random seed {}", rng.0);
    let http = client();

    let mut state = 0u64;
    let mut acked_total = 0u64;
    for life in 0..KILLS {
        let server = WitnessProcess::start_with_log(&dir, "warn");
        // The largest size answered 200 in this life, and how many 200s there were.
        let acked = Arc::new(AtomicU64::new(0));
        let count = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (log, url) = (log.clone(), server.url.clone());
                let (acked, count, stop) = (acked.clone(), count.clone(), stop.clone());
                let seed = rng.next() | 1;
                std::thread::spawn(move || {
                    let http = client();
                    let mut rng = Rng(seed);
                    let mut old = state;
                    while !stop.load(Ordering::SeqCst) {
                        let new = (old + rng.range(1, 3)).min(log.size());
                        assert!(new > old, "writer {w}: the fake log is too short");
                        // A transport error means the witness is dead: this life is over.
                        let Some(a) = try_post(&http, &url, log.request(old, new)) else {
                            break;
                        };
                        match a.status {
                            200 => {
                                acked.fetch_max(new, Ordering::SeqCst);
                                count.fetch_add(1, Ordering::SeqCst);
                                old = new;
                            }
                            409 => old = a.text().trim_end().parse().unwrap(),
                            s => panic!("writer {w}: unexpected {s}: {}", a.text()),
                        }
                    }
                })
            })
            .collect();

        // Kill at a random moment once cosignatures are flowing.
        poll(Duration::from_secs(30), "a first cosignature", || {
            (count.load(Ordering::SeqCst) > 0).then_some(())
        });
        std::thread::sleep(Duration::from_millis(rng.range(0, 150)));
        server.kill9();
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            w.join().expect("a writer failed");
        }
        let acked = acked.load(Ordering::SeqCst);
        acked_total += count.load(Ordering::SeqCst);

        // Restart and look: served checkpoint, and the size the compare-and-swap works from.
        let server = WitnessProcess::start_with_log(&dir, "warn");
        let a = get(&http, &server.url, &path);
        assert_eq!(a.status, 200, "life {life}: no state after restart");
        let (note, verified) = tlog::note::open(&a.body, &[&log_key, &witness]).unwrap();
        assert_eq!(verified.len(), 2, "log signature and cosignature");
        let cp = Checkpoint::parse(&note.text).unwrap();
        assert!(
            cp.size >= acked,
            "life {life}: lost state: {acked} was cosigned, {} survived",
            cp.size
        );
        assert!(
            cp.size >= state,
            "life {life}: state went back from {state} to {}",
            cp.size
        );
        assert_eq!(
            cp.root,
            log.root(cp.size),
            "life {life}: state is not the log's tree"
        );
        let probe = post(&http, &server.url, log.request(0, cp.size + 1));
        assert_eq!(probe.status, 409);
        assert_eq!(probe.text(), format!("{}\n", cp.size));
        state = cp.size;
        server.kill9();
    }
    assert!(acked_total >= KILLS as u64);
    println!("{KILLS} kills, {acked_total} cosignatures, final size {state}");
}
