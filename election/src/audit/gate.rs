//! The gate: whether an entry is a record this log may hold at all — well formed, of this
//! election, correctly signed by a key allowed to sign it. The ledger admits records through
//! it; the auditor applies it to every entry before the other rules.
//!
//! Its state is what admission needs and no more (the election id, the enrolled keys, the
//! precinct registry), so it stays small however long the log grows.

use super::authority::{Authority, KeyRegistry};
use super::message::{Message, Sentence};
use super::rules::{Finding, Rule};
use crate::record::{Record, RecordError};
use crate::records::{Body, Kind, Precinct, PrecinctId};
use crate::signers::SignerKeys;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Gate {
    election: Option<String>,
    keys: KeyRegistry,
    precincts: HashMap<PrecinctId, Precinct>,
    /// Admitted signers' keys, decompressed (a cache, not part of the gate's state; shared
    /// by its clones and with the ledger's request handlers).
    signers: Arc<SignerKeys>,
}

impl Gate {
    /// A gate under the pinned root key, for `election` (or, if `None`, for the election of
    /// the first record that passes).
    pub fn new(root_key: [u8; 32], election: Option<String>) -> Gate {
        Gate {
            election,
            keys: KeyRegistry::new(root_key),
            precincts: HashMap::new(),
            signers: Arc::new(SignerKeys::new()),
        }
    }

    /// The log's own public key(s), which sign the log's checkpoint records and nothing else.
    pub fn with_log_keys(mut self, log_keys: Vec<[u8; 32]>) -> Gate {
        self.keys = self.keys.with_log_keys(log_keys);
        self
    }

    /// The keys of signers this gate admitted, for checking signatures before the gate
    /// ([`Gate::verified_record`]) on other threads.
    pub fn signers(&self) -> Arc<SignerKeys> {
        self.signers.clone()
    }

    pub fn election(&self) -> Option<&str> {
        self.election.as_deref()
    }

    pub fn keys(&self) -> &KeyRegistry {
        &self.keys
    }

    pub fn precincts(&self) -> &HashMap<PrecinctId, Precinct> {
        &self.precincts
    }

    /// The record in `entry` if it passes the gate; otherwise the finding that stops it.
    /// `index` is only used to label the finding.
    pub fn check(&self, entry: &[u8], index: Option<u64>) -> Result<Record, Finding> {
        self.check_verified(Gate::verified_record(entry, &self.signers), index)
    }

    /// [`Gate::check`] for an entry another thread already decoded and whose signature it
    /// checked ([`Gate::verified_record`]): what needs the log's state is checked here.
    pub fn check_verified(
        &self,
        verified: Result<Record, Finding>,
        index: Option<u64>,
    ) -> Result<Record, Finding> {
        let record = verified.map_err(|f| Finding { index, ..f })?;
        self.check_authority(&record)
            .map_err(|f| Finding { index, ..f })?;
        Ok(record)
    }

    /// The part of the gate that needs no log state: the entry decodes canonically and its
    /// signature verifies. A ledger runs it in parallel, off its single sequencer thread,
    /// with one [`SignerKeys`] shared by its threads.
    pub fn verified_record(entry: &[u8], signers: &SignerKeys) -> Result<Record, Finding> {
        let finding = |rule, precinct, message: Message| Finding {
            rule,
            index: None,
            precinct,
            message,
        };
        let record = Record::from_bytes(entry).map_err(|e| match e {
            RecordError::UnknownKind(k) => finding(
                Rule::RecordUnknownKind,
                None,
                Message::new(Sentence::RecordKindUnknown, [k]),
            ),
            e => finding(Rule::RecordMalformed, None, e.to_string().into()),
        })?;
        signers.verify(&record).map_err(|e| {
            finding(
                Rule::RecordSignature,
                record.body.precinct(),
                signature_failure(e),
            )
        })?;
        Ok(record)
    }

    /// The part that needs the log's state: this election, and a signer enrolled for this
    /// role and precinct and not revoked at this point of the log. (The time window needs a
    /// clock or the witnessed time, and is applied by the caller: [`crate::time`].)
    pub fn check_authority(&self, record: &Record) -> Result<(), Finding> {
        let precinct = record.body.precinct();
        let finding = |rule, message: Message| Finding {
            rule,
            index: None,
            precinct,
            message,
        };
        if let Some(expected) = &self.election
            && *expected != record.election
        {
            let msg = Message::new(
                Sentence::OtherElection,
                [format!("{:?}", record.election), format!("{expected:?}")],
            );
            return Err(finding(Rule::RecordElection, msg));
        }
        self.keys
            .authorize(record, |p| self.precincts.get(&p).map(|x| x.territory))
            .map_err(|why| finding(Rule::SignerAuthorized, why))?;
        Ok(())
    }

    /// What a ledger admits: what passes the gate, except annulments not signed by the CEC,
    /// which the log would only have to report.
    pub fn admit(&self, entry: &[u8]) -> Result<Record, Finding> {
        let record = Gate::verified_record(entry, &self.signers)?;
        self.admit_verified(&record)?;
        Ok(record)
    }

    /// [`Gate::admit`] for a record that [`Gate::verified_record`] already produced.
    pub fn admit_verified(&self, record: &Record) -> Result<(), Finding> {
        self.check_authority(record)?;
        if record.kind() == Kind::Annulment
            && !self.authority(record).is_some_and(Authority::is_cec)
        {
            return Err(Finding {
                rule: Rule::AnnulmentByCec,
                index: None,
                precinct: None,
                message: Message::plain(Sentence::AnnulmentOnlyByCec),
            });
        }
        Ok(())
    }

    /// What signed `record`, at its time.
    pub fn authority(&self, record: &Record) -> Option<Authority> {
        self.keys.authority(&record.signer, record.time).ok()
    }

    /// Takes a record that passed the gate into account: enrollments, revocations, the
    /// registry, the election id. Returns the ids of precincts registered a second time.
    pub fn apply(&mut self, record: &Record) -> Vec<PrecinctId> {
        if self.election.is_none() {
            self.election = Some(record.election.clone());
        }
        self.keys.apply(record);
        self.signers.remember(&record.signer);
        let mut duplicates = Vec::new();
        if let Body::PrecinctRegistry(r) = &record.body {
            for p in &r.precincts {
                if self.precincts.insert(p.id, p.clone()).is_some() {
                    duplicates.push(p.id);
                }
            }
        }
        duplicates
    }
}

/// Why a record's signature failed, in words a citizen can read (`record.signature`).
pub(super) fn signature_failure(e: RecordError) -> Message {
    match e {
        RecordError::BadSignature => Message::plain(Sentence::SignatureDoesNotVerify),
        RecordError::Unsigned => Message::plain(Sentence::RecordUnsigned),
        RecordError::BadKey => Message::plain(Sentence::SignerKeyInvalid),
        e => e.to_string().into(),
    }
}
