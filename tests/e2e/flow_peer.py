#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Traffic for flowaudit's end-to-end tests and benchmark (no dependencies).

  flow_peer.py serve --tcp-port P --udp-port Q --tcp-conns N --udp-datagrams M
                     [--timeout S]
      Listens on [::]:P/tcp and [::]:Q/udp (IPv4 and IPv6), reads each TCP
      connection to EOF and closes it, counts datagrams. Prints READY once
      listening, and "tcp=N tcp_bytes=B udp=M udp_bytes=U" when done. Exits
      after N connections and M datagrams, or after the timeout (status 3).

  flow_peer.py send --dst ADDR --tcp-port P --udp-port Q --count K
                    --tcp-bytes B --udp-bytes U
      Makes K TCP connections, each sending B bytes then closing cleanly
      (FIN both ways), and K UDP flows, each one datagram of U bytes from its
      own socket (its own source port).

  flow_peer.py flood --dst ADDR --udp-port Q --count N [--payload U]
                     [--first-port F]
      N one-datagram UDP flows as fast as possible, each from a distinct
      source port (ports F.. wrap around 1024..65535 over several source
      sockets bound to the same address). Prints "sent=N seconds=T rate=R".

  flow_peer.py raw --iface IF --count N
      Out of IF (an AF_PACKET socket, so no stack checks the frames): N
      Ethernet frames of a local experimental EtherType (0x88B5, not IP) and
      N frames of EtherType IPv4 whose 10 bytes are too short for an IPv4
      header (truncated). Needs CAP_NET_RAW.

Everything is bounded: counts and a timeout; nothing runs forever.
"""
import argparse
import selectors
import socket
import sys
import time


def serve(a):
    sel = selectors.DefaultSelector()
    tl = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    tl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tl.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    tl.bind(("::", a.tcp_port))
    tl.listen(128)
    tl.setblocking(False)
    us = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    us.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    us.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    us.bind(("::", a.udp_port))
    us.setblocking(False)
    sel.register(tl, selectors.EVENT_READ, "listen")
    sel.register(us, selectors.EVENT_READ, "udp")
    print("READY", flush=True)
    tcp_done = tcp_bytes = udp = udp_bytes = 0
    deadline = time.monotonic() + a.timeout
    while tcp_done < a.tcp_conns or udp < a.udp_datagrams:
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"TIMEOUT tcp={tcp_done} tcp_bytes={tcp_bytes} udp={udp} udp_bytes={udp_bytes}",
                  flush=True)
            return 3
        for key, _ in sel.select(min(left, 1.0)):
            if key.data == "listen":
                c, _ = tl.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
            elif key.data == "udp":
                while True:
                    try:
                        d = us.recv(65536)
                    except BlockingIOError:
                        break
                    udp += 1
                    udp_bytes += len(d)
            else:
                c = key.fileobj
                try:
                    d = c.recv(65536)
                except ConnectionError:
                    d = b""
                if d:
                    tcp_bytes += len(d)
                else:
                    sel.unregister(c)
                    c.close()
                    tcp_done += 1
    print(f"tcp={tcp_done} tcp_bytes={tcp_bytes} udp={udp} udp_bytes={udp_bytes}", flush=True)
    return 0


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send(a):
    fam = family_of(a.dst)
    payload = b"x" * a.tcp_bytes
    for _ in range(a.count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((a.dst, a.tcp_port))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
        s.close()
    # all K sockets stay open until the end, so their source ports (and so
    # their flows) are distinct
    dgram = b"u" * a.udp_bytes
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(a.count)]
    for s in socks:
        s.sendto(dgram, (a.dst, a.udp_port))
    for s in socks:
        s.close()
    return 0


def flood(a):
    fam = family_of(a.dst)
    dgram = b"f" * a.payload
    lo, hi = 1024, 65535
    span = hi - lo + 1
    socks = {}
    sent = 0
    t0 = time.monotonic()
    # one socket per source port, reused across rounds; a round of `span`
    # ports needs a new destination port to keep each 5-tuple distinct
    for i in range(a.count):
        port = lo + (a.first_port - lo + i) % span
        dport = a.udp_port + (a.first_port - lo + i) // span
        s = socks.get(port)
        if s is None:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            try:
                s.bind(("", port))
            except OSError:
                s.close()
                continue
            socks[port] = s
        try:
            s.sendto(dgram, (a.dst, dport))
            sent += 1
        except OSError:
            pass
    dt = time.monotonic() - t0
    for s in socks.values():
        s.close()
    print(f"sent={sent} seconds={dt:.3f} rate={sent / dt:.0f}", flush=True)
    return 0


def raw(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    head = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01"  # broadcast, a local address
    for _ in range(a.count):
        s.send(head + b"\x88\xb5" + b"not ip" * 8)
        s.send(head + b"\x08\x00" + b"\x45" + b"\x00" * 9)
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--tcp-port", type=int, required=True)
    s.add_argument("--udp-port", type=int, required=True)
    s.add_argument("--tcp-conns", type=int, required=True)
    s.add_argument("--udp-datagrams", type=int, required=True)
    s.add_argument("--timeout", type=float, default=60)
    c = sub.add_parser("send")
    c.add_argument("--dst", required=True)
    c.add_argument("--tcp-port", type=int, required=True)
    c.add_argument("--udp-port", type=int, required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--tcp-bytes", type=int, required=True)
    c.add_argument("--udp-bytes", type=int, required=True)
    f = sub.add_parser("flood")
    f.add_argument("--dst", required=True)
    f.add_argument("--udp-port", type=int, required=True)
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--payload", type=int, default=16)
    f.add_argument("--first-port", type=int, default=1024)
    r = sub.add_parser("raw")
    r.add_argument("--iface", required=True)
    r.add_argument("--count", type=int, required=True)
    a = p.parse_args()
    return {"serve": serve, "send": send, "flood": flood, "raw": raw}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
