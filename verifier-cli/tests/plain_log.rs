//! A verifier of a log it did not write: a plain C2SP tlog-tiles log whose entries are
//! arbitrary bytes, served by a static file server, checked with a plain tlog-policy (no
//! `root` line, `quorum none`).

mod common;
use common::*;
use tlog::bundle::ProofBundle;
use tlog::keys::{ALG_ED25519, SignerKey};
use tlog::tile::{TileHashReader, TileReader};

const PLAIN: &str = "example.com/plain-log";

struct DirTiles<'a>(&'a std::path::Path);
impl TileReader for DirTiles<'_> {
    fn read_tiles(&self, tiles: &[tlog::tile::Tile]) -> Result<Vec<Vec<u8>>, tlog::ReadError> {
        Ok(tiles
            .iter()
            .map(|t| std::fs::read(self.0.join(t.path())).unwrap())
            .collect())
    }
}

#[test]
fn checkpoint_inclusion_bundle_and_monitor_work_on_any_c2sp_log() {
    let tmp = temp_dir("plain");
    let key = SignerKey::from_seed(PLAIN, ALG_ED25519, &[8; 32]).unwrap();
    let entries: Vec<Vec<u8>> = (0..300u32)
        .map(|i| format!("package example-{i} v1.{i}.0 sha256:{i:064x}").into_bytes())
        .collect();
    let cp = write_log(tmp.path(), &key, &entries);
    let server = static_serve(tmp.path());
    let policy = format!("log {} {}\nquorum none\n", key.verifier(), server.url);
    let v = Verifier::new();
    v.with_policy(&policy, &["checkpoint"]).expect(
        0,
        &[
            "log example.com/plain-log",
            "300 entries",
            "hash tiles at this size add up",
        ],
    );
    let run = v.with_policy(&policy, &["checkpoint", "--json"]);
    run.expect(0, &[]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["size"], 300);
    assert_eq!(json["root"], cp.root.to_base64());
    assert_eq!(json["origin"], PLAIN);
    assert!(json["history"].as_str().unwrap().contains("same tree"));
    let hash = tlog::hash::sha256(&entries[299]).to_hex();
    v.with_policy(&policy, &["inclusion", "--index", "299"])
        .expect(
            0,
            &[
                "entry 299 is in the log",
                &format!("entry: {} bytes, SHA-256 {hash}", entries[299].len()),
                "not an election record",
                "OK: verified",
            ],
        );
    v.with_policy(&policy, &["audit"])
        .expect(3, &["no `root <vkey>` line", "cannot be checked"]);
    v.with_policy(
        &policy,
        &["monitor", "--interval", "0", "--iterations", "2", "-q"],
    )
    .expect(
        0,
        &[
            "not auditing election records",
            "300 entries read and matching the signed root",
        ],
    );
    // A tlog-proof bundle without the entry: the entry is given separately.
    let proof = tlog::proof::prove_inclusion(
        7,
        cp.size,
        &TileHashReader {
            size: cp.size,
            tiles: DirTiles(tmp.path()),
        },
    )
    .unwrap();
    let bundle = ProofBundle {
        extra: None,
        index: 7,
        proof,
        checkpoint: std::fs::read(tmp.path().join("checkpoint")).unwrap(),
    };
    let file = v.file("entry7.proof", &bundle.to_bytes());
    let entry = v.file("entry7", &entries[7]);
    v.with_policy(
        &policy,
        &[
            "bundle",
            file.to_str().unwrap(),
            "--entry",
            entry.to_str().unwrap(),
        ],
    )
    .expect(0, &["entry 7 is in the log", "OK: verified offline"]);
    v.with_policy(&policy, &["bundle", file.to_str().unwrap()])
        .expect(3, &["--entry FILE"]);
    let other = v.file("entry8", &entries[8]);
    v.with_policy(
        &policy,
        &[
            "bundle",
            file.to_str().unwrap(),
            "--entry",
            other.to_str().unwrap(),
        ],
    )
    .expect(2, &["does not lead from the entry"]);
    // A local copy works the same as the server.
    v.with_policy(
        &policy,
        &[
            "inclusion",
            "--index",
            "3",
            "--log",
            tmp.path().to_str().unwrap(),
        ],
    )
    .expect(0, &["entry 3 is in the log"]);
}
