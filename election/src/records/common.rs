//! Small values shared by several record kinds.

use minicbor::{Decode, Encode};

/// A document kept outside the log (a scan, a PDF), named by its SHA-256.
///
/// The log holds the reference; the bytes are served from the ledger's blob store (or any
/// mirror), and anyone holding them can check them against the hash.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct DocumentRef {
    #[cbor(n(0), with = "minicbor::bytes")]
    #[cfg_attr(feature = "json", serde(with = "crate::json::hex32"))]
    pub sha256: [u8; 32],
    /// A media type such as `application/pdf` or `image/png`.
    #[n(1)]
    pub media_type: String,
    /// Size in bytes.
    #[n(2)]
    pub size: u64,
}

/// Bytes served as a document that are not the document its record references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentMismatch {
    pub served_size: u64,
    pub served_sha256: String,
    pub referenced_size: u64,
}

impl std::fmt::Display for DocumentMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "does not match: the log serves {} bytes with SHA-256 {}, the record references {} bytes",
            self.served_size, self.served_sha256, self.referenced_size
        )
    }
}

impl std::error::Error for DocumentMismatch {}

impl DocumentRef {
    /// The reference to `bytes` with the given media type.
    pub fn to(bytes: &[u8], media_type: &str) -> DocumentRef {
        DocumentRef {
            sha256: tlog::hash::sha256(bytes).0,
            media_type: media_type.to_string(),
            size: bytes.len() as u64,
        }
    }

    /// Whether `bytes` are the referenced document.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.check(bytes).is_ok()
    }

    /// Checks that `bytes`, served as this document, are it: its size and its SHA-256.
    pub fn check(&self, bytes: &[u8]) -> Result<(), DocumentMismatch> {
        let sha256 = tlog::hash::sha256(bytes);
        if bytes.len() as u64 == self.size && sha256.0 == self.sha256 {
            return Ok(());
        }
        Err(DocumentMismatch {
            served_size: bytes.len() as u64,
            served_sha256: sha256.to_hex(),
            referenced_size: self.size,
        })
    }

    /// The SHA-256 in lower-case hex, as the blob store names documents.
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// A name in the state language, the official language and (optionally) English.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cbor(map)]
#[cfg_attr(feature = "json", serde(deny_unknown_fields))]
pub struct Names {
    /// Kyrgyz.
    #[n(0)]
    pub ky: String,
    /// Russian.
    #[n(1)]
    pub ru: String,
    /// English, for international observers.
    #[n(2)]
    pub en: Option<String>,
}

impl Names {
    pub fn new(ky: &str, ru: &str, en: &str) -> Names {
        Names {
            ky: ky.into(),
            ru: ru.into(),
            en: Some(en.into()),
        }
    }
}

/// A precinct's number, unique within an election.
pub type PrecinctId = u32;
/// A territorial election commission's number.
pub type TerritoryId = u16;
/// A contest's number within an election (a ballot: a party list, a district, a question).
pub type ContestId = u16;
