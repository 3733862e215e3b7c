//! `demo simulate`: a whole synthetic election submitted to a running log through its
//! public API, as the CEC's systems, commissions and devices would submit it.
//!
//! The generator (`election::generate`) makes the signed records in polling-day order. The
//! setup (key enrollments, the definition, the registry) goes first, the CEC operator's own
//! enrollment before anything it signs; then every other record, many at a time, each
//! followed by the documents it references.

use election::generate::{Anomaly, Config, Election, generate};
use election::{Kind, Record};
use futures::StreamExt;
use shailoo::client::{ClientError, LedgerClient};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

pub struct SimulateOptions {
    pub url: String,
    pub root_key: tlog::keys::SignerKey,
    pub precincts: u32,
    pub seed: u64,
    pub anomalies: Vec<Anomaly>,
    pub concurrency: usize,
    pub turnout_updates: bool,
}

/// What happened.
#[derive(Debug, Default)]
pub struct Summary {
    pub election: String,
    pub accepted: BTreeMap<&'static str, u64>,
    /// Records the log refused: kind, HTTP status, code, message.
    pub refused: Vec<(&'static str, u16, String, String)>,
    pub documents: u64,
    pub elapsed: Duration,
    pub registered_voters: u64,
    pub injected: Vec<String>,
    pub last_index: Option<u64>,
}

impl Summary {
    pub fn accepted_total(&self) -> u64 {
        self.accepted.values().sum()
    }
}

/// The election id of the log at `client`: the last segment of its checkpoint's origin.
pub async fn election_of(client: &LedgerClient) -> Result<String, String> {
    let bytes = client.get("checkpoint").await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    let origin = text.lines().next().unwrap_or("");
    origin
        .rsplit_once('/')
        .map(|(_, id)| id.to_string())
        .ok_or_else(|| format!("the log's origin {origin:?} names no election"))
}

fn is_setup(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::KeyEnrollment
            | Kind::KeyRevocation
            | Kind::ElectionDefinition
            | Kind::PrecinctRegistry
    )
}

/// Runs the simulation; `progress(done, total)` is called as records are answered.
pub async fn simulate(
    opts: SimulateOptions,
    progress: impl Fn(usize, usize),
) -> Result<Summary, String> {
    let client = LedgerClient::new(&opts.url);
    let election_id = election_of(&client).await?;
    let config = Config {
        seed: opts.seed,
        precincts: opts.precincts,
        election: election_id.clone(),
        anomalies: opts.anomalies,
        turnout_updates: opts.turnout_updates,
        // Signed now, as a live election submits (one precinct signed offline hours ago):
        // inside the ledger's time window.
        signed_at: Some(shailoo::unix_now()),
    };
    let Election {
        records,
        documents,
        injected,
        registered_voters,
        ..
    } = generate(&config, opts.root_key.signing_key());
    let docs: HashMap<[u8; 32], Vec<u8>> = documents
        .into_iter()
        .map(|d| (d.reference.sha256, d.bytes))
        .collect();
    let total = records.len();
    let started = Instant::now();
    let mut summary = Summary {
        election: election_id,
        registered_voters,
        injected: injected
            .iter()
            .map(|i| {
                format!(
                    "{}: {}{}",
                    i.anomaly.name(),
                    i.description,
                    i.precinct
                        .map(|p| format!(" (precinct {p})"))
                        .unwrap_or_default()
                )
            })
            .collect(),
        ..Summary::default()
    };
    let (setup, rest): (Vec<Record>, Vec<Record>) =
        records.into_iter().partition(|r| is_setup(r.kind()));
    let mut done = 0usize;
    // The first setup record enrolls the CEC operator who signs the others: it goes alone.
    let (first, setup) = setup
        .split_first()
        .ok_or("the generated election is empty")?;
    // The CEC's closing records (annulments, corrections, the final result) come after
    // everything they judge, in their own order: one lane, last.
    let (closing, rest): (Vec<Record>, Vec<Record>) = rest.into_iter().partition(|r| {
        matches!(
            r.kind(),
            Kind::Annulment | Kind::Correction | Kind::FinalResult
        )
    });
    let phases = [
        vec![vec![first.clone()]],
        setup.iter().map(|r| vec![r.clone()]).collect(),
        lanes(rest),
        vec![closing],
    ];
    for phase in phases {
        // Lanes run concurrently; the records of one lane are submitted in order.
        let mut answers = futures::stream::iter(phase)
            .map(|lane| {
                let (client, docs) = (&client, &docs);
                futures::stream::iter(lane)
                    .then(move |record| submit_with_documents(client, record, docs))
                    .boxed()
            })
            .flatten_unordered(opts.concurrency.max(1));
        while let Some((kind, result)) = answers.next().await {
            done += 1;
            match result {
                Ok((index, uploaded)) => {
                    *summary.accepted.entry(kind.name()).or_insert(0) += 1;
                    summary.documents += uploaded;
                    summary.last_index = summary.last_index.max(Some(index));
                }
                Err(ClientError::Refused(r)) => {
                    summary
                        .refused
                        .push((kind.name(), r.status, r.code, r.message))
                }
                Err(e @ ClientError::Transport(_)) => return Err(e.to_string()),
            }
            if done.is_multiple_of(500) || done == total {
                progress(done, total);
            }
        }
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Splits records into lanes whose order matters: one precinct's records (hourly turnout must
/// not be reordered), one complaint's filing and decisions; everything else alone. Each lane
/// keeps the records' log order.
fn lanes(records: Vec<Record>) -> Vec<Vec<Record>> {
    let mut lane_of: HashMap<String, usize> = HashMap::new();
    let mut lanes: Vec<Vec<Record>> = Vec::new();
    for r in records {
        let key = match &r.body {
            election::Body::ComplaintFiled(c) => Some(format!("complaint {}", c.complaint)),
            election::Body::ComplaintDecision(c) => Some(format!("complaint {}", c.complaint)),
            body => body.precinct().map(|p| format!("precinct {p}")),
        };
        match key {
            Some(key) if lane_of.contains_key(&key) => lanes[lane_of[&key]].push(r),
            Some(key) => {
                lane_of.insert(key, lanes.len());
                lanes.push(vec![r]);
            }
            None => lanes.push(vec![r]),
        }
    }
    lanes
}

/// Submits a record, then uploads its documents; returns its index and how many documents.
async fn submit_with_documents(
    client: &LedgerClient,
    record: Record,
    docs: &HashMap<[u8; 32], Vec<u8>>,
) -> (Kind, Result<(u64, u64), ClientError>) {
    let kind = record.kind();
    let result = async {
        let sequenced = client.submit(record.to_bytes(), false).await?;
        let mut uploaded = 0;
        for d in record.body.documents() {
            if let Some(bytes) = docs.get(&d.sha256) {
                client.upload(&d.hex(), bytes.clone()).await?;
                uploaded += 1;
            }
        }
        Ok((sequenced.index, uploaded))
    }
    .await;
    (kind, result)
}

/// A person-readable summary.
pub fn report(summary: &Summary) -> String {
    let mut out = format!(
        "election {}: {} records accepted in {:.1} s ({:.0} records/s), {} documents uploaded, {} registered voters\n",
        summary.election,
        summary.accepted_total(),
        summary.elapsed.as_secs_f64(),
        summary.accepted_total() as f64 / summary.elapsed.as_secs_f64().max(1e-9),
        summary.documents,
        summary.registered_voters,
    );
    for (kind, n) in &summary.accepted {
        out.push_str(&format!("  {n:>7} {kind}\n"));
    }
    for line in &summary.injected {
        out.push_str(&format!("injected anomaly: {line}\n"));
    }
    for (kind, status, code, message) in &summary.refused {
        out.push_str(&format!("refused {kind}: {status} {code}: {message}\n"));
    }
    out
}
