//! C2SP https-bastion: how an observers' witness that accepts no connection from the Internet
//! (behind NAT, or by policy) still answers a log's `add-checkpoint` at once.
//!
//! The witness (the *backend*) dials out to a bastion over TLS 1.3 with ALPN `bastion/0`,
//! presents a self-signed certificate of its Ed25519 key, and then serves HTTP/2 on that
//! connection as if the bastion had dialled it. The bastion forwards each request for
//! `https://<bastion>/<hex SHA-256 of the backend's key>/<path>` as `/<path>` over that
//! connection, with one `X-Forwarded-For` naming the client, and answers 502 when no such
//! backend is connected.
//!
//! The trust model: a bastion sees, may block and may alter the traffic, as any reverse proxy.
//! The witness protocol does not rely on it: checkpoints are signed by the log, cosignatures
//! by the witness, and each side checks the other's signatures. What the bastion guarantees is
//! only that the requests for a key hash reach the holder of that key (its TLS signature is
//! checked), and only for keys its operator allowed.
//!
//! - [`identity`]: a backend's key as a client certificate, and the hash that names it;
//! - [`relay`]: the bastion (`witness bastion`);
//! - [`backend`]: the witness's side (`witness serve --bastion`).
#![forbid(unsafe_code)]

pub mod backend;
pub mod identity;
pub mod relay;

/// The ALPN protocol of a backend's connection to a bastion.
pub const ALPN: &[u8] = b"bastion/0";

/// Why a bastion or a backend could not start.
#[derive(Debug, thiserror::Error)]
pub enum BastionError {
    #[error("{0}")]
    Invalid(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}
