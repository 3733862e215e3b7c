//! RFC 6962 known answers: the Certificate Transparency reference vectors (eight leaves,
//! the root of every prefix, published audit paths and consistency proofs). A tree that
//! agrees with these is the RFC 6962 tree, not merely a tree that agrees with itself.

mod common;
use common::{hash_hex, unhex};
use tlog::proof::{prove_consistency, prove_inclusion, verify_consistency, verify_inclusion};
use tlog::stored::tree_hash;
use tlog::{Frontier, Hash, leaf_hash};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, audit path).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, consistency proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_tree() -> (Vec<Hash>, Frontier) {
    let mut stored = Vec::new();
    let mut f = Frontier::new();
    for leaf in LEAVES {
        f.append(leaf_hash(&unhex(leaf)), |_, h| stored.push(h));
    }
    (stored, f)
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|h| hash_hex(h)).collect()
}

#[test]
fn roots_of_every_prefix() {
    let (stored, frontier) = reference_tree();
    for (n, root) in ROOTS.iter().enumerate() {
        assert_eq!(
            tree_hash(n as u64 + 1, &stored).unwrap(),
            hash_hex(root),
            "root of {} leaves",
            n + 1
        );
    }
    assert_eq!(frontier.root(), hash_hex(ROOTS[7]));
    assert_eq!(
        tree_hash(0, &stored).unwrap().to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn published_audit_paths() {
    let (stored, _) = reference_tree();
    for (index, size, path) in INCLUSION {
        let want = hashes(path);
        assert_eq!(
            prove_inclusion(index, size, &stored).unwrap(),
            want,
            "path of {index} in {size}"
        );
        let leaf = leaf_hash(&unhex(LEAVES[index as usize]));
        verify_inclusion(
            index,
            size,
            &leaf,
            &want,
            &hash_hex(ROOTS[size as usize - 1]),
        )
        .unwrap();
    }
}

#[test]
fn published_consistency_proofs() {
    let (stored, _) = reference_tree();
    for (old, new, path) in CONSISTENCY {
        let want = hashes(path);
        assert_eq!(
            prove_consistency(old, new, &stored).unwrap(),
            want,
            "proof {old} -> {new}"
        );
        let (old_root, new_root) = (
            hash_hex(ROOTS[old as usize - 1]),
            hash_hex(ROOTS[new as usize - 1]),
        );
        verify_consistency(old, new, &old_root, &new_root, &want).unwrap();
    }
}
