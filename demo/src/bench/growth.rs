//! Growing a benchmark log to millions of entries: campaign-finance reports by one enrolled
//! finance office, each signed just before it is sent. They add no state to the ledger's gate
//! (no keys, no precincts), so what the server's memory does as they pile up is what the log's
//! size alone does to it.

use ed25519_dalek::SigningKey;
use election::Record;
use election::records::{Amount, Body, DocumentRef, FinanceReport, KeyEnrollment, Role, Scope};

/// Appends to `setup` the root's enrollment of a finance office, and returns its key.
pub fn enroll_office(setup: &mut Vec<Record>, root: &SigningKey) -> SigningKey {
    let office = SigningKey::from_bytes(&[0xbe; 32]);
    let election = setup
        .first()
        .map(|r| r.election.clone())
        .unwrap_or_default();
    let time = setup.iter().map(|r| r.time).max().unwrap_or(0);
    let enrollment = Body::KeyEnrollment(KeyEnrollment {
        key: office.verifying_key().to_bytes(),
        role: Role::FinanceOffice,
        holder: "CEC finance office (benchmark)".into(),
        scope: Scope::everything(),
        valid_from: 0,
        valid_until: u64::MAX,
    });
    setup.push(Record::sign(&election, time, enrollment, root));
    office
}

/// The `n`th report: unique by its amount. Its time grows with `n` from `start` minus 60 hours
/// (a record a second is 50 a second here), so that ten million of them stay inside the ledger's
/// 72-hour window and its duplicate index is appended to in order.
pub fn report(election: &str, office: &SigningKey, n: u64, start: u64) -> Record {
    let body = Body::FinanceReport(FinanceReport {
        filer: "Archa Party".into(),
        period_end: "2026-11-29".into(),
        income: vec![Amount {
            category: 3,
            tyiyn: 100 * (n + 1),
        }],
        spending: vec![],
        document: DocumentRef {
            sha256: [0x5a; 32],
            media_type: "application/pdf".into(),
            size: 1_000 + n % 1_000,
        },
    });
    Record::sign(election, start - 60 * 3600 + n / 50, body, office)
}
