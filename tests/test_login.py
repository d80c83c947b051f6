"""The group server's login (issue 14 §5): throttled wrong passwords, a constant-time
compare, SameSite/Secure cookies, and a logout that ends the session on the server."""

from __future__ import annotations

import hmac
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from dashboard import auth

PASSWORD = "s3cret-ü"


# ---------------------------------------------------------------- units


def test_password_check_uses_hmac_compare_digest_on_bytes(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((type(a), type(b), len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    assert auth.check_password(PASSWORD, PASSWORD)
    assert not auth.check_password("s3cret-u", PASSWORD)
    assert not auth.check_password("", PASSWORD)
    assert not auth.check_password(PASSWORD + "x" * 10_000, PASSWORD)
    # bytes of equal length whatever was typed: neither content nor length is compared early
    assert calls == [(bytes, bytes, 32, 32)] * 4


def test_throttle_backs_off_exponentially_caps_resets_and_is_bounded(tmp_path):
    t = auth.LoginThrottle(tmp_path / "a.sqlite", base_s=2.0, cap_s=60.0, free=5,
                           max_clients=3)
    now = 1000.0
    for _ in range(4):
        assert t.record_failure("a", now) == 0.0
    assert t.retry_after("a", now) == 0.0
    assert t.record_failure("a", now) == 2.0          # 5th failure: wait 2 s
    assert t.retry_after("a", now + 1.5) == pytest.approx(0.5)
    assert t.retry_after("a", now + 2.0) == 0.0
    assert [t.record_failure("a", now) for _ in range(6)] == [4, 8, 16, 32, 60, 60]
    assert t.retry_after("b", now) == 0.0             # per client
    t.record_success("a")
    assert t.retry_after("a", now) == 0.0
    for k, addr in enumerate(("c", "d", "e", "f")):
        t.record_failure(addr, now + k)
    assert len(t) == 3                                # the least recently seen, "c", went
    assert t.retry_after("c", now) == 0.0 and t.record_failure("c", now) == 0.0


def test_sessions_end_at_logout_and_expire(tmp_path):
    s = auth.SessionStore(tmp_path / "a.sqlite", max_age_s=100.0)
    sid = s.create(now=0.0)
    other = s.create(now=0.0)
    assert s.valid(sid, now=50.0) and not s.valid(sid + "x", now=50.0)
    s.revoke(sid)
    assert not s.valid(sid, now=50.0) and s.valid(other, now=50.0)
    assert not s.valid(other, now=101.0)


class _Req:
    def __init__(self, peer, xff=None):
        self.remote_ip = peer
        self.headers = {"X-Forwarded-For": xff} if xff else {}


class _Handler:
    def __init__(self, peer, xff=None):
        self.request = _Req(peer, xff)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(monkeypatch):
    monkeypatch.delenv(auth.PROXY_ENV, raising=False)
    assert auth.client_address(_Handler("10.1.1.1", "6.6.6.6")) == "10.1.1.1"
    monkeypatch.setenv(auth.PROXY_ENV, "127.0.0.1, 10.0.0.9")
    assert auth.client_address(_Handler("10.1.1.1", "6.6.6.6")) == "10.1.1.1"
    assert auth.client_address(_Handler("127.0.0.1", "6.6.6.6, 8.8.8.8, 10.0.0.9")) == \
        "8.8.8.8"
    assert auth.client_address(_Handler("127.0.0.1")) == "127.0.0.1"


def test_ipv6_clients_are_counted_by_their_64_block(monkeypatch, tmp_path):
    """A client holding a /64 (every home line does) could try 5 passwords from each of its
    2⁶⁴ addresses: the throttle counts the block."""
    monkeypatch.delenv(auth.PROXY_ENV, raising=False)
    a = auth.client_address(_Handler("2001:db8:1:2::1"))
    b = auth.client_address(_Handler("2001:db8:1:2:ffff:1234:5:6"))
    assert a == b == "2001:db8:1:2::/64"
    assert auth.client_address(_Handler("2001:db8:1:3::1")) != a
    assert auth.client_address(_Handler("::ffff:10.1.1.1")) == "10.1.1.1"
    throttle = auth.LoginThrottle(tmp_path / "auth.sqlite", free=2, base_s=60)
    for host in ("::1:1", "::1:2", "::1:3"):
        throttle.record_failure(auth.throttle_key(f"2001:db8:1:2{host}"))
    assert throttle.retry_after(auth.client_address(_Handler("2001:db8:1:2::99"))) > 0


# ---------------------------------------------------------------- a real server


def _start(example, port, *extra, **env):
    env = dict(os.environ, HPNMR_PASSWORD=PASSWORD, **env)
    log = tempfile.TemporaryFile()  # noqa: SIM115 — open as long as the server runs
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                             "--port", str(port), *extra], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"hpnmr serve exited: {log.read().decode()[-2000:]}")
        try:
            _request(port, "GET", "/login")
            return proc
        except OSError:
            time.sleep(0.3)
    _stop(proc)
    pytest.fail("hpnmr serve did not answer within 60 s")


def _stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def _request(port, method, path, *, body=None, headers=None):
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        con.request(method, path, body=body, headers=headers or {})
        r = con.getresponse()
        r.read()
        return r.status, r.headers
    finally:
        con.close()


def _login(port, password, client, cookies=None):
    body = urllib.parse.urlencode({"username": "ana", "password": password})
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Forwarded-For": client}
    return _request(port, "POST", "/login", body=body, headers=headers)


def _cookies(headers) -> dict:
    jar = SimpleCookie()
    for h in headers.get_all("Set-Cookie") or []:
        jar.load(h)
    return {k: m.value for k, m in jar.items() if m.value}


def _cookie_header(cookies: dict) -> dict:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


@pytest.fixture(scope="module")
def server(example):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # fast back-off for the test: 0.5 s, doubling, at most 3 s; each test its own client
    proc = _start(example, port, HPNMR_LOGIN_BACKOFF_S="0.5", HPNMR_LOGIN_BACKOFF_MAX_S="3",
                  HPNMR_TRUSTED_PROXY="127.0.0.1")
    yield port
    _stop(proc)


def test_wrong_passwords_are_throttled_then_the_right_one_works(server):
    answers = [_login(server, f"guess{i}", "10.0.0.1") for i in range(20)]
    statuses = [s for s, _h in answers]
    assert statuses[:5] == [302] * 5                       # refused, but checked
    assert statuses[5:] == [429] * 15
    waits = [int(h["Retry-After"]) for _s, h in answers[5:]]
    assert waits == sorted(waits) and waits[0] == 1 and waits[-1] == 3, waits
    status, headers = _login(server, PASSWORD, "10.0.0.1")   # throttled: even the right one
    assert status == 429 and not _cookies(headers)
    assert _login(server, PASSWORD, "10.0.0.2")[0] == 302     # another client is not
    time.sleep(int(headers["Retry-After"]) + 0.2)
    status, headers = _login(server, PASSWORD, "10.0.0.1")
    assert status == 302 and auth.SESSION_COOKIE in _cookies(headers)
    assert _login(server, "wrong", "10.0.0.1")[0] == 302      # success reset the count


def test_login_cookies_are_samesite_lax(server):
    status, headers = _login(server, PASSWORD, "10.0.0.3")
    assert status == 302
    set_cookies = headers.get_all("Set-Cookie")
    assert {"user", auth.SESSION_COOKIE} <= set(_cookies(headers))
    assert all("samesite=lax" in c.lower() for c in set_cookies), set_cookies
    assert not any("secure" in c.lower().split("; ") for c in set_cookies)


def test_logout_ends_the_session_for_the_old_cookie(server):
    status, headers = _login(server, PASSWORD, "10.0.0.4")
    assert status == 302
    old = _cookie_header(_cookies(headers))
    assert _request(server, "GET", "/", headers=old)[0] == 200
    assert _request(server, "GET", "/logout", headers=old)[0] == 200
    status, headers = _request(server, "GET", "/", headers=old)   # a copy of the cookie
    assert status == 302 and "/login" in headers["Location"]


def test_secure_cookies_option(example, free_port):
    state_dirs = set(Path(tempfile.gettempdir()).glob("hpnmr-auth-*"))
    proc = _start(example, free_port, "--secure-cookies")
    try:
        status, headers = _login(free_port, PASSWORD, "x")
        assert status == 302
        set_cookies = headers.get_all("Set-Cookie")
        assert set_cookies and all("secure" in c.lower().split("; ") for c in set_cookies)
    finally:
        _stop(proc)
    # the sessions' folder goes with the server (stopped by SIGTERM, as systemd does)
    assert set(Path(tempfile.gettempdir()).glob("hpnmr-auth-*")) <= state_dirs
