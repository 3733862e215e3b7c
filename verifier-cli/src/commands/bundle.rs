//! `verifier bundle`: a fully offline check of a proof bundle (c2sp.org/tlog-proof@v1): its
//! checkpoint satisfies the policy, and its inclusion proof binds the entry — carried in the
//! bundle's `extra` line by Shailoo ledgers, or given with `--entry` — to the signed root.
//! Offline, consistency with earlier checkpoints cannot be proven, but a remembered
//! checkpoint of the same size with another root is caught as a fork.

use crate::display::format_system_time;
use crate::outcome::{Failure, Outcome};
use crate::prove::{conclude, describe_entry};
use crate::state::State;
use crate::trust::{Trust, explain_rejection};
use std::path::PathBuf;
use tlog::bundle::{BundleVerifyError, ProofBundle};
use tlog::relation::{NotExtended, SignedTree};

pub struct BundleArgs {
    pub file: PathBuf,
    pub entry: Option<PathBuf>,
    pub document: Option<PathBuf>,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

pub fn run(trust: &Trust, state: &State, args: BundleArgs) -> Outcome {
    let name = args.file.display().to_string();
    let bytes = read(&args.file)?;
    let bundle = ProofBundle::parse(&bytes)
        .map_err(|e| Failure::Log(format!("{name} is not a valid proof bundle: {e}")))?;
    let entry = match (&args.entry, &bundle.extra) {
        (Some(path), _) => read(path)?,
        (None, Some(extra)) => extra.clone(),
        (None, None) => {
            return Err(Failure::Usage(format!(
                "{name} does not carry its entry: give the entry's bytes with --entry FILE"
            )));
        }
    };
    let verified = bundle
        .verify(&tlog::leaf_hash(&entry), &trust.policy)
        .map_err(|e| match e {
            BundleVerifyError::Checkpoint(r) => explain_rejection(&r, &name),
            BundleVerifyError::Inclusion(e) => Failure::Log(format!(
                "the inclusion proof in {name} does not lead from the entry to the checkpoint's signed root ({e}): the bundle or its entry was altered"
            )),
            BundleVerifyError::Malformed(m) => {
                Failure::Log(format!("{name} is not a valid proof bundle: {m}"))
            }
        })?;
    let cp = &verified.checkpoint;
    println!("proof bundle {name}, checked offline");
    println!(
        "  checkpoint: log {}, {} entries, root {}",
        cp.origin,
        crate::display::thousands(cp.size),
        cp.root
    );
    println!(
        "  signatures: {}",
        crate::accept::signatures_line(&verified, trust, "en")
    );
    // Offline, only a tree of the same size can be related (`tlog::relation`): no tiles.
    let same_size_fork = |old: &tlog::Checkpoint| {
        let tree = |c: &tlog::Checkpoint| SignedTree {
            size: c.size,
            root: c.root,
        };
        let no_tiles: Vec<tlog::Hash> = vec![];
        matches!(
            tlog::relation::relate(tree(old), tree(cp), &no_tiles),
            Err(NotExtended::SameSizeFork { .. })
        )
    };
    match state.load(&trust.log_id(&cp.origin))? {
        Some(old) if same_size_fork(&old.checkpoint) => {
            return Err(Failure::Log(format!(
                "FORK: this bundle's checkpoint and the one this verifier accepted earlier have the same size {} but different roots: the log signed two different histories. Both are signed by the log; keep them as evidence.\n\n--- accepted earlier{} ---\n{}--- in {name} ---\n{}--- end ---",
                cp.size,
                old.saved
                    .map(|t| format!(", on {}", format_system_time(t)))
                    .unwrap_or_default(),
                String::from_utf8_lossy(&old.note),
                String::from_utf8_lossy(&bundle.checkpoint)
            )));
        }
        Some(old) if old.checkpoint.size == cp.size => {
            println!("  history: the same tree this verifier accepted online earlier");
        }
        Some(old) => println!(
            "  history: this verifier accepted a checkpoint of size {} earlier; offline, consistency cannot be proven (run `verifier checkpoint` online)",
            old.checkpoint.size
        ),
        None => println!("  history: this verifier has not seen this log online"),
    }
    println!();
    println!(
        "entry {} is in the log: the bundle's inclusion proof ({} hashes) leads to the signed root",
        bundle.index,
        bundle.proof.len()
    );
    let root = trust.root.as_ref().map(|k| k.public_key());
    let view = describe_entry(&entry, root.as_ref());
    for line in &view.lines {
        println!("  {line}");
    }
    for p in &view.problems {
        println!("  PROBLEM: {p}");
    }
    let records: Vec<(u64, &election::Record)> =
        view.record.iter().map(|r| (bundle.index, r)).collect();
    conclude(
        args.document.as_deref(),
        &records,
        view.problems.clone(),
        "OK: verified offline",
    )
}
