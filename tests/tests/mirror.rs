//! The observers' mirror against a hostile upstream: it copies only what verifies against the
//! log's signed checkpoints, never publishes anything else, keeps a fork as evidence, and
//! resumes after a crash as it was. (Its part in a whole election, and a citizen verifying
//! from it with the ledger stopped, are in `election_night.rs`.)
//!
//! The upstream here is a copy of the log's files in a directory — what a static server or a
//! carried disk holds — so that the test can alter it as a hostile server would.

use shailoo_e2e::system::{ElectionNight, block_on, copy_tree, path};
use shailoo_e2e::{ORIGIN, operator};
use tlog::Hash;
use tlog::tile::Tile;

/// Flips the last byte of a file (again: restores it).
fn flip(file: &std::path::Path) {
    let mut bytes = std::fs::read(file).expect("the file");
    *bytes.last_mut().expect("not empty") ^= 1;
    std::fs::write(file, bytes).expect("the file written");
}

/// `GET path` from the mirror: status and body.
fn get(url: &str, path: &str) -> (u16, Vec<u8>) {
    block_on(async {
        let answer = reqwest::get(format!("{url}/{path}"))
            .await
            .expect("answers");
        let status = answer.status().as_u16();
        (status, answer.bytes().await.expect("a body").to_vec())
    })
}

fn last_error(status: &serde_json::Value) -> &str {
    status["status"]["last_error"].as_str().unwrap_or("")
}

#[test]
fn a_mirror_copies_only_what_verifies_and_keeps_a_fork_as_evidence() {
    let night = ElectionNight::start();
    let size = night.simulate(20, &[]).size;
    let upstream = night.file("upstream");
    copy_tree(&night.public(), &upstream);

    // A hostile server alters an entry and a scan before the mirror's first round.
    let bundle = upstream.join(Tile::at_tree_size(0, 0, size).unwrap().entries_path());
    let scans: Vec<_> = std::fs::read_dir(upstream.join("blob"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let scan = &scans[0];
    flip(&bundle);
    flip(scan);
    let mut mirror = night.start_mirror_of("mirror-1", path(&upstream));
    let status = mirror.wait_for("a refusal of the altered entry", |s| {
        last_error(s).contains("make root")
    });
    assert_eq!(status["published_size"], 0, "{status}");
    assert_eq!(get(mirror.url(), "checkpoint").0, 404, "nothing published");
    assert!(
        !mirror.dir.join("public/tile/0").exists(),
        "nothing written of what did not verify"
    );

    // The genuine entries back: copied and published; the altered scan is not kept.
    flip(&bundle);
    let status = mirror.wait_for("the entries copied, one scan refused", |s| {
        s["published_size"].as_u64() >= Some(size)
            && s["status"]["documents_missing"].as_u64() == Some(1)
    });
    assert_eq!(status["status"]["mirrored_size"], size);
    let scan_name = scan.file_name().unwrap().to_str().unwrap();
    assert_eq!(get(mirror.url(), &format!("blob/{scan_name}")).0, 404);
    flip(scan);
    mirror.wait_mirrored(size);
    // Byte for byte the log's: the scan, the bundle, and the checkpoint with the mirror's own
    // cosignatures after the log's.
    for file in [format!("blob/{scan_name}"), bundle_path(size)] {
        assert_eq!(get(mirror.url(), &file).1, night.get(&file), "{file}");
    }
    let published = get(mirror.url(), "checkpoint").1;
    let log_checkpoint = std::fs::read(upstream.join("checkpoint")).unwrap();
    assert!(published.starts_with(&log_checkpoint));

    // The operator signs another tree of the same size: a fork, kept, never mirrored.
    let fork = operator::sign(&night.log_dir(), size, Hash([7; 32]));
    std::fs::write(upstream.join("checkpoint"), &fork).unwrap();
    let status = mirror.wait_for("the fork seen", |s| {
        s["status"]["forks_seen"].as_u64() >= Some(1)
    });
    assert!(last_error(&status).contains("the log forked"), "{status}");
    let evidence: Vec<_> = std::fs::read_dir(mirror.dir.join("evidence"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        evidence,
        [fork],
        "the forked checkpoint is kept as evidence"
    );
    assert_eq!(get(mirror.url(), "checkpoint").1, published, "unchanged");

    // An impostor's checkpoint (another key, the same origin) is refused.
    let impostor =
        tlog::keys::SignerKey::from_seed(ORIGIN, tlog::keys::ALG_ED25519, &[9; 32]).unwrap();
    let text = tlog::Checkpoint {
        origin: ORIGIN.into(),
        size: size + 1,
        root: Hash([8; 32]),
        extensions: vec![],
    }
    .to_text();
    let note = tlog::note::sign(&text, &[&impostor]).unwrap().to_bytes();
    std::fs::write(upstream.join("checkpoint"), note).unwrap();
    let status = mirror.wait_for("the impostor refused", |s| {
        last_error(s).contains("no valid signature by the log's key")
    });
    assert_eq!(status["published_size"], size, "{status}");

    // A crash and a restart: the copy is as it was, and it follows again.
    std::fs::write(upstream.join("checkpoint"), &log_checkpoint).unwrap();
    mirror.daemon.take().unwrap().kill();
    mirror.start();
    let status = mirror.wait_mirrored(size);
    assert_eq!(status["status"]["mirrored_size"], size, "{status}");
    assert!(status["ready"].as_bool().unwrap(), "{status}");

    // A citizen verifies the whole copy, scans included, from the mirror.
    shailoo_e2e::Verifier::new(&mirror.policy)
        .run(&["audit", "--documents", "-q", "--log", mirror.url()])
        .expect(0, &["the election records passed every check"]);
}

#[test]
fn a_mirror_keeps_its_copy_in_a_bucket_that_is_itself_a_verifiable_log() {
    let night = ElectionNight::start();
    let size = night.simulate(20, &[]).size;
    let store = shailoo_e2e::seaweed::Seaweed::start();
    store.create_bucket("mirror");
    let mirror =
        night.start_mirror_with("mirror-1", night.url(), Some(("s3://mirror/copy", &store)));
    mirror.wait_mirrored_within(size, std::time::Duration::from_secs(400));
    assert!(
        !mirror.dir.join("public").exists(),
        "the copy is in the bucket, not the directory"
    );
    // The bucket alone, served by the store's own GETs (what a CDN would front): every entry,
    // rule and scan verifies, under the policy that needs the mirror's cosignature.
    shailoo_e2e::Verifier::new(&mirror.policy)
        .run(&[
            "audit",
            "--documents",
            "-q",
            "--log",
            &store.read_url("mirror", "copy"),
        ])
        .expect(0, &["the election records passed every check"]);
}

fn bundle_path(size: u64) -> String {
    Tile::at_tree_size(0, 0, size).unwrap().entries_path()
}
