//! Key enrollment and revocation: the key hierarchy, kept in the log itself.
//!
//! A pinned CEC root key enrolls CEC operator keys; the root or a CEC operator enrolls every
//! other key with a role, a scope and a validity period. So who may sign what is as auditable
//! as the results themselves.

use minicbor::{Decode, Encode};

use super::common::{PrecinctId, TerritoryId};

/// What a key may sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(index_only)]
#[cfg_attr(feature = "json", serde(rename_all = "kebab-case"))]
pub enum Role {
    /// The Central Election Commission's operators: definitions, enrollments, annulments,
    /// final results.
    #[n(1)]
    CecOperator,
    /// A territorial election commission: complaint decisions in its territory.
    #[n(2)]
    TerritorialCommission,
    /// A precinct election commission: its precinct's protocol.
    #[n(3)]
    PrecinctCommission,
    /// An automatic ballot-counting urn: its precinct's urn result.
    #[n(4)]
    UrnDevice,
    /// A biometric identification device: turnout and identification reports.
    #[n(5)]
    IdentificationDevice,
    /// The office receiving campaign-finance reports and bank statements.
    #[n(6)]
    FinanceOffice,
    /// The office registering complaints and the decisions on them.
    #[n(7)]
    ComplaintsOffice,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::CecOperator,
        Role::TerritorialCommission,
        Role::PrecinctCommission,
        Role::UrnDevice,
        Role::IdentificationDevice,
        Role::FinanceOffice,
        Role::ComplaintsOffice,
    ];

    /// The role named `name` (see [`Role::name`]).
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// A stable lower-case name, for people and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Role::CecOperator => "cec-operator",
            Role::TerritorialCommission => "territorial-commission",
            Role::PrecinctCommission => "precinct-commission",
            Role::UrnDevice => "urn-device",
            Role::IdentificationDevice => "identification-device",
            Role::FinanceOffice => "finance-office",
            Role::ComplaintsOffice => "complaints-office",
        }
    }
}

/// Which precincts a key may speak for. A key with `all` speaks for every precinct; otherwise
/// for the listed territories' precincts and the listed precincts.
#[derive(Clone, Debug, PartialEq, Eq, Default, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Scope {
    #[n(0)]
    pub all: bool,
    #[n(1)]
    pub territories: Vec<TerritoryId>,
    #[n(2)]
    pub precincts: Vec<PrecinctId>,
}

impl Scope {
    pub fn everything() -> Scope {
        Scope {
            all: true,
            ..Scope::default()
        }
    }

    pub fn precinct(id: PrecinctId) -> Scope {
        Scope {
            precincts: vec![id],
            ..Scope::default()
        }
    }

    pub fn territory(id: TerritoryId) -> Scope {
        Scope {
            territories: vec![id],
            ..Scope::default()
        }
    }

    /// Whether the scope covers precinct `precinct`, which lies in territory `territory`.
    pub fn covers(&self, precinct: PrecinctId, territory: Option<TerritoryId>) -> bool {
        self.all
            || self.precincts.contains(&precinct)
            || territory.is_some_and(|t| self.territories.contains(&t))
    }
}

/// Enrolls a key: from `valid_from` until `valid_until` (Unix seconds), it may sign records
/// of its role within its scope.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct KeyEnrollment {
    /// The Ed25519 public key.
    #[cbor(n(0), with = "minicbor::bytes")]
    #[cfg_attr(feature = "json", serde(with = "crate::json::hex32"))]
    pub key: [u8; 32],
    #[n(1)]
    pub role: Role,
    /// Who holds the key: a commission or a device, never a person's name
    /// (for example "УИК №1204" or "urn KESB-004512").
    #[n(2)]
    pub holder: String,
    #[n(3)]
    pub scope: Scope,
    #[n(4)]
    pub valid_from: u64,
    #[n(5)]
    pub valid_until: u64,
}

/// Revokes a key: records it signs with a time at or after `effective` are not valid.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct KeyRevocation {
    #[cbor(n(0), with = "minicbor::bytes")]
    #[cfg_attr(feature = "json", serde(with = "crate::json::hex32"))]
    pub key: [u8; 32],
    #[n(1)]
    pub effective: u64,
    #[n(2)]
    pub reason: String,
}
