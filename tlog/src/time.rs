//! Time in a transparency log: cosignature timestamps as calendar dates, for people, and
//! the **witnessed time** of a checkpoint — what a quorum of witnesses attests about when the
//! tree it names existed.
//!
//! A cosignature on a checkpoint at time T says "at T, this is the largest tree I have seen"
//! (c2sp.org/tlog-cosignature). Any single witness's clock may be wrong or its key stolen, so
//! a time counts only when the witnesses that vouch for it satisfy the trust policy's quorum —
//! the same assumption every verifier already makes about checkpoints. From one checkpoint's
//! cosignatures that gives two times ([`WitnessedTime`]): a quorum had seen the tree by the
//! first (every entry in it was logged no later), and a quorum still saw it as the newest at
//! the second (no entry beyond it was logged earlier).

use crate::policy::Policy;

/// What a quorum of witnesses attests about when a checkpoint's tree existed (Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WitnessedTime {
    /// The earliest time by which witnesses satisfying the quorum had cosigned the checkpoint:
    /// every entry the tree contains was logged no later than this.
    pub contained_by: u64,
    /// The latest time at which witnesses satisfying the quorum cosigned the checkpoint as the
    /// largest tree they had seen: no entry beyond the tree was logged before this.
    pub newest_at: u64,
}

/// The witnessed time of a checkpoint from its verified cosignatures (`(witness name, time)`,
/// as [`crate::policy::VerifiedCheckpoint::cosigners`] lists them), or `None` if they do not
/// satisfy the quorum or the policy needs no witness (`quorum none` attests no time).
///
/// `contained_by` is the smallest T such that the witnesses that cosigned at or before T
/// satisfy the quorum; `newest_at` the largest T such that those that cosigned at or after T
/// do. With a k-of-n group these are the k-th earliest and the k-th latest timestamps: fewer
/// than k wrong clocks cannot move either.
pub fn witnessed_time(policy: &Policy, cosigners: &[(String, u64)]) -> Option<WitnessedTime> {
    if policy.quorum_name() == "none" {
        return None;
    }
    // Time is the witnesses' word: a mirror cosigns whenever it copied the tree, so its
    // timestamps count for nothing, and a quorum that requires a mirror is judged on its
    // witnesses' part.
    let witnesses: Vec<&(String, u64)> = cosigners
        .iter()
        .filter(|(n, _)| !policy.is_mirror(n))
        .collect();
    let mut times: Vec<u64> = witnesses.iter().map(|&&(_, t)| t).collect();
    times.sort_unstable();
    times.dedup();
    let satisfied = |keep: &dyn Fn(u64) -> bool| {
        let names: Vec<&str> = witnesses
            .iter()
            .filter(|&&&(_, t)| keep(t))
            .map(|(n, _)| n.as_str())
            .collect();
        policy.witnesses_satisfy_quorum(&names)
    };
    let contained_by = times.iter().copied().find(|&t| satisfied(&|c| c <= t))?;
    let newest_at = times
        .iter()
        .rev()
        .copied()
        .find(|&t| satisfied(&|c| c >= t))?;
    Some(WitnessedTime {
        contained_by,
        newest_at,
    })
}

/// The UTC calendar date and time of `seconds` since 1970-01-01:
/// (year, month, day, hour, minute, second), proleptic Gregorian.
pub fn utc_parts(seconds: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (seconds / 86_400) as i64;
    let secs = (seconds % 86_400) as u32;
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, by 400-year eras).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs / 3600, secs / 60 % 60, secs % 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{ALG_COSIGNATURE_V1, VerifierKey};

    fn policy(quorum: &str) -> Policy {
        let mut p = Policy::default();
        for (i, name) in ["w1", "w2", "w3"].into_iter().enumerate() {
            let public = ed25519_dalek::SigningKey::from_bytes(&[i as u8 + 1; 32]).verifying_key();
            let key = VerifierKey::new(name, ALG_COSIGNATURE_V1, public.as_bytes()).unwrap();
            p.add_witness(name, key.try_into().unwrap(), None).unwrap();
        }
        p.add_group("two", 2, &["w1", "w2", "w3"]).unwrap();
        // A mirror, and a group that needs it besides two witnesses.
        let public = ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key();
        let key = VerifierKey::new("m", ALG_COSIGNATURE_V1, public.as_bytes()).unwrap();
        p.add_mirror("m", key.try_into().unwrap(), None).unwrap();
        p.add_group("both", 2, &["two", "m"]).unwrap();
        p.set_quorum(quorum).unwrap();
        p
    }

    fn cosigned(times: &[(&str, u64)]) -> Vec<(String, u64)> {
        times.iter().map(|&(n, t)| (n.to_string(), t)).collect()
    }

    #[test]
    fn a_quorum_of_two_takes_the_second_earliest_and_second_latest_time() {
        let p = policy("two");
        // w3's clock is a day ahead: it moves neither time.
        let all = cosigned(&[("w1", 100), ("w2", 104), ("w3", 86_500)]);
        let w = witnessed_time(&p, &all).unwrap();
        assert_eq!((w.contained_by, w.newest_at), (104, 104));
        // A clock far behind moves neither either.
        let all = cosigned(&[("w1", 3), ("w2", 100), ("w3", 102)]);
        let w = witnessed_time(&p, &all).unwrap();
        assert_eq!((w.contained_by, w.newest_at), (100, 100));
        let honest = cosigned(&[("w1", 100), ("w2", 101), ("w3", 103)]);
        let w = witnessed_time(&p, &honest).unwrap();
        assert_eq!((w.contained_by, w.newest_at), (101, 101));
    }

    #[test]
    fn no_time_without_a_quorum_or_without_witnesses() {
        assert_eq!(
            witnessed_time(&policy("two"), &cosigned(&[("w1", 5)])),
            None
        );
        assert_eq!(
            witnessed_time(&policy("none"), &cosigned(&[("w1", 5)])),
            None
        );
        let one = witnessed_time(&policy("w2"), &cosigned(&[("w1", 5), ("w2", 9)])).unwrap();
        assert_eq!((one.contained_by, one.newest_at), (9, 9));
    }

    #[test]
    fn a_mirrors_cosignature_counts_for_no_time() {
        let p2 = policy("both");
        // The mirror copied the tree a day later: the witnesses' times stand.
        let all = cosigned(&[("w1", 100), ("w2", 104), ("m", 86_500)]);
        let w = witnessed_time(&p2, &all).unwrap();
        assert_eq!((w.contained_by, w.newest_at), (104, 100));
        // Without the mirror's cosignature the witnesses still attest the time; the mirror
        // alone with one witness does not.
        let w = witnessed_time(&p2, &all[..2]).unwrap();
        assert_eq!((w.contained_by, w.newest_at), (104, 100));
        assert_eq!(witnessed_time(&p2, &cosigned(&[("w1", 1), ("m", 2)])), None);
    }

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_917_600), "2026-11-29T02:00:00Z");
        assert_eq!(utc_parts(4_107_542_399), (2100, 2, 28, 23, 59, 59));
        assert_eq!(utc_parts(4_107_542_400), (2100, 3, 1, 0, 0, 0));
    }
}
