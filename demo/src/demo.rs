//! `demo`: the whole system on one machine, on embedded defaults.
//!
//! A log and three witness nodes (real HTTP on loopback, quorum 2 of 3), a simulated
//! election submitted through the public API, the trust policy written for verifiers, and the
//! log served until Ctrl-C. Run again with the same directory to serve the same election.

use crate::simulate::{SimulateOptions, report, simulate};
use ledger::logdir::{LogDir, WitnessConfig};
use std::path::{Path, PathBuf};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The demo election's log.
pub const ORIGIN: &str = "shailoo.gov.kg/ledger/2026-11-29-parliamentary";
const WITNESSES: usize = 3;
const QUORUM: usize = 2;

/// How many precincts a new demo election has, unless told.
pub const DEFAULT_PRECINCTS: u32 = 2500;
/// The generator's seed for a new demo election, unless told.
pub const DEFAULT_SEED: u64 = 2026;

/// What `demo` was asked. The election's arguments are `None` when not given: a new
/// demo takes the defaults, an existing one the election it holds.
pub struct DemoOptions {
    pub dir: PathBuf,
    pub listen: String,
    pub precincts: Option<u32>,
    pub seed: Option<u64>,
    pub anomalies: Option<Vec<election::generate::Anomaly>>,
}

/// The election a demo directory holds, as it was made (`DIR/demo.json`): a demo run again on
/// the directory serves that election, so other arguments are refused rather than ignored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct DemoElection {
    precincts: u32,
    seed: u64,
    anomalies: Vec<String>,
}

impl DemoElection {
    /// What `opts` asks, with `base` where it asks nothing.
    fn asked(opts: &DemoOptions, base: &DemoElection) -> DemoElection {
        DemoElection {
            precincts: opts.precincts.unwrap_or(base.precincts),
            seed: opts.seed.unwrap_or(base.seed),
            anomalies: opts.anomalies.as_ref().map_or(base.anomalies.clone(), |a| {
                a.iter().map(|a| a.name().to_string()).collect()
            }),
        }
    }

    fn defaults() -> DemoElection {
        DemoElection {
            precincts: DEFAULT_PRECINCTS,
            seed: DEFAULT_SEED,
            anomalies: vec![],
        }
    }

    fn anomalies(&self) -> Vec<election::generate::Anomaly> {
        let known = self.anomalies.iter();
        known
            .filter_map(|a| election::generate::Anomaly::from_name(a))
            .collect()
    }

    fn describe(&self) -> String {
        let anomalies = if self.anomalies.is_empty() {
            "none".to_string()
        } else {
            self.anomalies.join(",")
        };
        format!(
            "--precincts {} --seed {} --anomalies {anomalies}",
            self.precincts, self.seed
        )
    }
}

/// The election of the demo in `dir`: for a new one, what was asked (defaults where nothing
/// was), written to `DIR/demo.json`; for an existing one, what it holds — refusing arguments
/// that ask for another. (A directory made before `demo.json` existed is taken as it is.)
fn demo_election(dir: &Path, fresh: bool, opts: &DemoOptions) -> Result<DemoElection, DemoError> {
    let path = dir.join("demo.json");
    if fresh {
        let asked = DemoElection::asked(opts, &DemoElection::defaults());
        let text = serde_json::to_string_pretty(&asked)?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(asked);
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(DemoElection::asked(opts, &DemoElection::defaults()));
    };
    let held: DemoElection =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let asked = DemoElection::asked(opts, &held);
    if held != asked {
        return Err(Box::new(Refused(format!(
            "{} already holds a demo election made with {}; it cannot be changed to {}. Serve it as it is (`demo --dir {}`, without those arguments), or make another in a new directory (--dir OTHER).",
            dir.display(),
            held.describe(),
            asked.describe(),
            dir.display()
        ))));
    }
    Ok(held)
}

fn witness_dir(dir: &Path, n: usize) -> PathBuf {
    dir.join("witnesses").join(format!("observer-{n}"))
}

fn witness_name(n: usize) -> String {
    format!("observers.example.kg/witness-{n}")
}

/// The demo refused to start: what it was asked cannot be done with this directory.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Why the demo stopped: [`Refused`] if it refused to start, otherwise what failed.
pub type DemoError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the demo until `stop` resolves. `say` receives the lines meant for the person.
pub async fn run(
    opts: DemoOptions,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    say: impl Fn(&str),
) -> Result<(), DemoError> {
    let d = LogDir::new(&opts.dir);
    let fresh = !d.config_path().exists();
    if fresh {
        std::fs::create_dir_all(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
        let created = ledger::server::init(&opts.dir, ORIGIN, None)?;
        say(&format!(
            "created the log {ORIGIN} in {}",
            opts.dir.display()
        ));
        for n in 1..=WITNESSES {
            let wdir = witness_dir(&opts.dir, n);
            // Both kinds of key, as `witness init` makes by default.
            witness::init(&wdir, &witness_name(n), &witness::config::KeyKind::ALL)
                .map_err(|e| e.to_string())?;
            witness::add_log(&wdir, ORIGIN, &created.log_vkey.to_string())
                .map_err(|e| e.to_string())?;
        }
    } else {
        say(&format!(
            "serving the demo already in {}",
            opts.dir.display()
        ));
    }
    let demo = demo_election(&opts.dir, fresh, &opts)?;

    // Witnesses first, on ports the OS chooses; the log learns their URLs.
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    let mut config = d.load_config()?;
    // The demo's own witnesses get new ports each run; witnesses someone added with
    // `ledger witness add` are kept, and take part in the quorum like the demo's.
    let demo_names: Vec<String> = (1..=WITNESSES).map(|n| format!("observer-{n}")).collect();
    config.witnesses.retain(|w| !demo_names.contains(&w.name));
    if !config.witnesses.is_empty() {
        let names: Vec<&str> = config.witnesses.iter().map(|w| w.name.as_str()).collect();
        say(&format!(
            "witnesses added with `ledger witness add`, kept: {}",
            names.join(", ")
        ));
    }
    for n in 1..=WITNESSES {
        let wdir = witness_dir(&opts.dir, n);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let vkeys = witness::vkeys(&wdir).map_err(|e| e.to_string())?;
        config.witnesses.push(WitnessConfig {
            name: format!("observer-{n}"),
            vkeys: vkeys.iter().map(ToString::to_string).collect(),
            url: url.clone(),
        });
        let (tx, rx) = oneshot::channel::<()>();
        stops.push(tx);
        tasks.push(tokio::spawn(async move {
            witness::serve(&wdir, listener, async move {
                rx.await.ok();
            })
            .await
            .map_err(|e| e.to_string())
        }));
        say(&format!("witness observer-{n} listening on {url}"));
    }
    config.quorum = QUORUM;
    // Short batches: the demo submits a whole election and should not take minutes.
    config.batch_interval_ms = 100;
    d.save_config(&config).map_err(|e| e.to_string())?;

    let listener = TcpListener::bind(&opts.listen).await.map_err(|e| {
        format!(
            "cannot listen on {}: {e} (choose another with --listen 127.0.0.1:PORT)",
            opts.listen
        )
    })?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let (log_stop_tx, log_stop_rx) = oneshot::channel::<()>();
    let dir = opts.dir.clone();
    let log_task = tokio::spawn(async move {
        let options = ledger::server::ServeOptions::default();
        ledger::server::serve(&dir, listener, &options, async move {
            log_stop_rx.await.ok();
        })
        .await
        .map_err(|e| e.to_string())
    });
    say(&format!("log listening on {url}"));

    if fresh {
        let root_key = ledger::logdir::load_key(&d.root_key_path()).map_err(|e| e.to_string())?;
        say(&format!(
            "simulating an election of {} precincts…",
            demo.precincts
        ));
        let sim = SimulateOptions {
            url: url.clone(),
            root_key,
            precincts: demo.precincts,
            seed: demo.seed,
            anomalies: demo.anomalies(),
            concurrency: 1024,
            turnout_updates: true,
        };
        let bar = progress::Progress::new("records submitted", 0);
        let summary = simulate(sim, |done, total| {
            bar.set_total(total as u64);
            bar.update(done as u64);
        })
        .await;
        bar.finish();
        let summary = summary?;
        say(report(&summary).trim_end());
        // "Ready" means verifiable: wait until a cosigned checkpoint covers every record.
        if let Some(last) = summary.last_index {
            wait_for_publication(&url, last + 1).await?;
        }
    }
    say(&cosigners(&url, &config).await?);
    let policy_path = write_policy(&opts.dir, &url, &config)?;
    let example_precinct = 1000 + demo.precincts.clamp(1, 204);
    say(&next_steps(&url, &policy_path, example_precinct));
    say("ready");
    stop.await;
    say("stopping");
    log_stop_tx.send(()).ok();
    log_task.await.map_err(|e| e.to_string())??;
    for tx in stops {
        tx.send(()).ok();
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// Waits (up to a minute) until the log's published checkpoint has at least `size` entries.
async fn wait_for_publication(url: &str, size: u64) -> Result<(), String> {
    let client = shailoo::client::LedgerClient::new(url);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let checkpoint = client.get("checkpoint").await.map_err(|e| e.to_string())?;
        let published: u64 = String::from_utf8_lossy(&checkpoint)
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        if published >= size {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "the witnesses have not cosigned a checkpoint of {size} entries within a minute (published: {published})"
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Which configured witnesses cosigned the published checkpoint, once all of them have or
/// ten seconds have passed: at start the log asks a witness added since the last run to
/// cosign the tree it already published, so the person sees their witness take part.
async fn cosigners(url: &str, config: &ledger::logdir::Config) -> Result<String, String> {
    let client = shailoo::client::LedgerClient::new(url);
    let keys = config
        .witnesses
        .iter()
        .map(|w| Ok(w.keys()?.into_iter().map(move |k| (w, k))))
        .collect::<Result<Vec<_>, ledger::logdir::DirError>>()
        .map_err(|e| e.to_string())?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let verifiers: Vec<&dyn tlog::note::NoteVerifier> = keys
        .iter()
        .map(|(_, k)| k as &dyn tlog::note::NoteVerifier)
        .collect();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let bytes = client.get("checkpoint").await.map_err(|e| e.to_string())?;
        let note = tlog::note::Note::parse(&bytes).map_err(|e| format!("checkpoint: {e}"))?;
        let signed = tlog::note::verify_signatures(&note, &verifiers)
            .map_err(|e| format!("the published checkpoint: {e}"))?;
        // A witness cosigned if any of its keys did.
        let cosigned =
            |w: &WitnessConfig| signed.iter().any(|v| std::ptr::eq(keys[v.verifier].0, w));
        let missing: Vec<&WitnessConfig> =
            config.witnesses.iter().filter(|w| !cosigned(w)).collect();
        if missing.is_empty() || tokio::time::Instant::now() > deadline {
            let size = note.text.lines().nth(1).unwrap_or("?");
            let names: Vec<&str> = config
                .witnesses
                .iter()
                .filter(|w| cosigned(w))
                .map(|w| w.name.as_str())
                .collect();
            let mut said = format!(
                "the checkpoint of {size} entries is cosigned by {}",
                names.join(", ")
            );
            for w in missing {
                said.push_str(&format!(
                    "\nnot cosigned by {} (is it running at {}? the log's side is in logs/demo.log)",
                    w.name, w.url
                ));
            }
            return Ok(said);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Writes `DIR/policy`: the log, the witnesses, the 2-of-3 quorum and the CEC root key.
fn write_policy(dir: &Path, url: &str, config: &ledger::logdir::Config) -> Result<PathBuf, String> {
    let log_vkey = LogDir::new(dir)
        .load_log_key()
        .map_err(|e| e.to_string())?
        .verifier();
    let mut policy = tlog::policy::Policy::default();
    policy.add_log(log_vkey, Some(url.to_string()))?;
    ledger::logdir::add_witnesses_to_policy(&mut policy, &config.witnesses, config.quorum)?;
    let root = ledger::logdir::parse_root_vkey(&config.root_vkey).map_err(|e| e.to_string())?;
    let trust =
        election::policy::TrustPolicy::with_root(policy, root).map_err(|e| e.to_string())?;
    let text = format!(
        "# Trust policy for the Shailoo Ledger demo (c2sp.org/tlog-policy, plus the CEC root key).\n{}",
        trust.to_text()
    );
    let path = dir.join("policy");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn next_steps(url: &str, policy: &Path, precinct: u32) -> String {
    let p = policy.display();
    format!(
        "\nThe election is in the log. Try:\n\
         \x20 open {url}/                      the viewer: results with proofs checked in your browser\n\
         \x20 curl {url}/checkpoint            the cosigned checkpoint\n\
         \x20 verifier checkpoint --policy {p}\n\
         \x20 verifier inclusion --policy {p} --precinct {precinct} --kind protocol\n\
         \x20 verifier audit --policy {p}\n\
         (build the verifier with: cargo build --release -p verifier-cli)\n\
         Press Ctrl-C to stop."
    )
}
