#!/usr/bin/python3
"""accordd over TLS, as a client sees it: HTTPS and WSS with a self-signed certificate made here
by openssl, against a redis-server of its own on a free loopback port. Also that a client that
does not trust the certificate, plain HTTP and TLS 1.1 get nowhere, and that --tls-cert without
--tls-key stops the start.

usage: tls_test.py ACCORDD ACCORDCTL SOURCE_DIR"""
import base64
import ctypes
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

accordd, accordctl, src = sys.argv[1:4]
PREFIX = "tls"
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print(f"ok: {name}")
    else:
        failures += 1
        print(f"FAIL: {name}" + (f" ({detail})" if detail else ""))
    return ok


def die_with_parent():
    """In the child, before exec: SIGKILL when this script dies, even by SIGKILL (a CTest
    timeout), so no server outlives the test."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def spawn(args, log_path):
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                preexec_fn=die_with_parent)
    finally:
        log.close()


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_query(port, command):
    """One RESP command on a fresh connection; the raw reply, or b"" if there is none."""
    request = f"*{len(command)}\r\n".encode()
    for word in command:
        request += f"${len(word)}\r\n{word}\r\n".encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(request)
            reply = s.recv(65536)
            if reply.startswith(b"$"):  # a bulk string: read all of it
                header, _, rest = reply.partition(b"\r\n")
                want = int(header[1:]) + 2
                while len(rest) < want:
                    more = s.recv(65536)
                    if not more:
                        break
                    rest += more
                reply = header + b"\r\n" + rest
            return reply
    except OSError:
        return b""


def start_redis(tmp):
    """redis-server on a free port, ready once it answers PING as the process started here (not
    another test's server that took the port first). Retries when the port was taken."""
    for _ in range(5):
        port = free_port()
        proc = spawn(["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
                      "--dir", tmp, "--save", "", "--appendonly", "no", "--daemonize", "no",
                      "--loglevel", "warning", "--logfile", os.path.join(tmp, "redis.log")],
                     os.path.join(tmp, "redis.out"))
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            ours = f"\nprocess_id:{proc.pid}\r\n".encode()
            if (redis_query(port, ["PING"]) == b"+PONG\r\n" and
                    ours in redis_query(port, ["INFO", "server"])):
                return proc, port
            time.sleep(0.02)
        if proc.poll() is None:
            stop(proc)
            raise RuntimeError("redis-server did not answer PING within 10 s: " +
                               read_text(os.path.join(tmp, "redis.log"))[-500:])
    raise RuntimeError("redis-server exited at start 5 times: " +
                       read_text(os.path.join(tmp, "redis.log"))[-500:])


def add_user(redis_url, name, role):
    r = subprocess.run([accordctl, "user", "add", name, "--role", role, "--redis", redis_url,
                        "--prefix", PREFIX], capture_output=True, text=True, timeout=10)
    token = r.stdout.split("\n")[0]
    if r.returncode != 0 or not token.startswith("acc_"):
        raise RuntimeError(f"accordctl user add {name}: exit {r.returncode}: {r.stderr}")
    return token


def serving_port(log):
    """The port of the log line '... serving https://127.0.0.1:PORT/api/v1', or 0."""
    for line in log.splitlines():
        try:
            msg = json.loads(line).get("msg", "")
        except (ValueError, AttributeError):
            continue
        marker = "serving https://127.0.0.1:"
        if marker in msg:
            digits = msg.split(marker, 1)[1].split("/", 1)[0]
            if digits.isdigit():
                return int(digits)
    return 0


def start_accordd(tmp, redis_url, cert, key, trusting):
    """accordd on a port of its choosing (--listen 127.0.0.1:0: no race for the port), read from
    its log, and ready once HTTPS GET /healthz answers 200."""
    log_path = os.path.join(tmp, "accordd.log")
    proc = spawn([accordd, "--listen", "127.0.0.1:0", "--redis", redis_url, "--prefix", PREFIX,
                  "--workflows", os.path.join(src, "workflows"), "--tls-cert", cert,
                  "--tls-key", key], log_path)
    deadline = time.monotonic() + 10
    port = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"accordd ended at start (exit {proc.returncode}); log:\n" +
                               read_text(log_path))
        port = port or serving_port(read_text(log_path))
        if port:
            try:
                conn = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return proc, port
                conn.close()
            except (OSError, http.client.HTTPException):
                pass
        time.sleep(0.02)
    raise RuntimeError("accordd did not answer HTTPS GET /healthz with 200 within 10 s; log:\n" +
                       read_text(log_path))


def recv_exact(sock, n, buffer):
    while len(buffer) < n:
        more = sock.recv(65536)
        if not more:
            raise ConnectionError(f"connection closed with {len(buffer)} of {n} bytes read")
        buffer += more
    return bytes(buffer[:n]), buffer[n:]


def read_frame(sock, buffer):
    """One WebSocket frame: (fin, opcode, masked, payload, rest of the buffer)."""
    head, buffer = recv_exact(sock, 2, buffer)
    fin, opcode, masked, length = head[0] >> 7, head[0] & 0x0F, head[1] >> 7, head[1] & 0x7F
    if length == 126:
        raw, buffer = recv_exact(sock, 2, buffer)
        length = int.from_bytes(raw, "big")
    elif length == 127:
        raw, buffer = recv_exact(sock, 8, buffer)
        length = int.from_bytes(raw, "big")
    mask = b""
    if masked:
        mask, buffer = recv_exact(sock, 4, buffer)
    payload, buffer = recv_exact(sock, length, buffer)
    if masked:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return fin, opcode, masked, payload, buffer


def masked_frame(opcode, payload):
    mask = os.urandom(4)
    assert len(payload) < 126
    return (bytes([0x80 | opcode, 0x80 | len(payload)]) + mask +
            bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def json_body(response):
    body = response.read()
    try:
        return json.loads(body)
    except ValueError:
        return body


def media_type(response):
    return (response.getheader("Content-Type") or "").split(";")[0].strip()


def checks(port, cert, key, officer, admin, redis_url, tmp):
    trusting = ssl.create_default_context(cafile=cert)

    # HTTPS with a client that trusts the certificate, and a recent protocol.
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=10)
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    body = json_body(r)
    check("HTTPS GET /healthz is 200 {\"status\": \"ok\"} with the certificate trusted",
          r.status == 200 and body == {"status": "ok"}, f"{r.status} {body!r}")
    version = conn.sock.version() if conn.sock else None
    check("the negotiated protocol is TLS 1.2 or newer", version in ("TLSv1.2", "TLSv1.3"),
          f"negotiated {version}")
    conn.close()

    # Authenticated requests.
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=10)
    conn.request("GET", "/api/v1/tasks?mine=1", headers={"Authorization": f"Bearer {officer}"})
    r = conn.getresponse()
    body = json_body(r)
    check("GET /api/v1/tasks?mine=1 with a Bearer token is 200 JSON with an items list",
          r.status == 200 and media_type(r) == "application/json" and isinstance(body, dict)
          and isinstance(body.get("items"), list), f"{r.status} {media_type(r)} {body!r}")
    conn.request("GET", "/api/v1/tasks?mine=1")
    r = conn.getresponse()
    body = json_body(r)
    check("the same without a token is 401 application/problem+json",
          r.status == 401 and media_type(r) == "application/problem+json", f"{r.status} "
          f"{media_type(r)} {body!r}")
    conn.request("GET", "/api/v1/admin/users", headers={"Authorization": f"Bearer {admin}"})
    r = conn.getresponse()
    body = json_body(r)
    names = sorted(u.get("name") for u in body.get("items", [])) if isinstance(body, dict) else []
    check("GET /api/v1/admin/users as the admin is 200 and lists both users",
          r.status == 200 and names == ["adam", "olga"], f"{r.status} {body!r}")
    conn.close()

    # A write, then a second request on the same kept-alive connection.
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=10)
    start = {"workflow": "mou_proposal", "data": {"partner": {"name": "TLS University"}}}
    conn.request("POST", "/api/v1/instances", body=json.dumps(start),
                 headers={"Authorization": f"Bearer {officer}",
                          "Content-Type": "application/json"})
    r = conn.getresponse()
    body = json_body(r)
    instance = body.get("id", "") if isinstance(body, dict) else ""
    check("POST /api/v1/instances over TLS as the officer is 201 with the new instance's id",
          r.status == 201 and instance.startswith("mou_proposal-"), f"{r.status} {body!r}")
    first_socket = conn.sock
    conn.request("GET", f"/api/v1/instances/{instance}",
                 headers={"Authorization": f"Bearer {officer}"})
    r = conn.getresponse()
    body = json_body(r)
    check("a second request on the same kept-alive TLS connection reads the instance back",
          first_socket is not None and conn.sock is first_socket and r.status == 200 and
          isinstance(body, dict) and body.get("id") == instance,
          f"same socket: {first_socket is not None and conn.sock is first_socket}, "
          f"{r.status} {body!r}")
    conn.close()

    # A client that does not trust the certificate.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ssl.create_default_context().wrap_socket(raw, server_hostname="localhost"):
                pass
        check("a client that does not trust the certificate fails the handshake", False,
              "the handshake succeeded")
    except ssl.SSLCertVerificationError as e:
        check("a client that does not trust the certificate fails the handshake "
              f"({e.verify_message})", True)
    except OSError as e:
        check("a client that does not trust the certificate fails the handshake", False,
              f"{type(e).__name__}: {e}, not a certificate verification error")

    # Plain HTTP to the TLS port: no HTTP response, ever.
    received = b""
    closed = False
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            while len(received) < 4096:
                more = raw.recv(4096)
                if not more:
                    closed = True
                    break
                received += more
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
    check("plain HTTP to the TLS port gets no HTTP response and the connection is closed",
          closed and not received.startswith(b"HTTP/"),
          f"closed: {closed}, received {received[:80]!r}")

    # TLS 1.2 alone and TLS 1.3 alone are both served.
    for name, tls_version in (("1.2", ssl.TLSVersion.TLSv1_2), ("1.3", ssl.TLSVersion.TLSv1_3)):
        ctx = ssl.create_default_context(cafile=cert)
        ctx.minimum_version = ctx.maximum_version = tls_version
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    got = tls.version()
            check(f"a TLS {name}-only client is served", got == f"TLSv{name}", f"got {got}")
        except OSError as e:
            check(f"a TLS {name}-only client is served", False, f"{type(e).__name__}: {e}")

    # TLS 1.1 and older: refused by the server. Only where this client can offer them at all
    # (SECLEVEL 0 lets OpenSSL 3 do so); where it cannot, there is nothing to ask the server.
    old = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            old = ssl.create_default_context(cafile=cert)
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
            old.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError, AttributeError):
            old = None
    if old is not None:
        outcome = None
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with old.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    outcome = f"served over {tls.version()}"
        except ssl.SSLError as e:
            outcome = e
        except OSError as e:  # reset or closed by the server: refused too
            outcome = e
        if isinstance(outcome, ssl.SSLError) and outcome.reason == "NO_PROTOCOLS_AVAILABLE":
            pass  # this OpenSSL would not offer TLS 1.1 after all: not the server's doing
        else:
            check("a TLS 1.0/1.1-only client is refused",
                  isinstance(outcome, OSError),
                  outcome if isinstance(outcome, str) else repr(outcome))
            if isinstance(outcome, ssl.SSLError):
                check("with a protocol-version refusal from the server",
                      outcome.reason in ("TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL",
                                         "WRONG_SSL_VERSION", "VERSION_TOO_LOW"),
                      f"reason {outcome.reason}: {outcome}")

    # The feed over WSS: the upgrade by hand, then the first message, then a close.
    key64 = base64.b64encode(os.urandom(16)).decode()
    expected_accept = base64.b64encode(hashlib.sha1(
        (key64 + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with trusting.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall((f"GET /api/v1/feed?token={officer} HTTP/1.1\r\n"
                             f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key64}\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n").encode())
                buffer = b""
                while b"\r\n\r\n" not in buffer:
                    more = tls.recv(65536)
                    if not more:
                        break
                    buffer += more
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip()
                           for k, _, v in (line.partition(":") for line in lines[1:])}
                ok = check("the WSS upgrade to /api/v1/feed is 101 with the right "
                           "Sec-WebSocket-Accept",
                           lines[0].startswith("HTTP/1.1 101") and
                           headers.get("upgrade", "").lower() == "websocket" and
                           headers.get("sec-websocket-accept") == expected_accept,
                           f"{lines[0]!r}, accept {headers.get('sec-websocket-accept')!r}, "
                           f"expected {expected_accept!r}")
                if ok:
                    fin, opcode, masked, payload, buffer = read_frame(tls, buffer)
                    while opcode in (0x9, 0xA):  # a ping or pong first: not what is asked
                        fin, opcode, masked, payload, buffer = read_frame(tls, buffer)
                    try:
                        message = json.loads(payload)
                    except ValueError:
                        message = None
                    check("the first frame is an unmasked, whole text frame",
                          fin == 1 and opcode == 0x1 and masked == 0,
                          f"fin {fin}, opcode {opcode}, masked {masked}")
                    check("it is a JSON snapshot with a cursor",
                          isinstance(message, dict) and message.get("type") == "snapshot" and
                          isinstance(message.get("cursor"), str) and message["cursor"] != "",
                          repr(payload[:200]))
                    items = message.get("items") if isinstance(message, dict) else None
                    check("the snapshot lists the draft task of the instance started over TLS",
                          isinstance(items, list) and any(
                              isinstance(t, dict) and str(t.get("id", "")).startswith(
                                  instance + ".") for t in items),
                          repr(payload[:300]))
                    tls.sendall(masked_frame(0x8, (1000).to_bytes(2, "big")))
                    while True:
                        fin, opcode, masked, payload, buffer = read_frame(tls, buffer)
                        if opcode == 0x8:
                            break
                    check("a masked close frame is answered by the server's close frame (1000)",
                          payload[:2] == (1000).to_bytes(2, "big"), repr(payload))
    except OSError as e:  # ConnectionError from recv_exact too
        check("the feed over WSS", False, f"{type(e).__name__}: {e}")

    # Half a TLS configuration stops the start, before anything is served.
    for given, flag in (("--tls-cert", cert), ("--tls-key", key)):
        try:
            r = subprocess.run([accordd, "--listen", "127.0.0.1:0", "--redis", redis_url,
                                "--prefix", PREFIX, "--workflows", os.path.join(src, "workflows"),
                                given, flag], capture_output=True, text=True, timeout=10)
            check(f"accordd with {given} alone exits non-zero, naming --tls-cert and --tls-key, "
                  "without serving",
                  r.returncode != 0 and "--tls-cert" in r.stderr and "--tls-key" in r.stderr and
                  "serving" not in r.stderr + r.stdout,
                  f"exit {r.returncode}, stderr {r.stderr[:200]!r}")
        except subprocess.TimeoutExpired:
            check(f"accordd with {given} alone exits non-zero", False, "still running after 10 s")

    def refused_start(what, tls_cert, tls_key, says):
        """accordd given this certificate and key must stop at its start, with `says` on stderr."""
        name = f"accordd with {what} exits non-zero, saying so"
        try:
            r = subprocess.run([accordd, "--listen", "127.0.0.1:0", "--redis", redis_url,
                                "--prefix", PREFIX, "--workflows", os.path.join(src, "workflows"),
                                "--tls-cert", tls_cert, "--tls-key", tls_key],
                               capture_output=True, text=True, timeout=10)
            check(name, r.returncode != 0 and says in r.stderr and
                  "serving" not in r.stderr + r.stdout,
                  f"exit {r.returncode}, stderr {r.stderr[-300:]!r}")
        except subprocess.TimeoutExpired:
            check(name, False, "still running after 10 s")

    # A certificate file that is not there: the start stops too, saying why.
    refused_start("a certificate file that does not exist",
                  os.path.join(tmp, "no-such-cert.pem"), key, "TLS certificate or key")
    # A key that is not the certificate's: refused at the start, not at every handshake.
    other_cert, other_key = os.path.join(tmp, "other-cert.pem"), os.path.join(tmp, "other-key.pem")
    make_certificate(other_cert, other_key)
    refused_start("a key that does not match the certificate", cert, other_key,
                  "key values mismatch")


def make_certificate(cert, key):
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl req: exit {r.returncode}: {r.stderr}")


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the cleanup below
    tmp = tempfile.mkdtemp(prefix="accord-tls-")
    redis = server = None
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        make_certificate(cert, key)
        redis, redis_port = start_redis(tmp)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        officer = add_user(redis_url, "olga", "officer")
        admin = add_user(redis_url, "adam", "admin")
        server, port = start_accordd(tmp, redis_url, cert, key,
                                     ssl.create_default_context(cafile=cert))
        checks(port, cert, key, officer, admin, redis_url, tmp)
        server.terminate()
        try:
            code = server.wait(timeout=6)
            check("accordd serving TLS stops on SIGTERM with exit 0", code == 0, f"exit {code}")
        except subprocess.TimeoutExpired:
            check("accordd serving TLS stops on SIGTERM with exit 0", False,
                  "still running 6 s after SIGTERM")
    except Exception as e:  # a set-up step failed, or a check raised
        check("the test ran to its end", False, f"{type(e).__name__}: {e}")
    finally:
        stop(server)
        stop(redis)
        if failures and os.path.exists(os.path.join(tmp, "accordd.log")):
            print("accordd log (its end):\n" + read_text(os.path.join(tmp, "accordd.log"))[-2000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
