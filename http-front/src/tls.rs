//! TLS for a server that terminates it itself (`--tls-cert`, `--tls-key`), rather than behind
//! a proxy: a certificate chain and its private key in PEM, served with rustls (TLS 1.2 and
//! 1.3, HTTP/1.1).

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why a server's certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {why}")]
    File { path: PathBuf, why: String },
    /// Others can read the key: whoever did can impersonate the server.
    #[error(
        "{path} can be read by other users (mode {mode:o}); a private key must be readable by its owner only: chmod 600 {path}"
    )]
    KeyReadable { path: PathBuf, mode: u32 },
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(String),
}

/// A server's TLS: what accepts its connections.
#[derive(Clone)]
pub struct Tls {
    pub(crate) acceptor: TlsAcceptor,
}

impl Tls {
    /// The certificate chain in `cert` (the server's first) and the private key in `key`,
    /// both PEM. The key file must be readable by its owner only.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let (chain, private) = load_pem(cert, key)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// A certificate chain (the server's first) and its private key from PEM files, the key
/// readable by its owner only: for a server that builds its own TLS configuration.
pub fn load_pem(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let file_error = |path: &Path| {
        let path = path.to_path_buf();
        move |e: &dyn std::fmt::Display| TlsError::File {
            path,
            why: e.to_string(),
        }
    };
    let mode = std::fs::metadata(key)
        .map_err(|e| file_error(key)(&e))?
        .mode();
    if mode & 0o077 != 0 {
        return Err(TlsError::KeyReadable {
            path: key.to_path_buf(),
            mode: mode & 0o777,
        });
    }
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| file_error(cert)(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(cert)(&e))?;
    if chain.is_empty() {
        return Err(file_error(cert)(&"holds no PEM certificate"));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| file_error(key)(&e))?;
    Ok((chain, private))
}

/// An I/O error for a handshake that failed, for the connection's debug log.
pub(crate) fn handshake_failed(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("TLS handshake: {e}"))
}
