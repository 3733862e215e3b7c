//! Appends N entries with one implementation and prints the root, so that its peak memory can
//! be measured from outside:
//!
//!     cargo build --release -p tlog --example append_memory
//!     /usr/bin/time -v target/release/examples/append_memory ours 10000000
//!
//! `ours` keeps only the right edge (O(log n) hashes) and streams the stored hashes to a sink,
//! as the ledger writes them to tiles; `ct_merkle` and `rs_merkle` hold the tree in memory.

use rs_merkle::Hasher as _;
use sha2::{Digest, Sha256};
use std::io::Write;
use tlog::{Frontier, leaf_hash};

fn entry(i: u64) -> [u8; 32] {
    Sha256::digest(i.to_le_bytes()).into()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: append_memory ours|ct_merkle|rs_merkle N";
    let which = args.get(1).expect(usage);
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
    let root: Vec<u8> = match which.as_str() {
        "ours" => {
            // The stored hashes go to a buffered sink, as the ledger streams them into tiles;
            // writing them to /dev/null keeps the work real without keeping them.
            let mut sink = std::io::BufWriter::new(std::fs::File::create("/dev/null").unwrap());
            let mut f = Frontier::new();
            for i in 0..n {
                f.append(leaf_hash(&entry(i)), |_, h| sink.write_all(&h.0).unwrap());
            }
            sink.flush().unwrap();
            f.root().0.to_vec()
        }
        "ct_merkle" => {
            let mut t = ct_merkle::mem_backed_tree::MemoryBackedTree::<Sha256, [u8; 32]>::new();
            for i in 0..n {
                t.push(entry(i));
            }
            t.root().as_bytes().to_vec()
        }
        "rs_merkle" => {
            let leaves: Vec<[u8; 32]> = (0..n)
                .map(|i| rs_merkle::algorithms::Sha256::hash(&entry(i)))
                .collect();
            rs_merkle::MerkleTree::<rs_merkle::algorithms::Sha256>::from_leaves(&leaves)
                .root()
                .unwrap()
                .to_vec()
        }
        other => panic!("unknown implementation {other:?}; {usage}"),
    };
    println!("{which} {n} {}", hex::encode(root));
}
