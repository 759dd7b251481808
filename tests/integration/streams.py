#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Many long HTTP streams from one process (the scale-out lab's client): N
# connections to http://VIP:PORT/stream?secs=S&hz=H (tests/integration/httpd.py),
# each checked chunk by chunk: every chunk "NAME i/n" arrives, in order, from
# the one server that sent the first (a stream moved to another backend would
# be reset by it). Writes STARTED_FILE once every stream has its first chunk,
# then one line per stream and a summary:
#   stream <i> <name> <chunks>/<n> <ok|reset|incomplete|mixed|refused>
#   summary ok=<k> reset=<k> incomplete=<k> mixed=<k> refused=<k>
# Usage: streams.py VIP PORT N SECS HZ STARTED_FILE
import errno
import selectors
import socket
import sys
import time


class Stream:
    def __init__(self, i):
        self.i = i
        self.sock = None
        self.buf = b""
        self.headers = False
        self.name = None
        self.chunks = 0
        self.total = None
        self.status = None  # None while running


def parse(st):
    """Consume what st.buf holds; set st.status when the stream ends."""
    if not st.headers:
        end = st.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        if not st.buf.startswith(b"HTTP/1.1 200"):
            st.status = "refused"
            return
        st.headers = True
        st.buf = st.buf[end + 4:]
    while True:
        crlf = st.buf.find(b"\r\n")
        if crlf < 0:
            return
        size = int(st.buf[:crlf], 16)
        if size == 0:
            st.status = "ok" if st.chunks == st.total else "incomplete"
            return
        if len(st.buf) < crlf + 2 + size + 2:
            return
        line = st.buf[crlf + 2:crlf + 2 + size].decode().split()
        st.buf = st.buf[crlf + 2 + size + 2:]
        name, (i, n) = line[0], map(int, line[1].split("/"))
        if st.name is None:
            st.name, st.total = name, n
        if name != st.name:
            st.status = "mixed"
            return
        if i != st.chunks + 1:
            st.status = "incomplete"
            return
        st.chunks = i


def main():
    vip, port, n, secs, hz, started = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    req = ("GET /stream?secs=%g&hz=%g HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
           % (secs, hz, vip)).encode()
    sel = selectors.DefaultSelector()
    streams = [Stream(i) for i in range(n)]
    # Staggered connects: a burst of SYNs would only overflow listen backlogs.
    for st in streams:
        st.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        st.sock.setblocking(False)
        err = st.sock.connect_ex((vip, port))
        if err not in (0, errno.EINPROGRESS):
            st.status = "refused"
            continue
        sel.register(st.sock, selectors.EVENT_WRITE, st)
        if st.i % 20 == 19:
            time.sleep(0.02)
    deadline = time.time() + secs + 30
    announced = False
    while time.time() < deadline and any(s.status is None for s in streams):
        for key, ev in sel.select(timeout=0.2):
            st = key.data
            try:
                if ev & selectors.EVENT_WRITE:
                    st.sock.send(req)
                    sel.modify(st.sock, selectors.EVENT_READ, st)
                    continue
                data = st.sock.recv(65536)
            except OSError as e:
                st.status = "refused" if not st.headers else "reset"
                sys.stderr.write("stream %d: %s\n" % (st.i, e))
            else:
                if not data:
                    st.status = st.status or "incomplete"
                else:
                    st.buf += data
                    parse(st)
            if st.status is not None:
                sel.unregister(st.sock)
                st.sock.close()
        if not announced and all(s.chunks > 0 or s.status for s in streams):
            with open(started, "w") as f:
                f.write("started\n")
            announced = True
    counts = {"ok": 0, "reset": 0, "incomplete": 0, "mixed": 0, "refused": 0}
    for st in streams:
        status = st.status or "incomplete"
        counts[status] += 1
        print("stream %d %s %d/%s %s" % (st.i, st.name, st.chunks, st.total, status))
    print("summary " + " ".join("%s=%d" % kv for kv in counts.items()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
