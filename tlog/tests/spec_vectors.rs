//! The test vectors under `spec/vectors/`: produced by this code, cross-checked against the
//! independent oracles, and compared byte for byte with the committed files, so the spec's
//! examples can never drift from what the code does.
//!
//! Regenerate after an intended format change (the spec text changes first):
//! `UPDATE_VECTORS=1 cargo test -p tlog --test spec_vectors`

use serde_json::{Value, json};
use sha2::Sha256;
use std::path::PathBuf;
use tlog::bundle::ProofBundle;
use tlog::checkpoint::Checkpoint;
use tlog::entries::push_entry;
use tlog::keys::{ALG_COSIGNATURE_V1, ALG_ED25519, SignerKey};
use tlog::note::{NoteVerifier, sign};
use tlog::policy::Policy;
use tlog::proof::{prove_consistency, prove_inclusion};
use tlog::stored::{stored_hash_count, tree_hash};
use tlog::tile::{Tile, new_tiles, read_tile_data};
use tlog::witness::AddCheckpointRequest;
use tlog::{Frontier, Hash, leaf_hash};

const ORIGIN: &str = "shailoo.gov.kg/ledger/vectors";
const LEAVES: u64 = 20;
const SIZES: [u64; 10] = [1, 2, 3, 4, 5, 7, 8, 13, 16, 20];
const COSIGNED_AT: u64 = 1_795_000_000;

fn entry(i: u64) -> Vec<u8> {
    format!("shailoo vector entry {i}").into_bytes()
}

fn tree() -> Vec<Hash> {
    let mut stored = Vec::new();
    let mut f = Frontier::new();
    for i in 0..LEAVES {
        f.append(leaf_hash(&entry(i)), |_, h| stored.push(h));
    }
    stored
}

fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_hex).collect()
}

fn merkle(stored: &[Hash]) -> Value {
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for &size in &SIZES {
        for index in 0..size {
            inclusion.push(json!({"index": index, "size": size, "proof": hexes(&prove_inclusion(index, size, &stored).unwrap())}));
        }
        for &old in SIZES.iter().filter(|&&o| o <= size) {
            consistency.push(json!({"old": old, "new": size, "proof": hexes(&prove_consistency(old, size, &stored).unwrap())}));
        }
    }
    json!({
        "description": "RFC 6962 tree over the entries 'shailoo vector entry <i>' (UTF-8), i = 0..19. Hashes in hex.",
        "entries": (0..LEAVES).map(|i| String::from_utf8(entry(i)).unwrap()).collect::<Vec<_>>(),
        "leaf_hashes": (0..LEAVES).map(|i| leaf_hash(&entry(i)).to_hex()).collect::<Vec<_>>(),
        "roots": (0..=LEAVES).map(|n| json!({"size": n, "root": tree_hash(n, &stored).unwrap().to_hex()})).collect::<Vec<_>>(),
        "stored_hashes": hexes(stored),
        "inclusion": inclusion,
        "consistency": consistency,
    })
}

fn tiles(stored: &[Hash]) -> Value {
    let coords = [
        (0u8, 0u64, 256u16),
        (0, 1234067, 17),
        (1, 1000, 256),
        (2, 5, 1),
    ];
    let mut bundle = Vec::new();
    for i in 0..LEAVES {
        push_entry(&mut bundle, &entry(i)).unwrap();
    }
    let partial = Tile {
        level: 0,
        index: 0,
        width: LEAVES as u16,
    };
    json!({
        "paths": coords.iter().map(|&(level, index, width)| {
            let t = Tile { level, index, width };
            json!({"level": level, "index": index, "width": width, "path": t.path(), "entries_path": t.entries_path()})
        }).collect::<Vec<_>>(),
        "new_tiles": ([(0u64, 70_000u64), (255, 257), (70_000, 70_001)].iter().map(|&(old, new)| {
            json!({"old": old, "new": new, "tiles": new_tiles(old, new).iter().map(Tile::path).collect::<Vec<_>>()})
        }).collect::<Vec<_>>()),
        "tile_0_000_p_20_hex": hex::encode(read_tile_data(&partial, &stored).unwrap()),
        "entries_000_p_20_hex": hex::encode(bundle),
    })
}

/// The test keys: name, signature type and the fixed seed they derive from.
const KEYS: [(&str, u8, u8); 3] = [
    (ORIGIN, ALG_ED25519, 0x11),
    ("witness.example.kg/observer-1", ALG_COSIGNATURE_V1, 0x22),
    ("witness.example.kg/observer-2", ALG_COSIGNATURE_V1, 0x33),
];

fn keys() -> (SignerKey, SignerKey, SignerKey) {
    let k = |i: usize| SignerKey::from_seed(KEYS[i].0, KEYS[i].1, &[KEYS[i].2; 32]).unwrap();
    (k(0), k(1), k(2))
}

/// Every vector file, by name, with its contents.
fn vectors() -> Vec<(&'static str, Vec<u8>)> {
    let stored = tree();
    let (log, w1, w2) = keys();
    let size = LEAVES;
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree_hash(size, &stored).unwrap(),
        extensions: vec![],
    };
    let mut note = sign(&cp.to_text(), &[&log]).unwrap();
    let log_only = note.to_bytes();
    note.signatures
        .push(w1.cosign(&note.text, COSIGNED_AT).unwrap());
    note.signatures
        .push(w2.cosign(&note.text, COSIGNED_AT + 1).unwrap());
    let cosigned = note.to_bytes();
    let request = AddCheckpointRequest {
        old_size: 13,
        proof: prove_consistency(13, size, &stored).unwrap(),
        checkpoint: log_only.clone(),
    };
    let bundle = ProofBundle {
        extra: Some(entry(7)),
        index: 7,
        proof: prove_inclusion(7, size, &stored).unwrap(),
        checkpoint: cosigned.clone(),
    };
    let mut policy = Policy::default();
    policy
        .add_log(log.verifier(), Some("http://127.0.0.1:8080/".into()))
        .unwrap();
    policy
        .add_witness("observer-1", w1.verifier().try_into().unwrap(), None)
        .unwrap();
    policy
        .add_witness("observer-2", w2.verifier().try_into().unwrap(), None)
        .unwrap();
    policy
        .add_group("observers", 2, &["observer-1", "observer-2"])
        .unwrap();
    policy.set_quorum("observers").unwrap();
    let key_list: Vec<Value> = KEYS
        .iter()
        .map(|&(name, alg, seed)| {
            let k = SignerKey::from_seed(name, alg, &[seed; 32]).unwrap();
            json!({
                "seed_hex": hex::encode([seed; 32]),
                "type": alg,
                "key_id": format!("{:08x}", k.verifier().key_id()),
                "vkey": k.verifier().to_string(),
                "private_key": k.to_private_string(),
            })
        })
        .collect();
    let key_json = json!({"warning": "test keys from fixed seeds: never use them for a real log", "keys": key_list});
    let pretty = |v: Value| (serde_json::to_string_pretty(&v).unwrap() + "\n").into_bytes();
    vec![
        ("merkle.json", pretty(merkle(&stored))),
        ("tiles.json", pretty(tiles(&stored))),
        ("keys.json", pretty(key_json)),
        ("checkpoint.txt", log_only),
        ("checkpoint-cosigned.txt", cosigned),
        ("add-checkpoint.txt", request.to_bytes()),
        ("proof-entry-7.tlog-proof", bundle.to_bytes()),
        ("policy.txt", policy.to_text().into_bytes()),
    ]
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors")
}

#[test]
fn committed_vectors_match_the_code() {
    let dir = vectors_dir();
    let update = std::env::var_os("UPDATE_VECTORS").is_some();
    for (name, bytes) in vectors() {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_VECTORS=1", path.display()));
        assert!(
            committed == bytes,
            "{name} differs from what the code produces; if the format changed on purpose, update spec/ and rerun with UPDATE_VECTORS=1"
        );
    }
}

/// The same vectors checked by implementations that are not ours.
#[test]
fn oracles_agree_with_the_vectors() {
    let stored = tree();
    let mut ct: ct_merkle::mem_backed_tree::MemoryBackedTree<Sha256, Vec<u8>> =
        ct_merkle::mem_backed_tree::MemoryBackedTree::new();
    for i in 0..LEAVES {
        ct.push(entry(i));
        let size = i + 1;
        assert_eq!(
            ct.root().as_bytes().as_slice(),
            &tree_hash(size, &stored).unwrap().0
        );
    }
    for index in 0..LEAVES {
        let theirs: Vec<u8> = ct.prove_inclusion(index as usize).as_bytes().to_vec();
        let ours: Vec<u8> = prove_inclusion(index, LEAVES, &stored)
            .unwrap()
            .iter()
            .flat_map(|h| h.0)
            .collect();
        assert_eq!(theirs, ours);
    }
    assert_eq!(stored.len() as u64, stored_hash_count(LEAVES));
    let (log, _, _) = keys();
    let files = vectors();
    let checkpoint = &files
        .iter()
        .find(|(n, _)| *n == "checkpoint-cosigned.txt")
        .unwrap()
        .1;
    let v = signed_note::StandardVerifier::new(&log.verifier().to_string()).unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(v)]);
    let (verified, unverified) = signed_note::Note::from_bytes(checkpoint)
        .unwrap()
        .verify(&list)
        .unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 2));
    let policy = Policy::parse(
        std::str::from_utf8(&files.iter().find(|(n, _)| *n == "policy.txt").unwrap().1).unwrap(),
    )
    .unwrap();
    let bundle = ProofBundle::parse(
        &files
            .iter()
            .find(|(n, _)| *n == "proof-entry-7.tlog-proof")
            .unwrap()
            .1,
    )
    .unwrap();
    bundle.verify(&leaf_hash(&entry(7)), &policy).unwrap();
    let (_, carried) = bundle.verify_entry(&policy).unwrap();
    assert_eq!(carried, entry(7));
}
