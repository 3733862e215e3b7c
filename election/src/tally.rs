//! The tally: votes per option, per territorial commission, per region and nationally,
//! recomputed from the precinct protocols, leaving out annulled precincts.

use crate::records::{
    ContestId, ElectionDefinition, Precinct, PrecinctId, PrecinctProtocol, TerritoryId,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The recomputed result of one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestTally {
    pub contest: ContestId,
    /// Votes per option, in ballot order.
    pub national: Vec<u64>,
    pub by_territory: BTreeMap<TerritoryId, Vec<u64>>,
    pub by_region: BTreeMap<u16, Vec<u64>>,
    /// Precincts whose protocol is counted.
    pub included: Vec<PrecinctId>,
    /// Precincts with a protocol that were annulled.
    pub annulled: Vec<PrecinctId>,
    /// Registered precincts with no protocol (and not annulled).
    pub missing: Vec<PrecinctId>,
    pub valid: u64,
    pub invalid: u64,
}

/// The whole election's tally.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Tally {
    pub contests: Vec<ContestTally>,
}

impl Tally {
    pub fn contest(&self, id: ContestId) -> Option<&ContestTally> {
        self.contests.iter().find(|c| c.contest == id)
    }
}

/// Tallies the current protocols (one per precinct and contest) of the defined contests.
pub fn compute(
    definition: &ElectionDefinition,
    precincts: &HashMap<PrecinctId, Precinct>,
    protocols: &HashMap<(PrecinctId, ContestId), PrecinctProtocol>,
    annulled: &BTreeSet<PrecinctId>,
) -> Tally {
    let region_of: HashMap<TerritoryId, u16> = definition
        .territories
        .iter()
        .map(|t| (t.id, t.region))
        .collect();
    let mut registered: Vec<PrecinctId> = precincts.keys().copied().collect();
    registered.sort_unstable();
    let contests = definition
        .contests
        .iter()
        .map(|contest| {
            let width = contest.options.len();
            let mut t = ContestTally {
                contest: contest.id,
                national: vec![0; width],
                by_territory: BTreeMap::new(),
                by_region: BTreeMap::new(),
                included: vec![],
                annulled: vec![],
                missing: vec![],
                valid: 0,
                invalid: 0,
            };
            for &id in &registered {
                let Some(p) = protocols.get(&(id, contest.id)) else {
                    if !annulled.contains(&id) {
                        t.missing.push(id);
                    }
                    continue;
                };
                if annulled.contains(&id) {
                    t.annulled.push(id);
                    continue;
                }
                // Protocols whose votes do not fit the contest are findings, not counted.
                if p.votes.len() != width {
                    continue;
                }
                let territory = precincts[&id].territory;
                let add = |row: &mut Vec<u64>| {
                    row.iter_mut()
                        .zip(&p.votes)
                        .for_each(|(r, &v)| *r += u64::from(v))
                };
                add(&mut t.national);
                add(t
                    .by_territory
                    .entry(territory)
                    .or_insert_with(|| vec![0; width]));
                if let Some(&region) = region_of.get(&territory) {
                    add(t.by_region.entry(region).or_insert_with(|| vec![0; width]));
                }
                t.included.push(id);
                t.valid += u64::from(p.valid);
                t.invalid += u64::from(p.invalid);
            }
            t
        })
        .collect();
    Tally { contests }
}
