//! A client of a ledger's HTTP API: what submitters, the operator commands that drive a log
//! from outside (`demo`, `demo simulate`, `demo bench`) and the tests speak to a ledger with.

use serde::Deserialize;
use std::time::Duration;

/// A ledger at a URL.
#[derive(Clone)]
pub struct LedgerClient {
    base: String,
    http: reqwest::Client,
}

/// A refusal, as the API reports it.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRefusal {
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    pub message: String,
    pub rule: Option<String>,
    pub index: Option<u64>,
    /// How long the ledger asked to be left alone (`Retry-After`, in seconds), if it did.
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for ApiRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// What went wrong talking to the ledger.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the ledger refused: {0}")]
    Refused(ApiRefusal),
    #[error("cannot reach the ledger: {0}")]
    Transport(String),
}

#[derive(Clone, Debug, Deserialize)]
pub struct Sequenced {
    pub index: u64,
    pub leaf_hash: String,
    pub tree_size: u64,
    pub bundle: Option<String>,
}

impl LedgerClient {
    pub fn new(base: &str) -> LedgerClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            // Keep as many connections as requests in flight (`bench` and `simulate` send
            // up to 1,024 at once): a smaller pool closes and reopens connections on every
            // request, and the server spends its CPU on TCP setup and teardown.
            .pool_max_idle_per_host(4096)
            .build()
            .expect("an HTTP client");
        LedgerClient {
            base: base.trim_end_matches('/').to_string(),
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    async fn refusal(response: reqwest::Response) -> ClientError {
        let status = response.status().as_u16();
        // Only the delay-seconds form: the ledger and any proxy in front of it speak it, and
        // a date would need this machine's clock to agree with theirs.
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        #[derive(Deserialize)]
        struct Body {
            error: ApiRefusal,
        }
        match response.json::<Body>().await {
            Ok(b) => ClientError::Refused(ApiRefusal {
                status,
                retry_after,
                ..b.error
            }),
            Err(_) => ClientError::Refused(ApiRefusal {
                status,
                code: "unknown".into(),
                message: format!("HTTP {status}"),
                rule: None,
                index: None,
                retry_after,
            }),
        }
    }

    fn transport(e: reqwest::Error) -> ClientError {
        ClientError::Transport(e.to_string())
    }

    /// Submits one record; `cosigned` waits for the published checkpoint and its bundle.
    pub async fn submit(&self, entry: Vec<u8>, cosigned: bool) -> Result<Sequenced, ClientError> {
        let url = self.url(if cosigned {
            "api/v1/records?wait=cosigned"
        } else {
            "api/v1/records"
        });
        let response = self
            .http
            .post(url)
            .header("content-type", "application/cbor")
            .body(entry)
            .send()
            .await
            .map_err(Self::transport)?;
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        response.json().await.map_err(Self::transport)
    }

    /// Uploads a document a logged record references.
    pub async fn upload(&self, sha256_hex: &str, bytes: Vec<u8>) -> Result<(), ClientError> {
        let response = self
            .http
            .put(self.url(&format!("api/v1/blobs/{sha256_hex}")))
            .body(bytes)
            .send()
            .await
            .map_err(Self::transport)?;
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        Ok(())
    }

    /// GETs a path, returning the body of a 2xx answer.
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .map_err(Self::transport)?;
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        Ok(response.bytes().await.map_err(Self::transport)?.to_vec())
    }
}
