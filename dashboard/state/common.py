"""What every page store shares: the campaign and results database to open (from the
environment or the bundled example), day labels, the transport cells that can be read,
and the small formatting helpers of result tables."""

from __future__ import annotations

import os
from pathlib import Path

from analysis.campaign import readable_transport
from analysis.evolution import ranking_value
from analysis.store import STORE_ENV, open_store

from .. import example_campaign

__all__ = ["CAMPAIGN_ENV", "STORE_ENV", "day_value", "default_campaign_dir", "ms_text",
           "open_store", "ranking_value", "readable_transport", "sci_text", "verdict_flag"]

CAMPAIGN_ENV = "HPNMR_CAMPAIGN"


def default_campaign_dir() -> Path:
    """The campaign to open: ``$HPNMR_CAMPAIGN`` or the bundled example."""
    return Path(os.environ.get(CAMPAIGN_ENV) or example_campaign())


def day_value(day: float) -> int | float:
    return int(day) if float(day).is_integer() else day


def verdict_flag(verdict) -> str:
    """A goodness-of-fit verdict (a ``FitVerdict``, or a kinetics row with its
    ``verdict_short``) as a table cell: "ok (χ²_ν = 1.02)", "⚠ poor fit (…)"."""
    if isinstance(verdict, dict):
        return verdict.get("verdict_short") or verdict.get("verdict") or "—"
    return verdict.short


def ms_text(m) -> str:
    from analysis.measure import Measurement

    return str(Measurement(m.value * 1e3, m.stderr * 1e3, "ms"))


def sci_text(value: float, rel: float) -> str:
    from analysis.measure import format_value_error

    return format_value_error(value, value * rel) if rel > 0 else f"{value:.4g}"
