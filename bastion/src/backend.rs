//! The witness's side: dial the bastion, prove the key, and serve HTTP/2 on the connection,
//! again whenever it drops, until told to stop.

use crate::identity::Identity;
use crate::{ALPN, BastionError};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls_platform_verifier::BuilderVerifierExt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::ServerName;

/// How long dialling and the TLS handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two attempts to reach the bastion.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Where a backend is reached through a bastion, and how it dials it.
pub struct Backend {
    /// `host:port` of the bastion.
    address: String,
    host: ServerName<'static>,
    connector: TlsConnector,
    identity_hash: String,
}

impl Backend {
    /// A backend of `identity` for the bastion at `url` (`https://host[:port]`), trusting the
    /// platform's roots (or the bundle `SSL_CERT_FILE` names) for the bastion's certificate.
    pub fn new(url: &str, identity: Identity) -> Result<Backend, BastionError> {
        let invalid = |why: String| BastionError::Invalid(format!("--bastion {url}: {why}"));
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| invalid("a bastion is reached over https://".into()))?
            .trim_end_matches('/');
        if rest.contains('/') {
            return Err(invalid(
                "give the bastion's https://host[:port] alone".into(),
            ));
        }
        let host_part = match rest.rsplit_once(':') {
            Some((host, port)) if port.parse::<u16>().is_ok() => host,
            _ => rest,
        };
        let address = if host_part == rest {
            format!("{rest}:443")
        } else {
            rest.to_string()
        };
        let host = ServerName::try_from(host_part.trim_matches(['[', ']']).to_string())
            .map_err(|e| invalid(e.to_string()))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let identity_hash = identity.key_hash();
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| invalid(e.to_string()))?
            .with_platform_verifier()
            .map_err(|e| invalid(format!("the platform's roots: {e}")))?
            .with_client_auth_cert(vec![identity.certificate], identity.private_key)
            .map_err(|e| invalid(format!("the backend's certificate: {e}")))?;
        config.alpn_protocols = vec![ALPN.to_vec()];
        Ok(Backend {
            address,
            host,
            connector: TlsConnector::from(Arc::new(config)),
            identity_hash,
        })
    }

    /// The URL clients reach this backend at: `https://<bastion>/<key hash>`.
    pub fn public_url(&self) -> String {
        let address = self.address.strip_suffix(":443").unwrap_or(&self.address);
        format!("https://{address}/{}", self.identity_hash)
    }

    /// Serves `router` through the bastion until `stop` completes, dialling again (after a
    /// wait that doubles up to 30 s) whenever the connection fails or ends. `connected` is
    /// called each time a connection is up.
    pub async fn serve(
        &self,
        router: axum::Router,
        stop: impl Future<Output = ()> + Send,
        connected: impl Fn(&str),
    ) {
        tokio::pin!(stop);
        let mut backoff = Duration::from_millis(250);
        loop {
            match self.dial().await {
                Ok(tls) => {
                    backoff = Duration::from_millis(250);
                    connected(&self.public_url());
                    let service = TowerToHyperService::new(router.clone());
                    // Pings notice a connection that died silently (a NAT forgot it): then
                    // it ends, and is dialled again.
                    let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .timer(TokioTimer::new())
                        .keep_alive_interval(Some(Duration::from_secs(30)))
                        .keep_alive_timeout(Duration::from_secs(20))
                        .serve_connection(TokioIo::new(tls), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        ended = connection.as_mut() => match ended {
                            Ok(()) => tracing::warn!(bastion = %self.address, "the bastion closed the connection"),
                            Err(e) => tracing::warn!(bastion = %self.address, "the connection to the bastion failed: {e}"),
                        },
                        _ = &mut stop => {
                            connection.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(10), connection).await;
                            return;
                        }
                    }
                }
                Err(e) => tracing::warn!(bastion = %self.address, "cannot reach the bastion: {e}"),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = &mut stop => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn dial(&self) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, String> {
        let attempt = async {
            let tcp = tokio::net::TcpStream::connect(&self.address)
                .await
                .map_err(|e| e.to_string())?;
            let tls = self
                .connector
                .connect(self.host.clone(), tcp)
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            if tls.get_ref().1.alpn_protocol() != Some(ALPN) {
                return Err("it does not speak bastion/0".to_string());
            }
            Ok(tls)
        };
        tokio::time::timeout(CONNECT_TIMEOUT, attempt)
            .await
            .map_err(|_| format!("no connection in {} s", CONNECT_TIMEOUT.as_secs()))?
    }
}
