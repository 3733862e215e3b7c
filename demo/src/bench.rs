//! `demo bench`: a load benchmark of a real server on loopback.
//!
//! It creates a log in a temporary directory, starts `ledger serve` as a child process,
//! measures this machine's Ed25519 verification rate in the same run (every record costs one
//! verification, so that is the baseline), submits a generated election (at most the real
//! 2,500 precincts) with many concurrent submitters, then measures tile and proof reads. It
//! reports durable records/s, latency to an index and to a published checkpoint, reads/s, and
//! the server's resident memory as the log grows. Past the election's size, the log grows on
//! to `--records` with campaign-finance reports signed as they are sent, so that a log of
//! millions of entries needs no election of millions of keys held in memory.

mod growth;
mod load;

use election::generate::{Config, generate};
use election::{Kind, Record};
use shailoo::client::LedgerClient;
use std::path::PathBuf;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct BenchOptions {
    pub records: u64,
    pub concurrency: usize,
    pub batch_ms: u64,
    pub read_seconds: u64,
    pub dir: PathBuf,
    /// The `ledger` program to run as the server; `None`: the one beside this program.
    pub ledger: Option<PathBuf>,
    /// The log's bucket (`s3://BUCKET/PREFIX`); `None`: files in `dir`.
    pub storage: Option<String>,
    /// The server terminates TLS with this certificate and key (PEM), and every client speaks
    /// HTTPS to it, trusting the platform's roots or `SSL_CERT_FILE`.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// The server child, killed when dropped.
struct ServerProcess(Child);
impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Ed25519 `verify_strict` calls per second on this machine, one core.
fn ed25519_rate() -> f64 {
    use ed25519_dalek::{Signer, SigningKey};
    let key = SigningKey::from_bytes(&[7; 32]);
    let msgs: Vec<Vec<u8>> = (0..2000u32)
        .map(|i| format!("bench message {i}").into_bytes())
        .collect();
    let sigs: Vec<_> = msgs.iter().map(|m| key.sign(m)).collect();
    let vk = key.verifying_key();
    let start = Instant::now();
    for (m, s) in msgs.iter().zip(&sigs) {
        vk.verify_strict(m, s).expect("valid");
    }
    msgs.len() as f64 / start.elapsed().as_secs_f64()
}

pub async fn run(opts: BenchOptions) -> Result<String, String> {
    let mut out = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    out.push_str(&format!(
        "machine: {} cores, {cpu}\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    ));
    let ed = ed25519_rate();
    out.push_str(&format!("Ed25519 verify_strict on one core: {ed:.0}/s\n"));

    let origin = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";
    ledger::server::init_on(&opts.dir, origin, None, opts.storage.as_deref())
        .map_err(|e| e.to_string())?;
    out.push_str(&format!(
        "storage: {}\n",
        opts.storage
            .as_deref()
            .unwrap_or("files (the log directory)")
    ));
    let root = ledger::logdir::load_key(&opts.dir.join("root.key")).map_err(|e| e.to_string())?;
    // About 22 records per precinct (hourly turnout, 3 to 4 keys enrolled): an election a
    // little smaller than --records, never larger than the real one; growth does the rest.
    let precincts = (opts.records / 24).clamp(20, 2_500) as u32;
    eprintln!("generating an election of {precincts} precincts…");
    let e = generate(
        &Config {
            precincts,
            seed: 1,
            signed_at: Some(shailoo::unix_now()),
            ..Config::default()
        },
        root.signing_key(),
    );
    let (mut setup, rest): (Vec<Record>, Vec<Record>) = e.records.into_iter().partition(|r| {
        matches!(
            r.kind(),
            Kind::KeyEnrollment | Kind::ElectionDefinition | Kind::PrecinctRegistry
        )
    });
    let office = growth::enroll_office(&mut setup, root.signing_key());
    let exe = match &opts.ledger {
        Some(ledger) => ledger.clone(),
        None => ledger_beside_me()?,
    };
    let tls_args: Vec<std::ffi::OsString> = match &opts.tls {
        Some((cert, key)) => vec![
            "--tls-cert".into(),
            cert.into(),
            "--tls-key".into(),
            key.into(),
        ],
        None => vec![],
    };
    let (child, url) =
        ledger::server::spawn_process_with(&exe, &opts.dir, opts.batch_ms, &tls_args)
            .map_err(|e| e.to_string())?;
    out.push_str(&format!("server: {url}\n"));
    let server = ServerProcess(child);
    let pid = server.0.id();
    let client = LedgerClient::new(&url);

    // Setup (the enrollments) first; not timed.
    let (first, others) = setup.split_first().ok_or("empty election")?;
    client
        .submit(first.to_bytes(), false)
        .await
        .map_err(|e| e.to_string())?;
    let setup_entries: Vec<Vec<u8>> = others.iter().map(Record::to_bytes).collect();
    let base_size = 1 + setup_entries.len() as u64;
    load::submit_all(&url, base_size - 1, opts.concurrency, move |n| {
        setup_entries[n as usize].clone()
    })
    .await?;

    // The timed phase: election day.
    let published: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::new(Mutex::new(vec![]));
    let rss: Arc<Mutex<Vec<(u64, u64)>>> = Arc::new(Mutex::new(vec![]));
    let poller = {
        let (client, published, rss) = (client.clone(), published.clone(), rss.clone());
        tokio::spawn(async move {
            let mut last_rss = Instant::now() - Duration::from_secs(1);
            loop {
                if let Ok(cp) = client.get("checkpoint").await {
                    let size: u64 = String::from_utf8_lossy(&cp)
                        .lines()
                        .nth(1)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    let mut p = published.lock().expect("lock");
                    if p.last().is_none_or(|(_, s)| *s != size) {
                        p.push((Instant::now(), size));
                    }
                    if last_rss.elapsed() > Duration::from_millis(500) {
                        rss.lock().expect("lock").push((size, rss_kib(pid)));
                        last_rss = Instant::now();
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let entries: Vec<Vec<u8>> = rest.iter().map(Record::to_bytes).collect();
    let started = Instant::now();
    let timings = load::submit_all(&url, entries.len() as u64, opts.concurrency, move |n| {
        entries[n as usize].clone()
    })
    .await?;
    let elapsed = started.elapsed();
    let election_size = base_size + timings.len() as u64;
    // The log grows on to `--records`, for the memory figures.
    let growth = opts.records.saturating_sub(election_size);
    let grown_in = if growth > 0 {
        eprintln!("growing the log by {growth} more records…");
        let started = Instant::now();
        let election = e.election.clone();
        let start = shailoo::unix_now();
        load::submit_all(&url, growth, opts.concurrency, move |n| {
            growth::report(&election, &office, n, start).to_bytes()
        })
        .await?;
        Some(started.elapsed())
    } else {
        None
    };
    let total = election_size + growth;
    let deadline = Instant::now() + Duration::from_secs(30);
    while published
        .lock()
        .expect("lock")
        .last()
        .is_none_or(|(_, s)| *s < total)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    poller.abort();
    let rate = timings.len() as f64 / elapsed.as_secs_f64();
    let mut to_index: Vec<f64> = timings
        .iter()
        .map(|t| t.answered.duration_since(t.sent).as_secs_f64() * 1000.0)
        .collect();
    to_index.sort_by(f64::total_cmp);
    let points = published.lock().expect("lock").clone();
    let mut to_published: Vec<f64> = timings
        .iter()
        .filter_map(|t| {
            points
                .iter()
                .find(|(_, size)| *size > t.index)
                .map(|(at, _)| at.saturating_duration_since(t.sent).as_secs_f64() * 1000.0)
        })
        .collect();
    to_published.sort_by(f64::total_cmp);
    out.push_str(&format!(
        "submitted {} records ({} enrollments before), {} at a time, batches of {} ms\n",
        timings.len(),
        base_size,
        opts.concurrency,
        opts.batch_ms
    ));
    out.push_str(&format!(
        "durable records/s: {rate:.0} ({:.2} x the one-core Ed25519 verification rate)\n",
        rate / ed
    ));
    out.push_str(&format!(
        "latency to an index: p50 {:.1} ms, p99 {:.1} ms\n",
        percentile(&to_index, 0.5),
        percentile(&to_index, 0.99)
    ));
    out.push_str(&format!(
        "latency to a published checkpoint: p50 {:.1} ms, p99 {:.1} ms (quorum 0: no witnesses in this run)\n",
        percentile(&to_published, 0.5),
        percentile(&to_published, 0.99)
    ));
    if let Some(took) = grown_in {
        out.push_str(&format!(
            "grown by {growth} finance reports signed as they were sent: {:.0} records/s\n",
            growth as f64 / took.as_secs_f64()
        ));
    }
    out.push_str("server resident memory as the log grew (entries: RSS):");
    let samples = rss.lock().expect("lock").clone();
    let step = (samples.len() / 12).max(1);
    for (size, kib) in samples.iter().step_by(step).chain(samples.last()) {
        out.push_str(&format!(" {size}: {:.1} MiB;", *kib as f64 / 1024.0));
    }
    out.push('\n');

    // Reads: random full tiles, then random inclusion proofs, as the viewer and verifiers ask.
    let tiles = (total / 256).max(1);
    let scatter = |n: u64| {
        (n.wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
            >> 33
    };
    let duration = Duration::from_secs(opts.read_seconds);
    let readers = opts.concurrency.min(128);
    let tile_reads = load::read_for(&url, duration, readers, move |n| {
        let tile = tlog::tile::Tile {
            level: 0,
            index: scatter(n) % tiles,
            width: 256,
        };
        format!("/{}", tile.path())
    })
    .await?;
    let proof_reads = load::read_for(&url, duration, readers, move |n| {
        format!("/api/v1/proof/inclusion/{}", scatter(n) % total)
    })
    .await?;
    for (what, n) in [("tile", tile_reads), ("inclusion proof", proof_reads)] {
        out.push_str(&format!(
            "{what} requests/s: {:.0}\n",
            n as f64 / opts.read_seconds as f64
        ));
    }
    drop(server);
    Ok(out)
}

/// The `ledger` program built beside this one (`target/release/ledger` next to
/// `target/release/demo`): the server the benchmark measures runs as its own process.
fn ledger_beside_me() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let ledger = me.with_file_name("ledger");
    if ledger.exists() {
        Ok(ledger)
    } else {
        Err(format!(
            "{} is not built: the benchmark runs it as the server (cargo build --release -p ledger -p demo)",
            ledger.display()
        ))
    }
}
