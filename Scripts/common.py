"""What the Python scripts share: a free loopback port (for what cannot take port 0 and say
which it got: nginx, PostgreSQL) and waiting for a server's /health."""
import http.client
import socket
import time


def free_port():
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(url, seconds=120):
    """Returns once GET url/health answers 200; exits naming the server after `seconds`."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=1)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"a server did not answer in {seconds} s: {url}")
