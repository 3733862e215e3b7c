//! Records the tests sign themselves, beside the generated election: keys from a seed byte,
//! and enrollments of them.

use election::Body;
use election::records::{KeyEnrollment, Role, Scope};

/// The election of [`crate::ORIGIN`].
pub const ELECTION: &str = "2026-11-29-parliamentary";

/// The Ed25519 key whose seed is 32 bytes `n`.
pub fn ed25519_key(n: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[n; 32])
}

/// `signer`'s enrollment of [`ed25519_key`]`(key)` in `role`, everywhere and for ever, claimed
/// at `time`.
pub fn enrollment(
    signer: &ed25519_dalek::SigningKey,
    key: u8,
    role: Role,
    time: u64,
) -> election::Record {
    let body = Body::KeyEnrollment(KeyEnrollment {
        key: ed25519_key(key).verifying_key().to_bytes(),
        role,
        holder: format!("{} {key}", role.name()),
        scope: Scope::everything(),
        valid_from: 0,
        valid_until: u64::MAX,
    });
    election::Record::sign(ELECTION, time, body, signer)
}
