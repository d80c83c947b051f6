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


def serve(campaign_dir: str | Path, *, address: str = "127.0.0.1", port: int = 5006,
          num_procs: int = 1, show: bool = False) -> None:
    """Serve every page for ``campaign_dir`` (blocks until stopped)."""
    import panel as pn

    os.environ[CAMPAIGN_ENV] = str(Path(campaign_dir).resolve())
    print(f"hpnmr: serving {campaign_dir} at http://{address}:{port}/", flush=True)
    pn.serve(apps(), address=address, port=port, num_procs=num_procs, show=show,
             websocket_origin=[f"{address}:{port}", f"localhost:{port}",
                               f"127.0.0.1:{port}"],
             start=True, **serve_options())


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
