//! The benchmark's submitters: a lean HTTP/1.1 load generator.
//!
//! Client and server share this machine's cores, so every cycle the client spends is one the
//! server does not get. A general-purpose client (connection pool, redirects, JSON into
//! structs) costs about as much per request as the server's whole HTTP layer; these
//! submitters keep one connection each, send a request, read the status line, the
//! `Content-Length` and the body, and nothing else. The answers are the server's real ones:
//! an index per accepted record, 429 retried after a pause.
//!
//! An `https://` server is spoken to over TLS (rustls, trusting the platform's roots or the
//! bundle `SSL_CERT_FILE` names, as every client here), so that what a server terminating TLS
//! itself costs is measured too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

/// Where the submitters connect: `host:port`, and a TLS connector for an `https://` URL.
#[derive(Clone)]
pub struct Target {
    host: String,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let url = url.trim_end_matches('/');
        if let Some(host) = url.strip_prefix("http://") {
            return Ok(Target {
                host: host.to_string(),
                tls: None,
            });
        }
        let host = url
            .strip_prefix("https://")
            .ok_or_else(|| format!("{url}: not an http:// or https:// URL"))?;
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.parse::<u16>().is_ok() => name,
            _ => return Err(format!("{url}: the load generator needs the port")),
        };
        let name = ServerName::try_from(name.trim_matches(['[', ']']).to_string())
            .map_err(|e| format!("{url}: {e}"))?;
        use rustls_platform_verifier::BuilderVerifierExt;
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_platform_verifier()
            .map_err(|e| format!("the platform's roots: {e}"))?
            .with_no_client_auth();
        Ok(Target {
            host: host.to_string(),
            tls: Some((TlsConnector::from(Arc::new(config)), name)),
        })
    }
}

/// A connection's byte stream: TCP, or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

/// One accepted record: its index, and when it was sent and answered.
pub struct Timing {
    pub index: u64,
    pub sent: Instant,
    pub answered: Instant,
}

/// One keep-alive connection to the ledger.
struct Connection {
    stream: BufReader<Box<dyn Stream>>,
    host: String,
}

impl Connection {
    async fn open(target: &Target) -> Result<Connection, String> {
        let host = &target.host;
        let stream = TcpStream::connect(host).await.map_err(|e| {
            // EMFILE: each submitter holds a connection, and the server one for each.
            let hint = if e.raw_os_error() == Some(24) {
                " (raise the limit with `ulimit -n 10000`, or use a smaller --concurrency)"
            } else {
                ""
            };
            format!("connecting to {host}: {e}{hint}")
        })?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let stream: Box<dyn Stream> = match &target.tls {
            None => Box::new(stream),
            Some((connector, name)) => Box::new(
                connector
                    .connect(name.clone(), stream)
                    .await
                    .map_err(|e| format!("TLS with {host}: {e}"))?,
            ),
        };
        Ok(Connection {
            stream: BufReader::new(stream),
            host: host.to_string(),
        })
    }

    /// `POST path` with `body`; the status and the answer's body.
    async fn post(&mut self, path: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/cbor\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.exchange(&request).await
    }

    /// `GET path`; the status and the answer's body.
    async fn get(&mut self, path: &str) -> Result<(u16, Vec<u8>), String> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
        self.exchange(request.as_bytes()).await
    }

    /// Sends a whole request and reads its answer.
    async fn exchange(&mut self, request: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let io = |e: std::io::Error| format!("talking to {}: {e}", self.host);
        self.stream.get_mut().write_all(request).await.map_err(io)?;
        // TLS keeps what it encrypted until flushed; for TCP this does nothing.
        self.stream.get_mut().flush().await.map_err(io)?;
        let mut line = String::new();
        if self.stream.read_line(&mut line).await.map_err(io)? == 0 {
            return Err(format!("{} closed the connection", self.host));
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not an HTTP status line: {line:?}"))?;
        let mut length = None;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.map_err(io)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or("an answer without Content-Length")?;
        let mut answer = vec![0; length];
        self.stream.read_exact(&mut answer).await.map_err(io)?;
        Ok((status, answer))
    }
}

/// Submits entries `0..count` (made by `entry(n)`) through `POST /api/v1/records`,
/// `concurrency` at a time, and returns the timing of each.
pub async fn submit_all<F>(
    url: &str,
    count: u64,
    concurrency: usize,
    entry: F,
) -> Result<Vec<Timing>, String>
where
    F: Fn(u64) -> Vec<u8> + Send + Sync + 'static,
{
    let target = Target::parse(url)?;
    let next = Arc::new(AtomicU64::new(0));
    let entry = Arc::new(entry);
    let mut submitters = Vec::new();
    for _ in 0..concurrency.clamp(1, count.max(1) as usize) {
        let (target, next, entry) = (target.clone(), next.clone(), entry.clone());
        submitters.push(tokio::spawn(async move {
            let mut connection = Connection::open(&target).await?;
            let mut timings = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return Ok::<_, String>(timings);
                }
                let body = entry(n);
                // From the first attempt: a 429 and its retry count in the latency.
                let sent = Instant::now();
                loop {
                    let (status, answer) = connection.post("/api/v1/records", &body).await?;
                    match status {
                        200 => {
                            timings.push(Timing {
                                index: index_of(&answer)?,
                                sent,
                                answered: Instant::now(),
                            });
                            break;
                        }
                        429 => tokio::time::sleep(Duration::from_millis(20)).await,
                        _ => {
                            return Err(format!(
                                "record {n} refused with {status}: {}",
                                String::from_utf8_lossy(&answer)
                            ));
                        }
                    }
                }
            }
        }));
    }
    let mut all = Vec::with_capacity(count as usize);
    for submitter in submitters {
        all.extend(submitter.await.map_err(|e| e.to_string())??);
    }
    Ok(all)
}

/// Sends `GET path(n)` for n = 0, 1, 2, … from `concurrency` connections for `duration`, and
/// returns how many were answered with 200.
pub async fn read_for<F>(
    url: &str,
    duration: Duration,
    concurrency: usize,
    path: F,
) -> Result<u64, String>
where
    F: Fn(u64) -> String + Send + Sync + 'static,
{
    let target = Target::parse(url)?;
    let stop = Instant::now() + duration;
    let (next, path) = (Arc::new(AtomicU64::new(0)), Arc::new(path));
    let mut readers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (target, next, path) = (target.clone(), next.clone(), path.clone());
        readers.push(tokio::spawn(async move {
            let mut connection = Connection::open(&target).await?;
            let mut ok = 0u64;
            while Instant::now() < stop {
                let (status, _) = connection
                    .get(&path(next.fetch_add(1, Ordering::Relaxed)))
                    .await?;
                ok += u64::from(status == 200);
            }
            Ok::<_, String>(ok)
        }));
    }
    let mut total = 0;
    for reader in readers {
        total += reader.await.map_err(|e| e.to_string())??;
    }
    Ok(total)
}

/// The `index` of an accepted record's answer.
fn index_of(answer: &[u8]) -> Result<u64, String> {
    let value: serde_json::Value = serde_json::from_slice(answer).map_err(|e| e.to_string())?;
    value["index"]
        .as_u64()
        .ok_or_else(|| format!("no index in {}", String::from_utf8_lossy(answer)))
}
