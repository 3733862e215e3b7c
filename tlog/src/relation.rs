//! How a checkpoint relates to the one a client accepted before (`spec/tlog.md` §11, step 2):
//! the same tree, a tree that only grew, or signed evidence that the log shrank or rewrote its
//! history — told apart from hash tiles that are merely damaged, which prove nothing.
//!
//! Both trees come from checkpoints the log signed. The hash tiles come from anywhere (the
//! log, a mirror, a cache, a hostile network), so nothing is concluded from them until they
//! agree with the new signed root: the old tree they hold must lead, by the consistency proof
//! they give, to that root. Only then can a failed proof against the *remembered* root be a
//! fork. Every client (the verifier, the browser's wasm module) asks this one function.

use crate::hash::Hash;
use crate::proof::{ProofError, prove_consistency, verify_consistency};
use crate::stored::{HashReader, ReadError, tree_hash};
use thiserror::Error;

/// A tree as a signed checkpoint gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedTree {
    pub size: u64,
    pub root: Hash,
}

/// The new tree extends the old one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extends {
    /// The same tree.
    Unchanged,
    /// The old tree is a prefix of the new one, by this verified consistency proof (empty
    /// when the old tree is empty).
    Grew { proof: Vec<Hash> },
}

/// Why the new tree is not shown to extend the old one. Only a fork is evidence against the
/// log ([`NotExtended::is_evidence`]); a rollback is an older view, which a stale mirror or
/// cache serves as well as a log that removed entries.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NotExtended {
    /// The new tree is smaller: an older view. Not accepted, but not evidence either — the
    /// older checkpoint may be genuine, replayed by a stale mirror or cache.
    #[error("rollback: a tree of {new} entries after one of {old}: an older view, not accepted")]
    Rollback { old: u64, new: u64 },
    /// Two different trees of one size, both signed: evidence of a fork.
    #[error("fork: two different trees of {size} entries")]
    SameSizeFork { size: u64 },
    /// Tiles that agree with the new signed root hold another old tree than the one accepted
    /// before: the log rewrote its history. Evidence with both checkpoints.
    #[error(
        "fork: the log's own tiles, which agree with its new root, hold another tree of {old} entries (root {old_in_tiles})"
    )]
    Fork { old: u64, old_in_tiles: Hash },
    /// The tiles do not agree with the new signed root: damaged or tampered on the way.
    /// Nothing is proved about the log.
    #[error("the log's hash tiles do not agree with its own signed root")]
    Damaged,
    /// The tiles needed could not be read (or are malformed): nothing is concluded.
    #[error("the hash tiles needed cannot be read: {0}")]
    Unreadable(ReadError),
}

impl NotExtended {
    /// Whether the two signed checkpoints prove the log misbehaved (keep them as evidence):
    /// only two different trees where one must contain the other.
    pub fn is_evidence(&self) -> bool {
        matches!(
            self,
            NotExtended::SameSizeFork { .. } | NotExtended::Fork { .. }
        )
    }

    /// A word for the relation, for clients that report it as data.
    pub fn kind(&self) -> &'static str {
        match self {
            NotExtended::Rollback { .. } => "rollback",
            NotExtended::SameSizeFork { .. } | NotExtended::Fork { .. } => "fork",
            NotExtended::Damaged => "damaged",
            NotExtended::Unreadable(_) => "unreadable",
        }
    }
}

/// Relates the tree accepted before (`old`) to a newly signed one (`new`), reading the new
/// tree's hashes from `tiles` (only when the sizes differ and the old tree is not empty).
pub fn relate(
    old: SignedTree,
    new: SignedTree,
    tiles: &impl HashReader,
) -> Result<Extends, NotExtended> {
    if new.size < old.size {
        return Err(NotExtended::Rollback {
            old: old.size,
            new: new.size,
        });
    }
    if new.size == old.size {
        return match new.root == old.root {
            true => Ok(Extends::Unchanged),
            false => Err(NotExtended::SameSizeFork { size: new.size }),
        };
    }
    if old.size == 0 {
        return Ok(Extends::Grew { proof: vec![] });
    }
    let proof = prove_consistency(old.size, new.size, tiles).map_err(|e| match e {
        ProofError::Read(read) => NotExtended::Unreadable(read),
        other => NotExtended::Unreadable(ReadError::Backend(other.to_string())),
    })?;
    if verify_consistency(old.size, new.size, &old.root, &new.root, &proof).is_ok() {
        return Ok(Extends::Grew { proof });
    }
    // Fork or damage: the tiles' own old tree must lead to the new signed root.
    let old_in_tiles = tree_hash(old.size, tiles).map_err(NotExtended::Unreadable)?;
    if verify_consistency(old.size, new.size, &old_in_tiles, &new.root, &proof).is_err() {
        return Err(NotExtended::Damaged);
    }
    Err(NotExtended::Fork {
        old: old.size,
        old_in_tiles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::stored::{stored_hash_count, stored_hashes_for_leaf};

    /// The stored hashes of a tree of `n` leaves whose leaf `i` is `[seed, i]`.
    fn tree(n: u64, seed: u8) -> Vec<Hash> {
        let mut stored = Vec::new();
        for i in 0..n {
            let added = stored_hashes_for_leaf(i, leaf_hash(&[seed, i as u8]), &stored).unwrap();
            stored.extend(added);
        }
        stored
    }

    fn signed(stored: &Vec<Hash>, size: u64) -> SignedTree {
        SignedTree {
            size,
            root: tree_hash(size, stored).unwrap(),
        }
    }

    #[test]
    fn an_honest_log_grows_or_stays() {
        let log = tree(20, 1);
        let old = signed(&log, 7);
        assert_eq!(relate(old, old, &log), Ok(Extends::Unchanged));
        let Ok(Extends::Grew { proof }) = relate(old, signed(&log, 20), &log) else {
            panic!("grew")
        };
        assert!(!proof.is_empty());
        let empty = SignedTree {
            size: 0,
            root: Hash::empty_tree(),
        };
        assert_eq!(
            relate(empty, signed(&log, 20), &log),
            Ok(Extends::Grew { proof: vec![] })
        );
    }

    #[test]
    fn only_a_fork_is_evidence() {
        let log = tree(20, 1);
        let other = tree(20, 2);
        let rollback = relate(signed(&log, 20), signed(&log, 7), &log).unwrap_err();
        assert_eq!(rollback, NotExtended::Rollback { old: 20, new: 7 });
        let same = relate(signed(&log, 7), signed(&other, 7), &other).unwrap_err();
        assert_eq!(same, NotExtended::SameSizeFork { size: 7 });
        // The other history's own tiles agree with its root and hold another tree of 7.
        let fork = relate(signed(&log, 7), signed(&other, 20), &other).unwrap_err();
        assert_eq!(
            fork,
            NotExtended::Fork {
                old: 7,
                old_in_tiles: tree_hash(7, &other).unwrap()
            }
        );
        assert!(same.is_evidence() && fork.is_evidence());
        // An older view proves nothing: a stale mirror serves one too.
        assert!(!rollback.is_evidence());
        assert_eq!((rollback.kind(), fork.kind()), ("rollback", "fork"));
    }

    #[test]
    fn damaged_tiles_are_never_a_fork() {
        let log = tree(20, 1);
        let (old, new) = (signed(&log, 7), signed(&log, 20));
        // Every stored hash in turn is damaged: the relation is proved, or the damage is
        // seen — never a fork.
        for at in 0..stored_hash_count(20) {
            let mut damaged = log.clone();
            damaged[at as usize] = leaf_hash(b"damage");
            match relate(old, new, &damaged) {
                Ok(Extends::Grew { .. }) => {} // a hash the proof does not use
                Err(e @ NotExtended::Damaged) => assert!(!e.is_evidence()),
                other => panic!("stored hash {at} damaged: {other:?}"),
            }
        }
        let missing: Vec<Hash> = Vec::new();
        assert!(matches!(
            relate(old, new, &missing),
            Err(NotExtended::Unreadable(_))
        ));
    }
}
