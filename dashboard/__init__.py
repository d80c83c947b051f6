"""hpnmr dashboard: Panel pages on top of the pure :mod:`analysis` core.

``EXAMPLE_CAMPAIGN`` (read as ``dashboard.EXAMPLE_CAMPAIGN``) is :func:`example_campaign`:
the example campaign opened by default, in a checkout or in an installed wheel.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The example campaign of a checkout of the repository (``make demo-data`` writes it).
REPO_EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example"


def example_cache_dir() -> Path:
    """Where an installed hpnmr keeps the example campaign:
    ``$XDG_CACHE_HOME/hpnmr/example-<version>`` (``~/.cache`` when unset or relative)."""
    from analysis import __version__

    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "hpnmr" / f"example-{__version__}"


def example_campaign() -> Path:
    """The example campaign folder: the repository's ``data/example`` when it is there (a
    checkout), else :func:`example_cache_dir`, written on first use by
    :func:`analysis.example_campaign.generate` (a few seconds; the same files, value for
    value, as the repository's — ``tests/test_example_campaign.py``). The wheel does not
    carry the 9 MB of example files, and a copy in the user's cache is writable (the pages
    keep their results database inside the campaign).

    Raises
    ------
    OSError
        When the cache folder cannot be written.
    """
    if (REPO_EXAMPLE / "campaign.toml").is_file():
        return REPO_EXAMPLE
    out = example_cache_dir()
    if not (out / "campaign.toml").is_file():
        _generate(out)
    return out


def _generate(out: Path) -> None:
    """Generate into a fresh folder beside ``out`` and rename it: another process finds
    either no campaign or a whole one (the first rename wins)."""
    import shutil
    import tempfile

    from analysis import example_campaign as example

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        example.generate(tmp)
        try:
            tmp.rename(out)
        except OSError:
            if not (out / "campaign.toml").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def __getattr__(name: str):
    if name == "EXAMPLE_CAMPAIGN":  # looked up when used: generating is not an import's job
        return example_campaign()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
