//! An election log's trust policy: a C2SP tlog-policy (the log, its witnesses, the quorum)
//! plus two Shailoo extension lines (`spec/tlog.md` §10): at most one `root <vkey>`, pinning
//! the CEC's root key from which every signer's enrollment is checked, and any number of
//! `viewer <url>`, the observers' own copies of the web viewer (they carry no trust).
//!
//! Read and written here once, for every client: the verifier, the browser's wasm module and
//! the ledger's demo. Without a `root` line the policy still checks any C2SP log; its entries
//! are then opaque bytes.

use thiserror::Error;
use tlog::keys::{ALG_ED25519, KeyError, VerifierKey};
use tlog::policy::{ExtensionLine, Policy, PolicyError};

/// The extension keyword naming the CEC's root key.
pub const ROOT_KEYWORD: &str = "root";
/// The extension keyword naming an observers' copy of the web viewer.
pub const VIEWER_KEYWORD: &str = "viewer";

/// A parsed election trust policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustPolicy {
    /// The tlog-policy part (its `extensions` hold the `root` line, if any).
    pub policy: Policy,
    /// The CEC's root key, from the `root` line.
    pub root: Option<VerifierKey>,
    /// The observers' copies of the viewer, from the `viewer` lines.
    pub viewers: Vec<String>,
}

/// Why a policy is not a usable election trust policy.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TrustPolicyError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("policy line {0}: more than one `root` line")]
    SecondRoot(usize),
    #[error("policy line {0}: expected `root <vkey>`")]
    RootArguments(usize),
    #[error("policy line {line}: root key: {error}")]
    RootKey { line: usize, error: KeyError },
    #[error("policy line {0}: the root key must be an Ed25519 key (type 0x01)")]
    RootAlgorithm(usize),
    #[error("the policy names no log (`log <vkey> [<url>]`)")]
    NoLog,
    #[error("policy line {0}: expected `viewer <http:// or https:// URL>`")]
    Viewer(usize),
}

impl TrustPolicy {
    /// Parses policy text: tlog-policy's keywords, at most one `root` line, at least one log.
    pub fn parse(text: &str) -> Result<TrustPolicy, TrustPolicyError> {
        let policy = Policy::parse_with_extensions(text, &[ROOT_KEYWORD, VIEWER_KEYWORD])?;
        let mut root = None;
        let mut viewers = Vec::new();
        for ext in &policy.extensions {
            if ext.keyword == VIEWER_KEYWORD {
                match &ext.args[..] {
                    [url] if url.starts_with("https://") || url.starts_with("http://") => {
                        viewers.push(url.clone())
                    }
                    _ => return Err(TrustPolicyError::Viewer(ext.line)),
                }
                continue;
            }
            if root.is_some() {
                return Err(TrustPolicyError::SecondRoot(ext.line));
            }
            let [vkey] = &ext.args[..] else {
                return Err(TrustPolicyError::RootArguments(ext.line));
            };
            let key = VerifierKey::parse(vkey).map_err(|error| TrustPolicyError::RootKey {
                line: ext.line,
                error,
            })?;
            if key.alg() != ALG_ED25519 {
                return Err(TrustPolicyError::RootAlgorithm(ext.line));
            }
            root = Some(key);
        }
        if policy.logs.is_empty() {
            return Err(TrustPolicyError::NoLog);
        }
        Ok(TrustPolicy {
            policy,
            root,
            viewers,
        })
    }

    /// A policy built with [`Policy`]'s methods, with the CEC's root key pinned.
    pub fn with_root(
        mut policy: Policy,
        root: VerifierKey,
    ) -> Result<TrustPolicy, TrustPolicyError> {
        if root.alg() != ALG_ED25519 {
            return Err(TrustPolicyError::RootAlgorithm(0));
        }
        if policy.logs.is_empty() {
            return Err(TrustPolicyError::NoLog);
        }
        policy.extensions.retain(|e| e.keyword != ROOT_KEYWORD);
        policy.extensions.push(ExtensionLine {
            line: 0,
            keyword: ROOT_KEYWORD.into(),
            args: vec![root.to_string()],
        });
        Ok(TrustPolicy {
            policy,
            root: Some(root),
            viewers: vec![],
        })
    }

    /// The root key's 32 bytes, if the policy pins one.
    pub fn root_public_key(&self) -> Option<[u8; 32]> {
        self.root.as_ref().map(VerifierKey::public_key)
    }

    /// The policy's fingerprint (`spec/tlog.md` §10): the first 16 hex digits of the SHA-256
    /// of its text, for people to compare the policy they use.
    pub fn fingerprint(text: &str) -> String {
        tlog::hash::sha256(text.as_bytes()).to_hex()[..16].to_string()
    }

    /// The policy as text, which [`TrustPolicy::parse`] reads back to the same policy.
    pub fn to_text(&self) -> String {
        self.policy.to_text()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::keys::{ALG_COSIGNATURE_V1, SignerKey};

    /// A key named `name`, its seed from the name so that each name has its own key.
    fn key(name: &str, alg: u8) -> VerifierKey {
        let seed = tlog::hash::sha256(name.as_bytes());
        SignerKey::from_seed(name, alg, &seed.0).unwrap().verifier()
    }

    #[test]
    fn the_root_line_is_optional_single_and_ed25519() {
        let log = key("example.com/log", ALG_ED25519);
        let root = key("example.com/root", ALG_ED25519);
        let plain = format!("log {log} http://127.0.0.1:1\nquorum none\n");
        assert_eq!(TrustPolicy::parse(&plain).unwrap().root, None);
        let with_root = format!("{plain}root {root}\n");
        let parsed = TrustPolicy::parse(&with_root).unwrap();
        assert_eq!(parsed.root_public_key(), Some(root.public_key()));
        let cosigning = key("example.com/root", ALG_COSIGNATURE_V1);
        for (bad, expected) in [
            (
                format!("{with_root}root {root}\n"),
                TrustPolicyError::SecondRoot(4),
            ),
            (format!("{plain}root\n"), TrustPolicyError::RootArguments(3)),
            (
                format!("{plain}root {root} x\n"),
                TrustPolicyError::RootArguments(3),
            ),
            (
                format!("{plain}root {cosigning}\n"),
                TrustPolicyError::RootAlgorithm(3),
            ),
            ("quorum none\n".to_string(), TrustPolicyError::NoLog),
        ] {
            assert_eq!(TrustPolicy::parse(&bad), Err(expected), "{bad:?}");
        }
        assert!(matches!(
            TrustPolicy::parse(&format!("{plain}rooted {root}\n")),
            Err(TrustPolicyError::Policy(_))
        ));
    }

    #[test]
    fn viewer_lines_list_the_observers_copies() {
        let log = key("example.com/log", ALG_ED25519);
        let plain = format!("log {log}\nquorum none\n");
        let text = format!("{plain}viewer https://a.example/v/\nviewer http://b.example\n");
        let parsed = TrustPolicy::parse(&text).unwrap();
        assert_eq!(parsed.viewers, ["https://a.example/v/", "http://b.example"]);
        assert_eq!(TrustPolicy::parse(&parsed.to_text()).unwrap(), parsed);
        for bad in ["viewer\n", "viewer a b\n", "viewer javascript:alert(1)\n"] {
            assert_eq!(
                TrustPolicy::parse(&format!("{plain}{bad}")),
                Err(TrustPolicyError::Viewer(3)),
                "{bad}"
            );
        }
        assert_eq!(TrustPolicy::fingerprint(&text).len(), 16);
        assert_ne!(
            TrustPolicy::fingerprint(&text),
            TrustPolicy::fingerprint(&plain)
        );
    }

    #[test]
    fn a_built_policy_reads_back_the_same() {
        let mut policy = Policy::default();
        policy
            .add_log(key("example.com/log", ALG_ED25519), Some("http://l".into()))
            .unwrap();
        for n in 1..=3 {
            let name = format!("w{n}");
            let witness = key(&format!("example.com/{name}"), ALG_COSIGNATURE_V1);
            policy
                .add_witness(&name, witness.try_into().unwrap(), None)
                .unwrap();
        }
        policy
            .add_group("observers", 2, &["w1", "w2", "w3"])
            .unwrap();
        policy.set_quorum("observers").unwrap();
        let root = key("example.com/root", ALG_ED25519);
        let built = TrustPolicy::with_root(policy, root.clone()).unwrap();
        let read = TrustPolicy::parse(&built.to_text()).unwrap();
        assert_eq!(read.root, Some(root));
        assert_eq!(read.to_text(), built.to_text());
        assert_eq!(read.policy.quorum_name(), "observers");
    }
}
