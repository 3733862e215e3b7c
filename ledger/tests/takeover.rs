//! Two sequencers on one bucket of a real distributed object store (SeaweedFS), never a
//! fork (`ledger/src/lease.rs`, `spec/tlog.md` §13):
//!
//! - takeover: the active `ledger serve` is SIGKILLed at ten moments under sustained
//!   submissions, and the standby takes over each time; every acknowledged record is at its
//!   index, every checkpoint seen is a prefix of the final tree;
//! - split brain: the active one is paused (SIGSTOP) past its lease, the standby takes over,
//!   and the paused one wakes up believing it is active, with a submission in hand: only one
//!   of their batches wins, and the other steps down (exit 75) without answering.

mod common;
use common::*;
use election::generate::{Config, generate};
use shailoo::client::LedgerClient;
use shailoo_e2e::seaweed::Seaweed;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tlog::policy::Policy;

const LEASE_MS: u64 = 1500;
const KILLS: usize = 10;
/// The longest a standby may take to serve after the active one died (the bound).
const TAKEOVER_LIMIT: Duration = Duration::from_secs(10);

/// A `ledger serve` of a log in a bucket: it says `listening on` only once it holds the lease.
struct Sequencer {
    child: Child,
    lines: mpsc::Receiver<String>,
    url: Option<String>,
}

impl Sequencer {
    fn start(dir: &Path, weed: &Seaweed) -> Sequencer {
        let mut command = ledger();
        command
            .arg("serve")
            .arg(dir)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--batch-ms",
                "20",
                "--no-witnesses",
            ])
            .args(["--lease-ms", &LEASE_MS.to_string()])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("serve.log")).unwrap());
        weed.configure(&mut command);
        let mut child = command.spawn().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Sequencer {
            child,
            lines,
            url: None,
        }
    }

    /// Its URL once it serves, waiting up to `limit`.
    fn serving(&mut self, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        while self.url.is_none() {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.lines.recv_timeout(left).ok()?;
            self.url = line.strip_prefix("listening on ").map(str::to_string);
        }
        self.url.clone()
    }

    fn kill(mut self) {
        signal(&self.child, "KILL");
        let _ = self.child.wait();
    }
}

impl Drop for Sequencer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A log in a bucket of `weed`, and a second directory with the same configuration and key:
/// the two machines' copies.
fn shared_log(weed: &Seaweed, root: &Path, bucket: &str) -> (PathBuf, PathBuf) {
    weed.create_bucket(bucket);
    let (a, b) = (root.join("a"), root.join("b"));
    let mut init = ledger();
    init.arg("init").arg(&a).args([
        "--origin",
        ORIGIN,
        "--storage",
        &format!("s3://{bucket}/log"),
    ]);
    let out = weed.configure(&mut init).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(&b).unwrap();
    for file in ["config.json", "log.key", "root.key"] {
        std::fs::copy(a.join(file), b.join(file)).unwrap();
    }
    (a, b)
}

/// An election's records (about 11,000), signed now.
fn records(log: &Path, seed: u64) -> Vec<Vec<u8>> {
    let e = generate(
        &Config {
            seed,
            precincts: 700,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root_key(log).signing_key(),
    );
    e.records.iter().map(|r| r.to_bytes()).collect()
}

/// Submits `records` until all are acknowledged (an enrollment may come before the one it
/// depends on in a round: the next round takes it).
async fn submit_all(
    client: &LedgerClient,
    records: &[Vec<u8>],
    acked: &Mutex<HashMap<Vec<u8>, u64>>,
) {
    for _ in 0..10 {
        submit_pending(client, records, acked).await;
        let done = records
            .iter()
            .all(|r| acked.lock().unwrap().contains_key(r));
        if done {
            return;
        }
    }
    panic!("some records were never acknowledged");
}

/// Every entry of the log, read straight from the bucket.
async fn logged_entries(bucket: &LedgerClient, size: u64) -> Vec<Vec<u8>> {
    let mut logged = Vec::new();
    for n in 0..size.div_ceil(256) {
        let tile = tlog::tile::Tile::at_tree_size(0, n, size).unwrap();
        let data = bucket.get(&tile.entries_path()).await.unwrap();
        logged.extend(
            tlog::writer::entries_of(&tile, &data)
                .unwrap()
                .into_iter()
                .map(<[u8]>::to_vec),
        );
    }
    logged
}

/// The roots of every prefix of `entries`.
fn prefix_roots(entries: &[Vec<u8>]) -> BTreeMap<u64, tlog::Hash> {
    let mut frontier = tlog::Frontier::new();
    let mut roots = BTreeMap::from([(0, frontier.root())]);
    for entry in entries {
        frontier.append(tlog::leaf_hash(entry), |_, _| {});
        roots.insert(frontier.size(), frontier.root());
    }
    roots
}

#[test]
fn a_standby_takes_over_from_a_killed_sequencer_and_nothing_acknowledged_is_lost() {
    let weed = Seaweed::start();
    let root = temp_dir("takeover");
    let (a, b) = shared_log(&weed, root.path(), "takeover");
    let policy_for = |log: &Path| {
        let out = ledger().arg("vkey").arg(log).output().unwrap();
        let vkey = String::from_utf8(out.stdout).unwrap();
        Policy::parse(&format!("log {}\nquorum none\n", vkey.trim())).unwrap()
    };
    let policy = policy_for(&a);
    let entries = records(&a, 21);
    let acked = Mutex::new(HashMap::new());
    let seen: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let bucket = LedgerClient::new(&weed.read_url("takeover", "log"));
    let rt = runtime();
    let dirs = [a.clone(), b.clone()];
    let mut running = [Some(Sequencer::start(&a, &weed)), None];
    let mut active = 0;
    assert!(
        running[0]
            .as_mut()
            .unwrap()
            .serving(TAKEOVER_LIMIT)
            .is_some(),
        "the first sequencer takes a new log's lease at once"
    );
    running[1] = Some(Sequencer::start(&b, &weed));
    let mut takeovers = Vec::new();
    // Kill delays between 300 and 1,400 ms: random-looking, reproducible.
    let delays: Vec<u64> = (0..KILLS as u64)
        .map(|i| 300 + (i * 7919 + 13) % 1100)
        .collect();
    for delay in delays {
        let url = running[active]
            .as_mut()
            .unwrap()
            .serving(TAKEOVER_LIMIT)
            .unwrap();
        let client = LedgerClient::new(&url);
        rt.block_on(async {
            let watcher = tokio::spawn({
                let (bucket, seen) = (bucket.clone(), seen.clone());
                async move {
                    loop {
                        if let Ok(cp) = bucket.get("checkpoint").await {
                            seen.lock().unwrap().push(cp);
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            });
            let _ = tokio::time::timeout(
                Duration::from_millis(delay),
                submit_pending(&client, &entries, &acked),
            )
            .await;
            watcher.abort();
        });
        running[active].take().unwrap().kill();
        let killed = Instant::now();
        let standby = 1 - active;
        let took_over = running[standby].as_mut().unwrap().serving(TAKEOVER_LIMIT);
        assert!(
            took_over.is_some(),
            "the standby did not take over within {TAKEOVER_LIMIT:?}; it logged:\n{}",
            std::fs::read_to_string(dirs[standby].join("serve.log")).unwrap_or_default()
        );
        takeovers.push(killed.elapsed());
        // The killed machine comes back, as the standby.
        running[active] = Some(Sequencer::start(&dirs[active], &weed));
        active = standby;
    }
    let acked_before_end = acked.lock().unwrap().len();
    assert!(
        acked_before_end > 0,
        "records were acknowledged between the kills"
    );

    // Finish the election on the last sequencer, then check everything against the bucket.
    let url = running[active]
        .as_mut()
        .unwrap()
        .serving(TAKEOVER_LIMIT)
        .unwrap();
    let client = LedgerClient::new(&url);
    rt.block_on(async {
        for _ in 0..30 {
            submit_pending(&client, &entries, &acked).await;
            if acked.lock().unwrap().len() == entries.len() {
                break;
            }
        }
        assert_eq!(
            acked.lock().unwrap().len(),
            entries.len(),
            "every record is logged"
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let final_cp = loop {
            let checkpoint = bucket.get("checkpoint").await.unwrap();
            let cp = policy.verify_checkpoint(&checkpoint).unwrap().checkpoint;
            seen.lock().unwrap().push(checkpoint);
            if cp.size >= entries.len() as u64 || Instant::now() > deadline {
                break cp;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(
            final_cp.size,
            entries.len() as u64,
            "every record logged once"
        );
        let logged = logged_entries(&bucket, final_cp.size).await;
        for (entry, index) in acked.lock().unwrap().iter() {
            assert_eq!(
                &logged[*index as usize], entry,
                "entry {index} is not what was acknowledged"
            );
        }
        let roots = prefix_roots(&logged);
        assert_eq!(roots[&final_cp.size], final_cp.root);
        let mut by_size: BTreeMap<u64, tlog::Hash> = BTreeMap::new();
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() > KILLS, "checkpoints were seen along the way");
        for cp in seen {
            let c = policy.verify_checkpoint(&cp).unwrap().checkpoint;
            assert_eq!(
                roots.get(&c.size),
                Some(&c.root),
                "checkpoint {} is not a prefix of the final log",
                c.size
            );
            let first = *by_size.entry(c.size).or_insert(c.root);
            assert_eq!(
                first, c.root,
                "two checkpoints of size {} with different roots",
                c.size
            );
        }
    });
    takeovers.sort();
    let worst = *takeovers.last().unwrap();
    eprintln!(
        "{KILLS} takeovers with a {LEASE_MS} ms lease: median {:?}, p99 (the worst of {KILLS}) {worst:?}; {acked_before_end} of {} records acknowledged before the last one",
        takeovers[KILLS / 2],
        entries.len()
    );
}

#[test]
fn a_paused_sequencer_that_wakes_after_a_takeover_steps_down_without_answering() {
    let weed = Seaweed::start();
    let root = temp_dir("split-brain");
    let (a, b) = shared_log(&weed, root.path(), "split-brain");
    let entries = records(&a, 22);
    let (enrollments, rest): (Vec<_>, Vec<_>) = entries.iter().cloned().partition(|e| {
        election::Record::from_bytes(e).unwrap().kind() == election::Kind::KeyEnrollment
    });
    let bucket = LedgerClient::new(&weed.read_url("split-brain", "log"));
    let rt = runtime();
    let mut first = Sequencer::start(&a, &weed);
    let first_url = first
        .serving(TAKEOVER_LIMIT)
        .expect("the first holds the new log");
    let mut second = Sequencer::start(&b, &weed);
    let acked = Mutex::new(HashMap::new());
    rt.block_on(submit_all(
        &LedgerClient::new(&first_url),
        &enrollments,
        &acked,
    ));

    // The first is paused (a stalled VM, a long GC): the second waits its lease out.
    signal(&first.child, "STOP");
    let second_url = second
        .serving(TAKEOVER_LIMIT)
        .expect("the standby takes over");
    // A submission reaches the paused one: its kernel accepts the connection.
    let (to_first, to_second) = (rest[300].clone(), rest[..200].to_vec());
    let sent_to_first = std::thread::spawn(move || {
        runtime().block_on(LedgerClient::new(&first_url).submit(to_first, false))
    });
    rt.block_on(submit_all(
        &LedgerClient::new(&second_url),
        &to_second,
        &acked,
    ));

    // It wakes, believing it holds the log, with a batch to commit and a lease to renew.
    signal(&first.child, "CONT");
    let exit = wait(&mut first.child, Duration::from_secs(20)).expect("the woken one stops");
    assert_eq!(exit.code(), Some(75), "it steps down (exit 75)");
    let said = std::fs::read_to_string(a.join("serve.log")).unwrap();
    assert!(said.contains("stepping down"), "it says why:\n{said}");
    assert!(
        sent_to_first.join().unwrap().is_err(),
        "the paused one acknowledged nothing"
    );

    // The second kept the log: everything it acknowledged, nothing the first was given.
    rt.block_on(async {
        let client = LedgerClient::new(&second_url);
        let size = acked.lock().unwrap().len() as u64;
        let deadline = Instant::now() + Duration::from_secs(20);
        let published = loop {
            let cp = bucket.get("checkpoint").await.unwrap();
            let note = tlog::note::Note::parse(&cp).unwrap();
            let c = tlog::Checkpoint::parse(&note.text).unwrap();
            if c.size >= size || Instant::now() > deadline {
                break c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(published.size, size, "only the second's records are logged");
        let logged = logged_entries(&bucket, size).await;
        assert!(!logged.contains(&rest[300]), "the first's batch never won");
        for (entry, index) in acked.lock().unwrap().iter() {
            assert_eq!(&logged[*index as usize], entry);
        }
        assert_eq!(prefix_roots(&logged)[&size], published.root);
        // And the second still serves.
        let again = client
            .submit(rest[300].clone(), false)
            .await
            .expect("the holder still sequences");
        assert_eq!(again.index, size);
    });
    drop(second);
}
