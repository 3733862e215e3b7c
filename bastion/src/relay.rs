//! The bastion: one TLS 1.3 listener for both backends and clients, told apart by ALPN.
//!
//! A connection that asks for `bastion/0` must present the self-signed certificate of an
//! allowed backend key and prove it holds the key (the TLS 1.3 handshake's signature); the
//! bastion then speaks HTTP/2 to it as a client and keeps it as the way to that key's hash. Any
//! other connection is a client: HTTP/1.1, each request for `/<key hash>/<path>` forwarded to
//! that backend as `/<path>`, its body and the answer's each at most [`MAX_BODY`] bytes, the
//! answer awaited at most [`BACKEND_TIMEOUT`], the whole exchange at most a minute. A second
//! connection of the same backend replaces the first. Backends and clients have places of
//! their own, and each end of a backend connection pings the other.

use crate::identity::{ed25519_key_of, is_key_hash, key_hash};
use crate::{ALPN, BastionError};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::client::danger::HandshakeSignatureValid;
use tokio_rustls::rustls::pki_types::{CertificateDer, UnixTime};
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{self, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// The largest request or answer body forwarded (a witness's requests and answers are a few
/// kilobytes).
pub const MAX_BODY: usize = 1 << 20;
/// How long a backend may take to answer a forwarded request.
pub const BACKEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a TLS handshake, or a client's request headers, may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client's whole request may take: its body, the backend's answer and its body.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(60);
/// Handshakes under way at once.
const MAX_HANDSHAKES: usize = 1024;
/// Client connections held at once. Backends have places of their own
/// ([`MAX_BACKENDS`]): no crowd of clients can keep a witness from connecting.
const MAX_CLIENTS: usize = 4096;
/// Backend connections held at once.
const MAX_BACKENDS: usize = 1024;
/// How often each end of a backend connection pings the other, and how long it waits for the
/// answer: a connection that died silently (a NAT forgot it) is noticed, and dialled again.
const PING_INTERVAL: Duration = Duration::from_secs(30);
const PING_TIMEOUT: Duration = Duration::from_secs(20);

/// The places of a bastion's connections.
struct Places {
    handshakes: Arc<tokio::sync::Semaphore>,
    clients: Arc<tokio::sync::Semaphore>,
    backends: Arc<tokio::sync::Semaphore>,
}

/// Which backends a bastion serves: their key hashes.
#[derive(Clone, Debug, Default)]
pub struct Allowed(pub HashSet<String>);

impl Allowed {
    /// A backends file: one key hash per line; blank lines and `#` comments ignored.
    pub fn parse(text: &str) -> Result<Allowed, BastionError> {
        let mut allowed = HashSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if !is_key_hash(line) {
                return Err(BastionError::Invalid(format!(
                    "backends line {}: {line:?} is not a key hash (64 lower-case hex digits, as `witness bastion-hash` prints)",
                    i + 1
                )));
            }
            allowed.insert(line.to_string());
        }
        Ok(Allowed(allowed))
    }
}

/// Checks a backend's client certificate: an Ed25519 key the bastion allows, whose holder
/// signs the handshake. No chain: the key is the identity.
#[derive(Debug)]
struct BackendKeys {
    allowed: Allowed,
}

impl ClientCertVerifier for BackendKeys {
    fn client_auth_mandatory(&self) -> bool {
        // Clients present none; a backend connection without one is refused after the
        // handshake (`serve_connection`).
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let key = ed25519_key_of(end_entity.as_ref()).ok_or_else(|| {
            rustls::Error::General("a backend's certificate must carry an Ed25519 key".into())
        })?;
        let hash = key_hash(&key);
        if !self.allowed.0.contains(&hash) {
            tracing::warn!(backend = %hash, "refused a backend this bastion does not allow");
            return Err(rustls::Error::General(format!(
                "backend {hash} is not allowed here"
            )));
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.3 only".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let bad = || rustls::Error::General("bad backend handshake signature".into());
        if dss.scheme != SignatureScheme::ED25519 {
            return Err(bad());
        }
        let key = ed25519_key_of(cert.as_ref()).ok_or_else(bad)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| bad())?;
        let signature = ed25519_dalek::Signature::from_slice(dss.signature()).map_err(|_| bad())?;
        key.verify_strict(message, &signature).map_err(|_| bad())?;
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

/// The way to send requests over one backend's connection.
type ToBackend = SendRequest<Full<Bytes>>;

/// The backends connected now, by key hash: each connection's number and its sender.
#[derive(Default)]
struct Backends {
    connected: Mutex<HashMap<String, (u64, ToBackend)>>,
    next: AtomicU64,
}

impl Backends {
    fn add(&self, hash: &str, send: ToBackend) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut connected = self.connected.lock().expect("backends");
        connected.insert(hash.to_string(), (id, send));
        id
    }

    /// Forgets connection `id` of `hash`, unless a newer one replaced it.
    fn remove(&self, hash: &str, id: u64) {
        let mut connected = self.connected.lock().expect("backends");
        if connected
            .get(hash)
            .is_some_and(|(current, _)| *current == id)
        {
            connected.remove(hash);
        }
    }

    fn get(&self, hash: &str) -> Option<ToBackend> {
        let connected = self.connected.lock().expect("backends");
        connected.get(hash).map(|(_, send)| send.clone())
    }
}

/// Runs a bastion on `listener` with the certificate chain and key of `tls` (PEM files, as
/// `http_front::load_pem` reads them), serving the `allowed` backends, until `shutdown`.
pub async fn run(
    listener: TcpListener,
    chain: Vec<CertificateDer<'static>>,
    key: tokio_rustls::rustls::pki_types::PrivateKeyDer<'static>,
    allowed: Allowed,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), BastionError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        // Only TLS 1.3 hides a backend's certificate from the network.
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| BastionError::Invalid(e.to_string()))?
        .with_client_cert_verifier(Arc::new(BackendKeys { allowed }))
        .with_single_cert(chain, key)
        .map_err(|e| BastionError::Invalid(format!("the bastion's certificate: {e}")))?;
    config.alpn_protocols = vec![ALPN.to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let backends = Arc::new(Backends::default());
    let places = Arc::new(Places {
        handshakes: Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES)),
        clients: Arc::new(tokio::sync::Semaphore::new(MAX_CLIENTS)),
        backends: Arc::new(tokio::sync::Semaphore::new(MAX_BACKENDS)),
    });
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(handshake) = places.handshakes.clone().try_acquire_owned() else {
            continue; // full: the connection is closed unanswered
        };
        let (acceptor, backends, places) = (acceptor.clone(), backends.clone(), places.clone());
        tokio::spawn(async move {
            serve_connection(acceptor, backends, &places, handshake, tcp, peer).await;
        });
    }
}

async fn serve_connection(
    acceptor: TlsAcceptor,
    backends: Arc<Backends>,
    places: &Places,
    handshake: tokio::sync::OwnedSemaphorePermit,
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return tracing::debug!(%peer, "TLS handshake: {e}"),
        Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
    };
    drop(handshake);
    let (_, session) = tls.get_ref();
    let backend = session.alpn_protocol() == Some(ALPN);
    let pool = if backend {
        &places.backends
    } else {
        &places.clients
    };
    let Ok(_place) = pool.clone().try_acquire_owned() else {
        return tracing::warn!(%peer, backend, "no place left for another connection: closed");
    };
    if backend {
        let Some(key) = session
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| ed25519_key_of(c.as_ref()))
        else {
            return tracing::warn!(%peer, "a backend connection without a certificate: closed");
        };
        let hash = key_hash(&key);
        let handshake = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .keep_alive_interval(PING_INTERVAL)
            .keep_alive_timeout(PING_TIMEOUT)
            .keep_alive_while_idle(true)
            .handshake(TokioIo::new(tls));
        let (send, connection) = match handshake.await {
            Ok(both) => both,
            Err(e) => return tracing::warn!(%peer, backend = %hash, "HTTP/2 with the backend: {e}"),
        };
        let id = backends.add(&hash, send);
        tracing::info!(%peer, backend = %hash, "backend connected");
        if let Err(e) = connection.await {
            tracing::info!(backend = %hash, "backend connection ended: {e}");
        }
        backends.remove(&hash, id);
        tracing::info!(backend = %hash, "backend gone");
    } else {
        let service = hyper::service::service_fn(move |request| {
            let backends = backends.clone();
            async move {
                let forwarded = forward(&backends, request, peer.ip());
                Ok::<_, Infallible>(
                    match tokio::time::timeout(FORWARD_TIMEOUT, forwarded).await {
                        Ok(response) => response,
                        Err(_) => answer(
                            StatusCode::GATEWAY_TIMEOUT,
                            format!("the request took more than {} s", FORWARD_TIMEOUT.as_secs()),
                        ),
                    },
                )
            }
        });
        let served = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HANDSHAKE_TIMEOUT)
            .serve_connection(TokioIo::new(tls), service)
            .await;
        if let Err(e) = served {
            tracing::debug!(%peer, "client connection: {e}");
        }
    }
}

fn answer(status: StatusCode, message: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(message + "\n")));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Headers that belong to one connection, never forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::TE,
        header::HOST,
        header::PROXY_AUTHORIZATION,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
        || name.as_str() == "proxy-connection"
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if !hop_by_hop(name) && name.as_str() != "x-forwarded-for" {
            to.append(name.clone(), value.clone());
        }
    }
}

/// Forwards a client's request for `/<key hash>/<path>` to that backend.
async fn forward(
    backends: &Backends,
    request: Request<Incoming>,
    client: IpAddr,
) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    let (hash, rest) = path
        .strip_prefix('/')
        .unwrap_or(&path)
        .split_once('/')
        .unwrap_or((path.trim_start_matches('/'), ""));
    let (hash, rest) = (hash.to_string(), rest.to_string());
    if !is_key_hash(&hash) {
        return answer(
            StatusCode::NOT_FOUND,
            "a bastion serves /<backend key hash>/<path>".into(),
        );
    }
    let Some(mut send) = backends.get(&hash) else {
        return answer(
            StatusCode::BAD_GATEWAY,
            format!("backend {hash} is not connected to this bastion"),
        );
    };
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    // HTTP/2 needs a scheme and an authority; the backend routes by the path.
    let uri = format!("https://bastion/{rest}{query}");
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a request body is at most {MAX_BODY} bytes here"),
            );
        }
    };
    let mut forwarded = Request::new(Full::new(body));
    *forwarded.method_mut() = parts.method;
    match uri.parse() {
        Ok(uri) => *forwarded.uri_mut() = uri,
        Err(_) => return answer(StatusCode::BAD_REQUEST, "a malformed path".into()),
    }
    copy_headers(&parts.headers, forwarded.headers_mut());
    if let Ok(value) = HeaderValue::from_str(&client.to_string()) {
        forwarded.headers_mut().insert("x-forwarded-for", value);
    }
    let gone = |why: String| {
        answer(
            StatusCode::BAD_GATEWAY,
            format!("backend {hash} did not answer: {why}"),
        )
    };
    let exchange = async {
        send.ready().await?;
        send.send_request(forwarded).await
    };
    let response = match tokio::time::timeout(BACKEND_TIMEOUT, exchange).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return gone(e.to_string()),
        Err(_) => return gone(format!("no answer in {} s", BACKEND_TIMEOUT.as_secs())),
    };
    let (parts, body) = response.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return gone(format!("its answer: {e}")),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = parts.status;
    copy_headers(&parts.headers, response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backends_file_lists_key_hashes_with_comments() {
        let hash = "ab".repeat(32);
        let allowed = Allowed::parse(&format!("# observers\n\n{hash}  # observer-1\n")).unwrap();
        assert_eq!(allowed.0.len(), 1);
        assert!(allowed.0.contains(&hash));
        let err = Allowed::parse(&format!("{hash}\nobserver-2\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("backends line 2") && err.contains("witness bastion-hash"),
            "{err}"
        );
        assert!(
            Allowed::parse(&hash.to_uppercase()).is_err(),
            "lower-case hex only"
        );
    }
}
