//! Polling day in every precinct: who voted, what the boxes held, what the urn and the
//! identification device counted, the protocols; then complaints, annulments and the final
//! result. Anomalies are injected into these figures before anything is signed.

use super::documents::page;
use super::rng::Rng;
use super::{Anomaly, DAY, HOUR, Injected, POLLS_OPEN, Timeline, annulment, geography};
use crate::records::{
    Body, ComplaintCategory, ComplaintDecision, ComplaintFiled, Decider, ElectionDefinition,
    FinalResult, HourCount, IdentificationReport, Outcome, Precinct, PrecinctId, PrecinctProtocol,
    Turnout, UrnResult,
};
use crate::tally;
use ed25519_dalek::SigningKey;
use std::collections::{BTreeSet, HashMap};

/// The keys of one precinct's commission and devices.
pub struct Actors {
    pub commission: SigningKey,
    pub urn: SigningKey,
    pub id_device: SigningKey,
}

/// One precinct's figures, before signing.
struct Figures {
    protocol: PrecinctProtocol,
    urn: UrnResult,
    identification: IdentificationReport,
}

/// Cumulative share of the day's identified voters by the end of hours 9..=20.
const TURNOUT_CURVE: [f64; 12] = [
    0.05, 0.13, 0.22, 0.31, 0.40, 0.49, 0.58, 0.67, 0.76, 0.85, 0.93, 1.0,
];

pub struct PollingDay<'a> {
    precincts: &'a [Precinct],
    actors: &'a [Actors],
    territory_keys: &'a [SigningKey],
    figures: Vec<Figures>,
    /// Precinct positions chosen for anomalies.
    forged: Option<usize>,
    annulled: Option<usize>,
    unauthorized_annulment: Option<usize>,
}

/// Picks a precinct not used by another anomaly whose figures satisfy `ok`.
fn choose(
    figures: &[Figures],
    used: &mut BTreeSet<usize>,
    rng: &mut Rng,
    ok: &dyn Fn(&Figures) -> bool,
) -> usize {
    for _ in 0..10_000 {
        let i = rng.range(0, figures.len() as u64 - 1) as usize;
        if !used.contains(&i) && ok(&figures[i]) {
            used.insert(i);
            return i;
        }
    }
    panic!("no precinct can take this anomaly; generate more precincts");
}

/// Splits `total` votes by `weights` (largest remainder), so the parts add up exactly.
fn allocate(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * f64::from(total)).collect();
    let mut parts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let short = total - parts.iter().sum::<u32>();
    for &i in order.iter().take(short as usize) {
        parts[i] += 1;
    }
    parts
}

impl<'a> PollingDay<'a> {
    pub fn new(
        precincts: &'a [Precinct],
        region_of: &[u16],
        actors: &'a [Actors],
        territory_keys: &'a [SigningKey],
        rng: &mut Rng,
    ) -> PollingDay<'a> {
        let bias: Vec<Vec<f64>> = (0..geography::REGIONS.len())
            .map(|_| {
                geography::PARTIES
                    .iter()
                    .map(|_| rng.normal(1.0, 0.25, 0.3, 2.0))
                    .collect()
            })
            .collect();
        let figures = precincts
            .iter()
            .zip(region_of)
            .map(|(p, &region)| {
                let abroad = region == geography::ABROAD;
                let on_list = p.registered + rng.range(0, u64::from(p.registered) / 50) as u32;
                let turnout = if abroad {
                    rng.normal(0.25, 0.08, 0.05, 0.6)
                } else {
                    rng.normal(0.56, 0.09, 0.2, 0.9)
                };
                let voted = (f64::from(on_list) * turnout).round() as u32;
                let mobile = (f64::from(voted) * rng.normal(0.03, 0.015, 0.0, 0.1)).round() as u32;
                let stationary_voters = voted - mobile;
                let taken_away = (rng.range(0, 2) as u32).min(stationary_voters);
                let stationary = stationary_voters - taken_away;
                let found = stationary + mobile;
                let invalid =
                    (f64::from(found) * rng.normal(0.015, 0.007, 0.0, 0.06)).round() as u32;
                let valid = found - invalid;
                let weights: Vec<f64> = geography::PARTIES
                    .iter()
                    .enumerate()
                    .map(|(i, party)| {
                        party.3 * bias[usize::from(region) - 1][i] * rng.normal(1.0, 0.15, 0.5, 1.6)
                    })
                    .collect();
                let votes = allocate(valid, &weights);
                let received = on_list + rng.range(0, u64::from(on_list) / 100 + 5) as u32;
                let identified = stationary_voters + rng.range(0, 3) as u32;
                let identified_mobile = mobile + rng.range(0, 1) as u32;
                let day_total = f64::from(identified + identified_mobile);
                let hourly = TURNOUT_CURVE
                    .iter()
                    .enumerate()
                    .map(|(i, share)| HourCount {
                        hour: 9 + i as u8,
                        identified: (day_total * share).round() as u32,
                    })
                    .collect();
                Figures {
                    protocol: PrecinctProtocol {
                        precinct: p.id,
                        contest: 1,
                        voters_on_list: on_list,
                        ballots_received: received,
                        ballots_issued: voted,
                        ballots_cancelled: received - voted,
                        ballots_stationary: stationary,
                        ballots_mobile: mobile,
                        invalid,
                        valid,
                        votes: votes.clone(),
                        pages: vec![],
                    },
                    urn: UrnResult {
                        precinct: p.id,
                        contest: 1,
                        device: format!("KESB-{:06}", p.id * 7 % 1_000_000),
                        ballots_read: found,
                        rejected: invalid,
                        votes,
                        printout: None,
                    },
                    identification: IdentificationReport {
                        precinct: p.id,
                        identified,
                        identified_mobile,
                        hourly,
                        scan: None,
                    },
                }
            })
            .collect();
        PollingDay {
            precincts,
            actors,
            territory_keys,
            figures,
            forged: None,
            annulled: None,
            unauthorized_annulment: None,
        }
    }

    /// Puts each anomaly into the figures of its own precinct.
    pub fn inject(&mut self, anomalies: &[Anomaly], rng: &mut Rng) -> Vec<Injected> {
        let mut used = BTreeSet::new();
        let mut injected = Vec::new();
        let mut note = |anomaly, precinct, description: String| {
            injected.push(Injected {
                anomaly,
                precinct,
                description,
            })
        };
        for &anomaly in anomalies {
            match anomaly {
                Anomaly::UrnMismatch => {
                    let i = choose(&self.figures, &mut used, rng, &|f| f.urn.votes[0] > 40);
                    let k = rng.range(5, 30) as u32;
                    let urn = &mut self.figures[i].urn;
                    urn.votes[0] -= k;
                    urn.votes[1] += k;
                    note(
                        anomaly,
                        Some(urn.precinct),
                        format!("the urn moves {k} votes from option 1 to option 2"),
                    );
                }
                Anomaly::BallotStuffing => {
                    let extra = rng.range(60, 150) as u32;
                    let i = choose(&self.figures, &mut used, rng, &|f| {
                        let p = &f.protocol;
                        p.ballots_issued + extra <= p.voters_on_list && p.ballots_cancelled >= extra
                    });
                    let f = &mut self.figures[i];
                    let p = &mut f.protocol;
                    p.ballots_stationary += extra;
                    p.ballots_issued += extra;
                    p.ballots_cancelled -= extra;
                    p.valid += extra;
                    p.votes[0] += extra;
                    f.urn.ballots_read += extra;
                    f.urn.votes[0] += extra;
                    note(
                        anomaly,
                        Some(p.precinct),
                        format!(
                            "{extra} ballots stuffed into the stationary box, figures made consistent"
                        ),
                    );
                }
                Anomaly::AnnulledPrecinct => {
                    let i = choose(&self.figures, &mut used, rng, &|_| true);
                    self.annulled = Some(i);
                    note(
                        anomaly,
                        Some(self.precincts[i].id),
                        "the CEC annuls this precinct by resolution".into(),
                    );
                }
                Anomaly::UnauthorizedAnnulment => {
                    let i = choose(&self.figures, &mut used, rng, &|_| true);
                    self.unauthorized_annulment = Some(i);
                    note(
                        anomaly,
                        Some(self.precincts[i].id),
                        "a territorial commission's key signs an annulment".into(),
                    );
                }
                Anomaly::UnenrolledSigner => {
                    let i = choose(&self.figures, &mut used, rng, &|_| true);
                    self.forged = Some(i);
                    note(
                        anomaly,
                        Some(self.precincts[i].id),
                        "a second protocol signed by a key nobody enrolled".into(),
                    );
                }
                Anomaly::OverdueComplaint => note(
                    anomaly,
                    None,
                    "one complaint is never decided: overdue once its deadline has passed in witnessed time".into(),
                ),
                Anomaly::WrongFinalTotal => note(
                    anomaly,
                    None,
                    "the final result adds 2,500 votes to option 1".into(),
                ),
            }
        }
        injected
    }

    /// Logs turnout, identification reports, urn results and protocols, with their scans.
    pub fn log(&self, t: &mut Timeline, turnout_updates: bool, rng: &mut Rng) {
        let close = POLLS_OPEN + 12 * HOUR;
        for (f, a) in self.figures.iter().zip(self.actors) {
            let precinct = f.protocol.precinct;
            if turnout_updates {
                for h in &f.identification.hourly {
                    let time = POLLS_OPEN + u64::from(h.hour - 8) * HOUR + rng.range(0, 300);
                    t.add(
                        time,
                        Body::Turnout(Turnout {
                            precinct,
                            hour: h.hour,
                            identified: h.identified,
                        }),
                        &a.id_device,
                    );
                }
            }
            let mut id = f.identification.clone();
            id.scan = Some(t.document(page(
                &format!("Идентификация: участок №{precinct}"),
                &[
                    format!("Идентифицировано: {}", id.identified),
                    format!("Переносной ящик: {}", id.identified_mobile),
                ],
            )));
            t.add(
                close + rng.range(300, 2400),
                Body::IdentificationReport(id),
                &a.id_device,
            );
            let mut urn = f.urn.clone();
            let mut lines = vec![
                format!("Устройство {}", urn.device),
                format!("Прочитано: {}", urn.ballots_read),
            ];
            lines.extend(
                urn.votes
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("{:>2}: {v}", i + 1)),
            );
            urn.printout = Some(t.document(page(&format!("КЭСБ: участок №{precinct}"), &lines)));
            t.add(
                close + rng.range(600, 2 * HOUR),
                Body::UrnResult(urn),
                &a.urn,
            );
            let mut p = f.protocol.clone();
            p.pages = vec![t.document(page(
                &format!("Протокол УИК №{precinct}"),
                &protocol_lines(&p),
            ))];
            let time = close + rng.range(HOUR, 8 * HOUR);
            if self
                .forged
                .is_some_and(|i| self.precincts[i].id == precinct)
            {
                let mut forged = p.clone();
                forged.votes.swap(0, 1);
                let stranger = SigningKey::from_bytes(&rng.bytes32());
                t.add(time + 600, Body::PrecinctProtocol(forged), &stranger);
            }
            t.add(time, Body::PrecinctProtocol(p), &a.commission);
        }
    }

    /// About one complaint per hundred precincts, each decided by its territorial commission.
    pub fn complaints(
        &self,
        t: &mut Timeline,
        office: &SigningKey,
        anomalies: &[Anomaly],
        rng: &mut Rng,
    ) {
        let categories = [
            ComplaintCategory::VoterList,
            ComplaintCategory::VotingProcess,
            ComplaintCategory::Counting,
            ComplaintCategory::Other,
        ];
        let subjects = [
            "Шайлоочулар тизмесиндеги ката",
            "Добуш берүү тартибин бузуу",
            "Эсептөөдөгү ката",
            "Башка",
        ];
        let count = (self.precincts.len() / 100).max(3);
        for n in 0..count {
            let i = rng.range(0, self.precincts.len() as u64 - 1) as usize;
            let p = &self.precincts[i];
            let c = rng.range(0, categories.len() as u64 - 1) as usize;
            let number = format!("Д-2026-{:04}", n + 1);
            let filed_at = POLLS_OPEN + rng.range(2 * HOUR, 2 * DAY);
            let doc = t.document(page(
                &format!("Даттануу {number}"),
                &[format!("Участок №{}", p.id), subjects[c].to_string()],
            ));
            let filed = ComplaintFiled {
                complaint: number.clone(),
                filed_with: format!("ТИК / АШК №{}", p.territory),
                category: categories[c],
                precinct: Some(p.id),
                subject: subjects[c].into(),
                documents: vec![doc],
            };
            t.add(filed_at, Body::ComplaintFiled(filed), office);
            let delay = rng.range(2 * HOUR, 60 * HOUR);
            let outcome = *rng.pick(&[
                Outcome::Rejected,
                Outcome::Rejected,
                Outcome::PartlyUpheld,
                Outcome::Upheld,
            ]);
            let decision_doc =
                t.document(page(&format!("Чечим: {number}"), &[format!("{outcome:?}")]));
            let decision = ComplaintDecision {
                complaint: number,
                decided_by: Decider::Commission,
                decider_name: format!("ТИК / АШК №{}", p.territory),
                outcome,
                documents: vec![decision_doc],
            };
            let tc = &self.territory_keys[usize::from(p.territory) - 1];
            let undecided = n == 0 && anomalies.contains(&Anomaly::OverdueComplaint);
            if !undecided {
                t.add(filed_at + delay, Body::ComplaintDecision(decision), tc);
            }
        }
    }

    /// Annulments (lawful or not), then the CEC's final result: the tally of the protocols the
    /// CEC counts, computed by the same code the audit uses.
    pub fn annulments_and_final(
        &self,
        t: &mut Timeline,
        cec: &SigningKey,
        definition: &ElectionDefinition,
        anomalies: &[Anomaly],
    ) {
        let mut annulled = BTreeSet::new();
        if let Some(i) = self.annulled {
            let p = self.precincts[i].id;
            t.add(
                POLLS_OPEN + 4 * DAY,
                Body::Annulment(annulment(p, "№524", "нарушения при подсчёте голосов")),
                cec,
            );
            annulled.insert(p);
        }
        if let Some(i) = self.unauthorized_annulment {
            let p = &self.precincts[i];
            let tc = &self.territory_keys[usize::from(p.territory) - 1];
            t.add(
                POLLS_OPEN + 4 * DAY + 60,
                Body::Annulment(annulment(p.id, "№77-ТИК", "без полномочий")),
                tc,
            );
        }
        let registry: HashMap<PrecinctId, Precinct> =
            self.precincts.iter().map(|p| (p.id, p.clone())).collect();
        let protocols = self
            .figures
            .iter()
            .map(|f| {
                (
                    (f.protocol.precinct, f.protocol.contest),
                    f.protocol.clone(),
                )
            })
            .collect();
        let tally = tally::compute(definition, &registry, &protocols, &annulled);
        let contest = &tally.contests[0];
        let mut totals = contest.national.clone();
        if anomalies.contains(&Anomaly::WrongFinalTotal) {
            totals[0] += 2_500;
        }
        let mut lines: Vec<String> = totals
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:>2}: {v}", i + 1))
            .collect();
        lines.push(format!("Участков учтено: {}", contest.included.len()));
        let document = Some(t.document(page("Итоговый протокол ЦИК", &lines)));
        let result = FinalResult {
            contest: contest.contest,
            totals,
            precincts_counted: contest.included.len() as u32,
            annulled: contest.annulled.clone(),
            document,
        };
        t.add(POLLS_OPEN + 5 * DAY, Body::FinalResult(result), cec);
    }
}

fn protocol_lines(p: &PrecinctProtocol) -> Vec<String> {
    let mut lines = vec![
        format!("Избирателей в списке: {}", p.voters_on_list),
        format!("Получено бюллетеней: {}", p.ballots_received),
        format!(
            "Выдано: {}   Погашено: {}",
            p.ballots_issued, p.ballots_cancelled
        ),
        format!(
            "В стационарных ящиках: {}   В переносных: {}",
            p.ballots_stationary, p.ballots_mobile
        ),
        format!(
            "Недействительных: {}   Действительных: {}",
            p.invalid, p.valid
        ),
    ];
    lines.extend(
        p.votes
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:>2}. {}: {v}", i + 1, geography::PARTIES[i].1)),
    );
    lines
}
