//! Offline proof bundles (C2SP tlog-proof v1): an entry's index, its inclusion proof and a
//! cosigned checkpoint in one text file, checkable with no network against a policy.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64>]
//! index <n>
//! <base64 hash>...
//!
//! <checkpoint note>
//! ```

use crate::checkpoint::parse_decimal;
use crate::hash::{Hash, decode_base64_canonical, encode_base64};
use crate::policy::{CheckpointRejection, Policy, VerifiedCheckpoint};
use crate::proof::{ProofError, verify_inclusion};
use thiserror::Error;

const HEADER: &str = "c2sp.org/tlog-proof@v1";
/// The most inclusion-proof hashes a bundle may carry (a tree of 2^63 leaves needs 63).
pub const MAX_INCLUSION_PROOF: usize = 63;

/// Why a bundle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleVerifyError {
    #[error("malformed proof bundle: {0}")]
    Malformed(&'static str),
    #[error("checkpoint rejected: {0}")]
    Checkpoint(#[from] CheckpointRejection),
    #[error("inclusion proof failed: {0}")]
    Inclusion(#[from] ProofError),
}

/// A parsed tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofBundle {
    /// Opaque, unauthenticated application data.
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

impl ProofBundle {
    /// Parses a bundle's form; see [`ProofBundle::verify`] for its meaning.
    pub fn parse(data: &[u8]) -> Result<ProofBundle, BundleVerifyError> {
        let malformed = BundleVerifyError::Malformed;
        let mut rest = data;
        let mut next_line = || -> Result<&str, BundleVerifyError> {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or(malformed("missing newline"))?;
            let line = std::str::from_utf8(&rest[..end]).map_err(|_| malformed("not UTF-8"))?;
            rest = &rest[end + 1..];
            Ok(line)
        };
        if next_line()? != HEADER {
            return Err(malformed("first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = next_line()?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                decode_base64_canonical(b64).ok_or(malformed("extra is not canonical base64"))?,
            );
            line = next_line()?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or(malformed("no `index <n>` line"))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_INCLUSION_PROOF {
                return Err(malformed("inclusion proof too long"));
            }
            proof
                .push(Hash::from_base64(line).ok_or(malformed("proof line is not a base64 hash"))?);
        }
        if rest.is_empty() {
            return Err(malformed("no checkpoint"));
        }
        Ok(ProofBundle {
            extra,
            index,
            proof,
            checkpoint: rest.to_vec(),
        })
    }

    /// The bundle as text.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", encode_base64(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            out.push_str(&format!("{}\n", h.to_base64()));
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.checkpoint);
        bytes
    }

    /// Checks a bundle that carries its entry in `extra`, as Shailoo ledgers issue them, and
    /// returns the entry. The entry is authenticated by the proof, not trusted on its own.
    pub fn verify_entry(
        &self,
        policy: &Policy,
    ) -> Result<(VerifiedCheckpoint, &[u8]), BundleVerifyError> {
        let entry = self
            .extra
            .as_deref()
            .ok_or(BundleVerifyError::Malformed("no entry in the extra line"))?;
        let verified = self.verify(&crate::hash::leaf_hash(entry), policy)?;
        Ok((verified, entry))
    }

    /// Checks, with no network, that the entry whose leaf hash is `leaf` is in the log: the
    /// checkpoint satisfies `policy` and the proof binds the leaf to its root at `index`.
    pub fn verify(
        &self,
        leaf: &Hash,
        policy: &Policy,
    ) -> Result<VerifiedCheckpoint, BundleVerifyError> {
        let verified = policy.verify_checkpoint(&self.checkpoint)?;
        let cp = &verified.checkpoint;
        verify_inclusion(self.index, cp.size, leaf, &self.proof, &cp.root)?;
        Ok(verified)
    }
}
