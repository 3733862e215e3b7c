//! A realistic synthetic election, deterministic by seed: a Kyrgyz-shaped parliamentary
//! election (about 2,500 precincts under territorial commissions in ten regions and abroad,
//! about 3.1 million registered voters, realistic turnout and party counts), with its key
//! enrollments, hourly turnout, identification reports, urn results, protocols with scans,
//! complaints, campaign finance and the final result — and, on request, injected anomalies.
//!
//! The output is the list of signed records in log order plus the documents they reference.
//! Demos, tests and benchmarks use it; it writes nothing and talks to no one.

mod documents;
mod geography;
mod polling;
mod rng;

pub use documents::Document;

use crate::audit::Rule;
use crate::record::Record;
use crate::records::{
    Amount, Annulment, BankStatement, Body, Contest, ElectionDefinition, ElectionType,
    FinanceReport, KeyEnrollment, Names, Precinct, PrecinctId, PrecinctRegistry, Role, Scope,
    Territory, TerritoryId,
};
use ed25519_dalek::SigningKey;
use rng::Rng;

/// Polls open on the synthetic polling day: Sunday 2026-11-29, 08:00 in Bishkek (UTC+6).
pub const POLLS_OPEN: u64 = 1_795_917_600;
const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;
/// Precincts per registry record, to stay well inside an entry.
const REGISTRY_PART: usize = 500;

/// Something wrong, injected on purpose so that the audit can be seen to catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Anomaly {
    /// A precinct's urn count differs from its protocol.
    UrnMismatch,
    /// Ballots added to a precinct's boxes (and its protocol and urn kept consistent): more
    /// ballots than identified voters.
    BallotStuffing,
    /// The CEC lawfully annuls a precinct; the final result leaves it out. Not a finding.
    AnnulledPrecinct,
    /// A territorial commission's key signs an annulment.
    UnauthorizedAnnulment,
    /// A complaint never decided: overdue once its deadline has passed in witnessed time
    /// (deadlines are judged on when records were logged, never on the times they claim).
    OverdueComplaint,
    /// A protocol signed by a key nobody enrolled.
    UnenrolledSigner,
    /// The announced final result is not the sum of the precincts.
    WrongFinalTotal,
}

impl Anomaly {
    pub const ALL: [Anomaly; 7] = [
        Anomaly::UrnMismatch,
        Anomaly::BallotStuffing,
        Anomaly::AnnulledPrecinct,
        Anomaly::UnauthorizedAnnulment,
        Anomaly::OverdueComplaint,
        Anomaly::UnenrolledSigner,
        Anomaly::WrongFinalTotal,
    ];

    /// The name used on command lines (`--anomalies urn-mismatch,ballot-stuffing`).
    pub fn name(self) -> &'static str {
        match self {
            Anomaly::UrnMismatch => "urn-mismatch",
            Anomaly::BallotStuffing => "ballot-stuffing",
            Anomaly::AnnulledPrecinct => "annulled-precinct",
            Anomaly::UnauthorizedAnnulment => "unauthorized-annulment",
            Anomaly::OverdueComplaint => "overdue-complaint",
            Anomaly::UnenrolledSigner => "unenrolled-signer",
            Anomaly::WrongFinalTotal => "wrong-final-total",
        }
    }

    pub fn from_name(name: &str) -> Option<Anomaly> {
        Anomaly::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The rule meant to catch it; `None` for a lawful annulment, which must raise nothing.
    pub fn rule(self) -> Option<Rule> {
        match self {
            Anomaly::UrnMismatch => Some(Rule::UrnMatchesProtocol),
            Anomaly::BallotStuffing => Some(Rule::BallotsWithinIdentified),
            Anomaly::AnnulledPrecinct => None,
            Anomaly::UnauthorizedAnnulment => Some(Rule::AnnulmentByCec),
            Anomaly::OverdueComplaint => Some(Rule::ComplaintDeadline),
            Anomaly::UnenrolledSigner => Some(Rule::SignerAuthorized),
            Anomaly::WrongFinalTotal => Some(Rule::FinalMatchesTally),
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub precincts: u32,
    /// The election id (the last segment of the log's origin).
    pub election: String,
    pub anomalies: Vec<Anomaly>,
    /// Whether identification devices log hourly turnout (12 records per precinct).
    pub turnout_updates: bool,
    /// `None`: every record claims its time on the story's timeline (polling day
    /// 2026-11-29), for deterministic tests of the rules. `Some(now)`: records are signed as
    /// a live election submits them, at `now` — except the offline precinct's (the last
    /// precinct's commission, urn and identification device), signed [`OFFLINE_LAG`] earlier
    /// at night with no network — so that a ledger admits them inside its time window.
    pub signed_at: Option<u64>,
}

/// How long before submission the offline precinct signed its records.
pub const OFFLINE_LAG: u64 = 6 * HOUR;

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 2026,
            precincts: 2500,
            election: "2026-11-29-parliamentary".into(),
            anomalies: vec![],
            turnout_updates: true,
            signed_at: None,
        }
    }
}

/// Where an anomaly was put.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    pub anomaly: Anomaly,
    pub precinct: Option<PrecinctId>,
    pub description: String,
}

/// A generated election.
#[derive(Clone, Debug)]
pub struct Election {
    pub election: String,
    /// The signed records, in the order they are logged.
    pub records: Vec<Record>,
    /// Every document the records reference.
    pub documents: Vec<Document>,
    pub injected: Vec<Injected>,
    pub registered_voters: u64,
}

/// Collects records with the time they happen in the story; sorted into log order and
/// signed at the end.
struct Timeline {
    records: Vec<(u64, usize, Body, SigningKey)>,
    documents: Vec<Document>,
}

impl Timeline {
    fn add(&mut self, time: u64, body: Body, key: &SigningKey) {
        let seq = self.records.len();
        self.records.push((time, seq, body, key.clone()));
    }

    /// The records in log order, signed: at their story time, or as `signed_at` says.
    fn sign(mut self, config: &Config, offline: &[[u8; 32]]) -> (Vec<Record>, Vec<Document>) {
        self.records.sort_by_key(|(time, seq, _, _)| (*time, *seq));
        let records = self
            .records
            .into_iter()
            .map(|(story, _, body, key)| {
                let time = match config.signed_at {
                    None => story,
                    Some(now) if offline.contains(key.verifying_key().as_bytes()) => {
                        now - OFFLINE_LAG
                    }
                    Some(now) => now,
                };
                Record::sign(&config.election, time, body, &key)
            })
            .collect();
        (records, self.documents)
    }

    fn document(&mut self, doc: Document) -> crate::records::DocumentRef {
        let reference = doc.reference.clone();
        self.documents.push(doc);
        reference
    }
}

/// The precincts and territories, laid out by region.
struct Layout {
    territories: Vec<Territory>,
    precincts: Vec<Precinct>,
    /// Region of each precinct, by position in `precincts`.
    region_of: Vec<u16>,
}

fn layout(n: u32, rng: &mut Rng) -> Layout {
    let n = n.max(1) as usize;
    let shares = geography::REGIONS.map(|r| r.3);
    let total: f64 = shares.iter().sum();
    let mut counts: Vec<usize> = shares
        .iter()
        .map(|s| (s / total * n as f64).floor() as usize)
        .collect();
    let mut i = 0;
    while counts.iter().sum::<usize>() < n {
        let slot = i % counts.len();
        counts[slot] += 1;
        i += 1;
    }
    let (mut territories, mut precincts, mut region_of) = (vec![], vec![], vec![]);
    for (r, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let region = r as u16 + 1;
        let first = territories.len() as TerritoryId + 1;
        let tcs = geography::REGIONS[r].4.min(count as u16).max(1);
        for k in 0..tcs {
            territories.push(Territory {
                id: first + k,
                region,
                name: geography::territory_names(r, first + k),
            });
        }
        for j in 0..count {
            let registered = if region == geography::ABROAD {
                rng.range(150, 1500) as u32
            } else {
                rng.normal(1245.0, 430.0, 250.0, 2600.0) as u32
            };
            let id = 1001 + precincts.len() as PrecinctId;
            precincts.push(Precinct {
                id,
                territory: first + (j as u16 % tcs),
                registered,
                station: None,
                address: None,
            });
            region_of.push(region);
        }
    }
    Layout {
        territories,
        precincts,
        region_of,
    }
}

/// A key for an actor, derived from the election's seed.
fn key(rng: &mut Rng) -> SigningKey {
    SigningKey::from_bytes(&rng.bytes32())
}

/// Generates an election whose key hierarchy starts at `root`.
pub fn generate(config: &Config, root: &SigningKey) -> Election {
    let mut rng = Rng::new(config.seed);
    let mut keys_rng = rng.fork(1);
    let mut layout_rng = rng.fork(2);
    let layout = layout(config.precincts, &mut layout_rng);
    let mut t = Timeline {
        records: vec![],
        documents: vec![],
    };
    let open = POLLS_OPEN;
    let now = config.signed_at.unwrap_or(open);
    let valid = (open.min(now) - 40 * DAY, open.max(now) + 120 * DAY);
    let enroll = |t: &mut Timeline,
                  time: u64,
                  signer: &SigningKey,
                  key: &SigningKey,
                  role: Role,
                  holder: String,
                  scope: Scope| {
        let body = KeyEnrollment {
            key: key.verifying_key().to_bytes(),
            role,
            holder,
            scope,
            valid_from: valid.0,
            valid_until: valid.1,
        };
        t.add(time, Body::KeyEnrollment(body), signer);
    };

    // The CEC: its operator key, the definition and the registry.
    let cec = key(&mut keys_rng);
    enroll(
        &mut t,
        open - 38 * DAY,
        root,
        &cec,
        Role::CecOperator,
        "ЦИК / БШК: оператор 1".into(),
        Scope::everything(),
    );
    let definition = ElectionDefinition {
        election_type: ElectionType::Parliamentary,
        date: "2026-11-29".into(),
        name: Names::new(
            "Жогорку Кеңешке шайлоо 2026 (синтетикалык)",
            "Выборы депутатов Жогорку Кенеша 2026 (синтетические)",
            "Jogorku Kenesh election 2026 (synthetic)",
        ),
        contests: vec![Contest {
            id: 1,
            name: Names::new("Партиялык тизмелер", "Партийные списки", "Party lists"),
            seats: 54,
            options: geography::party_options(),
        }],
        regions: geography::regions(),
        territories: layout.territories.clone(),
        complaint_deadline: 3 * DAY,
        registry_parts: layout.precincts.chunks(REGISTRY_PART).len() as u16,
    };
    t.add(
        open - 35 * DAY,
        Body::ElectionDefinition(definition.clone()),
        &cec,
    );
    for (part, chunk) in layout.precincts.chunks(REGISTRY_PART).enumerate() {
        let body = PrecinctRegistry {
            part: part as u16,
            precincts: chunk.to_vec(),
        };
        t.add(
            open - 35 * DAY + 60 * (part as u64 + 1),
            Body::PrecinctRegistry(body),
            &cec,
        );
    }

    // Every other key, enrolled by the CEC operator.
    let mut at = open - 30 * DAY;
    let mut next = || {
        at += 2;
        at
    };
    let finance = key(&mut keys_rng);
    enroll(
        &mut t,
        next(),
        &cec,
        &finance,
        Role::FinanceOffice,
        "ЦИК: бөлүм финансов".into(),
        Scope::everything(),
    );
    let complaints = key(&mut keys_rng);
    enroll(
        &mut t,
        next(),
        &cec,
        &complaints,
        Role::ComplaintsOffice,
        "ЦИК: отдел жалоб".into(),
        Scope::everything(),
    );
    let territory_keys: Vec<SigningKey> = layout
        .territories
        .iter()
        .map(|tc| {
            let k = key(&mut keys_rng);
            enroll(
                &mut t,
                next(),
                &cec,
                &k,
                Role::TerritorialCommission,
                format!("ТИК / АШК №{}", tc.id),
                Scope::territory(tc.id),
            );
            k
        })
        .collect();
    let mut actors = Vec::with_capacity(layout.precincts.len());
    for p in &layout.precincts {
        let (commission, urn, id_device) =
            (key(&mut keys_rng), key(&mut keys_rng), key(&mut keys_rng));
        enroll(
            &mut t,
            next(),
            &cec,
            &commission,
            Role::PrecinctCommission,
            format!("УИК / УШК №{}", p.id),
            Scope::precinct(p.id),
        );
        enroll(
            &mut t,
            next(),
            &cec,
            &urn,
            Role::UrnDevice,
            format!("КЭСБ urn {:06}", p.id * 7 % 1_000_000),
            Scope::precinct(p.id),
        );
        enroll(
            &mut t,
            next(),
            &cec,
            &id_device,
            Role::IdentificationDevice,
            format!("ID device {:06}", p.id * 13 % 1_000_000),
            Scope::precinct(p.id),
        );
        actors.push(polling::Actors {
            commission,
            urn,
            id_device,
        });
    }

    campaign_finance(&mut t, &finance, &mut rng.fork(3));

    // Polling day, the count, complaints, anomalies and the final result.
    let mut day = polling::PollingDay::new(
        &layout.precincts,
        &layout.region_of,
        &actors,
        &territory_keys,
        &mut rng.fork(4),
    );
    let injected = day.inject(&config.anomalies, &mut rng.fork(5));
    day.log(&mut t, config.turnout_updates, &mut rng.fork(6));
    day.complaints(&mut t, &complaints, &config.anomalies, &mut rng.fork(7));
    day.annulments_and_final(&mut t, &cec, &definition, &config.anomalies);

    let registered_voters = layout
        .precincts
        .iter()
        .map(|p| u64::from(p.registered))
        .sum();
    let offline: Vec<[u8; 32]> = actors
        .last()
        .map(|a: &polling::Actors| {
            [&a.commission, &a.urn, &a.id_device].map(|k| k.verifying_key().to_bytes())
        })
        .into_iter()
        .flatten()
        .collect();
    let (records, documents) = t.sign(config, &offline);
    Election {
        election: config.election.clone(),
        records,
        documents,
        injected,
        registered_voters,
    }
}

/// Two fund reports and two bank statements per party.
fn campaign_finance(t: &mut Timeline, finance: &SigningKey, rng: &mut Rng) {
    for (i, (_, ru, _, share)) in geography::PARTIES.iter().enumerate() {
        let mut balance = 0u64;
        for (n, days_before) in [(1, 15), (2, 2)] {
            let scale = (share * 4_000_000_000.0) as u64; // tyiyn
            let income: Vec<Amount> = (1..=4)
                .map(|c| Amount {
                    category: c,
                    tyiyn: rng.range(scale / 20, scale / 4),
                })
                .collect();
            let spending: Vec<Amount> = (1..=5)
                .map(|c| Amount {
                    category: c,
                    tyiyn: rng.range(scale / 40, scale / 8),
                })
                .collect();
            let credits: u64 = income.iter().map(|a| a.tyiyn).sum();
            let debits: u64 = spending
                .iter()
                .map(|a| a.tyiyn)
                .sum::<u64>()
                .min(balance + credits);
            let period_end = if n == 1 { "2026-11-14" } else { "2026-11-27" };
            let time = POLLS_OPEN - days_before * DAY + i as u64 * 60;
            let report_doc = t.document(documents::page(
                &format!("Отчёт избирательного фонда №{n}: {ru}"),
                &[
                    format!("Поступления: {} сом", credits / 100),
                    format!("Расходы: {} сом", debits / 100),
                ],
            ));
            let report = FinanceReport {
                filer: ru.to_string(),
                period_end: period_end.into(),
                income,
                spending,
                document: report_doc,
            };
            t.add(time, Body::FinanceReport(report), finance);
            let statement_doc = t.document(documents::page(
                &format!("Выписка по счёту: {ru}"),
                &[format!("Период по {period_end}")],
            ));
            let statement = BankStatement {
                filer: ru.to_string(),
                account: format!("1280…{:04}", 1000 + i * 37),
                period_end: period_end.into(),
                opening_tyiyn: balance,
                credits_tyiyn: credits,
                debits_tyiyn: debits,
                closing_tyiyn: balance + credits - debits,
                document: statement_doc,
            };
            balance = statement.closing_tyiyn;
            t.add(time + 30, Body::BankStatement(statement), finance);
        }
    }
}

/// An annulment record (used for both lawful and unlawful annulments).
fn annulment(precinct: PrecinctId, resolution: &str, reason: &str) -> Annulment {
    Annulment {
        precincts: vec![precinct],
        resolution: resolution.into(),
        reason: reason.into(),
        document: None,
    }
}
