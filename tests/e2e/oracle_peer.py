#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The mixed workload of the conntrack oracle test (test_conntrack_oracle.sh).

  oracle_peer.py serve --timeout S --idle S  (server namespace)
  oracle_peer.py cell-serve --timeout S      (cell namespace: the ingress case)
  oracle_peer.py CASE --dst ADDR [...]       (cell namespace, one case each)
  oracle_peer.py ingress --dst CELL_ADDR     (server namespace: connects to the cell)

Each case uses its own server port (PORTS below), so the comparison can tell
the cases apart. Servers print READY once listening and exit after the
timeout; every socket operation is bounded by a timeout.
"""
import argparse
import socket
import struct
import sys
import threading
import time

PORTS = {
    "tcp_fin": 6001,
    "tcp_rst_cell": 6002,
    "tcp_rst_peer": 6003,
    "ingress": 6004,
    "reuse": 6005,
    "long_lived": 6006,
    "udp_oneway": 6007,
    "udp_reqresp": 6008,
    "udp_frag": 6009,
    "lost_final_ack": 6010,
    "lost_rst": 6011,
    "idle_split": 6012,
}
REUSE_SPORT = 45005
IDLE_S = 5.0  # set by --idle
T = 10.0  # per-operation timeout, seconds


def read_to_eof(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            return n
        n += len(b)


def handle(port, c):
    c.settimeout(T)
    try:
        if port == PORTS["tcp_rst_peer"]:
            c.recv(100)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif port == PORTS["lost_rst"]:
            time.sleep(0.5)  # after the cell's (lost) RST
            c.sendall(b"r" * 1000)
            time.sleep(0.5)  # the cell's second RST arrives meanwhile
        elif port == PORTS["idle_split"]:
            c.recv(100)
            time.sleep(IDLE_S)  # longer than flowrec's --tcp-idle-s: then speak first
            c.sendall(b"s" * 200)
            read_to_eof(c)
        elif port == PORTS["long_lived"]:
            read_to_eof(c)
        else:
            read_to_eof(c)
    except OSError:
        pass
    finally:
        c.close()


def listen_tcp(port, fam=socket.AF_INET6):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", port))
    s.listen(16)
    return s


def accept_loop(s, port):
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(port, c), daemon=True).start()


def udp_loop(s, echo):
    while True:
        try:
            b, peer = s.recvfrom(65536)
        except OSError:
            return
        if echo:
            s.sendto(b, peer)


def serve(a, names):
    for name in names:
        port = PORTS[name]
        if name.startswith("udp"):
            u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            u.bind(("::", port))
            threading.Thread(target=udp_loop, args=(u, name == "udp_reqresp"),
                             daemon=True).start()
        else:
            threading.Thread(target=accept_loop, args=(listen_tcp(port), port),
                             daemon=True).start()
    print("READY", flush=True)
    time.sleep(a.timeout)
    return 0


def connect(dst, port, sport=None):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(T)
    if sport:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("", sport))
    c.connect((dst, port))
    return c


def rst_close(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def fin_exchange(c, nbytes):
    c.sendall(b"x" * nbytes)
    c.shutdown(socket.SHUT_WR)
    read_to_eof(c)
    c.close()


def udp(dst, port, sizes, expect_reply):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(T)
    for n in sizes:
        u.sendto(b"u" * n, (dst, port))
        if expect_reply:
            u.recvfrom(65536)
    u.close()


def run_case(a):
    name, dst = a.case, a.dst
    port = PORTS.get(name)
    if name == "tcp_fin":
        fin_exchange(connect(dst, port), 20000)
    elif name == "tcp_rst_cell":
        c = connect(dst, port)
        c.sendall(b"x" * 1000)
        time.sleep(0.2)
        rst_close(c)
    elif name == "tcp_rst_peer":
        c = connect(dst, port)
        c.sendall(b"x" * 100)
        try:
            read_to_eof(c)
        except OSError:
            pass  # connection reset by the peer
        c.close()
    elif name == "ingress":
        fin_exchange(connect(dst, port), 5000)
    elif name == "reuse":
        for _ in range(2):
            fin_exchange(connect(dst, port, REUSE_SPORT), 3000)
            time.sleep(0.3)
    elif name == "long_lived":
        c = connect(dst, port)
        c.sendall(b"x" * 1000)
        # one byte a second until told to stop (a file appears), then stay open and quiet
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                open(a.stop_file).close()
                break
            except OSError:
                c.sendall(b"k")
                time.sleep(1)
        print("QUIET", flush=True)
        time.sleep(120)
    elif name == "udp_oneway":
        udp(dst, port, [100, 200, 300], False)
    elif name == "udp_reqresp":
        udp(dst, port, [64, 128], True)
    elif name == "udp_frag":
        udp(dst, port, [4000] * a.count, False)
    elif name == "lost_final_ack":
        c = connect(dst, port)
        c.sendall(b"x" * 100)
        c.shutdown(socket.SHUT_WR)  # the peer's FIN follows; our last ACK is dropped once
        read_to_eof(c)
        time.sleep(1.5)  # the peer retransmits its FIN, we ACK again
        c.close()
    elif name == "lost_rst":
        c = connect(dst, port)
        rst_close(c)  # dropped once on the peer's side
        time.sleep(1.5)
    elif name == "idle_split":
        c = connect(dst, port)
        c.sendall(b"x" * 100)
        c.settimeout(T + a.idle)
        got = 0
        while got < 200:  # the server speaks first after its idle wait
            got += len(c.recv(200 - got))
        c.sendall(b"y" * 50)
        c.shutdown(socket.SHUT_WR)
        read_to_eof(c)
        c.close()
    else:
        raise SystemExit(f"unknown case {name}")
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case")
    p.add_argument("--dst")
    p.add_argument("--timeout", type=float, default=90)
    p.add_argument("--count", type=int, default=2)
    p.add_argument("--idle", type=float, default=5)
    p.add_argument("--stop-file")
    a = p.parse_args()
    global IDLE_S
    IDLE_S = a.idle
    if a.case == "serve":
        return serve(a, [n for n in PORTS if n != "ingress"])
    if a.case == "cell-serve":
        return serve(a, ["ingress"])
    return run_case(a)


if __name__ == "__main__":
    sys.exit(main())
