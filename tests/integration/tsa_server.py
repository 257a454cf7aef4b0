#!/usr/bin/env python3
"""tsa_server.py: a minimal RFC 3161 TSA over HTTP for the tests.

    tsa_server.py --dir DIR [--port 0]

Prints "port N" on stdout once it listens on 127.0.0.1:N, then serves:
  POST /         the body (a TimeStampReq) piped through scripts/tsa-reply --dir DIR;
                 200 application/timestamp-reply
  POST /garbage  200 with bytes that are no TimeStampResp (a broken proxy)
  POST /slow     the real reply, but after 5 s (longer than the tests' timeout)
  POST /late     the real reply, but after 2 s (a slow TSA that still answers in time)
Anything else: 404. Stops on SIGTERM or when stdin closes.
"""
import argparse
import http.server
import os
import subprocess
import sys
import threading
import time

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "tsa-reply")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/garbage":
                return self.answer(200, b"<html>502 Bad Gateway</html>", "text/html")
            delay = {"/": 0, "/slow": 5, "/late": 2}.get(self.path)
            if delay is None:
                return self.answer(404, b"not found\n", "text/plain")
            time.sleep(delay)
            if self.headers.get("Content-Type") != "application/timestamp-query":
                return self.answer(415, b"expected application/timestamp-query\n", "text/plain")
            r = subprocess.run([SCRIPT, "--dir", args.dir], input=body, capture_output=True)
            if r.returncode != 0:
                sys.stderr.write(r.stderr.decode(errors="replace"))
                return self.answer(500, b"tsa-reply failed\n", "text/plain")
            self.answer(200, r.stdout, "application/timestamp-reply")

        def answer(self, status, body, content_type):
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout)

        def log_message(self, fmt, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("port", server.server_address[1], flush=True)
    # The test holds our stdin: when it goes away, so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
