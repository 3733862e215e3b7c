//! What the witness tests (and the benchmark) share: temporary directories, the real
//! `witness` binary as a child process, a fake C2SP log, and a small HTTP client.
#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tlog::keys::{ALG_ED25519, SignerKey, VerifierKey};
use tlog::note::NoteVerifier;
use tlog::witness::AddCheckpointRequest;
use tlog::{Checkpoint, Frontier, Hash};

pub const BIN: &str = env!("CARGO_BIN_EXE_witness");
pub const WITNESS_NAME: &str = "witness.example.kg/observer-1";

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = option_env!("CARGO_TARGET_TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!(
            "witness-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The witness directory inside this temporary directory.
    pub fn witness_dir(&self) -> PathBuf {
        self.0.join("w")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `witness ARGS` to completion.
pub fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run the witness binary")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `witness init DIR --name NAME --keys ed25519`; returns the witness's vkey (the last line of
/// stdout). The protocol's rules are the same for either kind of key; `cosign_pq.rs` runs a
/// witness with both.
pub fn init(dir: &Path) -> VerifierKey {
    let out = cli(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        WITNESS_NAME,
        "--keys",
        "ed25519",
    ]);
    assert!(out.status.success(), "init failed: {}", stderr(&out));
    let text = stdout(&out);
    VerifierKey::parse(text.lines().last().expect("a last line")).expect("a vkey")
}

/// `witness add-log DIR --origin ORIGIN --vkey VKEY`, which must succeed.
pub fn add_log(dir: &Path, log: &FakeLog) {
    let vkey = log.vkey();
    let out = cli(&[
        "add-log",
        dir.to_str().unwrap(),
        "--origin",
        &log.origin,
        "--vkey",
        &vkey,
    ]);
    assert!(out.status.success(), "add-log failed: {}", stderr(&out));
}

/// A running `witness serve`, killed and reaped when dropped.
pub struct WitnessProcess {
    pub child: Child,
    pub url: String,
}

impl WitnessProcess {
    /// Starts `witness serve DIR --listen 127.0.0.1:0` and waits (30 s at most) for its
    /// `listening on` line. Its log goes to DIR/../serve.log (a pipe nobody read would fill
    /// and block the server).
    pub fn start(dir: &Path) -> WitnessProcess {
        Self::start_with_log(dir, "info")
    }

    pub fn start_with_log(dir: &Path, level: &str) -> WitnessProcess {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.with_file_name("serve.log"))
            .unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start the witness");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                let log = std::fs::read_to_string(dir.with_file_name("serve.log"));
                panic!("no `listening on` line within 30 s ({status:?}); log: {log:?}");
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        WitnessProcess { child, url }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and reap.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits (20 s at most) for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "witness did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer, as the tests look at it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn to_answer(r: reqwest::blocking::Response) -> Answer {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    Answer {
        status,
        content_type,
        body: r.bytes().unwrap().to_vec(),
    }
}

pub fn post(client: &reqwest::blocking::Client, url: &str, body: Vec<u8>) -> Answer {
    to_answer(
        client
            .post(format!("{url}/add-checkpoint"))
            .body(body)
            .send()
            .expect("POST /add-checkpoint"),
    )
}

/// Like [`post`], but a transport error (the witness was killed) is `None`.
pub fn try_post(client: &reqwest::blocking::Client, url: &str, body: Vec<u8>) -> Option<Answer> {
    client
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .ok()
        .map(to_answer)
}

pub fn get(client: &reqwest::blocking::Client, url: &str, path: &str) -> Answer {
    to_answer(client.get(format!("{url}{path}")).send().expect("GET"))
}

/// A C2SP log played by the test: an Ed25519 key and a tree of `entries` leaves, whose
/// checkpoint of any size it can sign and between any two sizes of which it can prove
/// consistency.
#[derive(Clone)]
pub struct FakeLog {
    pub origin: String,
    pub key: SignerKey,
    pub entries: Vec<Vec<u8>>,
    /// Stored hashes of the whole tree.
    pub stored: Vec<Hash>,
    /// `roots[n]` is the root of the first n leaves.
    pub roots: Vec<Hash>,
}

impl FakeLog {
    /// A log of `size` leaves `<tag> <i>`, with the key derived from `seed`.
    pub fn new(origin: &str, seed: u8, tag: &str, size: u64) -> FakeLog {
        let key = SignerKey::from_seed(origin, ALG_ED25519, &[seed; 32]).unwrap();
        FakeLog::build(
            origin,
            key,
            (0..size).map(|i| format!("{tag} {i}").into_bytes()),
        )
    }

    fn build(origin: &str, key: SignerKey, entries: impl Iterator<Item = Vec<u8>>) -> FakeLog {
        let mut frontier = Frontier::new();
        let mut stored = Vec::new();
        let mut roots = vec![frontier.root()];
        let entries: Vec<Vec<u8>> = entries.collect();
        for e in &entries {
            frontier.append(tlog::leaf_hash(e), |_, h| stored.push(h));
            roots.push(frontier.root());
        }
        FakeLog {
            origin: origin.into(),
            key,
            entries,
            stored,
            roots,
        }
    }

    /// The same log key signing another history: the first `common` leaves are this log's,
    /// then `size - common` leaves of its own. A misbehaving log.
    pub fn fork(&self, common: u64, tag: &str, size: u64) -> FakeLog {
        let mine: Vec<Vec<u8>> = (0..common)
            .map(|i| self.entries[i as usize].clone())
            .chain((common..size).map(|i| format!("{tag} {i}").into_bytes()))
            .collect();
        let fork = FakeLog::build(&self.origin, self.key.clone(), mine.into_iter());
        assert_eq!(fork.roots[common as usize], self.roots[common as usize]);
        fork
    }

    pub fn size(&self) -> u64 {
        self.roots.len() as u64 - 1
    }

    pub fn vkey(&self) -> String {
        self.key.verifier().to_string()
    }

    pub fn root(&self, size: u64) -> Hash {
        self.roots[size as usize]
    }

    /// The checkpoint text of the tree at `size`.
    pub fn text(&self, size: u64) -> String {
        Checkpoint {
            origin: self.origin.clone(),
            size,
            root: self.root(size),
            extensions: vec![],
        }
        .to_text()
    }

    /// The signed checkpoint note of the tree at `size`.
    pub fn checkpoint(&self, size: u64) -> Vec<u8> {
        tlog::note::sign(&self.text(size), &[&self.key])
            .unwrap()
            .to_bytes()
    }

    /// The consistency proof from `old` to `new` (empty from 0, as tlog-witness wants).
    pub fn proof(&self, old: u64, new: u64) -> Vec<Hash> {
        if old == 0 {
            return vec![];
        }
        tlog::proof::prove_consistency(old, new, &self.stored).unwrap()
    }

    /// The add-checkpoint body from `old` to `new`.
    pub fn request(&self, old: u64, new: u64) -> Vec<u8> {
        AddCheckpointRequest {
            old_size: old,
            proof: self.proof(old, new),
            checkpoint: self.checkpoint(new),
        }
        .to_bytes()
    }
}

/// Checks a 200 answer: exactly one cosignature line, by `witness`, over `text`, with a
/// timestamp near now. Returns the timestamp.
pub fn check_cosignature(answer: &Answer, witness: &VerifierKey, text: &str) -> u64 {
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body = answer.text();
    let lines: Vec<&str> = body
        .strip_suffix('\n')
        .expect("ends in newline")
        .split('\n')
        .collect();
    assert_eq!(lines.len(), 1, "one cosignature line: {body:?}");
    let sig = tlog::note::NoteSignature::parse_line(lines[0]).unwrap();
    assert_eq!(sig.name, witness.name());
    assert_eq!(sig.key_id, witness.key_id());
    let info = witness
        .verify(text, &sig.signature)
        .expect("the cosignature verifies over the checkpoint text");
    let t = info.timestamp.expect("cosignature/v1 has a timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        t > 0 && t.abs_diff(now) < 600,
        "timestamp {t} is not now ({now})"
    );
    t
}

/// A small deterministic random number generator (xorshift64*), so a failing run can be
/// replayed from the seed it prints.
pub struct Rng(pub u64);

impl Rng {
    pub fn from_time() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Rng(nanos | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in lo..=hi.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// Polls `f` until it returns Some, or panics after `timeout`.
pub fn poll<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
