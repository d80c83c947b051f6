"""Start the dashboard server (``hpnmr serve``)."""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .state import CAMPAIGN_ENV

NUM_THREADS_DEFAULT = 4
INDEX_TEMPLATE = Path(__file__).with_name("templates") / "index.html"
APPS = {"campaign": ("dashboard.campaign_app", "Campaign"),
        "processing": ("dashboard.processing_app", "Processing"),
        "relaxation": ("dashboard.relaxation_app", "Relaxation: T1, T2, diffusion"),
        "pake": ("dashboard.pake_app", "Pake: H–H distances"),
        "evolution": ("dashboard.evolution_app", "Time evolution: H/La and Tc"),
        "transport": ("dashboard.transport_app", "Transport: R(T) and Tc")}


def _factory(module: str):
    def make():
        import importlib

        return importlib.import_module(module).create_app()

    return make


class AccessError(ValueError):
    """A path outside the allowed data roots."""


def check_under_roots(path: str | Path, roots) -> Path:
    """``path`` resolved (symlinks followed) if it lies inside one of ``roots``
    (:func:`analysis.files.check`); else :class:`AccessError`. No roots: everything is
    allowed."""
    from analysis import files

    roots = tuple(roots or ())
    if not roots:
        return Path(path).resolve()
    try:
        return files.check(path, roots)
    except files.ConfinementError:
        raise AccessError(f"{path}: outside the allowed data roots ("
                          f"{', '.join(str(Path(r).resolve()) for r in roots)})") from None


def _exception_handler(exc: BaseException) -> None:
    """Log the full error on the server; users see one line, never a traceback."""
    import logging

    import panel as pn

    from .text import html

    logging.getLogger("hpnmr").error("unhandled error in a session", exc_info=exc)
    notifications = getattr(pn.state, "notifications", None)
    if notifications is not None:  # shown as HTML: the message quotes files and names
        notifications.error(html(f"{type(exc).__name__}: {exc}"[:200]), duration=8000)


def serve(campaign_dir: str | Path, *, address: str = "127.0.0.1", port: int = 5006,
          num_procs: int = 1, show: bool = False, password: str | None = None,
          data_roots=(), cookie_secret: str | None = None,
          secure_cookies: bool | None = None,
          num_threads: int = NUM_THREADS_DEFAULT) -> None:
    """Serve every page for ``campaign_dir`` (blocks until stopped).

    Binds 127.0.0.1 unless ``address`` says otherwise. ``password`` turns on the login
    of :mod:`dashboard.auth` (one shared password, throttled, sessions ended by logout; the
    cookie secret comes from ``cookie_secret``, ``$HPNMR_COOKIE_SECRET`` or is drawn at
    start; ``secure_cookies``, default ``$HPNMR_SECURE_COOKIES``, marks cookies ``Secure``
    for serving behind TLS). ``data_roots`` limits what may be served: the campaign must
    lie inside one of them. With ``num_procs`` > 1 the workers exit with the parent.

    No session blocks another (:func:`run_off_the_event_loop`): Panel callbacks run in
    ``num_threads`` threads and every dataset is read in a reader process with a time and
    memory limit (:mod:`analysis.io.isolated`, ``$HPNMR_READ_TIMEOUT_S``).
    """
    import panel as pn

    root = check_under_roots(campaign_dir, data_roots)
    os.environ[CAMPAIGN_ENV] = str(root)
    pn.config.exception_handler = _exception_handler
    run_off_the_event_loop(num_threads, warm=num_procs == 1)
    auth = {}
    if password:
        from .auth import auth_options

        auth = auth_options(password, cookie_secret=cookie_secret,
                            secure_cookies=secure_cookies)
    if num_procs != 1:
        from .workers import exit_with_parent

        exit_with_parent()
    origins = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    extra = os.environ.get("HPNMR_ALLOW_ORIGIN")  # the public host behind a reverse proxy
    if extra:
        origins += [o.strip() for o in extra.split(",") if o.strip()]
    print(f"hpnmr: serving {root} at http://{address}:{port}/"
          + (" (password required)" if password else ""), flush=True)
    pn.serve(apps(), address=address, port=port, num_procs=num_procs, show=show,
             websocket_origin=origins, start=True, **auth, **serve_options())


class SessionOrderedExecutor(ThreadPoolExecutor):
    """Panel's thread pool (``pn.config.nthreads``), but each session's work runs one task
    at a time, in the order it arrived.

    Panel submits every browser event of a session to its pool on its own; in a plain pool
    a button click can then run before the text typed just before it reaches the server
    (a Save recorded the default author instead of the name typed). Here tasks of one
    document queue behind each other, and different sessions still run side by side.
    Tasks without a document (periodic callbacks) run as in a plain pool.
    """

    def __init__(self, max_workers: int):
        super().__init__(max_workers=max_workers, thread_name_prefix="hpnmr-session")
        self._order_lock = threading.Lock()
        self._waiting: dict[int, deque] = {}  # id(document) → tasks queued behind one

    def submit(self, fn, /, *args, **kwargs) -> Future:
        from bokeh.document import Document

        doc = next((a for a in args if isinstance(a, Document)), None)
        if doc is None:
            return super().submit(fn, *args, **kwargs)
        outer: Future = Future()
        key = id(doc)
        with self._order_lock:
            queue = self._waiting.get(key)
            if queue is not None:  # this session has a task running: wait behind it
                queue.append((outer, fn, args, kwargs))
                return outer
            self._waiting[key] = deque()
        self._start(key, outer, fn, args, kwargs)
        return outer

    def _start(self, key: int, outer: Future, fn, args, kwargs) -> None:
        def run():
            try:
                if outer.set_running_or_notify_cancel():
                    try:
                        outer.set_result(fn(*args, **kwargs))
                    except BaseException as exc:
                        outer.set_exception(exc)
            finally:
                self._next(key)

        super().submit(run)

    def _next(self, key: int) -> None:
        with self._order_lock:
            queue = self._waiting.get(key)
            if not queue:
                self._waiting.pop(key, None)
                return
            item = queue.popleft()
        self._start(key, *item)


def run_off_the_event_loop(num_threads: int = NUM_THREADS_DEFAULT, *,
                           warm: bool = False) -> None:
    """What keeps one session's slow work from blocking the others: Panel callbacks (and
    ``pn.state.onload``, where the pages do their first reads) run in ``num_threads``
    threads, and :func:`analysis.io.read` runs in the reader pool, whose time limit
    bounds how long any thread waits for a file. One session's events keep their order
    (:class:`SessionOrderedExecutor`). ``warm`` starts the pool's first reader
    now, in the background (not with ``--num-procs`` > 1: each forked server process
    starts its own pool on its first read)."""
    import threading

    import panel as pn

    from analysis.io import isolated, set_reader_isolation

    pn.config.nthreads = max(1, int(num_threads))
    pn.state._thread_pool = SessionOrderedExecutor(pn.config.nthreads)
    set_reader_isolation(True)
    if warm:
        threading.Thread(target=isolated.pool().warm, name="hpnmr-reader-warm",
                         daemon=True).start()


def apps() -> dict:
    """Slug → per-session factory of every page."""
    return {slug: _factory(mod) for slug, (mod, _title) in APPS.items()}


def serve_options() -> dict:
    """Options shared by ``hpnmr serve`` and its tests: our own index template at ``/``
    (Panel's default index template is not shipped in its wheel)."""
    import panel as pn

    pn.config.index_titles = {f"/{slug}": title for slug, (_m, title) in APPS.items()}
    return {"title": {slug: title for slug, (_m, title) in APPS.items()},
            "index": str(INDEX_TEMPLATE)}
