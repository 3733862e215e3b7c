//! Crash safety: the server is killed with SIGKILL at 22 moments while records are being
//! submitted concurrently, and restarted each time. At the end, every record the log ever
//! acknowledged is at the index it was acknowledged with, the log holds no entry twice, and
//! every checkpoint it ever published is a prefix of the final tree.

mod common;
use common::*;
use election::generate::{Config, generate};
use shailoo::client::LedgerClient;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tlog::policy::Policy;

const KILLS: usize = 22;

/// Every distinct checkpoint published while the server ran.
async fn watch_checkpoints(client: LedgerClient, seen: Arc<Mutex<BTreeSet<Vec<u8>>>>) {
    loop {
        if let Ok(cp) = client.get("checkpoint").await {
            seen.lock().unwrap().insert(cp);
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

#[test]
fn acknowledged_records_survive_sigkill() {
    let dir = temp_dir("crash");
    let log = dir.path().join("log");
    let vkey = init(&log);
    let policy = Policy::parse(&format!("log {vkey}\nquorum none\n")).unwrap();
    let root = root_key(&log);
    // About 11,000 records: more than the rounds can submit, so every kill lands mid-stream.
    let e = generate(
        &Config {
            seed: 11,
            precincts: 700,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root.signing_key(),
    );
    let entries: Vec<Vec<u8>> = e.records.iter().map(|r| r.to_bytes()).collect();
    let acked = Mutex::new(HashMap::new());
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let rt = runtime();
    // A fixed sequence of kill delays between 30 and 250 ms: random-looking, reproducible.
    let delays: Vec<u64> = (0..KILLS as u64)
        .map(|i| 30 + (i * 7919 + 13) % 221)
        .collect();

    let mut kills_mid_stream = 0;
    for delay in &delays {
        let server = Server::start(&log, 5);
        let client = LedgerClient::new(&server.url);
        rt.block_on(async {
            let watcher = tokio::spawn(watch_checkpoints(client.clone(), seen.clone()));
            let submitting = tokio::time::timeout(
                Duration::from_millis(*delay),
                submit_pending(&client, &entries, &acked),
            );
            if submitting.await.is_err() {
                kills_mid_stream += 1; // still submitting when the kill comes
            }
            watcher.abort();
        });
        server.kill();
    }
    assert!(
        kills_mid_stream >= 20,
        "only {kills_mid_stream} kills landed while records were being submitted"
    );
    let acked_before_end = acked.lock().unwrap().len();
    assert!(
        acked_before_end > 0,
        "some records were acknowledged between the kills"
    );

    // Finish the election without crashes, then check everything against the log.
    let server = Server::start(&log, 5);
    let client = LedgerClient::new(&server.url);
    rt.block_on(async {
        for _ in 0..20 {
            submit_pending(&client, &entries, &acked).await;
            if acked.lock().unwrap().len() == entries.len() {
                break;
            }
        }
        assert_eq!(
            acked.lock().unwrap().len(),
            entries.len(),
            "every record is eventually logged"
        );
        // Publication follows the commit that acknowledged the last records; wait for it.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let (checkpoint, final_cp) = loop {
            let checkpoint = client.get("checkpoint").await.unwrap();
            let cp = policy.verify_checkpoint(&checkpoint).unwrap().checkpoint;
            if cp.size >= entries.len() as u64 || tokio::time::Instant::now() > deadline {
                break (checkpoint, cp);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        seen.lock().unwrap().insert(checkpoint);
        assert_eq!(
            final_cp.size,
            entries.len() as u64,
            "every record logged once, none twice"
        );

        // Read the whole log back through its entry bundles.
        let mut logged: Vec<Vec<u8>> = Vec::new();
        for n in 0..final_cp.size.div_ceil(256) {
            let tile = tlog::tile::Tile::at_tree_size(0, n, final_cp.size).unwrap();
            let data = client.get(&tile.entries_path()).await.unwrap();
            logged.extend(
                tlog::entries::parse_entry_bundle(&data, tile.width.into())
                    .unwrap()
                    .into_iter()
                    .map(<[u8]>::to_vec),
            );
        }
        for (entry, index) in acked.lock().unwrap().iter() {
            assert_eq!(
                &logged[*index as usize], entry,
                "entry {index} is not what was acknowledged"
            );
        }

        // Every published checkpoint is the root of a prefix of the final log.
        let mut frontier = tlog::Frontier::new();
        let mut roots = BTreeMap::new();
        roots.insert(0u64, frontier.root());
        for entry in &logged {
            frontier.append(tlog::leaf_hash(entry), |_, _| {});
            roots.insert(frontier.size(), frontier.root());
        }
        assert_eq!(frontier.root(), final_cp.root);
        let published = seen.lock().unwrap().clone();
        assert!(
            published.len() > KILLS / 2,
            "checkpoints were published along the way ({})",
            published.len()
        );
        for cp in published {
            let c = policy.verify_checkpoint(&cp).unwrap().checkpoint;
            assert_eq!(
                roots.get(&c.size),
                Some(&c.root),
                "published checkpoint of size {} is not a prefix of the final log",
                c.size
            );
        }
    });
    assert!(server.stop());
    eprintln!(
        "{KILLS} kills ({kills_mid_stream} mid-stream); {acked_before_end} of {} records acknowledged before the last restart",
        entries.len()
    );
}
