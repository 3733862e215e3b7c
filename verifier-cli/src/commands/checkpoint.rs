//! `verifier checkpoint`: is the log's current checkpoint authentic, cosigned by enough
//! witnesses, and an extension of what this verifier saw before? Also checks that the log's
//! hash tiles add up to the signed root. Remembers the checkpoint for next time.

use super::Online;
use crate::accept::accept;
use crate::fetch::TileFetcher;
use crate::outcome::{Failure, Outcome, Verdict};
use serde_json::json;
use tlog::Checkpoint;
use tlog::stored::tree_hash;
use tlog::tile::TileHashReader;

/// Checks that the hash tiles at the checkpoint's size reproduce its root.
pub fn check_tiles(online: &Online, cp: &Checkpoint) -> Result<String, Failure> {
    if cp.size == 0 {
        return Ok("the log is empty".into());
    }
    let fetcher = TileFetcher::new(&online.source);
    let reader = TileHashReader {
        size: cp.size,
        tiles: &fetcher,
    };
    let root = tree_hash(cp.size, &reader).map_err(|e| {
        fetcher
            .take_problem()
            .unwrap_or_else(|| Failure::Log(format!("the log's hash tiles are unusable: {e}")))
    })?;
    if root != cp.root {
        return Err(Failure::Log(format!(
            "the log's hash tiles do not add up to its signed root: they give {root}, the checkpoint says {}. The tiles it serves were altered.",
            cp.root
        )));
    }
    Ok("the log's hash tiles at this size add up to the signed root".into())
}

pub fn run(online: &Online, json: bool) -> Outcome {
    let accepted = accept(&online.source, &online.trust, &online.state)?;
    let cp = &accepted.verified.checkpoint;
    let tiles = check_tiles(online, cp)?;
    if json {
        let out = json!({
            "verdict": "ok",
            "exit_code": 0,
            "origin": cp.origin,
            "url": online.location,
            "size": cp.size,
            "root": cp.root.to_base64(),
            "cosigners": accepted.verified.cosigners.iter()
                .map(|(name, time)| json!({"name": name, "time": time})).collect::<Vec<_>>(),
            "quorum": online.trust.policy.quorum_name(),
            "history": accepted.relation_line(),
            "checkpoint": String::from_utf8_lossy(&accepted.note),
        });
        println!("{out:#}");
    } else {
        for line in online.checkpoint_lines(&accepted, "en") {
            println!("{line}");
        }
        println!("  tiles: {tiles}");
        println!(
            "OK: the checkpoint is authentic, meets your witness quorum, and extends what this verifier saw before (remembered in {})",
            online
                .state
                .path_for(&online.trust.log_id(&cp.origin))
                .display()
        );
    }
    Ok(Verdict::Clean)
}
