//! Evidence of log misbehaviour: what a record holds, why it was kept, and how it is shown
//! (`witness evidence DIR` as text, `GET /evidence` as JSON).
//!
//! A record is a checkpoint that carries a valid signature of the log yet contradicts what
//! this witness cosigned: the same size with another root (a fork, conclusive on its own), or a
//! larger size whose consistency proof does not verify (a fork, or a sender's bad proof: the
//! log's tiles decide). Each record keeps the request verbatim, when it came, and the
//! checkpoint the witness had cosigned then, so that anyone can re-check it without this
//! witness's word.

use serde::Serialize;
use std::fmt::Write as _;
use tlog::Checkpoint;
use tlog::witness::WitnessedTree;

/// One piece of evidence, as listed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub id: i64,
    pub origin: String,
    /// Seconds since the Unix epoch.
    pub received_at: u64,
    /// The same time, ISO 8601 in UTC.
    pub received_at_utc: String,
    pub reason: String,
    /// The add-checkpoint request body, verbatim (always UTF-8: it parsed as one).
    pub request: String,
    /// The checkpoint this witness had cosigned for the origin when the request came.
    pub cosigned_checkpoint: Option<String>,
}

impl EvidenceRecord {
    pub(crate) fn new(
        id: i64,
        origin: String,
        received_at: u64,
        request: &[u8],
        reason: String,
        cosigned: Option<&[u8]>,
    ) -> EvidenceRecord {
        EvidenceRecord {
            id,
            origin,
            received_at,
            received_at_utc: utc(received_at),
            reason,
            request: String::from_utf8_lossy(request).into_owned(),
            cosigned_checkpoint: cosigned.map(|c| String::from_utf8_lossy(c).into_owned()),
        }
    }
}

/// Why a refused, validly signed checkpoint is evidence, in words an observer can act on.
pub fn reason(refused: &Checkpoint, cosigned: Option<&WitnessedTree>, detail: &str) -> String {
    let detail = detail.trim_end();
    match cosigned {
        _ if refused.size == 0 => format!(
            "the log signed a tree of size 0 whose root {} is not the empty tree's ({detail})",
            refused.root
        ),
        Some(c) if c.size == refused.size => format!(
            "fork: the log signed size {} with root {}, but this witness cosigned size {} with \
             root {} ({detail})",
            refused.size, refused.root, c.size, c.root
        ),
        Some(c) => format!(
            "no valid consistency proof from the cosigned size {} (root {}) to size {} (root {}): \
             either the log forked, or the sender sent a wrong proof; the log's tiles at size {} \
             decide ({detail})",
            c.size, c.root, refused.size, refused.root, refused.size
        ),
        None => format!(
            "the log signed size {} with root {} ({detail})",
            refused.size, refused.root
        ),
    }
}

/// The text listing of `witness evidence DIR`.
pub fn to_text(records: &[EvidenceRecord]) -> String {
    if records.is_empty() {
        return "no evidence: every validly signed checkpoint this witness received was \
                consistent with what it cosigned\n"
            .into();
    }
    let mut out = String::new();
    for r in records {
        let _ = writeln!(
            out,
            "=== evidence #{} — {} — received {} ({})",
            r.id, r.origin, r.received_at_utc, r.received_at
        );
        let _ = writeln!(out, "reason: {}", r.reason);
        let _ = writeln!(out, "--- request (POST /add-checkpoint body)");
        out.push_str(&r.request);
        if let Some(c) = &r.cosigned_checkpoint {
            let _ = writeln!(out, "--- checkpoint this witness had cosigned");
            out.push_str(c);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{} record(s)", records.len());
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch.
pub fn utc(seconds: u64) -> String {
    tlog::time::rfc3339(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn reasons_name_the_kind_of_conflict() {
        let cp = |size, byte| Checkpoint {
            origin: "o".into(),
            size,
            root: tlog::Hash([byte; 32]),
            extensions: vec![],
        };
        let tree = |size, byte| WitnessedTree {
            size,
            root: tlog::Hash([byte; 32]),
        };
        assert!(reason(&cp(5, 1), Some(&tree(5, 2)), "x").starts_with("fork:"));
        assert!(reason(&cp(9, 1), Some(&tree(5, 2)), "x").contains("consistency proof"));
        assert!(reason(&cp(0, 1), None, "x").contains("size 0"));
    }
}
