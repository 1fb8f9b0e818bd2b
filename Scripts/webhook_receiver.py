"""A department's webhook receiver for the tests: records every POST as a JSON line (event id,
the body, whether the signature matches the secret) and answers 200.

usage: webhook_receiver.py PORT SECRET LOG
"""
import hashlib, hmac, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secret, log = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        line = {"event": self.headers.get("X-CivicGrid-Event"), "signed": hmac.compare_digest(expected, self.headers.get("X-CivicGrid-Signature", "")),
                "body": json.loads(body)}
        with open(log, "a") as f:
            f.write(json.dumps(line) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
