//! Benchmarks of the tlog core, each next to the baseline it is judged against:
//!
//! - `sha256/64B`: the machine's raw SHA-256 rate on 64-byte inputs, measured in the same run.
//! - `append/*`: appending 65,536 entries (leaf hash + interior hashes + writing the stored
//!   hashes out), ours against `tlog_tiles`, `ct-merkle` and `rs_merkle` doing the same work.
//! - `proof/*`: making and verifying inclusion and consistency proofs in a 1,048,576-leaf tree.
//! - `note/*`: verifying a checkpoint's log signature, and a cosigned checkpoint against a
//!   2-of-3 policy, next to one raw Ed25519 verification.
//! - `cosignature/*`: making and verifying one witness cosignature, Ed25519 (cosignature/v1)
//!   against ML-DSA-44 (subtree/v1), and parsing each type's vkey.
//!
//! Run: `cargo bench -p tlog --bench tlog`. BENCHMARKS.md records results and ratios.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use rs_merkle::Hasher as _;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use tlog::checkpoint::Checkpoint;
use tlog::cosigner::{CosignerKey, CosignerSigningKey};
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::ml_dsa::ALG_ML_DSA_44;
use tlog::note::{NoteVerifier, open, sign};
use tlog::policy::Policy;
use tlog::proof::{prove_consistency, prove_inclusion, verify_consistency, verify_inclusion};
use tlog::stored::tree_hash;
use tlog::{Frontier, Hash, leaf_hash};

const APPEND_LEAVES: u64 = 1 << 16;
const PROOF_TREE: u64 = 1 << 20;

/// 32-byte entries, like the hash-sized records of many logs.
fn entries(n: u64) -> Vec<[u8; 32]> {
    (0..n)
        .map(|i| Sha256::digest(i.to_le_bytes()).into())
        .collect()
}

fn sha256_baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("sha256");
    g.throughput(Throughput::Elements(1));
    let input = [7u8; 64];
    g.bench_function("64B", |b| b.iter(|| Sha256::digest(black_box(&input))));
    g.finish();
    // What one append is made of: a leaf hash of a 32-byte entry, and on average one node.
    let mut g = c.benchmark_group("hash");
    g.throughput(Throughput::Elements(1));
    let entry = [5u8; 32];
    g.bench_function("leaf_32B", |b| b.iter(|| leaf_hash(black_box(&entry))));
    let (l, r) = (leaf_hash(b"l"), leaf_hash(b"r"));
    g.bench_function("node", |b| {
        b.iter(|| tlog::node_hash(black_box(&l), black_box(&r)))
    });
    g.finish();
}

fn append(c: &mut Criterion) {
    let data = entries(APPEND_LEAVES);
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(APPEND_LEAVES));
    g.sample_size(20);

    g.bench_function("ours", |b| {
        let mut stored: Vec<Hash> = Vec::with_capacity(2 * APPEND_LEAVES as usize);
        b.iter(|| {
            stored.clear();
            let mut f = Frontier::new();
            for e in &data {
                f.append(leaf_hash(e), |_, h| stored.push(h));
            }
            black_box(f.root())
        })
    });

    g.bench_function("tlog_tiles", |b| {
        struct Stored(Vec<tlog_tiles::Hash>);
        impl tlog_tiles::HashReader for Stored {
            fn read_hashes(&self, idx: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
                Ok(idx.iter().map(|&i| self.0[i as usize]).collect())
            }
        }
        let mut stored = Stored(Vec::with_capacity(2 * APPEND_LEAVES as usize));
        b.iter(|| {
            stored.0.clear();
            for (i, e) in data.iter().enumerate() {
                let new = tlog_tiles::stored_hashes(i as u64, e, &stored).unwrap();
                stored.0.extend(new);
            }
            black_box(tlog_tiles::tree_hash(APPEND_LEAVES, &stored).unwrap())
        })
    });

    g.bench_function("ct_merkle", |b| {
        b.iter_batched(
            ct_merkle::mem_backed_tree::MemoryBackedTree::<Sha256, [u8; 32]>::new,
            |mut t| {
                for e in &data {
                    t.push(*e);
                }
                black_box(t.root())
            },
            BatchSize::LargeInput,
        )
    });

    // rs_merkle builds from leaf hashes in one batch (its fastest path); the leaf hashing is
    // included so that every contender does the same work per entry.
    g.bench_function("rs_merkle", |b| {
        b.iter(|| {
            let leaves: Vec<[u8; 32]> = data
                .iter()
                .map(|e| rs_merkle::algorithms::Sha256::hash(e))
                .collect();
            black_box(
                rs_merkle::MerkleTree::<rs_merkle::algorithms::Sha256>::from_leaves(&leaves).root(),
            )
        })
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let mut stored = Vec::new();
    let mut f = Frontier::new();
    for e in entries(PROOF_TREE) {
        f.append(leaf_hash(&e), |_, h| stored.push(h));
    }
    let root = f.root();
    let old = PROOF_TREE / 3;
    let old_root = tree_hash(old, &stored).unwrap();
    let index = PROOF_TREE / 2 + 12345;
    let leaf = stored[tlog::stored::stored_hash_index(0, index) as usize];
    let inclusion = prove_inclusion(index, PROOF_TREE, &stored).unwrap();
    let consistency = prove_consistency(old, PROOF_TREE, &stored).unwrap();

    let mut g = c.benchmark_group("proof");
    g.throughput(Throughput::Elements(1));
    g.bench_function("inclusion/prove", |b| {
        b.iter(|| prove_inclusion(black_box(index), PROOF_TREE, &stored).unwrap())
    });
    g.bench_function("consistency/prove", |b| {
        b.iter(|| prove_consistency(black_box(old), PROOF_TREE, &stored).unwrap())
    });
    g.bench_function("inclusion/verify", |b| {
        b.iter(|| verify_inclusion(black_box(index), PROOF_TREE, &leaf, &inclusion, &root).unwrap())
    });
    g.bench_function("consistency/verify", |b| {
        b.iter(|| {
            verify_consistency(black_box(old), PROOF_TREE, &old_root, &root, &consistency).unwrap()
        })
    });
    g.finish();
}

fn notes(c: &mut Criterion) {
    let origin = "shailoo.gov.kg/ledger/bench";
    let log = SignerKey::from_seed(origin, ALG_ED25519, &[1; 32]).unwrap();
    let witnesses: Vec<SignerKey> = (0..3u8)
        .map(|i| {
            SignerKey::from_seed(
                &format!("witness.example/w{i}"),
                ALG_COSIGNATURE_V1,
                &[10 + i; 32],
            )
            .unwrap()
        })
        .collect();
    let cp = Checkpoint {
        origin: origin.into(),
        size: 123_456,
        root: leaf_hash(b"root"),
        extensions: vec![],
    };
    let mut note = sign(&cp.to_text(), &[&log]).unwrap();
    let signed = note.to_bytes();
    for w in &witnesses {
        note.signatures
            .push(w.cosign(&note.text, 1_800_000_000).unwrap());
    }
    let cosigned = note.to_bytes();
    let mut policy_text = format!("log {}\n", log.verifier());
    for (i, w) in witnesses.iter().enumerate() {
        policy_text.push_str(&format!("witness w{i} {}\n", w.verifier()));
    }
    policy_text.push_str("group observers 2 w0 w1 w2\nquorum observers\n");
    let policy = Policy::parse(&policy_text).unwrap();
    let log_verifier = log.verifier();

    let raw_key = SigningKey::from_bytes(&[3; 32]);
    let raw_msg = cp.to_text();
    let raw_sig = raw_key.sign(raw_msg.as_bytes());
    let raw_vk = raw_key.verifying_key();

    let mut g = c.benchmark_group("note");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ed25519_verify_strict_raw", |b| {
        b.iter(|| {
            raw_vk
                .verify_strict(black_box(raw_msg.as_bytes()), &raw_sig)
                .unwrap()
        })
    });
    g.bench_function("open_log_signature", |b| {
        b.iter(|| open(black_box(&signed), &[&log_verifier as &dyn NoteVerifier]).unwrap())
    });
    // Verifies the log signature and all three cosignatures (four Ed25519 verifications).
    g.bench_function("policy_checkpoint_3_cosignatures", |b| {
        b.iter(|| policy.verify_checkpoint(black_box(&cosigned)).unwrap())
    });
    g.finish();
}

fn cosignatures(c: &mut Criterion) {
    let text = Checkpoint {
        origin: "shailoo.gov.kg/ledger/bench".into(),
        size: 123_456,
        root: leaf_hash(b"root"),
        extensions: vec![],
    }
    .to_text();
    let mut g = c.benchmark_group("cosignature");
    g.throughput(Throughput::Elements(1));
    for (label, alg) in [
        ("ed25519", ALG_COSIGNATURE_V1),
        ("ml_dsa_44", ALG_ML_DSA_44),
    ] {
        let signer = CosignerSigningKey::from_seed("witness.example/w", alg, &[7; 32]).unwrap();
        let key = signer.verifier();
        let vkey = key.to_string();
        let sig = signer.cosign(&text, 1_800_000_000, &[1; 32]).unwrap();
        let mut n = 0u8;
        g.bench_function(format!("{label}/cosign"), |b| {
            b.iter(|| {
                n = n.wrapping_add(1);
                signer
                    .cosign(black_box(&text), 1_800_000_000, &[n; 32])
                    .unwrap()
            })
        });
        g.bench_function(format!("{label}/verify"), |b| {
            b.iter(|| key.verify(black_box(&text), &sig.signature).unwrap())
        });
        g.bench_function(format!("{label}/parse_vkey"), |b| {
            b.iter(|| CosignerKey::parse(black_box(&vkey)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    sha256_baseline,
    append,
    proofs,
    notes,
    cosignatures
);
criterion_main!(benches);
