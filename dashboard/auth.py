"""Login for the group server: one shared password, throttled, compared in constant time,
sessions that logout really ends.

Panel's basic authentication (``panel.auth.BasicAuthProvider``) compares the password with
``==``, answers any number of wrong passwords at full speed, sets cookies without
``SameSite`` and keeps accepting a cookie after ``/logout`` (logout only asks the browser to
forget it). :class:`HpnmrAuthProvider` wraps it:

* **Throttle** (:class:`LoginThrottle`). After :data:`FREE_FAILURES` wrong passwords from one
  client address, every further attempt from it is refused with HTTP 429 and a
  ``Retry-After`` header until ``base · 2**(n - FREE_FAILURES)`` seconds have passed since
  the last attempt (``n`` counts every failed or refused attempt, so hammering only lengthens
  the wait), capped at ``cap``. While throttled even the right password is refused. A
  successful login forgets the address. ``base`` is ``$HPNMR_LOGIN_BACKOFF_S`` (default 1 s),
  ``cap`` ``$HPNMR_LOGIN_BACKOFF_MAX_S`` (default 900 s); the table holds at most
  :data:`MAX_CLIENTS` addresses (the least recently seen are dropped first).
* **Constant-time compare** (:func:`check_password`): ``hmac.compare_digest`` on the SHA-256
  digests of the UTF-8 bytes, so neither content nor length leaks through timing.
* **Cookies**: every cookie the login and logout pages set carries ``SameSite=Lax`` and,
  with ``--secure-cookies`` / ``$HPNMR_SECURE_COOKIES`` (serve behind TLS), ``Secure``.
* **Sessions** (:class:`SessionStore`): each login draws a random session id, kept in a
  signed, HttpOnly cookie; the server keeps only its SHA-256. A request is let in only while
  that id is in the store, and ``/logout`` deletes it, so a copied cookie dies with the
  logout.

Throttle and sessions live in one small SQLite file in a private temporary folder created
when the server starts (mode 0700), so every worker of ``--num-procs N`` shares them; they
do not outlive the server (restarting logs everyone out).

The client address is the socket peer. Only when ``$HPNMR_TRUSTED_PROXY`` lists the peer
(comma-separated addresses of the reverse proxy) is ``X-Forwarded-For`` believed: the
rightmost address in it that is not itself a trusted proxy is the client.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import math
import os
import secrets
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import tornado.escape
from panel.auth import (
    BasicAuthProvider,
    BasicLoginHandler,
    LogoutHandler,
    _validate_next_url,
)
from panel.config import config
from panel.io.resources import CDN_DIST
from panel.io.state import state

from analysis.files import env_number

__all__ = ["FREE_FAILURES", "MAX_CLIENTS", "SESSION_COOKIE", "HpnmrAuthProvider",
           "LoginThrottle", "SessionStore", "auth_options", "check_password",
           "client_address", "env_flag", "throttle_key"]

FREE_FAILURES = 5
MAX_CLIENTS = 4096
SESSION_COOKIE = "hpnmr_session"
BACKOFF_ENV = "HPNMR_LOGIN_BACKOFF_S"
BACKOFF_MAX_ENV = "HPNMR_LOGIN_BACKOFF_MAX_S"
SECURE_ENV = "HPNMR_SECURE_COOKIES"
PROXY_ENV = "HPNMR_TRUSTED_PROXY"


def check_password(given: str, expected: str) -> bool:
    """Whether ``given`` is the shared password, in time independent of both.

    Parameters
    ----------
    given, expected : str
        The typed and the configured password.

    Returns
    -------
    bool
        True when they are equal (compared as SHA-256 digests of their UTF-8 bytes with
        :func:`hmac.compare_digest`).
    """
    a = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    b = hashlib.sha256(expected.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(a, b)


def env_flag(name: str) -> bool:
    """Whether ``$name`` is set to a true value (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def _db(path: Path) -> Iterator[sqlite3.Connection]:
    """One short transaction on the auth database (a fresh connection per call, so forked
    workers and threads never share one)."""
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _init_db(path: Path) -> None:
    with _db(path) as con:
        con.execute("CREATE TABLE IF NOT EXISTS clients (addr TEXT PRIMARY KEY, "
                    "attempts INTEGER NOT NULL, last REAL NOT NULL)")
        con.execute("CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, "
                    "created REAL NOT NULL)")


class LoginThrottle:
    """Exponential back-off of failed logins per client address.

    Parameters
    ----------
    path : Path
        SQLite file shared by every worker (created if missing).
    base_s : float
        Wait after the first throttled attempt, in seconds; doubles with each further one.
    cap_s : float
        Longest wait, in seconds.
    free : int
        Failed attempts allowed before throttling starts.
    max_clients : int
        Addresses remembered at most; the least recently seen are forgotten first.
    """

    def __init__(self, path: Path, *, base_s: float = 1.0, cap_s: float = 900.0,
                 free: int = FREE_FAILURES, max_clients: int = MAX_CLIENTS) -> None:
        self.path, self.base_s, self.cap_s = Path(path), base_s, cap_s
        self.free, self.max_clients = free, max_clients
        _init_db(self.path)

    def wait_s(self, attempts: int) -> float:
        """Seconds an address must wait after ``attempts`` failed or refused attempts."""
        if attempts < self.free:
            return 0.0
        return min(self.cap_s, self.base_s * 2.0 ** min(attempts - self.free, 64))

    def retry_after(self, addr: str, now: float | None = None) -> float:
        """Seconds ``addr`` must still wait before a password is checked (0: go ahead)."""
        now = time.time() if now is None else now
        with _db(self.path) as con:
            row = con.execute("SELECT attempts, last FROM clients WHERE addr = ?",
                              (addr,)).fetchone()
        if row is None:
            return 0.0
        return max(0.0, row[1] + self.wait_s(row[0]) - now)

    def record_failure(self, addr: str, now: float | None = None) -> float:
        """Count one failed (or refused) attempt by ``addr``; returns the wait it now faces,
        in seconds."""
        now = time.time() if now is None else now
        with _db(self.path) as con:
            row = con.execute("SELECT attempts FROM clients WHERE addr = ?",
                              (addr,)).fetchone()
            attempts = (row[0] if row else 0) + 1
            con.execute("INSERT OR REPLACE INTO clients (addr, attempts, last) "
                        "VALUES (?, ?, ?)", (addr, attempts, now))
            if row is None:
                con.execute("DELETE FROM clients WHERE addr IN (SELECT addr FROM clients "
                            "ORDER BY last DESC LIMIT -1 OFFSET ?)", (self.max_clients,))
        return self.wait_s(attempts)

    def record_success(self, addr: str) -> None:
        """Forget ``addr``'s failures after a correct password."""
        with _db(self.path) as con:
            con.execute("DELETE FROM clients WHERE addr = ?", (addr,))

    def __len__(self) -> int:
        with _db(self.path) as con:
            return con.execute("SELECT COUNT(*) FROM clients").fetchone()[0]


class SessionStore:
    """Server-side login sessions: a session id is valid from login until logout or
    ``max_age_s`` seconds.

    Parameters
    ----------
    path : Path
        SQLite file shared by every worker (created if missing).
    max_age_s : float
        Lifetime of a session in seconds (the cookie's lifetime).
    """

    def __init__(self, path: Path, *, max_age_s: float) -> None:
        self.path, self.max_age_s = Path(path), max_age_s
        _init_db(self.path)

    @staticmethod
    def _digest(sid: str) -> str:
        return hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()

    def create(self, now: float | None = None) -> str:
        """A new random session id (256 bits), stored; expired sessions are dropped."""
        now = time.time() if now is None else now
        sid = secrets.token_urlsafe(32)
        with _db(self.path) as con:
            con.execute("DELETE FROM sessions WHERE created < ?", (now - self.max_age_s,))
            con.execute("INSERT INTO sessions (digest, created) VALUES (?, ?)",
                        (self._digest(sid), now))
        return sid

    def valid(self, sid: str, now: float | None = None) -> bool:
        """Whether ``sid`` was created here, is not older than ``max_age_s`` and was not
        revoked."""
        now = time.time() if now is None else now
        with _db(self.path) as con:
            row = con.execute("SELECT created FROM sessions WHERE digest = ?",
                              (self._digest(sid),)).fetchone()
        return row is not None and row[0] >= now - self.max_age_s

    def revoke(self, sid: str) -> None:
        """End session ``sid`` (logout)."""
        with _db(self.path) as con:
            con.execute("DELETE FROM sessions WHERE digest = ?", (self._digest(sid),))


def throttle_key(address: str) -> str:
    """What the throttle counts by: an IPv4 address as it is, an IPv6 address by its /64
    network (one subscriber's block, whose 2⁶⁴ addresses would otherwise each get their
    own free guesses; an IPv4-mapped IPv6 address as the IPv4 address)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(handler) -> str:
    """The client's key for throttling (:func:`throttle_key`) of the socket peer, or — only
    when the peer is listed in ``$HPNMR_TRUSTED_PROXY`` — of the rightmost
    ``X-Forwarded-For`` entry that is not a trusted proxy."""
    peer = handler.request.remote_ip or ""
    trusted = {p.strip() for p in os.environ.get(PROXY_ENV, "").split(",") if p.strip()}
    if peer not in trusted:
        return throttle_key(peer)
    hops = [h.strip() for h in handler.request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if hop not in trusted:
            return throttle_key(hop)
    return throttle_key(peer)


class _CookieMixin:
    """Every cookie set (or cleared) by the handler carries ``SameSite=Lax`` and, when the
    provider asks for it, ``Secure``."""

    _secure_cookies = False

    def set_cookie(self, name, value, *args, **kwargs):
        kwargs.setdefault("samesite", "Lax")
        if self._secure_cookies:
            kwargs.setdefault("secure", True)
        return super().set_cookie(name, value, *args, **kwargs)


class HpnmrLoginHandler(_CookieMixin, BasicLoginHandler):
    """Panel's login page with the throttle, the constant-time check and a session id."""

    _password = ""
    _throttle: LoginThrottle
    _sessions: SessionStore

    def _validate(self, username: str, password: str) -> bool:
        return check_password(password, self._password)

    def post(self) -> None:
        addr = client_address(self)
        wait = self._throttle.retry_after(addr)
        if wait > 0:
            wait = self._throttle.record_failure(addr)
            retry = max(1, math.ceil(wait))
            self.set_status(429)
            self.set_header("Retry-After", str(retry))
            self.write(self._login_template.render(
                login_endpoint=self._login_endpoint, PANEL_CDN=CDN_DIST,
                errormessage=f"Too many failed logins from {addr}; try again in {retry} s."))
            return
        username = self.get_argument("username", "")
        if not self._validate(username, self.get_argument("password", "")):
            self._throttle.record_failure(addr)
            self.redirect(self._login_endpoint + "?error="
                          + tornado.escape.url_escape("Invalid username or password!"))
            return
        self._throttle.record_success(addr)
        user = username or "user"
        self.set_current_user(user)
        self.set_signed_cookie(SESSION_COOKIE, self._sessions.create(),
                               expires_days=config.oauth_expiry, httponly=True,
                               path=config.cookie_path)
        self.redirect(_validate_next_url(self.get_cookie("next_url", state.base_url)) or "/")


class HpnmrLogoutHandler(_CookieMixin, LogoutHandler):
    """Panel's logout page that also ends the session on the server."""

    _sessions: SessionStore

    def get(self) -> None:
        sid = self.get_signed_cookie(SESSION_COOKIE, max_age_days=config.oauth_expiry)
        if sid:
            self._sessions.revoke(sid.decode("utf-8", "replace"))
        self.clear_cookie(SESSION_COOKIE, path=config.cookie_path)
        super().get()


class HpnmrAuthProvider(BasicAuthProvider):
    """Panel's basic auth provider with throttled logins, ``SameSite``/``Secure`` cookies
    and server-side sessions (see the module docstring).

    Parameters
    ----------
    password : str
        The shared password.
    state_dir : Path
        Private folder for the SQLite file of throttle and sessions.
    secure_cookies : bool
        Mark cookies ``Secure`` (only sent over HTTPS: serve behind TLS).
    backoff_s, backoff_max_s : float
        Base and cap of the login back-off, in seconds.
    """

    def __init__(self, password: str, state_dir: Path, *, secure_cookies: bool = False,
                 backoff_s: float = 1.0, backoff_max_s: float = 900.0) -> None:
        db = Path(state_dir) / "auth.sqlite"
        self.password, self.secure_cookies = password, secure_cookies
        self.throttle = LoginThrottle(db, base_s=backoff_s, cap_s=backoff_max_s)
        self.sessions = SessionStore(db, max_age_s=float(config.oauth_expiry) * 86400)
        super().__init__()  # Bokeh's checks read the handlers, which need the above

    @property
    def get_user(self):
        inner = super().get_user

        def get_user(handler):
            sid = handler.get_signed_cookie(SESSION_COOKIE, max_age_days=config.oauth_expiry)
            if not sid or not self.sessions.valid(sid.decode("utf-8", "replace")):
                return None
            return inner(handler)

        return get_user

    @property
    def login_handler(self):
        attrs = {"_login_endpoint": self._login_endpoint,
                 "_login_template": self._login_template, "_password": self.password,
                 "_throttle": self.throttle, "_sessions": self.sessions,
                 "_secure_cookies": self.secure_cookies}
        return type("HpnmrLoginHandler", (HpnmrLoginHandler,), attrs)

    @property
    def logout_handler(self):
        attrs = {"_login_endpoint": self._login_endpoint,
                 "_logout_template": self._logout_template, "_sessions": self.sessions,
                 "_secure_cookies": self.secure_cookies}
        return type("HpnmrLogoutHandler", (HpnmrLogoutHandler,), attrs)


def _exit_cleanly_on_sigterm(owner: int) -> None:
    """Let SIGTERM (systemd's stop) end the serving process through ``sys.exit`` so the
    ``atexit`` clean-up runs; forked workers keep the default action. Left alone when
    someone else already handles SIGTERM or when not on the main thread."""
    def on_term(signum, frame):
        if os.getpid() == owner:
            raise SystemExit(128 + signum)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
        signal.signal(signal.SIGTERM, on_term)


def auth_options(password: str, *, cookie_secret: str | None = None,
                 secure_cookies: bool | None = None) -> dict:
    """Keyword arguments for ``pn.serve`` that require ``password`` through
    :class:`HpnmrAuthProvider`.

    Parameters
    ----------
    password : str
        The shared password.
    cookie_secret : str, optional
        Key that signs the cookies; default ``$HPNMR_COOKIE_SECRET``, else drawn now.
    secure_cookies : bool, optional
        Mark cookies ``Secure``; default ``$HPNMR_SECURE_COOKIES``.

    Returns
    -------
    dict
        ``auth_provider`` and ``cookie_secret``. The provider's state folder is removed
        when the process that created it exits normally.
    """
    import atexit

    secret = cookie_secret or os.environ.get("HPNMR_COOKIE_SECRET") or secrets.token_hex(32)
    config.cookie_secret = secret  # the provider's cookie checks read Panel's config
    if secure_cookies is None:
        secure_cookies = env_flag(SECURE_ENV)
    state_dir = Path(tempfile.mkdtemp(prefix="hpnmr-auth-"))
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner
                    and shutil.rmtree(state_dir, ignore_errors=True))
    _exit_cleanly_on_sigterm(owner)
    provider = HpnmrAuthProvider(password, state_dir, secure_cookies=secure_cookies,
                                 backoff_s=env_number(BACKOFF_ENV, 1.0),
                                 backoff_max_s=env_number(BACKOFF_MAX_ENV, 900.0))
    return {"auth_provider": provider, "cookie_secret": secret}
