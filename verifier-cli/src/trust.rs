//! The trust policy: which log key, which witnesses and which quorum this verifier believes,
//! and — for election logs — the CEC's pinned root key.
//!
//! The file is a C2SP tlog-policy (`log <vkey> [url]`, `witness <name> <vkey> [url]`,
//! `group <name> all|any|<k> <member>…`, `quorum <name>|none`) with at most one extension
//! line `root <vkey>` (spec/tlog.md §10). Without a `root` line the policy works for any C2SP
//! log: the log is checked, the entries are treated as opaque bytes.

use crate::outcome::Failure;
use election::policy::TrustPolicy;
use std::path::Path;
use tlog::keys::VerifierKey;
use tlog::policy::{CheckpointRejection, Policy, VerifiedCheckpoint};

/// A parsed trust policy.
#[derive(Clone, Debug)]
pub struct Trust {
    pub policy: Policy,
    /// The CEC root key from the `root` line, if any.
    pub root: Option<VerifierKey>,
}

impl Trust {
    /// Reads and parses a policy file.
    pub fn load(path: &Path) -> Result<Trust, Failure> {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("cannot read policy {}: {e}", path.display())))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Failure::Usage(format!("policy {} is not UTF-8 text", path.display())))?;
        Trust::parse(&text).map_err(|e| Failure::Usage(format!("policy {}: {e}", path.display())))
    }

    /// Parses policy text (`election::policy`: tlog-policy, at most one `root` line, at least
    /// one log).
    pub fn parse(text: &str) -> Result<Trust, String> {
        let TrustPolicy { policy, root, .. } =
            TrustPolicy::parse(text).map_err(|e| e.to_string())?;
        Ok(Trust { policy, root })
    }

    /// The log's location: `--log` if given, else the URL of the policy's `log` line.
    pub fn log_location(&self, given: Option<&str>) -> Result<String, Failure> {
        if let Some(url) = given {
            return Ok(url.to_string());
        }
        let urls: Vec<&String> = self
            .policy
            .logs
            .iter()
            .filter_map(|l| l.url.as_ref())
            .collect();
        match urls[..] {
            [url] => Ok(url.clone()),
            [] => Err(Failure::Usage(
                "the policy's `log` line has no URL: say where the log is with --log URL".into(),
            )),
            _ => Err(Failure::Usage(
                "the policy names several logs with URLs: choose one with --log URL".into(),
            )),
        }
    }

    /// Checks a signed checkpoint against the policy: the log's signature and the witness
    /// quorum. A rejection is a log failure, explained for a person.
    pub fn verify_checkpoint(
        &self,
        note: &[u8],
        from: &str,
    ) -> Result<VerifiedCheckpoint, Failure> {
        self.policy
            .verify_checkpoint(note)
            .map_err(|e| explain_rejection(&e, from))
    }

    /// The log with this origin as the policy knows it: the origin and the policy's keys
    /// for it (what the remembered checkpoint is kept under).
    pub fn log_id(&self, origin: &str) -> crate::state::LogId {
        crate::state::LogId {
            origin: origin.to_string(),
            keys: self.policy.log_keys_for(origin),
        }
    }

    /// The root key's 32 bytes, or the usage error that explains why election records cannot
    /// be checked without it.
    pub fn require_root(&self) -> Result<[u8; 32], Failure> {
        self.root.as_ref().map(VerifierKey::public_key).ok_or_else(|| {
            Failure::Usage(
                "the policy has no `root <vkey>` line naming the CEC's root key, so the election records cannot be checked; add the line (the log itself can still be checked with `verifier checkpoint` and `verifier inclusion`)".into(),
            )
        })
    }
}

/// Why a checkpoint (from `from`) does not satisfy the policy, for a person.
pub fn explain_rejection(e: &CheckpointRejection, from: &str) -> Failure {
    let why = match e {
        CheckpointRejection::UnknownLog(origin) => format!(
            "it is for the log {origin:?}, which your policy does not name (is this the right log?)"
        ),
        CheckpointRejection::NoLogSignature(origin) => format!(
            "it has no valid signature by the key your policy trusts for {origin:?}: it was not signed by that log, or it was altered"
        ),
        CheckpointRejection::QuorumNotMet {
            cosigned,
            witnesses,
            quorum,
        } => format!(
            "the witness quorum is not met: your policy needs {quorum:?}, but {} cosigned it{}",
            if cosigned.is_empty() {
                "no witness it knows".to_string()
            } else {
                format!("only {witnesses}")
            },
            if cosigned.is_empty() {
                String::new()
            } else {
                format!(" ({})", cosigned.join(", "))
            }
        ),
        other => format!("it is malformed or carries a bad signature: {other}"),
    };
    Failure::Log(format!(
        "the checkpoint from {from} does not satisfy your trust policy: {why}"
    ))
}

/// The election id a log is for: the last path segment of its origin
/// (`shailoo.gov.kg/ledger/2026-11-29-parliamentary` → `2026-11-29-parliamentary`).
pub fn election_of(origin: &str) -> Option<String> {
    origin
        .rsplit_once('/')
        .map(|(_, id)| id.to_string())
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::keys::{ALG_ED25519, SignerKey};

    fn vkey(name: &str, alg: u8) -> String {
        SignerKey::from_seed(name, alg, &[7; 32])
            .unwrap()
            .verifier()
            .to_string()
    }

    #[test]
    fn the_log_is_where_the_policy_or_the_user_says() {
        let log = vkey("example.com/log", ALG_ED25519);
        let root = vkey("example.com/root", ALG_ED25519);
        let plain = format!("log {log} http://127.0.0.1:1\nquorum none\n");
        let t = Trust::parse(&plain).unwrap();
        assert!(t.root.is_none());
        assert!(t.require_root().is_err());
        assert_eq!(t.log_location(None).unwrap(), "http://127.0.0.1:1");
        assert_eq!(t.log_location(Some("http://x")).unwrap(), "http://x");
        let t = Trust::parse(&format!("{plain}root {root}\n")).unwrap();
        assert_eq!(t.require_root().unwrap(), t.root.unwrap().public_key());
        assert!(Trust::parse(&format!("{plain}root {root}\nroot {root}\n")).is_err());
        let no_url = Trust::parse(&format!("log {log}\nquorum none\n")).unwrap();
        assert!(matches!(no_url.log_location(None), Err(Failure::Usage(_))));
    }

    #[test]
    fn election_id_is_the_last_segment() {
        assert_eq!(
            election_of("shailoo.gov.kg/ledger/2026-11-29-parliamentary").as_deref(),
            Some("2026-11-29-parliamentary")
        );
        assert_eq!(election_of("example.com"), None);
    }
}
