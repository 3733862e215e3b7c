//! Concurrency: many simultaneous requests for conflicting checkpoints of one origin must
//! never yield two cosignatures that contradict each other (tlog-witness's compare-and-swap).
//!
//! A misbehaving log signs two histories that share their first leaves. Sixteen threads send
//! each round's requests together (barriers), all claiming the witness's current size as their old
//! size, half of them pushing one history and half the other. Exactly one may win a round.
//! Afterwards every pair of cosigned checkpoints is checked for consistency with a proof
//! from the log that made the larger one.

mod common;

use common::*;
use std::sync::{Arc, Barrier, Mutex};
use tlog::witness::AddCheckpointRequest;

const THREADS: usize = 16;
const ROUNDS: usize = 30;
// Ten rounds per origin, each at least one leaf further: always past the divergence.
const COMMON: u64 = 6;
const ORIGINS: usize = 3;

/// (round, thread, history, size asked for, answer)
type RoundAnswer = (usize, usize, usize, u64, Answer);

#[derive(Clone, Debug)]
struct Cosigned {
    origin: usize,
    history: usize,
    size: u64,
}

#[test]
fn concurrent_conflicting_requests_never_both_win() {
    let tmp = TempDir::new("race");
    let dir = tmp.witness_dir();
    let witness = init(&dir);
    // For each origin, two histories of one log key, equal for the first COMMON leaves.
    let logs: Vec<[FakeLog; 2]> = (0..ORIGINS)
        .map(|o| {
            let a = FakeLog::new(&format!("example.com/race-{o}"), 10 + o as u8, "a", 200);
            let b = a.fork(COMMON, "b", 200);
            add_log(&dir, &a);
            [a, b]
        })
        .collect();
    let logs = Arc::new(logs);
    let server = WitnessProcess::start_with_log(&dir, "warn");
    let url = Arc::new(server.url.clone());

    // The witness's size per origin, as the rounds learn it; every thread reads it after the
    // first barrier and the main thread updates it after the second.
    let current = Arc::new(Mutex::new(vec![0u64; ORIGINS]));
    let start = Arc::new(Barrier::new(THREADS + 1));
    let go = Arc::new(Barrier::new(THREADS));
    let done = Arc::new(Barrier::new(THREADS + 1));
    let results: Arc<Mutex<Vec<RoundAnswer>>> = Arc::default();

    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (logs, url, current, results) =
                (logs.clone(), url.clone(), current.clone(), results.clone());
            let (start, go, done) = (start.clone(), go.clone(), done.clone());
            std::thread::spawn(move || {
                let http = client();
                for round in 0..ROUNDS {
                    let origin = round % ORIGINS;
                    let history = t % 2;
                    // The main thread updated `current` before it reached this barrier.
                    start.wait();
                    let old = current.lock().unwrap()[origin];
                    // Different threads ask for different sizes, some equal, all ahead.
                    let new = (old + 1 + (t as u64 / 2) % 4).min(200);
                    let body = logs[origin][history].request(old, new);
                    // Signing takes a while: line up again so the requests leave together.
                    go.wait();
                    let a = post(&http, &url, body);
                    results.lock().unwrap().push((round, t, history, new, a));
                    done.wait();
                }
            })
        })
        .collect();

    let mut cosigned: Vec<Cosigned> = Vec::new();
    let (mut conflicts, mut refusals) = (0, 0);
    for round in 0..ROUNDS {
        let origin = round % ORIGINS;
        start.wait();
        done.wait();
        let mut answers = std::mem::take(&mut *results.lock().unwrap());
        assert_eq!(answers.len(), THREADS);
        answers.sort_by_key(|(_, t, ..)| *t);
        let winners: Vec<_> = answers.iter().filter(|(.., a)| a.status == 200).collect();
        // Everyone claimed the current size, so exactly one request can win the round.
        assert_eq!(
            winners.len(),
            1,
            "round {round}: {:?}",
            answers
                .iter()
                .map(|(_, t, h, n, a)| (t, h, n, a.status))
                .collect::<Vec<_>>()
        );
        let (_, _, history, size, answer) = winners[0];
        let text = logs[origin][*history].text(*size);
        check_cosignature(answer, &witness, &text);
        cosigned.push(Cosigned {
            origin,
            history: *history,
            size: *size,
        });
        for (_, t, h, n, a) in &answers {
            match a.status {
                200 => {}
                // Lost the race: the witness names the winner's size.
                409 => {
                    conflicts += 1;
                    assert_eq!(a.body, format!("{size}\n").into_bytes(), "thread {t}");
                }
                // The other history, after the histories diverged.
                422 => {
                    refusals += 1;
                    assert_ne!(*h, *history, "thread {t} asked for {n}");
                }
                s => panic!(
                    "round {round}, thread {t}: unexpected status {s}: {}",
                    a.text()
                ),
            }
        }
        current.lock().unwrap()[origin] = *size;
    }
    for t in threads {
        t.join().unwrap();
    }
    assert!(conflicts > 0 && refusals > 0, "the test raced nothing");

    // Every pair of cosignatures for one origin is consistent: equal sizes have equal roots,
    // and the smaller tree is a prefix of the larger, as a proof from the larger's log shows.
    let mut checked = 0;
    for x in &cosigned {
        for y in &cosigned {
            if x.origin != y.origin || x.size > y.size {
                continue;
            }
            let (small, large) = (&logs[x.origin][x.history], &logs[y.origin][y.history]);
            let proof = if x.size == 0 || x.size == y.size {
                vec![]
            } else {
                large.proof(x.size, y.size)
            };
            let consistent = x.size == 0
                || tlog::proof::verify_consistency(
                    x.size,
                    y.size,
                    &small.root(x.size),
                    &large.root(y.size),
                    &proof,
                )
                .is_ok();
            assert!(consistent, "conflicting cosignatures: {x:?} and {y:?}");
            checked += 1;
        }
    }
    assert!(checked >= ROUNDS);
    // Each origin's winners moved forward only.
    for o in 0..ORIGINS {
        let sizes: Vec<u64> = cosigned
            .iter()
            .filter(|c| c.origin == o)
            .map(|c| c.size)
            .collect();
        assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{sizes:?}");
        assert!(
            sizes.last().unwrap() > &COMMON,
            "the histories never diverged: {sizes:?}"
        );
    }
}

/// Without rounds: threads hammer two forks as fast as they can, each following the 409
/// answers, and every 200 is collected. The same pairwise check applies.
#[test]
fn free_running_conflicting_writers_never_split_the_view() {
    let tmp = TempDir::new("race-free");
    let dir = tmp.witness_dir();
    let witness = init(&dir);
    let a = FakeLog::new("example.com/free", 21, "a", 400);
    let b = a.fork(COMMON, "b", 400);
    add_log(&dir, &a);
    let histories = Arc::new([a, b]);
    let server = WitnessProcess::start_with_log(&dir, "warn");
    let url = Arc::new(server.url.clone());
    let wins: Arc<Mutex<Vec<(usize, u64, Answer)>>> = Arc::default();

    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (histories, url, wins) = (histories.clone(), url.clone(), wins.clone());
            std::thread::spawn(move || {
                let http = client();
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (t as u64 + 1));
                let history = t % 2;
                let mut old = 0;
                for _ in 0..40 {
                    let new = (old + rng.range(1, 3)).min(400);
                    let log = &histories[history];
                    let req = AddCheckpointRequest {
                        old_size: old,
                        proof: log.proof(old, new),
                        checkpoint: log.checkpoint(new),
                    };
                    let answer = post(&http, &url, req.to_bytes());
                    match answer.status {
                        200 => {
                            old = new;
                            wins.lock().unwrap().push((history, new, answer));
                        }
                        409 => old = answer.text().trim_end().parse().unwrap(),
                        422 => {}
                        s => panic!("unexpected {s}: {}", answer.text()),
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let wins = wins.lock().unwrap();
    assert!(
        wins.len() > 5,
        "too few cosignatures to mean anything: {}",
        wins.len()
    );
    for (h, size, answer) in wins.iter() {
        check_cosignature(answer, &witness, &histories[*h].text(*size));
    }
    for (hx, x, _) in wins.iter() {
        for (hy, y, _) in wins.iter() {
            if x > y || (x == y && hx == hy) {
                continue;
            }
            let large = &histories[*hy];
            let proof = if x == y { vec![] } else { large.proof(*x, *y) };
            assert!(
                tlog::proof::verify_consistency(
                    *x,
                    *y,
                    &histories[*hx].root(*x),
                    &large.root(*y),
                    &proof
                )
                .is_ok(),
                "conflicting cosignatures: history {hx} size {x} and history {hy} size {y}"
            );
        }
    }
}
