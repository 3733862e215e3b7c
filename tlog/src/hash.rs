//! RFC 6962 hashing: the leaf and interior-node hashes every other module builds on.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

/// The size of a [`Hash`] in bytes.
pub const HASH_SIZE: usize = 32;

impl Hash {
    /// The root of the empty tree: SHA-256 of the empty string (RFC 6962, section 2.1).
    pub fn empty_tree() -> Hash {
        sha256(b"")
    }

    /// Standard base64, as hashes appear in checkpoints, proofs and witness requests.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses standard, padded base64 of exactly 32 bytes. Anything else — other lengths,
    /// missing padding, non-canonical trailing bits — is rejected, so that one hash has
    /// exactly one text form.
    pub fn from_base64(text: &str) -> Option<Hash> {
        let bytes = decode_base64_canonical(text)?;
        Some(Hash(bytes.try_into().ok()?))
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses exactly 64 lower-case hexadecimal digits.
    pub fn from_hex(text: &str) -> Option<Hash> {
        if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(Hash(out))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

/// The hash of a log entry: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    // Entries of up to 54 bytes fit one padded block: compress it directly, skipping the
    // streaming API, whose per-call cost is larger than the compression itself.
    if entry.len() <= 54 {
        let mut block = [0u8; 64];
        block[1..=entry.len()].copy_from_slice(entry);
        block[entry.len() + 1] = 0x80;
        block[56..].copy_from_slice(&((entry.len() as u64 + 1) * 8).to_be_bytes());
        return compress_blocks(&[block]);
    }
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
///
/// Computed on the two padded blocks of its fixed 65-byte message, as appends and proofs
/// hash nodes more than anything else.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut blocks = [[0u8; 64]; 2];
    blocks[0][0] = 0x01;
    blocks[0][1..33].copy_from_slice(&left.0);
    blocks[0][33..].copy_from_slice(&right.0[..31]);
    blocks[1][0] = right.0[31];
    blocks[1][1] = 0x80;
    blocks[1][56..].copy_from_slice(&(65u64 * 8).to_be_bytes());
    compress_blocks(&blocks)
}

/// SHA-256's initial hash value (FIPS 180-4, section 5.3.3).
const INITIAL_STATE: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// SHA-256 of a message already split into padded blocks.
fn compress_blocks(blocks: &[[u8; 64]]) -> Hash {
    let mut state = INITIAL_STATE;
    sha2::block_api::compress256(&mut state, blocks);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Hash(out)
}

/// Decodes standard padded base64 and accepts it only if re-encoding gives the same text.
///
/// Base64 has several spellings of the same bytes (unpadded, non-zero trailing bits); a
/// strict parser must accept one, or two honest parties could disagree about a signed text.
pub(crate) fn decode_base64_canonical(text: &str) -> Option<Vec<u8>> {
    let bytes = BASE64.decode(text).ok()?;
    (BASE64.encode(&bytes) == text).then_some(bytes)
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_is_sha256_of_nothing() {
        assert_eq!(
            Hash::empty_tree().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        // RFC 6962 leaf hash of the empty entry.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let l = leaf_hash(b"a");
        assert_ne!(node_hash(&l, &l), sha256(&[l.0, l.0].concat()));
    }

    #[test]
    fn block_level_hashing_equals_sha256() {
        for len in 0..200usize {
            let entry: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            assert_eq!(
                leaf_hash(&entry),
                sha256(&[&[0u8][..], &entry].concat()),
                "leaf of {len} bytes"
            );
        }
        let (l, r) = (sha256(b"left"), sha256(b"right"));
        assert_eq!(
            node_hash(&l, &r),
            sha256(&[&[1u8][..], &l.0, &r.0].concat())
        );
    }

    #[test]
    fn base64_is_strict() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Some(h));
        let unpadded = h.to_base64().trim_end_matches('=').to_string();
        assert_eq!(Hash::from_base64(&unpadded), None);
        // The same bytes spelled with a non-zero unused trailing bit: 32 bytes leave the
        // two low bits of the 43rd character unused.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = h.to_base64().into_bytes();
        let value = ALPHABET.iter().position(|&c| c == s[42]).unwrap();
        s[42] = ALPHABET[value ^ 1];
        assert_eq!(Hash::from_base64(std::str::from_utf8(&s).unwrap()), None);
        assert_eq!(Hash::from_base64("AAAA"), None);
        assert_eq!(Hash::from_base64(""), None);
    }

    #[test]
    fn hex_is_strict() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()), None);
        assert_eq!(Hash::from_hex(&h.to_hex()[1..]), None);
    }
}
