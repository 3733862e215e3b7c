#!/usr/bin/env python3
"""ML-DSA-44 cosignature vectors (tlog-cosignature v1.1, subtree/v1), made with OpenSSL.

Writes spec/vectors/cosignature-ml-dsa-44.json from the spec's text alone, with an
implementation this project did not write (OpenSSL's ML-DSA, through Python's
`cryptography` >= 47): the key pair FIPS 204 derives from a fixed seed, its vkey and key ID,
the subtree/v1 message for the vectors' checkpoint, and a cosignature OpenSSL made over it.
tlog/tests/ml_dsa.rs checks that the Rust code derives the same key and message and accepts
the signature (and refuses it altered).

    python3 spec/vectors/ml-dsa-44.py   # needs: pip install 'cryptography>=47'

OpenSSL's signatures are hedged (randomized), so each run writes a different, equally valid
signature: run it only to change the vectors, and commit the result.
"""
import base64
import hashlib
import json
import pathlib
import struct

from cryptography.hazmat.primitives.asymmetric import mldsa

HERE = pathlib.Path(__file__).resolve().parent
ALG = 0x06
TIMESTAMP = 1_795_000_000


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG]) + public).digest()[:4]


def message(cosigner: str, timestamp: int, origin: str, start: int, end: int, root: bytes) -> bytes:
    # struct cosigned_message, as tlog-cosignature v1.1 defines it (RFC 8446 presentation).
    return (
        b"subtree/v1\n\x00"
        + bytes([len(cosigner)]) + cosigner.encode()
        + struct.pack(">Q", timestamp)
        + bytes([len(origin)]) + origin.encode()
        + struct.pack(">QQ", start, end)
        + root
    )


def main() -> None:
    checkpoint = (HERE / "checkpoint.txt").read_text().split("\n\n")[0] + "\n"
    origin, size, root_b64 = checkpoint.rstrip("\n").split("\n")
    root = base64.b64decode(root_b64)
    cosigners = []
    for name, seed_byte in [("observers.kg/witness-pq", 0x61), ("mirror.example.org/pq", 0x62)]:
        seed = bytes([seed_byte]) * 32
        private = mldsa.MLDSA44PrivateKey.from_seed_bytes(seed)
        public = private.public_key().public_bytes_raw()
        kid = key_id(name, public)
        vkey = f"{name}+{kid.hex()}+{base64.b64encode(bytes([ALG]) + public).decode()}"
        signed = message(name, TIMESTAMP, origin, 0, int(size), root)
        signature = private.sign(signed)
        private.public_key().verify(signature, signed)
        line = base64.b64encode(kid + struct.pack(">Q", TIMESTAMP) + signature).decode()
        cosigners.append({
            "name": name,
            "seed": seed.hex(),
            "key_id": kid.hex(),
            "vkey": vkey,
            "private_key": f"PRIVATE+KEY+{name}+{kid.hex()}+{base64.b64encode(bytes([ALG]) + seed).decode()}",
            "timestamp": TIMESTAMP,
            "message": signed.hex(),
            "signature_line": f"\u2014 {name} {line}",
        })
    vectors = {
        "comment": "ML-DSA-44 (type 0x06) cosignatures of checkpoint.txt over subtree/v1, made by OpenSSL from fixed seeds; tests only, never a real key",
        "checkpoint": checkpoint,
        "cosigners": cosigners,
    }
    (HERE / "cosignature-ml-dsa-44.json").write_text(json.dumps(vectors, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
