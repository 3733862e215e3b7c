//! Trust policy (C2SP tlog-policy): which logs and witnesses a verifier knows, and which
//! sets of witness cosignatures make a checkpoint acceptable.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! mirror <name> <vkey> [<url>]
//! group <name> all|any|<k> <member>...
//! quorum <name>|none
//! ```
//!
//! This implementation requires the file to be UTF-8 (names are still compared as bytes)
//! and accepts Ed25519 log keys, and witness keys of either cosignature type: Ed25519
//! cosignature/v1 (0x04) or ML-DSA-44 (0x06). A witness holding one key of each is two
//! `witness` lines; a group says whether either or both must cosign.
//!
//! `mirror` is this project's extension (c2sp.org/tlog-mirror defines no policy syntax): a
//! mirror is a cosigner like a witness — it can be a group's member and its cosignature counts
//! the same way — whose cosignature says "every entry of this checkpoint is durably copied
//! here", and whose URL, if given, is another place the log can be read.

use crate::checkpoint::Checkpoint;
use crate::cosigner::CosignerKey;
use crate::keys::{ALG_ED25519, KeyError, VerifierKey};
use crate::note::{Note, NoteError, NoteVerifier, verify_signatures};
use thiserror::Error;

/// The most logs, witnesses or groups one policy may define (the specification recommends
/// supporting at least 32 of each).
pub const MAX_POLICY_ITEMS: usize = 256;

/// Why a policy file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("policy line {line}: {reason}")]
pub struct PolicyError {
    pub line: usize,
    pub reason: String,
}

/// Why a checkpoint did not satisfy a policy.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointRejection {
    #[error("malformed note: {0}")]
    Note(#[from] NoteError),
    #[error("{0}")]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    #[error("the policy knows no log with origin {0:?}")]
    UnknownLog(String),
    #[error("no valid signature by the log's key on the checkpoint of {0:?}")]
    NoLogSignature(String),
    #[error("witness quorum not met: cosigned by {cosigned:?}, the policy's quorum is {quorum}")]
    QuorumNotMet {
        /// The policy's names of the keys whose cosignatures verified.
        cosigned: Vec<String>,
        /// How many witnesses those keys belong to ([`Policy::witness_count`]).
        witnesses: usize,
        quorum: String,
    },
}

/// A log the policy trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLog {
    pub key: VerifierKey,
    pub url: Option<String>,
}

/// A witness the policy knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    pub name: String,
    pub key: CosignerKey,
    pub url: Option<String>,
    /// Listed by a `mirror` line: its URL serves a verified copy of the log.
    pub mirror: bool,
}

/// A member of a group: a witness or an earlier group, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    name: String,
    threshold: usize,
    members: Vec<Member>,
}

/// A line with a keyword the caller asked to accept beyond tlog-policy's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionLine {
    pub line: usize,
    pub keyword: String,
    pub args: Vec<String>,
}

/// A parsed trust policy.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Policy {
    pub logs: Vec<PolicyLog>,
    pub witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    /// `None` for `quorum none`; set for a parsed policy.
    quorum: Option<Member>,
    quorum_defined: bool,
    /// Lines with extension keywords, in file order.
    pub extensions: Vec<ExtensionLine>,
}

/// A checkpoint that satisfied a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
    /// The witnesses whose cosignatures verified, by name, with their timestamps.
    pub cosigners: Vec<(String, u64)>,
}

impl Policy {
    /// Parses a policy that uses only tlog-policy's keywords.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse_with_extensions(text, &[])
    }

    /// Parses a policy, also accepting lines whose keyword is in `extra_keywords`; they are
    /// returned in [`Policy::extensions`] for the caller to interpret.
    pub fn parse_with_extensions(
        text: &str,
        extra_keywords: &[&str],
    ) -> Result<Policy, PolicyError> {
        let mut policy = Policy::default();
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let err = |reason: String| PolicyError { line, reason };
            if raw.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
                return Err(err("control character".into()));
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some((&keyword, args)) = words.split_first() else {
                continue;
            };
            if keyword.starts_with('#') {
                continue;
            }
            let result = match keyword {
                "log" => policy.parse_log(args),
                "witness" => policy.parse_witness(args, false),
                "mirror" => policy.parse_witness(args, true),
                "group" => policy.parse_group(args),
                "quorum" => policy.parse_quorum(args),
                k if extra_keywords.contains(&k) => {
                    let args = args.iter().map(|a| a.to_string()).collect();
                    policy.extensions.push(ExtensionLine {
                        line,
                        keyword: k.to_string(),
                        args,
                    });
                    Ok(())
                }
                other => Err(format!("unknown keyword {other:?}")),
            };
            result.map_err(err)?;
        }
        if !policy.quorum_defined {
            return Err(PolicyError {
                line: 0,
                reason: "no quorum line (write `quorum none` to need no witness)".into(),
            });
        }
        Ok(policy)
    }

    fn parse_log(&mut self, args: &[&str]) -> Result<(), String> {
        let (vkey, url) = match args {
            [vkey] => (vkey, None),
            [vkey, url] => (vkey, Some(url.to_string())),
            _ => return Err("expected `log <vkey> [<url>]`".into()),
        };
        let key = VerifierKey::parse(vkey).map_err(|e| format!("log key: {e}"))?;
        self.add_log(key, url)
    }

    fn parse_witness(&mut self, args: &[&str], mirror: bool) -> Result<(), String> {
        let keyword = if mirror { "mirror" } else { "witness" };
        let (name, vkey, url) = match args {
            [name, vkey] => (name, vkey, None),
            [name, vkey, url] => (name, vkey, Some(url.to_string())),
            _ => return Err(format!("expected `{keyword} <name> <vkey> [<url>]`")),
        };
        let key = CosignerKey::parse(vkey).map_err(|e: KeyError| format!("{keyword} key: {e}"))?;
        match mirror {
            true => self.add_mirror(name, key, url),
            false => self.add_witness(name, key, url),
        }
    }

    /// Adds a mirror: a cosigner like a witness, whose `url` serves a copy of the log.
    pub fn add_mirror(
        &mut self,
        name: &str,
        key: CosignerKey,
        url: Option<String>,
    ) -> Result<(), String> {
        self.add_witness(name, key, url)?;
        self.witnesses.last_mut().expect("just added").mirror = true;
        Ok(())
    }

    /// The URLs of the policy's mirrors: other places where the log can be read.
    pub fn mirror_urls(&self) -> impl Iterator<Item = &str> {
        self.witnesses
            .iter()
            .filter(|w| w.mirror)
            .filter_map(|w| w.url.as_deref())
    }

    fn parse_group(&mut self, args: &[&str]) -> Result<(), String> {
        let [name, threshold, members @ ..] = args else {
            return Err("expected `group <name> all|any|<k> <member>...`".into());
        };
        let threshold = match *threshold {
            "all" => members.len(),
            "any" => 1,
            // "Written in decimal": digits only; values out of range fail the 1..=n check.
            k if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
                k.parse::<usize>().unwrap_or(usize::MAX)
            }
            k => return Err(format!("threshold {k:?} is not all, any or a number")),
        };
        self.add_group(name, threshold, members)
    }

    fn parse_quorum(&mut self, args: &[&str]) -> Result<(), String> {
        let [name] = args else {
            return Err("expected `quorum <name>`".into());
        };
        self.set_quorum(name)
    }

    /// Adds a log. Its key must be an Ed25519 (0x01) key not already in the policy.
    pub fn add_log(&mut self, key: VerifierKey, url: Option<String>) -> Result<(), String> {
        if key.alg() != ALG_ED25519 {
            return Err("a log key must be an Ed25519 note key (type 0x01)".into());
        }
        if self
            .logs
            .iter()
            .any(|l| l.key.public_key() == key.public_key())
        {
            return Err("duplicate log key".into());
        }
        if self.logs.len() >= MAX_POLICY_ITEMS {
            return Err("too many logs".into());
        }
        self.logs.push(PolicyLog { key, url });
        Ok(())
    }

    /// Adds a witness with a cosignature/v1 or ML-DSA-44 key, under a name not yet used.
    pub fn add_witness(
        &mut self,
        name: &str,
        key: CosignerKey,
        url: Option<String>,
    ) -> Result<(), String> {
        self.check_new_name(name)?;
        if self
            .witnesses
            .iter()
            .any(|w| w.key.alg() == key.alg() && w.key.public_key() == key.public_key())
        {
            return Err("duplicate witness key".into());
        }
        if self.witnesses.len() >= MAX_POLICY_ITEMS {
            return Err("too many witnesses".into());
        }
        self.witnesses.push(PolicyWitness {
            name: name.to_string(),
            key,
            url,
            mirror: false,
        });
        Ok(())
    }

    /// Adds a group of earlier-defined witnesses and groups, satisfied by `threshold` of them.
    pub fn add_group(
        &mut self,
        name: &str,
        threshold: usize,
        members: &[&str],
    ) -> Result<(), String> {
        self.check_new_name(name)?;
        if members.is_empty() {
            return Err("a group needs at least one member".into());
        }
        if threshold < 1 || threshold > members.len() {
            return Err(format!(
                "threshold {threshold} is not between 1 and {}",
                members.len()
            ));
        }
        let mut resolved = Vec::with_capacity(members.len());
        for m in members {
            let member = self
                .lookup(m)
                .ok_or(format!("group member {m:?} is not defined above"))?;
            if resolved.contains(&member) {
                return Err(format!("group member {m:?} is listed twice"));
            }
            resolved.push(member);
        }
        if self.groups.len() >= MAX_POLICY_ITEMS {
            return Err("too many groups".into());
        }
        self.groups.push(Group {
            name: name.to_string(),
            threshold,
            members: resolved,
        });
        Ok(())
    }

    /// Sets the quorum to a defined witness or group, or to `none`. Only once.
    pub fn set_quorum(&mut self, name: &str) -> Result<(), String> {
        if self.quorum_defined {
            return Err("more than one quorum line".into());
        }
        self.quorum = if name == "none" {
            None
        } else {
            Some(
                self.lookup(name)
                    .ok_or(format!("quorum {name:?} is not defined above"))?,
            )
        };
        self.quorum_defined = true;
        Ok(())
    }

    fn check_new_name(&self, name: &str) -> Result<(), String> {
        if name == "none" {
            return Err("`none` is reserved".into());
        }
        if self.lookup(name).is_some() {
            return Err(format!("name {name:?} is already defined"));
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<Member> {
        if let Some(i) = self.witnesses.iter().position(|w| w.name == name) {
            return Some(Member::Witness(i));
        }
        self.groups
            .iter()
            .position(|g| g.name == name)
            .map(Member::Group)
    }

    fn member_name(&self, m: Member) -> &str {
        match m {
            Member::Witness(i) => &self.witnesses[i].name,
            Member::Group(i) => &self.groups[i].name,
        }
    }

    /// How many witnesses the policy's witness lines `names` belong to: one witness may hold
    /// two keys (Ed25519 and ML-DSA-44), listed as two lines under one key name.
    pub fn witness_count(&self, names: &[&str]) -> usize {
        let mut identities: Vec<&str> = Vec::new();
        for w in self
            .witnesses
            .iter()
            .filter(|w| names.contains(&w.name.as_str()))
        {
            if !identities.contains(&w.key.name()) {
                identities.push(w.key.name());
            }
        }
        identities.len()
    }

    /// The quorum's name, `none` if no cosignature is needed.
    pub fn quorum_name(&self) -> &str {
        self.quorum.map_or("none", |m| self.member_name(m))
    }

    /// Whether witnesses `cosigned` (by name) satisfy the quorum.
    pub fn quorum_satisfied(&self, cosigned: &[&str]) -> bool {
        self.satisfied(cosigned, false)
    }

    /// Whether the witnesses among `cosigned` meet the witnesses' part of the quorum: the
    /// quorum with every mirror taken out of every group, each group's threshold capped at the
    /// members it has left (a group of mirrors only asks nothing of witnesses). A mirror never
    /// stands in for a witness: `group g 2 W1 W2 M1` still needs both witnesses.
    pub fn witnesses_satisfy_quorum(&self, cosigned: &[&str]) -> bool {
        self.satisfied(cosigned, true)
    }

    fn satisfied(&self, cosigned: &[&str], witnesses_only: bool) -> bool {
        let Some(quorum) = self.quorum else {
            return true;
        };
        let counts = |m: &Member| match *m {
            Member::Witness(i) => !(witnesses_only && self.witnesses[i].mirror),
            Member::Group(_) => true,
        };
        // Groups refer only to earlier groups, so one pass in order decides them all.
        let mut group_ok = Vec::with_capacity(self.groups.len());
        let witnessed = |m: Member, group_ok: &Vec<bool>| match m {
            m if !counts(&m) => true,
            Member::Witness(i) => cosigned.contains(&self.witnesses[i].name.as_str()),
            Member::Group(i) => group_ok[i],
        };
        for g in &self.groups {
            let members: Vec<Member> = g.members.iter().copied().filter(counts).collect();
            let met = members.iter().filter(|&&m| witnessed(m, &group_ok)).count();
            group_ok.push(met >= g.threshold.min(members.len()));
        }
        witnessed(quorum, &group_ok)
    }

    /// Whether the policy's line `name` is a mirror's.
    pub fn is_mirror(&self, name: &str) -> bool {
        self.witnesses.iter().any(|w| w.mirror && w.name == name)
    }

    /// Verifies a signed checkpoint: a log of the policy signed it for its own origin, and the
    /// cosignatures that verify satisfy the quorum.
    pub fn verify_checkpoint(
        &self,
        note_bytes: &[u8],
    ) -> Result<VerifiedCheckpoint, CheckpointRejection> {
        self.verify_with_quorum(note_bytes, |names| self.quorum_satisfied(names))
    }

    /// [`Policy::verify_checkpoint`] for a checkpoint the log logged inside itself: mirrors
    /// cosign a checkpoint only after they copied it, so no logged checkpoint can carry their
    /// cosignatures; the quorum is judged as if every mirror of the policy had cosigned. What
    /// such a checkpoint vouches for — that the witnesses saw the tree by their time — is the
    /// witnesses' word, never a mirror's.
    pub fn verify_logged_checkpoint(
        &self,
        note_bytes: &[u8],
    ) -> Result<VerifiedCheckpoint, CheckpointRejection> {
        self.verify_with_quorum(note_bytes, |names| self.witnesses_satisfy_quorum(names))
    }

    /// The log's signature, then `satisfied` on the names of the cosigners that verified.
    fn verify_with_quorum(
        &self,
        note_bytes: &[u8],
        satisfied: impl Fn(&[&str]) -> bool,
    ) -> Result<VerifiedCheckpoint, CheckpointRejection> {
        let verified = self.verify_log_signature(note_bytes)?;
        let names: Vec<&str> = verified.cosigners.iter().map(|(n, _)| n.as_str()).collect();
        if !satisfied(&names) {
            return Err(CheckpointRejection::QuorumNotMet {
                cosigned: names.iter().map(|n| n.to_string()).collect(),
                witnesses: self.witness_count(&names),
                quorum: self.quorum_name().to_string(),
            });
        }
        Ok(verified)
    }

    /// Verifies only that a log of the policy signed the checkpoint, and which witnesses of
    /// the policy cosigned it, **without** the quorum. Not enough to trust the checkpoint;
    /// enough to hold the log to it: two such checkpoints that contradict each other prove
    /// the log misbehaved, whoever cosigned them.
    pub fn verify_log_signature(
        &self,
        note_bytes: &[u8],
    ) -> Result<VerifiedCheckpoint, CheckpointRejection> {
        let note = Note::parse(note_bytes)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        let logs: Vec<&dyn NoteVerifier> = self
            .logs
            .iter()
            .filter(|l| l.key.name() == checkpoint.origin)
            .map(|l| &l.key as &dyn NoteVerifier)
            .collect();
        if logs.is_empty() {
            return Err(CheckpointRejection::UnknownLog(checkpoint.origin));
        }
        if verify_signatures(&note, &logs)?.is_empty() {
            return Err(CheckpointRejection::NoLogSignature(checkpoint.origin));
        }
        let witnesses: Vec<&dyn NoteVerifier> = self
            .witnesses
            .iter()
            .map(|w| &w.key as &dyn NoteVerifier)
            .collect();
        let cosigners: Vec<(String, u64)> = verify_signatures(&note, &witnesses)?
            .into_iter()
            .map(|v| {
                (
                    self.witnesses[v.verifier].name.clone(),
                    v.info.timestamp.unwrap_or(0),
                )
            })
            .collect();
        Ok(VerifiedCheckpoint {
            checkpoint,
            note,
            cosigners,
        })
    }

    /// The policy's keys for the log of `origin`, as vkeys, sorted and space-separated: with the
    /// origin, what identifies a log to a client that remembers it (two logs may share an
    /// origin; `spec/tlog.md` §11).
    pub fn log_keys_for(&self, origin: &str) -> String {
        let mut keys: Vec<String> = self
            .logs
            .iter()
            .filter(|l| l.key.name() == origin)
            .map(|l| l.key.to_string())
            .collect();
        keys.sort();
        keys.join(" ")
    }

    /// The policy as text: logs, witnesses, groups, quorum, then the extension lines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let url = |u: &Option<String>| u.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
        for l in &self.logs {
            out.push_str(&format!("log {}{}\n", l.key, url(&l.url)));
        }
        for w in &self.witnesses {
            let keyword = if w.mirror { "mirror" } else { "witness" };
            out.push_str(&format!("{keyword} {} {}{}\n", w.name, w.key, url(&w.url)));
        }
        for g in &self.groups {
            let members: Vec<&str> = g.members.iter().map(|&m| self.member_name(m)).collect();
            out.push_str(&format!(
                "group {} {} {}\n",
                g.name,
                g.threshold,
                members.join(" ")
            ));
        }
        out.push_str(&format!("quorum {}\n", self.quorum_name()));
        for e in &self.extensions {
            out.push_str(&format!("{} {}\n", e.keyword, e.args.join(" ")));
        }
        out
    }
}
