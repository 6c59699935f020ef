#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write replay frames (bpf/replay_frame.h) from one-line specs, for the tests.

    frames.py OUT SPEC...      OUT "-" is standard output

Each SPEC is words, key=value pairs after the first:
    v1 src=10.0.0.1:40000 dst=192.0.2.5:443 proto=6 t=1s pkts=1 verdict=1
    v2 kind=opened|closed src=... dst=... proto=6 t=1s last=2s verdict=0
       close=1 opkts=1 obytes=60 rpkts=0 rbytes=0 dir=0
    raw kind=N hex=...          any frame, payload given in hex
Times take an s or ns suffix (default ns); numbers may be 0x.. or 2**64-1 style
Python integers. Records are native-endian like the kernel's; frame headers
little-endian.
"""
import ipaddress
import struct
import sys


def num(text):
    if text.endswith("ns"):
        return int(eval(text[:-2], {}))
    if text.endswith("s"):
        return int(eval(text[:-1], {}) * 10**9)
    return int(eval(text, {}))


def endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    return ipaddress.ip_address(host), int(port)


def frame(kind, payload):
    return struct.pack("<II", kind, len(payload)) + payload


def v1(a):
    src, sport = endpoint(a.get("src", "10.0.0.1:40000"))
    dst, dport = endpoint(a.get("dst", "192.0.2.5:443"))
    rec = struct.pack("=IIHHB3xQQB7x", int(src), int(dst), sport, dport, num(a.get("proto", "6")),
                      num(a.get("pkts", "1")), num(a.get("t", "1s")), num(a.get("verdict", "1")))
    return frame(1, rec)


def v2(a):
    src, sport = endpoint(a.get("src", "10.0.0.1:40000"))
    dst, dport = endpoint(a.get("dst", "192.0.2.5:443"))
    closed = a.get("kind", "opened") == "closed"
    fam = 4 if src.version == 4 else 6
    t = num(a.get("t", "1s"))
    rec = struct.pack("=BBBBBB2xHH4x16s16sQQQQQQ", 2 if closed else 1, fam, num(a.get("proto", "6")),
                      num(a.get("dir", "0")), num(a.get("verdict", "0")),
                      num(a.get("close", "1" if closed else "0")), sport, dport,
                      src.packed.ljust(16, b"\0"), dst.packed.ljust(16, b"\0"),
                      num(a.get("opkts", "1")), num(a.get("obytes", "60")), num(a.get("rpkts", "0")),
                      num(a.get("rbytes", "0")), t, num(a.get("last", str(t))))
    return frame(2, rec)


def raw(a):
    return frame(num(a["kind"]), bytes.fromhex(a.get("hex", "")))


def build(spec):
    words = spec.split()
    args = dict(w.split("=", 1) for w in words[1:])
    return {"v1": v1, "v2": v2, "raw": raw}[words[0]](args)


def main():
    data = b"".join(build(s) for s in sys.argv[2:])
    if sys.argv[1] == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(sys.argv[1], "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
