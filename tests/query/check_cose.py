#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An independent check of flowq's signed exports, with Debian's
python3-cryptography and python3-cbor2 (nothing of flowq's code): parse the
COSE_Sign1 (RFC 9052), rebuild the Sig_structure with cbor2, verify the
signature with cryptography (Ed25519, or ECDSA P-256 with r||s turned into
DER).

  check_cose.py verify FILE PUB.pem ALG KID [CBOR]
      FILE verifies with PUB.pem; its protected header is exactly
      {1: ALG, 3: 60, 4: KID} (ALG EdDSA or ES256); with CBOR, the payload
      is byte for byte that --format cbor export.
  check_cose.py tamper FILE PUB.pem FLOWQ
      flips each byte of FILE in turn (XOR 0x01) and shows that both this
      verifier and `FLOWQ verify-export` refuse every copy: exit 9 for a byte
      of the payload or the signature, 9, 10 or 11 anywhere else.
"""
import os
import subprocess
import sys
import tempfile

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

ALGS = {"EdDSA": -8, "ES256": -7}


class Refused(Exception):
    pass


def verify(data, pub):
    """The COSE_Sign1 in data, checked with pub: (protected map, payload)."""
    try:
        item = cbor2.loads(data)
    except Exception as e:  # cbor2 raises several kinds on malformed input
        raise Refused("not CBOR: %s" % e)
    if not isinstance(item, cbor2.CBORTag) or item.tag != 18:
        raise Refused("not tag 18")
    if not isinstance(item.value, list) or len(item.value) != 4:
        raise Refused("not an array of 4")
    protected, unprotected, payload, sig = item.value
    if not isinstance(protected, bytes) or not isinstance(unprotected, dict):
        raise Refused("bad headers")
    if not isinstance(payload, bytes) or not isinstance(sig, bytes):
        raise Refused("payload or signature not a byte string")
    try:
        header = cbor2.loads(protected)
    except Exception as e:
        raise Refused("protected header not CBOR: %s" % e)
    if not isinstance(header, dict):
        raise Refused("protected header not a map")
    # RFC 9052 section 4.4.
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    alg = header.get(1)
    try:
        if alg == -8 and isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, tbs)
        elif alg == -7 and isinstance(pub, ec.EllipticCurvePublicKey) and len(sig) == 64:
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                       int.from_bytes(sig[32:], "big"))
            pub.verify(der, tbs, ec.ECDSA(hashes.SHA256()))
        else:
            raise Refused("alg %r does not fit the key" % alg)
    except InvalidSignature:
        raise Refused("signature does not verify")
    return header, payload


def load_pub(path):
    with open(path, "rb") as f:
        return load_pem_public_key(f.read())


def cmd_verify(path, pub_path, alg, kid, cbor_path=None):
    with open(path, "rb") as f:
        data = f.read()
    header, payload = verify(data, load_pub(pub_path))
    want = {1: ALGS[alg], 3: 60, 4: kid.encode()}
    if header != want:
        sys.exit("FAIL: protected header %r, expected %r" % (header, want))
    # Deterministic encoding of the header (RFC 8949 4.2.1): cbor2's canonical form.
    protected = cbor2.loads(data).value[0]
    if cbor2.dumps(header, canonical=True) != protected:
        sys.exit("FAIL: protected header is not in deterministic encoding")
    if cbor2.loads(data).value[1] != {}:
        sys.exit("FAIL: unprotected header is not empty")
    records = cbor2.loads(payload)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        sys.exit("FAIL: payload is not an array of maps")
    if cbor_path is not None:
        with open(cbor_path, "rb") as f:
            if f.read() != payload:
                sys.exit("FAIL: payload differs from the --format cbor export")
    print("ok: %s %s kid=%s, %d records, verified by python3-cryptography" % (
        os.path.basename(path), alg, kid, len(records)))


def regions(data):
    """(start, end, name) of the payload and signature contents in data."""
    item = cbor2.loads(data)
    payload, sig = item.value[2], item.value[3]
    sig_start = len(data) - len(sig)
    pay_start = data.rfind(payload, 0, sig_start)
    assert pay_start > 0 and data[sig_start:] == sig
    return [(pay_start, pay_start + len(payload), "payload"), (sig_start, len(data), "signature")]


def cmd_tamper(path, pub_path, flowq):
    with open(path, "rb") as f:
        data = f.read()
    pub = load_pub(pub_path)
    verify(data, pub)  # the original verifies
    spans = regions(data)
    counts = {}
    tmp = tempfile.mkdtemp()
    copy = os.path.join(tmp, "tampered.cose")
    try:
        for i in range(len(data)):
            bad = bytearray(data)
            bad[i] ^= 0x01
            where = next((n for s, e, n in spans if s <= i < e), "envelope or header")
            try:
                verify(bytes(bad), pub)
                sys.exit("FAIL: python verifier accepted a flip at byte %d (%s)" % (i, where))
            except Refused:
                pass
            with open(copy, "wb") as f:
                f.write(bad)
            p = subprocess.run([flowq, "verify-export", "--pubkey", pub_path, copy],
                               capture_output=True, text=True)
            allowed = {9} if where in ("payload", "signature") else {9, 10, 11}
            if p.returncode not in allowed or p.stdout or p.stderr.count("\n") != 1:
                sys.exit("FAIL: flip at byte %d (%s): flowq exit %d, stdout %r, stderr %r" % (
                    i, where, p.returncode, p.stdout, p.stderr))
            counts.setdefault(where, {}).setdefault(p.returncode, 0)
            counts[where][p.returncode] += 1
    finally:
        os.unlink(copy) if os.path.exists(copy) else None
        os.rmdir(tmp)
    print("ok: %s: each of %d bytes flipped, refused by both verifiers (flowq exit codes: %s)" % (
        os.path.basename(path), len(data),
        "; ".join("%s %s" % (w, sorted(c.items())) for w, c in sorted(counts.items()))))


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "verify":
        cmd_verify(*sys.argv[2:7])
    elif len(sys.argv) == 5 and sys.argv[1] == "tamper":
        cmd_tamper(*sys.argv[2:5])
    else:
        sys.exit(__doc__)


try:
    main()
except Refused as e:
    sys.exit("FAIL: refused: %s" % e)
