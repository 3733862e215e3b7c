//! Canonical encoding: every record round-trips byte for byte, and every other spelling of
//! the same values — longer integers, indefinite lengths, reordered, duplicated or unknown
//! keys, trailing bytes — is rejected. Signatures cover every field.

use ed25519_dalek::SigningKey;
use election::cbor::{CborError, decode_canonical, encode};
use election::record::{MAX_RECORD_SIZE, RECORD_VERSION};
use election::records::{DocumentRef, PrecinctProtocol, Turnout};
use election::{Body, Kind, Record, RecordError};
use proptest::prelude::*;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn protocol(votes: Vec<u32>, precinct: u32) -> PrecinctProtocol {
    let valid: u32 = votes.iter().sum();
    PrecinctProtocol {
        precinct,
        contest: 1,
        voters_on_list: 1000,
        ballots_received: 1010,
        ballots_issued: 600,
        ballots_cancelled: 410,
        ballots_stationary: 580,
        ballots_mobile: 20,
        invalid: 600 - valid.min(600),
        valid,
        votes,
        pages: vec![DocumentRef::to(b"scan", "image/png")],
    }
}

fn sample() -> Record {
    Record::sign(
        "2026-11-29-parliamentary",
        1_795_960_800,
        Body::PrecinctProtocol(protocol(vec![300, 200, 80], 1204)),
        &key(),
    )
}

proptest! {
    #[test]
    fn records_round_trip(votes in proptest::collection::vec(0u32..100_000, 0..40), precinct: u32, time: u64, election in "[a-z0-9-]{1,40}") {
        let r = Record::sign(&election, time, Body::PrecinctProtocol(protocol(votes, precinct)), &key());
        let bytes = r.to_bytes();
        let back = Record::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert!(back.verify_signature().is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Record::from_bytes(&bytes);
    }

    #[test]
    fn any_flipped_bit_is_caught(bit in 0usize..10_000) {
        let mut bytes = sample().to_bytes();
        let bit = bit % (bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let caught = match Record::from_bytes(&bytes) {
            Err(_) => true,
            Ok(r) => r.verify_signature().is_err(),
        };
        prop_assert!(caught, "bit {} flipped unnoticed", bit);
    }
}

#[test]
fn every_kind_has_a_stable_number_and_name() {
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        assert_eq!(kind.code() as usize, i + 1);
        assert_eq!(Kind::from_code(kind.code()), Some(kind));
        assert_eq!(Kind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(Kind::from_code(0), None);
    assert_eq!(Kind::from_code(17), None);
}

/// A tiny CBOR writer for hand-made, non-canonical inputs.
fn head(major: u8, value: u64, width: usize) -> Vec<u8> {
    let m = major << 5;
    match width {
        0 => vec![m | value as u8],
        1 => vec![m | 24, value as u8],
        2 => [vec![m | 25], (value as u16).to_be_bytes().to_vec()].concat(),
        4 => [vec![m | 26], (value as u32).to_be_bytes().to_vec()].concat(),
        _ => [vec![m | 27], value.to_be_bytes().to_vec()].concat(),
    }
}

#[test]
fn canonical_form_is_the_only_form() {
    let t = Turnout {
        precinct: 1204,
        hour: 9,
        identified: 17,
    };
    let canonical = encode(&t);
    assert_eq!(decode_canonical::<Turnout>(&canonical), Ok(t.clone()));
    // The same map written by hand: {0: 1204, 1: 9, 2: 17}.
    let build = |parts: Vec<Vec<u8>>| parts.concat();
    let good = build(vec![
        head(5, 3, 0),
        head(0, 0, 0),
        head(0, 1204, 2),
        head(0, 1, 0),
        head(0, 9, 0),
        head(0, 2, 0),
        head(0, 17, 0),
    ]);
    assert_eq!(good, canonical);
    let variants = [
        (
            "a longer integer",
            build(vec![
                head(5, 3, 0),
                head(0, 0, 0),
                head(0, 1204, 4),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
            ]),
        ),
        (
            "a longer key",
            build(vec![
                head(5, 3, 0),
                head(0, 0, 1),
                head(0, 1204, 2),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
            ]),
        ),
        (
            "a longer map header",
            build(vec![
                head(5, 3, 1),
                head(0, 0, 0),
                head(0, 1204, 2),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
            ]),
        ),
        (
            "keys out of order",
            build(vec![
                head(5, 3, 0),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 0, 0),
                head(0, 1204, 2),
                head(0, 2, 0),
                head(0, 17, 0),
            ]),
        ),
        (
            "an unknown key",
            build(vec![
                head(5, 4, 0),
                head(0, 0, 0),
                head(0, 1204, 2),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
                head(0, 9, 0),
                head(0, 1, 0),
            ]),
        ),
        (
            "a duplicated key",
            build(vec![
                head(5, 4, 0),
                head(0, 0, 0),
                head(0, 1204, 2),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
                head(0, 2, 0),
                head(0, 17, 0),
            ]),
        ),
        (
            "an indefinite-length map",
            build(vec![
                vec![0xbf],
                head(0, 0, 0),
                head(0, 1204, 2),
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
                vec![0xff],
            ]),
        ),
        ("trailing bytes", build(vec![canonical.clone(), vec![0x00]])),
        (
            "a float",
            build(vec![
                head(5, 3, 0),
                head(0, 0, 0),
                vec![0xf9, 0x3c, 0x00],
                head(0, 1, 0),
                head(0, 9, 0),
                head(0, 2, 0),
                head(0, 17, 0),
            ]),
        ),
        (
            "an array instead of a map",
            build(vec![
                head(4, 3, 0),
                head(0, 1204, 2),
                head(0, 9, 0),
                head(0, 17, 0),
            ]),
        ),
    ];
    for (what, bytes) in variants {
        assert!(
            decode_canonical::<Turnout>(&bytes).is_err(),
            "accepted {what}: {}",
            hex::encode(&bytes)
        );
    }
    assert_eq!(
        decode_canonical::<Turnout>(&build(vec![canonical, vec![0]])),
        Err(CborError::NotCanonical)
    );
}

#[test]
fn envelope_is_strict() {
    let r = sample();
    let bytes = r.to_bytes();
    assert!(matches!(
        Record::from_bytes(&bytes[..bytes.len() - 1]),
        Err(RecordError::Envelope(_))
    ));
    assert!(matches!(
        Record::from_bytes(&[bytes.clone(), vec![0]].concat()),
        Err(RecordError::Envelope(_))
    ));
    assert!(matches!(
        Record::from_bytes(&vec![0; MAX_RECORD_SIZE + 1]),
        Err(RecordError::TooLarge(_))
    ));
    assert!(matches!(
        Record::from_bytes(&[]),
        Err(RecordError::Envelope(_))
    ));
    assert_eq!(RECORD_VERSION, 1);
    // Version and kind are the values after keys 0 and 1 at the start of the map.
    assert_eq!(&bytes[..5], &[0xa7, 0x00, 0x01, 0x01, 0x05]);
    let mut version2 = bytes.clone();
    version2[2] = 0x02;
    assert_eq!(Record::from_bytes(&version2), Err(RecordError::Version(2)));
    let mut unknown = bytes.clone();
    unknown[4] = 0x11;
    assert_eq!(
        Record::from_bytes(&unknown),
        Err(RecordError::UnknownKind(17))
    );
    // A body decoded under the wrong kind is malformed, not misread.
    let mut wrong_kind = bytes.clone();
    wrong_kind[4] = Kind::Turnout.code() as u8;
    assert!(matches!(
        Record::from_bytes(&wrong_kind),
        Err(RecordError::Body { .. })
    ));
}

#[test]
fn the_signature_covers_every_field_and_nothing_else_verifies() {
    let r = sample();
    r.verify_signature().unwrap();
    let mut other_time = r.clone();
    other_time.time += 1;
    assert_eq!(
        other_time.verify_signature(),
        Err(RecordError::BadSignature)
    );
    let mut other_election = r.clone();
    other_election.election.push('x');
    assert_eq!(
        other_election.verify_signature(),
        Err(RecordError::BadSignature)
    );
    let mut other_signer = r.clone();
    other_signer.signer = SigningKey::from_bytes(&[10; 32]).verifying_key().to_bytes();
    assert_eq!(
        other_signer.verify_signature(),
        Err(RecordError::BadSignature)
    );
    let mut other_body = r.clone();
    if let Body::PrecinctProtocol(p) = &mut other_body.body {
        p.votes[0] += 1;
    }
    assert_eq!(
        other_body.verify_signature(),
        Err(RecordError::BadSignature)
    );
    // The same body signed without the domain-separation context does not verify.
    let mut bare = r.clone();
    use ed25519_dalek::Signer;
    bare.signature = key().sign(&r.to_bytes()).to_bytes();
    assert_eq!(bare.verify_signature(), Err(RecordError::BadSignature));
}
