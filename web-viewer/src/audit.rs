//! The whole-log audit, fed entry bundle by entry bundle.

use crate::bundle_tile;
use crate::records::{definition_json, finding_json};
use election::Record;
use election::audit::{AuditConfig, Auditor, Rule};
use election::policy::TrustPolicy;
use election::signers::SignerKeys;
use serde_json::{Value, json};
use tlog::policy::Policy;
use wasm_bindgen::prelude::*;

/// The whole-log audit (`election::audit::Auditor`), fed entry bundle by entry bundle, with the
/// tree recomputed from the same entries.
#[wasm_bindgen]
pub struct Audit {
    auditor: Auditor,
    policy: std::sync::Arc<Policy>,
    next: u64,
    tree: tlog::Frontier,
}

#[wasm_bindgen]
impl Audit {
    /// An audit under the policy's pinned root key (its `root` line).
    #[wasm_bindgen(constructor)]
    pub fn new(policy_text: &str) -> Result<Audit, String> {
        Audit::configured(policy_text, None)
    }

    /// An audit with another complaint deadline (seconds) than the election definition's, as
    /// `verifier audit --complaint-deadline` (a court that extended it, a test's short one).
    pub fn with_complaint_deadline(policy_text: &str, seconds: f64) -> Result<Audit, String> {
        let seconds = crate::index_arg(seconds, "deadline")?;
        Audit::configured(policy_text, Some(seconds))
    }

    fn configured(policy_text: &str, complaint_deadline: Option<u64>) -> Result<Audit, String> {
        let trust = TrustPolicy::parse(policy_text).map_err(|e| e.to_string())?;
        let root_key = trust
            .root_public_key()
            .ok_or_else(|| "the policy has no root line: records cannot be audited".to_string())?;
        let policy = std::sync::Arc::new(trust.policy);
        Ok(Audit {
            auditor: Auditor::new(AuditConfig {
                policy: Some(policy.clone()),
                complaint_deadline,
                ..AuditConfig::new(root_key)
            }),
            policy,
            next: 0,
            tree: tlog::Frontier::default(),
        })
    }

    /// Audits the next entry bundle (`width` entries, in log order) and hashes its entries into
    /// the tree; returns how many entries it held.
    pub fn push_bundle(&mut self, bundle: &[u8], width: u32) -> Result<u32, String> {
        let entries =
            tlog::writer::entries_of(&bundle_tile(width)?, bundle).map_err(|e| e.to_string())?;
        for entry in &entries {
            self.auditor.push(self.next, entry);
            self.tree.append(tlog::leaf_hash(entry), |_, _| {});
            self.next += 1;
        }
        Ok(entries.len() as u32)
    }

    /// [`Audit::push_bundle`] for a bundle whose entries a Web Worker already decoded and
    /// checked the signatures of ([`verify_bundle`]: `checked` holds a 1 for each entry that
    /// passed). Those are decoded again here (cheap) and their signatures not checked twice;
    /// any other entry goes through the whole gate here, which says what is wrong with it.
    pub fn push_bundle_checked(
        &mut self,
        bundle: &[u8],
        width: u32,
        checked: &[u8],
    ) -> Result<u32, String> {
        let entries =
            tlog::writer::entries_of(&bundle_tile(width)?, bundle).map_err(|e| e.to_string())?;
        // An answer for another bundle's entries is no answer: all are checked here.
        let checked = if checked.len() == entries.len() {
            checked
        } else {
            &[]
        };
        for (i, entry) in entries.iter().enumerate() {
            match checked.get(i) {
                Some(1) => match Record::from_bytes(entry) {
                    Ok(record) => self.auditor.push_verified(self.next, Ok(record)),
                    Err(_) => self.auditor.push(self.next, entry),
                },
                _ => self.auditor.push(self.next, entry),
            };
            self.tree.append(tlog::leaf_hash(entry), |_, _| {});
            self.next += 1;
        }
        Ok(entries.len() as u32)
    }

    /// The report so far, as of `checkpoint` (the signed checkpoint audited: its witnessed
    /// time is the audit's "now"): `{entries, root_ok, root_error?, election, definition,
    /// registry, records_by_kind, findings, tally, final_results}`. `root_ok`: the entries read
    /// are the whole tree the checkpoint signs — the log serves the entries it signed.
    pub fn report(&self, lang: &str, checkpoint: &[u8]) -> String {
        let verified = self.policy.verify_checkpoint(checkpoint);
        let root_error = match &verified {
            Err(e) => Some(format!("the checkpoint does not verify: {e}")),
            Ok(v) if v.checkpoint.size != self.next => Some(format!(
                "{} entries read, the checkpoint signs {}",
                self.next, v.checkpoint.size
            )),
            Ok(v) if v.checkpoint.root != self.tree.root() => {
                Some("the entries the log serves do not match its signed checkpoint".to_string())
            }
            Ok(_) => None,
        };
        let audited = verified
            .ok()
            .and_then(|v| election::time::WitnessedCheckpoint::of(&self.policy, &v));
        let report = self.auditor.report(audited.as_ref());
        let mut precincts: Vec<_> = self.auditor.gate().precincts().values().collect();
        precincts.sort_by_key(|p| p.id);
        let sum = |votes: &Vec<u64>| votes.iter().sum::<u64>();
        json!({
            "entries": report.entries,
            "root_ok": root_error.is_none(),
            "root_error": root_error,
            "election": report.election,
            "definition": self.auditor.definition().map(definition_json),
            "registry": precincts.iter().map(|p| json!([p.id, p.territory, p.registered])).collect::<Vec<_>>(),
            "records_by_kind": report.records_by_kind.iter().map(|(k, n)| (k.name().to_string(), Value::from(*n))).collect::<serde_json::Map<_, _>>(),
            "findings": report.findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
            "tally": report.tally.contests.iter().map(|c| json!({
                "contest": c.contest, "national": c.national,
                "by_region": c.by_region.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "valid_by_region": c.by_region.iter().map(|(k, v)| (k.to_string(), json!(sum(v)))).collect::<serde_json::Map<_, _>>(),
                "by_territory": c.by_territory.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "included": c.included.len(), "annulled": c.annulled, "missing": c.missing,
                "valid": c.valid, "invalid": c.invalid,
            })).collect::<Vec<_>>(),
            "final_results": report.final_results.iter().map(|(i, f)| json!({
                "index": i, "contest": f.contest, "totals": f.totals,
                // As `final.matches-tally` judged it.
                "matches": !report.findings.iter().any(|x| x.rule == Rule::FinalMatchesTally && x.index == Some(*i)),
            })).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

thread_local! {
    /// Signers' keys, decompressed once per worker (each Web Worker has its own module): an
    /// election's ~10,000 keys sign ~45,000 records.
    static SIGNERS: SignerKeys = SignerKeys::new();
}

/// The costly, stateless part of the audit, for a Web Worker: each entry of the bundle
/// decoded and its signature checked. One byte per entry: 1 if it passed. The page's auditor
/// takes these with [`Audit::push_bundle_checked`], so the national tally uses every core.
#[wasm_bindgen]
pub fn verify_bundle(bundle: &[u8], width: u32) -> Result<Vec<u8>, String> {
    let entries =
        tlog::writer::entries_of(&bundle_tile(width)?, bundle).map_err(|e| e.to_string())?;
    Ok(SIGNERS.with(|signers| {
        entries
            .iter()
            .map(|e| {
                let record = Record::from_bytes(e);
                u8::from(record.is_ok_and(|r| signers.verify_remembering(&r).is_ok()))
            })
            .collect()
    }))
}
