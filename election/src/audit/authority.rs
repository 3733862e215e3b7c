//! Who may sign what: the key registry built from enrollment and revocation records, and the
//! roles each record kind needs.

use crate::audit::message::{Message, Sentence};
use crate::record::Record;
use crate::records::{Body, KeyEnrollment, Kind, PrecinctId, Role, Scope, TerritoryId};
use std::collections::{HashMap, HashSet};

/// What signed a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// The pinned CEC root key.
    Root,
    /// A key enrolled with this role.
    Enrolled(Role),
    /// The log's own key: it signs only the log's checkpoint records.
    Log,
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
/// signs). Annulments are checked by their own rule and listed here for completeness; the
/// log's checkpoint records are signed by the log's key, never by a role.
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
        Kind::LogCheckpoint => &[],
    }
}

#[derive(Clone, Debug)]
struct Enrolled {
    role: Role,
    scope: Scope,
    valid_from: u64,
    valid_until: u64,
}

/// The keys enrolled so far, under a pinned root key, and those revoked.
///
/// Authority follows **position in the log** (`spec/records.md` §3): a key is enrolled from
/// its enrollment's entry on and revoked from its revocation's entry on, whatever times the
/// records claim, so a stolen key cannot sign its way around a revocation by backdating. A
/// revoked key is never enrolled again, and only the root key enrolls or revokes CEC
/// operator keys.
#[derive(Clone, Debug)]
pub struct KeyRegistry {
    root: [u8; 32],
    log_keys: Vec<[u8; 32]>,
    keys: HashMap<[u8; 32], Enrolled>,
    /// Every key a revocation named, enrolled or not (a key may be revoked before anyone
    /// enrolls it, and then never is).
    revoked: HashSet<[u8; 32]>,
}

impl KeyRegistry {
    pub fn new(root: [u8; 32]) -> KeyRegistry {
        KeyRegistry {
            root,
            log_keys: Vec::new(),
            keys: HashMap::new(),
            revoked: HashSet::new(),
        }
    }

    /// The log's own public key(s): they sign the log's checkpoint records and nothing else.
    pub fn with_log_keys(mut self, log_keys: Vec<[u8; 32]>) -> KeyRegistry {
        self.log_keys = log_keys;
        self
    }

    pub fn root(&self) -> [u8; 32] {
        self.root
    }

    /// What `signer` is, at this point of the log, for a record claiming `time`; or why it is
    /// nothing. A revocation already logged ends its authority whatever `time` says.
    pub fn authority(&self, signer: &[u8; 32], time: u64) -> Result<Authority, Message> {
        if *signer == self.root {
            return Ok(Authority::Root);
        }
        if self.log_keys.contains(signer) {
            return Ok(Authority::Log);
        }
        if self.revoked.contains(signer) {
            return Err(match self.keys.get(signer) {
                Some(k) => Message::new(
                    Sentence::KeyRevoked,
                    [short(signer), k.role.name().to_string()],
                ),
                None => Message::new(Sentence::UnenrolledKeyRevoked, [short(signer)]),
            });
        }
        let key = self
            .keys
            .get(signer)
            .ok_or_else(|| Message::new(Sentence::KeyNotEnrolled, [short(signer)]))?;
        if time < key.valid_from || time > key.valid_until {
            return Err(Message::new(
                Sentence::KeyOutsideValidity,
                [
                    short(signer),
                    key.role.name().to_string(),
                    time.to_string(),
                    key.valid_from.to_string(),
                    key.valid_until.to_string(),
                ],
            ));
        }
        Ok(Authority::Enrolled(key.role))
    }

    /// Checks that the record's signer may sign a record of its kind for its precinct, and
    /// that an enrollment or revocation it signs is one its authority allows. `territory` says
    /// which territory a precinct lies in (from the registry).
    pub fn authorize(
        &self,
        record: &Record,
        territory: impl Fn(PrecinctId) -> Option<TerritoryId>,
    ) -> Result<Authority, Message> {
        let authority = self.authority(&record.signer, record.time)?;
        let kind = record.kind();
        match (authority, kind) {
            (Authority::Log, Kind::LogCheckpoint) => return Ok(authority),
            (Authority::Log, _) => {
                return Err(Message::new(Sentence::LogKeyOnlyCheckpoints, [kind.name()]));
            }
            (_, Kind::LogCheckpoint) => {
                return Err(Message::plain(Sentence::CheckpointNotByLogKey));
            }
            _ => {}
        }
        self.key_management_allowed(authority, &record.body)?;
        let role = match authority {
            Authority::Root | Authority::Log => return Ok(authority),
            Authority::Enrolled(role) => role,
        };
        // Annulments: any enrolled key gets this far; `annulment.by-cec` judges the role.
        if kind == Kind::Annulment {
            return Ok(authority);
        }
        if !roles_for(kind).contains(&role) {
            return Err(Message::new(
                Sentence::RoleMayNotSign,
                [role.name(), kind.name()],
            ));
        }
        let scope = &self.keys[&record.signer].scope;
        if let Some(p) = record.body.precinct()
            && !scope.covers(p, territory(p))
        {
            return Err(Message::new(
                Sentence::ScopeDoesNotCover,
                [role.name().to_string(), p.to_string()],
            ));
        }
        Ok(authority)
    }

    /// The rules on what an enrollment or revocation may do, by whom.
    fn key_management_allowed(&self, authority: Authority, body: &Body) -> Result<(), Message> {
        let by_root = authority == Authority::Root;
        match body {
            Body::KeyEnrollment(e) => {
                let key = short(&e.key);
                if e.key == self.root || self.log_keys.contains(&e.key) {
                    return Err(Message::new(Sentence::RootOrLogKeyEnrolled, [key]));
                }
                if self.revoked.contains(&e.key) {
                    return Err(Message::new(Sentence::RevokedKeyEnrolled, [key]));
                }
                if let Some(k) = self.keys.get(&e.key) {
                    return Err(Message::new(
                        Sentence::KeyEnrolledTwice,
                        [key, k.role.name().to_string()],
                    ));
                }
                if e.role == Role::CecOperator && !by_root {
                    return Err(Message::plain(Sentence::OperatorEnrolledNotByRoot));
                }
            }
            Body::KeyRevocation(r) => {
                if r.key == self.root || self.log_keys.contains(&r.key) {
                    return Err(Message::new(Sentence::RootOrLogKeyRevoked, [short(&r.key)]));
                }
                let operator = self
                    .keys
                    .get(&r.key)
                    .is_some_and(|k| k.role == Role::CecOperator);
                if operator && !by_root {
                    return Err(Message::plain(Sentence::OperatorRevokedNotByRoot));
                }
            }
            _ => {}
        }
        Ok(())
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
                self.keys.entry(*key).or_insert(Enrolled {
                    role: *role,
                    scope: scope.clone(),
                    valid_from: *valid_from,
                    valid_until: *valid_until,
                });
            }
            Body::KeyRevocation(r) => {
                self.revoked.insert(r.key);
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
