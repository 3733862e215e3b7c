//! Who may sign what: the key registry built from enrollment and revocation records, and the
//! roles each record kind needs.

use crate::record::Record;
use crate::records::{Body, KeyEnrollment, Kind, PrecinctId, Role, Scope, TerritoryId};
use std::collections::HashMap;

/// What signed a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// The pinned CEC root key.
    Root,
    /// A key enrolled with this role.
    Enrolled(Role),
}

impl Authority {
    /// Whether this is the CEC: the root or a CEC operator.
    pub fn is_cec(self) -> bool {
        matches!(
            self,
            Authority::Root | Authority::Enrolled(Role::CecOperator)
        )
    }
}

/// The roles that may sign each kind, besides the root key (which may sign what the CEC
/// signs). Annulments are checked by their own rule and listed here for completeness.
pub fn roles_for(kind: Kind) -> &'static [Role] {
    match kind {
        Kind::KeyEnrollment
        | Kind::KeyRevocation
        | Kind::ElectionDefinition
        | Kind::PrecinctRegistry => &[Role::CecOperator],
        Kind::Annulment | Kind::FinalResult => &[Role::CecOperator],
        Kind::PrecinctProtocol => &[Role::PrecinctCommission],
        Kind::UrnResult => &[Role::UrnDevice],
        Kind::Turnout | Kind::IdentificationReport => &[Role::IdentificationDevice],
        Kind::ComplaintFiled => &[
            Role::ComplaintsOffice,
            Role::TerritorialCommission,
            Role::CecOperator,
        ],
        Kind::ComplaintDecision => &[
            Role::ComplaintsOffice,
            Role::TerritorialCommission,
            Role::CecOperator,
        ],
        Kind::FinanceReport | Kind::BankStatement => &[Role::FinanceOffice],
        Kind::Correction => &[
            Role::CecOperator,
            Role::PrecinctCommission,
            Role::TerritorialCommission,
        ],
    }
}

#[derive(Clone, Debug)]
struct Enrolled {
    role: Role,
    scope: Scope,
    valid_from: u64,
    valid_until: u64,
    revoked_from: Option<u64>,
}

/// The keys enrolled so far, under a pinned root key.
#[derive(Clone, Debug)]
pub struct KeyRegistry {
    root: [u8; 32],
    keys: HashMap<[u8; 32], Enrolled>,
}

impl KeyRegistry {
    pub fn new(root: [u8; 32]) -> KeyRegistry {
        KeyRegistry {
            root,
            keys: HashMap::new(),
        }
    }

    pub fn root(&self) -> [u8; 32] {
        self.root
    }

    /// What `signer` is at `time`, or why it is nothing.
    pub fn authority(&self, signer: &[u8; 32], time: u64) -> Result<Authority, String> {
        if *signer == self.root {
            return Ok(Authority::Root);
        }
        let key = self
            .keys
            .get(signer)
            .ok_or_else(|| format!("key {} was never enrolled", short(signer)))?;
        if time < key.valid_from || time > key.valid_until {
            return Err(format!(
                "key {} ({}) signed at {time}, outside its validity {}..{}",
                short(signer),
                key.role.name(),
                key.valid_from,
                key.valid_until
            ));
        }
        if let Some(revoked) = key.revoked_from.filter(|&r| time >= r) {
            return Err(format!(
                "key {} ({}) was revoked from {revoked}; it signed at {time}",
                short(signer),
                key.role.name()
            ));
        }
        Ok(Authority::Enrolled(key.role))
    }

    /// Checks that the record's signer may sign a record of its kind for its precinct.
    /// `territory` says which territory a precinct lies in (from the registry).
    pub fn authorize(
        &self,
        record: &Record,
        territory: impl Fn(PrecinctId) -> Option<TerritoryId>,
    ) -> Result<Authority, String> {
        let authority = self.authority(&record.signer, record.time)?;
        let kind = record.kind();
        let role = match authority {
            Authority::Root => return Ok(authority),
            Authority::Enrolled(role) => role,
        };
        // Annulments: any enrolled key gets this far; `annulment.by-cec` judges the role.
        if kind == Kind::Annulment {
            return Ok(authority);
        }
        if !roles_for(kind).contains(&role) {
            return Err(format!(
                "a {} key may not sign a {} record",
                role.name(),
                kind.name()
            ));
        }
        let scope = &self.keys[&record.signer].scope;
        if let Some(p) = record.body.precinct()
            && !scope.covers(p, territory(p))
        {
            return Err(format!(
                "the {} key's scope does not cover precinct {p}",
                role.name()
            ));
        }
        Ok(authority)
    }

    /// Applies an authorized enrollment or revocation; other records change nothing.
    pub fn apply(&mut self, record: &Record) {
        match &record.body {
            Body::KeyEnrollment(KeyEnrollment {
                key,
                role,
                scope,
                valid_from,
                valid_until,
                ..
            }) => {
                self.keys.insert(
                    *key,
                    Enrolled {
                        role: *role,
                        scope: scope.clone(),
                        valid_from: *valid_from,
                        valid_until: *valid_until,
                        revoked_from: None,
                    },
                );
            }
            Body::KeyRevocation(r) => {
                if let Some(k) = self.keys.get_mut(&r.key) {
                    k.revoked_from =
                        Some(k.revoked_from.map_or(r.effective, |e| e.min(r.effective)));
                }
            }
            _ => {}
        }
    }

    /// How many keys are enrolled.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A short, readable form of a key for messages.
pub fn short(key: &[u8; 32]) -> String {
    hex::encode(&key[..6])
}
