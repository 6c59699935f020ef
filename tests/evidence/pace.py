#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Copy a replay file to standard output one frame at a time, DELAY seconds apart.

    pace.py FILE DELAY
"""
import struct
import sys
import time

data = open(sys.argv[1], "rb").read()
delay = float(sys.argv[2])
out = sys.stdout.buffer
off = 0
while off < len(data):
    _, length = struct.unpack_from("<II", data, off)
    if off:
        time.sleep(delay)
    out.write(data[off:off + 8 + length])
    out.flush()
    off += 8 + length
