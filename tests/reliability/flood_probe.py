#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The probes of the flood tests and bench/flood_probe.sh: real TCP connections
# a flooding cell must not be able to hide.
#
#   flood_probe.py server HOST PORT N   accept N connections; from each read
#                                       exactly 1000 bytes, then close first
#                                       (so the last packet of a connection
#                                       travels towards the cell); print
#                                       "listening", then "PORT BYTES" each
#   flood_probe.py client HOST PORT N   N connections, one a second, each in
#                                       its own thread: connect, send 1000
#                                       bytes, wait for the server's close,
#                                       close; print "ok SPORT" or "fail K ERR"
import socket, sys, threading, time

def server(host, port, n):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(64)
    print("listening", flush=True)
    def serve(c, peer):
        got = 0
        c.settimeout(30)
        try:
            while got < 1000:
                b = c.recv(1000 - got)
                if not b:
                    break
                got += len(b)
        finally:
            c.close()
        print(peer[1], got, flush=True)
    threads = []
    for _ in range(n):
        c, peer = ls.accept()
        t = threading.Thread(target=serve, args=(c, peer))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()

def client(host, port, n):
    out, lock = [], threading.Lock()
    def probe(k):
        s = socket.socket()
        s.settimeout(15)
        try:
            s.connect((host, port))
            sport = s.getsockname()[1]
            s.sendall(b"p" * 1000)
            while s.recv(4096):
                pass
            line = "ok %d" % sport
        except OSError as e:
            line = "fail %d %s" % (k, e)
        finally:
            s.close()
        with lock:
            out.append(line)
    threads = []
    t0 = time.monotonic()
    for k in range(n):
        time.sleep(max(0, t0 + k - time.monotonic()))
        t = threading.Thread(target=probe, args=(k,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    print("\n".join(out))

if __name__ == "__main__":
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    {"server": server, "client": client}[mode](host, port, n)
