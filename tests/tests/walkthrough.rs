//! README.md's walkthrough, run exactly as written: every command in its ```sh blocks, in
//! order, in a fresh directory, as a newcomer would type them — so the walkthrough cannot drift
//! from what the programs do.
//!
//! How the test reads the README (the conventions are plain to a person reading it too):
//! - a command that serves (`cargo run --release -p demo`, `witness serve`) runs in the background until it says
//!   `ready` or `listening on`, as it would in a terminal of its own;
//! - a comment line saying `Ctrl-C the demo` stops the running demo with SIGINT;
//! - a trailing `# exits N` or `# prints TEXT` (joined by `and`) is what the command must do;
//!   otherwise it must exit 0;
//! - `cargo run --release -p demo` is the release `demo` the suite built, and `cargo
//!   build` lines are already done; `target/release/` is the workspace's;
//! - servers listen on ports the OS chooses: each address the README gives (`--listen`, or
//!   the demo's default 127.0.0.1:8080) is replaced, in every later command, by the real one.
//!
//! And whatever a command prints, it never reports a FORK or a ROLLBACK: every log here is
//! honest.

use shailoo_e2e::{Daemon, Run, binaries, temp_dir};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The demo's address when no `--listen` is given.
const DEMO_DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// One line of a ```sh block of the walkthrough.
#[derive(Debug, PartialEq)]
enum Line {
    /// A comment asking for the running demo to be stopped.
    CtrlCDemo,
    /// A command, with what it must do.
    Command {
        text: String,
        exits: i32,
        prints: Vec<String>,
    },
}

/// The ```sh lines of the README's `## A walkthrough` section, in order.
fn walkthrough(readme: &str) -> Vec<Line> {
    let start = readme
        .find("\n## A walkthrough")
        .expect("README.md has a walkthrough");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut lines = Vec::new();
    let mut in_block = false;
    for raw in section.lines() {
        let line = raw.trim();
        if line.starts_with("```") {
            in_block = !in_block && line == "```sh";
            continue;
        }
        if !in_block || line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if comment.contains("Ctrl-C the demo") {
                lines.push(Line::CtrlCDemo);
            }
            continue;
        }
        let (text, expected) = match line.split_once("    # ") {
            Some((text, expected)) => (text.trim(), expected),
            None => (line, ""),
        };
        let mut exits = 0;
        let mut prints = Vec::new();
        for part in expected.split(" and ").filter(|p| !p.is_empty()) {
            if let Some(code) = part.strip_prefix("exits ") {
                exits = code.parse().expect("`# exits N` gives a number");
            } else if let Some(text) = part.strip_prefix("prints ") {
                prints.push(text.to_string());
            } else {
                panic!("a walkthrough comment says neither `exits` nor `prints`: {part:?}");
            }
        }
        lines.push(Line::Command {
            text: text.to_string(),
            exits,
            prints,
        });
    }
    assert!(!in_block, "a ```sh block of the walkthrough is not closed");
    lines
}

/// The walkthrough's working directory and what runs in it.
struct Newcomer {
    dir: shailoo_e2e::TempDir,
    /// The README's addresses, and where the servers really listen.
    addresses: HashMap<String, String>,
    /// Running demos by their directory, and the witness servers.
    demos: HashMap<String, Daemon>,
    servers: Vec<Daemon>,
    ran: usize,
}

impl Newcomer {
    fn new() -> Newcomer {
        let dir = temp_dir("walkthrough");
        // `target/release/…` as in the README: the binaries the suite built.
        let release = binaries()
            .ledger
            .parent()
            .expect("target/release")
            .to_path_buf();
        std::fs::create_dir_all(dir.path().join("target")).unwrap();
        std::os::unix::fs::symlink(&release, dir.path().join("target/release")).unwrap();
        Newcomer {
            dir,
            addresses: HashMap::new(),
            demos: HashMap::new(),
            servers: Vec::new(),
            ran: 0,
        }
    }

    /// `line` as it runs here: the real addresses, the built `ledger`.
    fn translate(&self, line: &str) -> String {
        let mut line = line
            .replace("cargo run --release -p demo -- ", "target/release/demo ")
            .replace("cargo run --release -p demo", "target/release/demo");
        for (readme, real) in &self.addresses {
            line = line.replace(&format!("http://{readme}"), &format!("http://{real}"));
        }
        line
    }

    /// A shell in the walkthrough's directory, with a home (and so a verifier state) of its own.
    fn shell(&self, line: &str) -> Command {
        let mut command = Command::new("bash");
        command
            .args(["-c", &format!("exec {line}")])
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join(".local/share"))
            .env_remove("RUST_LOG");
        command
    }

    fn step(&mut self, line: &Line) {
        match line {
            Line::CtrlCDemo => {
                let demo = self.demos.remove("shailoo-demo").expect("a demo to stop");
                assert!(
                    demo.interrupt().success(),
                    "the demo stops cleanly on Ctrl-C"
                );
            }
            Line::Command { text, .. } if text.starts_with("cargo build ") => {
                // The suite built the release binaries already.
            }
            Line::Command {
                text,
                exits,
                prints,
            } => {
                if is_server(text) {
                    assert_eq!((*exits, prints.len()), (0, 0), "{text}: a server runs");
                    self.serve(text);
                } else {
                    self.run(text, *exits, prints);
                }
                self.ran += 1;
            }
        }
    }

    /// Starts a server in the background on a port the OS chooses, and waits until it is ready.
    fn serve(&mut self, text: &str) {
        let args: Vec<&str> = text.split_whitespace().collect();
        let flag = |name: &str| {
            args.iter()
                .position(|a| *a == name)
                .map(|i| args[i + 1].to_string())
        };
        let demo = text.contains(" demo");
        let listen = flag("--listen").unwrap_or_else(|| {
            assert!(demo, "{text}: a witness is told where to listen");
            DEMO_DEFAULT_LISTEN.to_string()
        });
        // Translated first, so that `cargo run … -p demo` has become a binary that takes
        // `--listen` directly, with or without the README's `--`.
        let line = self.translate(text);
        let line = match line.contains("--listen ") {
            true => line.replace(&format!("--listen {listen}"), "--listen 127.0.0.1:0"),
            false => format!("{line} --listen 127.0.0.1:0"),
        };
        let log = self.dir.path().join(format!("server-{}.log", self.ran));
        let (url_prefix, ready) = match demo {
            true => ("log listening on ", "ready"),
            false => ("listening on ", ""),
        };
        let ready = |said: &str| said == ready || (!demo && said.starts_with(url_prefix));
        let limit = Duration::from_secs(600);
        let (daemon, said) = Daemon::start_until(self.shell(&line), &log, url_prefix, ready, limit)
            .unwrap_or_else(|e| panic!("{text} (run as {line}): {e}"));
        assert_no_fork(text, &said.join("\n"));
        self.addresses.insert(listen, daemon.address().to_string());
        if demo {
            let dir = flag("--dir").unwrap_or_else(|| "shailoo-demo".into());
            assert!(
                self.demos.insert(dir, daemon).is_none(),
                "{text}: its demo directory is not already served"
            );
        } else {
            self.servers.push(daemon);
        }
    }

    /// Runs a command to its end and checks what it did.
    fn run(&self, text: &str, exits: i32, prints: &[String]) {
        let line = self.translate(text);
        let run = Run::of(self.shell(&line));
        let said = run.text();
        assert_eq!(run.code, exits, "{line}: exit code; it printed\n{said}");
        for phrase in prints {
            assert!(
                said.contains(phrase.as_str()),
                "{line}: expected {phrase:?} in\n{said}"
            );
        }
        assert_no_fork(text, &run.text());
    }
}

fn is_server(text: &str) -> bool {
    text.starts_with("cargo run --release -p demo") || text.contains("witness serve ")
}

fn assert_no_fork(text: &str, output: &str) {
    assert!(
        !output.contains("FORK") && !output.contains("ROLLBACK"),
        "{text}: a false fork or rollback among honest logs:\n{output}"
    );
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let lines = walkthrough(&std::fs::read_to_string(readme).unwrap());
    assert!(
        lines.contains(&Line::CtrlCDemo),
        "the walkthrough restarts the demo"
    );
    let mut newcomer = Newcomer::new();
    for line in &lines {
        newcomer.step(line);
    }
    assert!(newcomer.ran >= 12, "{} commands ran", newcomer.ran);
    // What was left running stops as Ctrl-C stops it.
    for (dir, demo) in newcomer.demos.drain() {
        assert!(
            demo.interrupt().success(),
            "the demo in {dir} stops cleanly"
        );
    }
    for server in newcomer.servers.drain(..) {
        assert!(server.interrupt().success(), "the witness stops cleanly");
    }
}

#[test]
fn the_walkthrough_reader_understands_its_conventions() {
    let readme = "# x\n## A walkthrough\n\n1. Go:\n\n   ```sh\n   # Ctrl-C the demo, then:\n   a b    # exits 1 and prints X Y and prints Z\n   c\n   ```\n\n   ```text\n   not run\n   ```\n## Next\n```sh\nnot run either\n```\n";
    assert_eq!(
        walkthrough(readme),
        vec![
            Line::CtrlCDemo,
            Line::Command {
                text: "a b".into(),
                exits: 1,
                prints: vec!["X Y".into(), "Z".into()]
            },
            Line::Command {
                text: "c".into(),
                exits: 0,
                prints: vec![]
            },
        ]
    );
}
