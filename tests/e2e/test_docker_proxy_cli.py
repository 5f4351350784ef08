"""`dagrun docker-proxy`'s flags through the real binary: the TCP listener's
mutual TLS required and wired (a client with docker-up's certificate gets an
HTTP answer, one without a certificate none), the daemon on tcp:// reached
with TLS only, and malformed addresses, ports and paths refused before
anything listens. Needs no Docker daemon: the upstream is a socket that
does not exist, so an answer that arrives is the proxy's own 502."""
import os
import re
import socket
import ssl
import subprocess

from harness import DOCKER_TLS_DIR, HomeTestCase, under_ci, wait_for


class DockerProxyCliTest(HomeTestCase):
    def tls_files(self):
        files = {name: os.path.join(DOCKER_TLS_DIR, name)
                 for name in ("ca.pem", "server-cert.pem", "server-key.pem", "cert.pem", "key.pem")}
        missing = [f for f in files.values() if not os.path.exists(f)]
        if missing:
            if under_ci():
                self.fail("CI runs every test, and tools/docker-up's certificates are missing: %s" % missing)
            self.skipTest("no certificates from tools/docker-up in " + DOCKER_TLS_DIR)
        return files

    def test_usage_errors_are_refused_before_anything_listens(self):
        env = {"DOCKER_CERT_PATH": ""}
        cases = [
            (["--listen", "tcp://127.0.0.1:0"], "needs --tlscacert, --tlscert and --tlskey"),
            (["--listen", "unix:/tmp/x.sock", "--tlscert", "c.pem"], "go with --listen tcp://"),
            (["--listen", "unix:/tmp/x.sock", "--upstream", "tcp://127.0.0.1:2376"], "needs --upstream-cert-path"),
            (["--listen", "unix:/tmp/x.sock", "--upstream-cert-path", "/tmp"], "goes with --upstream tcp://"),
            (["--listen", "tcp://127.0.0.1:99999"], "65535"),
            (["--listen", "tcp://[::1:2376"], "brackets"),
            (["--listen", "unix:relative.sock"], "absolute"),
            (["--listen", "unix:/tmp/x.sock", "--upstream", "tcp://127.0.0.1:0"], "from 1 to 65535"),
            (["--listen", "unix:/tmp/x.sock", "--upstream", "http://127.0.0.1:2375"], "expected unix:/PATH"),
            (["--listen", "tcp://127.0.0.1:0", "--tlscacert", "x" * 5000, "--tlscert", "c", "--tlskey", "k"],
             "--tlscacert must be a path of 1 to 4095 bytes"),
        ]
        for args, fragment in cases:
            with self.subTest(args=" ".join(a[:40] for a in args)):
                r = self.home.run("docker-proxy", *args, env=env, timeout=30)
                self.assertRc(r, 2)
                self.assertIn(fragment, r.err)
        r = self.home.run("docker-proxy", "--listen", "tcp://127.0.0.1:0", "--tlscacert", "/nonexistent/ca.pem",
                          "--tlscert", "/nonexistent/cert.pem", "--tlskey", "/nonexistent/key.pem", timeout=30)
        self.assertRc(r, 1)
        self.assertIn("cannot load the certificate /nonexistent/cert.pem", r.err)

    def test_a_tcp_listener_answers_a_client_with_a_certificate_and_drops_one_without(self):
        f = self.tls_files()
        audit = os.path.join(self.home.root, "audit.jsonl")
        proc = subprocess.Popen(
            [os.environ.get("DAGRUN_BIN", "dagrun"), "--home", self.home.root, "docker-proxy",
             "--listen", "tcp://127.0.0.1:0", "--tlscacert", f["ca.pem"], "--tlscert", f["server-cert.pem"],
             "--tlskey", f["server-key.pem"], "--upstream", "unix:" + os.path.join(self.home.root, "no.sock"),
             "--audit", audit], stderr=subprocess.PIPE, text=True)
        try:
            line = wait_for(lambda: proc.stderr.readline(), timeout=30, what="the proxy to listen")
            m = re.search(r"listening on tcp://127\.0\.0\.1:(\d+)", line)
            self.assertTrue(m, line)
            port = int(m.group(1))

            def ask(with_cert):
                ctx = ssl.create_default_context(cafile=f["ca.pem"])
                if with_cert:
                    ctx.load_cert_chain(f["cert.pem"], f["key.pem"])
                with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                    try:
                        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                            s.sendall(b"GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n")
                            out = b""
                            while True:
                                chunk = s.recv(4096)
                                if not chunk:
                                    return out
                                out += chunk
                    except (ssl.SSLError, ConnectionError) as e:
                        return repr(e).encode()

            answer = ask(True)
            self.assertTrue(answer.startswith(b"HTTP/1.1 502"), answer)
            self.assertIn(b"cannot reach the Docker daemon", answer)
            self.assertFalse(ask(False).startswith(b"HTTP/"))
            with open(audit) as a:
                text = a.read()
            self.assertIn('"client_cert":"/CN=dagrun client"', text)
            wait_for(lambda: "TLS handshake failed" in open(audit).read(), timeout=10, what="the refused handshake")
        finally:
            proc.terminate()
            rc = proc.wait(timeout=30)
            # What the proxy said after its first line (a sanitizer's report, say).
            self.assertEqual(rc, 0, proc.stderr.read())
