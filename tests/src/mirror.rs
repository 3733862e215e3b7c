//! An observers' mirror (`mirror init`, `mirror serve`) following an election night's log, and
//! the observers' policy that names it and requires its cosignature.

use crate::process::Daemon;
use crate::system::{ElectionNight, block_on, path};
use crate::{Run, binaries};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use tlog::cosigner::CosignerKey;
use tlog::ml_dsa::ALG_ML_DSA_44;

/// A mirror process and what the observers know of it.
pub struct MirrorNode {
    pub dir: PathBuf,
    /// Its verifier keys, as `mirror init` printed them (Ed25519, ML-DSA-44).
    pub vkeys: Vec<String>,
    /// The observers' policy with this mirror in it: the witnesses' quorum **and** the
    /// mirror's cosignature (either of its keys). The mirror itself checks against it.
    pub policy: PathBuf,
    pub daemon: Option<Daemon>,
    /// The environment it runs with (a bucket's `AWS_*` settings).
    env: Vec<(&'static str, String)>,
}

impl ElectionNight {
    /// `mirror init` of `name` following the ledger, with the observers' policy extended by
    /// [`policy_requiring_mirror`]; then `mirror serve` (polling every 200 ms).
    pub fn start_mirror(&self, name: &str) -> MirrorNode {
        self.start_mirror_of(name, self.url())
    }

    /// [`ElectionNight::start_mirror`], following the log at `upstream` (a URL, or a
    /// directory holding a copy of its files).
    pub fn start_mirror_of(&self, name: &str, upstream: &str) -> MirrorNode {
        self.start_mirror_with(name, upstream, None)
    }

    /// [`ElectionNight::start_mirror_of`], keeping the copy in `bucket` (`s3://…`) of
    /// `store` rather than in the mirror's directory.
    pub fn start_mirror_with(
        &self,
        name: &str,
        upstream: &str,
        bucket: Option<(&str, &crate::seaweed::Seaweed)>,
    ) -> MirrorNode {
        let dir = self.file(name);
        let identity = format!("observers.example.kg/{name}");
        let mut init = Command::new(&binaries().mirror);
        init.args(["init", path(&dir), "--name", &identity, "--log", upstream])
            .args(["--policy", path(&self.policy)]);
        if let Some((url, _)) = bucket {
            init.args(["--storage", url]);
        }
        let init = Run::of(init);
        init.expect(0, &["created mirror"]);
        let vkeys: Vec<String> = init
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("its verifier keys"))
            .skip(1)
            .map(str::to_string)
            .collect();
        assert_eq!(vkeys.len(), 2, "two keys by default:\n{}", init.stdout);
        let base = std::fs::read_to_string(&self.policy).expect("the observers' policy");
        let policy_text = policy_requiring_mirror(&base, name, &vkeys);
        // The observers add the mirror to their policy, and so does the mirror's copy.
        let policy = self.file(&format!("{name}.policy"));
        std::fs::write(&policy, &policy_text).expect("the policy");
        std::fs::write(dir.join("policy"), &policy_text).expect("the mirror's policy");
        let mut node = MirrorNode {
            dir,
            vkeys,
            policy,
            daemon: None,
            env: bucket.map(|(_, store)| store.env()).unwrap_or_default(),
        };
        node.start();
        node
    }
}

/// `base` (a policy with one `quorum` line) with the mirror `name`'s keys as `mirror` lines
/// (`<name>-ed25519`, `<name>-ml-dsa-44`), a group `<name>` either satisfies, and the quorum
/// raised to the old one **and** that group.
pub fn policy_requiring_mirror(base: &str, name: &str, vkeys: &[String]) -> String {
    let mut out = String::new();
    for line in base.lines() {
        let Some(quorum) = line.strip_prefix("quorum ") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let mut members = Vec::new();
        for vkey in vkeys {
            let key = CosignerKey::parse(vkey).expect("a mirror's vkey");
            let kind = if key.alg() == ALG_ML_DSA_44 {
                "ml-dsa-44"
            } else {
                "ed25519"
            };
            let member = format!("{name}-{kind}");
            out.push_str(&format!("mirror {member} {vkey}\n"));
            members.push(member);
        }
        out.push_str(&format!("group {name} any {}\n", members.join(" ")));
        out.push_str(&format!(
            "group witnessed-and-mirrored all {quorum} {name}\n"
        ));
        out.push_str("quorum witnessed-and-mirrored\n");
    }
    out
}

impl MirrorNode {
    /// `mirror serve` (again, after a stop), polling every 200 ms.
    pub fn start(&mut self) {
        let mut serve = Command::new(&binaries().mirror);
        serve.args([
            "serve",
            path(&self.dir),
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            "200",
        ]);
        serve.envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        let log = self.dir.with_extension("log");
        self.daemon = Some(Daemon::start(serve, &log));
    }

    pub fn url(&self) -> &str {
        &self.daemon.as_ref().expect("the mirror runs").url
    }

    /// `GET /readyz`: the mirror's status, whatever its HTTP status.
    pub fn status(&self) -> serde_json::Value {
        let url = format!("{}/readyz", self.url());
        block_on(async {
            let answer = reqwest::get(&url).await.expect("the mirror answers");
            answer.json().await.expect("JSON")
        })
    }

    /// Waits (up to two minutes) until the mirror publishes a checkpoint of at least `size`
    /// entries and holds every document its records reference.
    pub fn wait_mirrored(&self, size: u64) -> serde_json::Value {
        self.wait_mirrored_within(size, Duration::from_secs(120))
    }

    /// [`MirrorNode::wait_mirrored`], waiting up to `limit` (a bucket on a busy machine is
    /// slow to take its first objects: SeaweedFS grows its volumes then).
    pub fn wait_mirrored_within(&self, size: u64, limit: Duration) -> serde_json::Value {
        self.wait_for_within(
            &format!("{size} entries and their documents"),
            limit,
            |status| {
                status["published_size"].as_u64().unwrap_or(0) >= size
                    && status["status"]["documents_missing"].as_u64() == Some(0)
            },
        )
    }

    /// Waits (up to two minutes) until the mirror's `/readyz` satisfies `done`; returns it.
    pub fn wait_for(
        &self,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        self.wait_for_within(what, Duration::from_secs(120), done)
    }

    fn wait_for_within(
        &self,
        what: &str,
        limit: Duration,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.status();
            if done(&status) {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the mirror did not reach {what}: {status}\n{}",
                self.daemon.as_ref().map(Daemon::stderr).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
