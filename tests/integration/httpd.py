#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A small real HTTP server for the lab's GPU hosts until llmsim serves them:
# GET / answers with the host's name; GET /stream?secs=N&hz=H sends one
# chunk per tick for N seconds (a long-lived streaming connection, as a token
# stream is); GET /metrics serves METRICS_FILE as it is at that moment (tests
# rewrite it to change what the server reports).
# Usage: httpd.py ADDRESS PORT NAME [METRICS_FILE]
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/stream":
            return self.stream(parse_qs(url.query))
        if url.path == "/metrics" and self.server.metrics:
            return self.metrics()
        body = (self.server.name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def metrics(self):
        try:
            with open(self.server.metrics, "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(503)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream(self, q):
        secs = float(q.get("secs", ["5"])[0])
        hz = float(q.get("hz", ["10"])[0])
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        n = int(secs * hz)
        for i in range(n):
            line = ("%s %d/%d\n" % (self.server.name, i + 1, n)).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
            time.sleep(1.0 / hz)
        self.wfile.write(b"0\r\n\r\n")


def main():
    addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # Labs open hundreds of streams at once: more than the default backlog of 5.
    ThreadingHTTPServer.request_queue_size = 256
    srv = ThreadingHTTPServer((addr, port), Handler)
    srv.daemon_threads = True
    srv.name = name
    srv.metrics = sys.argv[4] if len(sys.argv) > 4 else None
    srv.serve_forever()


if __name__ == "__main__":
    main()
