//! Processes: a server that runs until stopped ([`Daemon`]) and a command that ran to its end
//! ([`Run`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A server process (`ledger serve`, `witness serve`) listening on loopback; killed when
/// dropped. Its stderr (the request log) goes to a file, shown when it fails to start.
pub struct Daemon {
    child: Child,
    /// `http://127.0.0.1:PORT`, from the `listening on …` line it prints once bound.
    pub url: String,
    stderr: PathBuf,
}

impl Daemon {
    /// Starts `command` and waits (up to a minute) for its `listening on http://…` line.
    pub fn start(command: Command, stderr: &Path) -> Daemon {
        Daemon::try_start(command, stderr).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Daemon::start`], or what went wrong.
    pub fn try_start(command: Command, stderr: &Path) -> Result<Daemon, String> {
        let ready = |line: &str| line.starts_with("listening on ");
        let limit = Duration::from_secs(60);
        Daemon::start_until(command, stderr, "listening on ", ready, limit).map(|(d, _)| d)
    }

    /// Starts `command` and waits (up to `limit`) for the line `ready` accepts; returns the
    /// daemon with every line it printed until then. Its URL is from the first line that
    /// starts with `url_prefix` (`listening on `; `log listening on ` for `demo`).
    pub fn start_until(
        mut command: Command,
        stderr: &Path,
        url_prefix: &str,
        ready: impl Fn(&str) -> bool,
        limit: Duration,
    ) -> Result<(Daemon, Vec<String>), String> {
        let log = std::fs::File::create(stderr).expect("the daemon's log file");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        // A thread reads stdout to its end, so that the child never blocks on a full pipe,
        // and hands over the lines.
        let (said, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        std::thread::spawn(move || {
            // To the end, even once nobody listens: the child must never block on a full pipe.
            for line in stdout.lines().map_while(Result::ok) {
                let _ = said.send(line);
            }
        });
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        let mut url = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = lines.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{command:?} did not get ready in {limit:?}; it printed:\n{}\nand logged:\n{}",
                    seen.join("\n"),
                    std::fs::read_to_string(stderr).unwrap_or_default()
                ));
            };
            if url.is_none() {
                url = line.strip_prefix(url_prefix).map(|u| u.trim().to_string());
            }
            let done = ready(&line);
            seen.push(line);
            if done {
                break;
            }
        }
        let daemon = Daemon {
            child,
            url: url.ok_or_else(|| format!("{command:?} never said where it listens"))?,
            stderr: stderr.to_path_buf(),
        };
        Ok((daemon, seen))
    }

    /// The `host:port` it listens on.
    pub fn address(&self) -> &str {
        self.url
            .trim_start_matches("http://")
            .trim_start_matches("https://")
    }

    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Stops it with SIGTERM, as an operator would, and returns how it exited.
    pub fn stop(mut self) -> ExitStatus {
        signal(&self.child, "TERM");
        wait(&mut self.child, Duration::from_secs(30)).expect("the daemon stops on SIGTERM")
    }

    /// Stops it with SIGINT, as Ctrl-C in its terminal does, and returns how it exited.
    pub fn interrupt(mut self) -> ExitStatus {
        signal(&self.child, "INT");
        wait(&mut self.child, Duration::from_secs(30)).expect("the daemon stops on SIGINT")
    }

    /// Waits up to `limit` for it to exit by itself, and returns how it did (`None`: it was
    /// still running, and is killed).
    pub fn exited(mut self, limit: Duration) -> Option<ExitStatus> {
        wait(&mut self.child, limit)
    }

    /// Kills it with SIGKILL, as a crash or a pulled cable would.
    pub fn kill(mut self) {
        signal(&self.child, "KILL");
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends the signal `name` (`TERM`, `KILL`, `INT`) to `child`.
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {}", child.id());
}

/// Waits up to `limit` for `child` to exit; its status, or `None` if it is still running.
pub fn wait(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// A command that ran to its end: its exit code and everything it printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `command` to its end; kills it, and fails, if that takes more than ten minutes
    /// (a hung command must fail the suite, not hang it).
    pub fn of(mut command: Command) -> Run {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
        let pid = child.id();
        let (done, output) = mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output()));
        match output.recv_timeout(Duration::from_secs(600)) {
            Ok(output) => output.expect("the command's output").into(),
            Err(_) => {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
                panic!("{command:?} did not finish in ten minutes: killed");
            }
        }
    }

    /// Everything printed, stdout then stderr.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code and that each phrase was printed; returns the run for more.
    #[track_caller]
    pub fn expect(&self, code: i32, phrases: &[&str]) -> &Run {
        assert_eq!(self.code, code, "exit code; output:\n{}", self.text());
        for phrase in phrases {
            assert!(
                self.text().contains(phrase),
                "expected {phrase:?} in the output:\n{}",
                self.text()
            );
        }
        self
    }

    /// The last line of stdout (where `init` commands print a key).
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default().trim()
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A runtime for the async clients tests call from synchronous code.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
