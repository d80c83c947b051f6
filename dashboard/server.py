"""Start the dashboard server (``hpnmr serve``)."""

from __future__ import annotations

import os
from pathlib import Path

from .state import CAMPAIGN_ENV

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
          secure_cookies: bool | None = None) -> None:
    """Serve every page for ``campaign_dir`` (blocks until stopped).

    Binds 127.0.0.1 unless ``address`` says otherwise. ``password`` turns on the login
    of :mod:`dashboard.auth` (one shared password, throttled, sessions ended by logout; the
    cookie secret comes from ``cookie_secret``, ``$HPNMR_COOKIE_SECRET`` or is drawn at
    start; ``secure_cookies``, default ``$HPNMR_SECURE_COOKIES``, marks cookies ``Secure``
    for serving behind TLS). ``data_roots`` limits what may be served: the campaign must
    lie inside one of them. With ``num_procs`` > 1 the workers exit with the parent.
    """
    import panel as pn

    root = check_under_roots(campaign_dir, data_roots)
    os.environ[CAMPAIGN_ENV] = str(root)
    pn.config.exception_handler = _exception_handler
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
