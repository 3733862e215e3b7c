//! The witness's throughput and latency, as a ratio to this machine's fsync rate.
//!
//!     cargo bench -p witness --bench add_checkpoint
//!
//! Starts the real `witness serve` on loopback, measures the fsync rate of the disk holding
//! its data directory (write 4 KiB in place + fsync, repeated, as a SQLite WAL commit does), then drives add-checkpoint
//! requests from fake logs that grow their trees by one leaf per request: first one log
//! alone (each request waits for the previous answer: the latency a log sees), then several
//! logs at once (the throughput of the single writer). A cosignature is answered only after a
//! commit (SQLite WAL, synchronous=FULL); writes waiting together share one (group commit).
//! So cosignatures/s ÷ fsyncs/s says how the witness compares with one fsync per cosignature
//! (above 1: commits are shared), and p99 ÷ one fsync how many fsyncs' worth a slow answer
//! waits. The fsync rate is probed before, between and after
//! the phases, because the machine is shared and its disk's speed drifts.
//!
//! Environment: WITNESS_BENCH_SECONDS (per phase, default 15), WITNESS_BENCH_LOGS (the
//! concurrent phase, default 8). Under `cargo test` (no `--bench` argument) it runs a short
//! smoke version and checks that cosignatures were made.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEAVES_PER_LOG: u64 = 100_000;

struct Phase {
    name: String,
    cosignatures: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.cosignatures as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l[((l.len() as f64 - 1.0) * p).round() as usize]
    }
}

struct Fsync {
    per_second: f64,
    median: Duration,
}

/// Writes 4 KiB in place and fsyncs, repeatedly, for `time`, in `dir`: what a SQLite WAL
/// commit does in steady state (the WAL file is reused from its start, and SQLite calls
/// fsync). Appending instead would make every sync a journal commit too, a slower baseline
/// that would flatter the witness.
fn measure_fsync(dir: &Path, time: Duration) -> Fsync {
    use std::os::unix::fs::FileExt;
    const SPAN: u64 = 1 << 20;
    let path = dir.join("fsync-probe.tmp");
    let file = std::fs::File::create(&path).unwrap();
    file.write_all_at(&vec![0u8; SPAN as usize], 0).unwrap();
    file.sync_all().unwrap();
    let block = [0x5au8; 4096];
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < time || times.len() < 20 {
        let t = Instant::now();
        let offset = (times.len() as u64 * 4096) % SPAN;
        file.write_all_at(&block, offset).unwrap();
        file.sync_all().unwrap();
        times.push(t.elapsed());
    }
    let elapsed = start.elapsed();
    drop(file);
    std::fs::remove_file(&path).unwrap();
    let n = times.len();
    times.sort();
    Fsync {
        per_second: n as f64 / elapsed.as_secs_f64(),
        median: times[n / 2],
    }
}

/// Runs `logs` fake logs against the witness for `time`, each sending its next checkpoint
/// as soon as the previous one is answered.
fn run_phase(name: &str, url: &str, logs: &[Arc<FakeLog>], time: Duration) -> Phase {
    let deadline = Instant::now() + time;
    let start = Instant::now();
    let workers: Vec<_> = logs
        .iter()
        .map(|log| {
            let (log, url) = (log.clone(), url.to_string());
            std::thread::spawn(move || {
                let http = client();
                // Each log is fresh and used by one phase only: the witness has nothing yet.
                let mut old = 0;
                let mut latencies = Vec::new();
                while Instant::now() < deadline && old < log.size() {
                    let body = log.request(old, old + 1);
                    let t = Instant::now();
                    let a = post(&http, &url, body);
                    latencies.push(t.elapsed());
                    assert_eq!(a.status, 200, "{}", a.text());
                    old += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.join().unwrap());
    }
    Phase {
        name: name.into(),
        cosignatures: latencies.len() as u64,
        elapsed: start.elapsed(),
        latencies,
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// User and system CPU time of a process, all threads (Linux /proc; clock ticks from getconf).
fn cpu_time(pid: u32) -> Option<(Duration, Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()?;
    let per_second: u64 = String::from_utf8(out.stdout).ok()?.trim().parse().ok()?;
    let time = |ticks: u64| Duration::from_secs_f64(ticks as f64 / per_second as f64);
    Some((time(user), time(system)))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let seconds = if full {
        env_or("WITNESS_BENCH_SECONDS", 15)
    } else {
        1
    };
    let concurrent = env_or("WITNESS_BENCH_LOGS", 8).max(1);
    let phase_time = Duration::from_secs(seconds);
    let probe_time = Duration::from_millis(if full { 2_000 } else { 300 });

    let tmp = TempDir::new("bench");
    let dir = tmp.witness_dir();
    init(&dir);
    let leaves = if full { LEAVES_PER_LOG } else { 2_000 };
    let logs: Vec<Arc<FakeLog>> = (0..=concurrent)
        .map(|i| {
            let log = FakeLog::new(
                &format!("bench.example/log-{i}"),
                50 + i as u8,
                "bench",
                leaves,
            );
            add_log(&dir, &log);
            Arc::new(log)
        })
        .collect();
    let server = WitnessProcess::start_with_log(&dir, "warn");

    // The disk's speed drifts (the machine is shared), so it is probed before, between and
    // after the two phases, and each phase is compared with the probes on either side.
    let probe0 = measure_fsync(&dir, probe_time);
    let sequential = run_phase("1 log, sequential", &server.url, &logs[..1], phase_time);
    let probe1 = measure_fsync(&dir, probe_time);
    let parallel = run_phase(
        &format!("{concurrent} logs, concurrent"),
        &server.url,
        &logs[1..],
        phase_time,
    );
    let probe2 = measure_fsync(&dir, probe_time);
    let witness_cpu = cpu_time(server.pid());
    drop(server);

    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    println!(
        "fsync (4 KiB written in place + fsync, as a WAL commit) in the data dir: \
         {:.0}/s, {:.0}/s, {:.0}/s (before, between, after the phases); medians {}, {}, {}",
        probe0.per_second,
        probe1.per_second,
        probe2.per_second,
        ms(probe0.median),
        ms(probe1.median),
        ms(probe2.median)
    );
    for (p, around) in [
        (&sequential, [&probe0, &probe1]),
        (&parallel, [&probe1, &probe2]),
    ] {
        let fsyncs = (around[0].per_second + around[1].per_second) / 2.0;
        let (p50, p99) = (p.percentile(0.50), p.percentile(0.99));
        println!(
            "{}: {} cosignatures in {:.1} s = {:.0}/s; p50 {}, p99 {}; fsyncs around it {:.0}/s; \
             cosignatures/s ÷ fsyncs/s = {:.2}; p99 ÷ one fsync (1/rate) = {:.1}",
            p.name,
            p.cosignatures,
            p.elapsed.as_secs_f64(),
            p.rate(),
            ms(p50),
            ms(p99),
            fsyncs,
            p.rate() / fsyncs,
            p99.as_secs_f64() * fsyncs
        );
        assert!(p.cosignatures > 0, "{}: no cosignature", p.name);
    }
    if let Some((user, system)) = witness_cpu {
        let per = |d: Duration| {
            d.as_secs_f64() * 1e6 / (sequential.cosignatures + parallel.cosignatures) as f64
        };
        println!(
            "witness process CPU per cosignature: {:.0} µs user + {:.0} µs system \
             ({:.1} s + {:.1} s in all)",
            per(user),
            per(system),
            user.as_secs_f64(),
            system.as_secs_f64()
        );
    }
    if !full {
        println!("(smoke run; the measurement is `cargo bench -p witness --bench add_checkpoint`)");
    }
}
