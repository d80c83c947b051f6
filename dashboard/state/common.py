"""What every page store shares: the campaign and results database to open (from the
environment or the bundled example), day labels, the transport cells that can be read,
and the small formatting helpers of result tables."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from analysis import campaign as campaign_mod

from .. import example_campaign

CAMPAIGN_ENV = "HPNMR_CAMPAIGN"
STORE_ENV = "HPNMR_STORE"  # optional: results database path (default <campaign>/.hpnmr/)


def default_campaign_dir() -> Path:
    """The campaign to open: ``$HPNMR_CAMPAIGN`` or the bundled example."""
    return Path(os.environ.get(CAMPAIGN_ENV) or example_campaign())


def open_store(campaign_root: str | Path):
    """The campaign's results database: ``$HPNMR_STORE`` when the administrator set one
    (trusted as given), else ``<campaign>/.hpnmr/results.sqlite`` confined to the campaign
    folder (a ``.hpnmr`` or database symlinked out of it raises ``StoreError``)."""
    from analysis.store import ResultsStore, default_path

    explicit = os.environ.get(STORE_ENV)
    if explicit:
        return ResultsStore(explicit)
    return ResultsStore(default_path(campaign_root), root=campaign_root)


def day_value(day: float) -> int | float:
    return int(day) if float(day).is_integer() else day


def readable_transport(camp) -> tuple:
    """``(campaign, refused)``: the campaign keeping only the transport cells whose folder
    can be listed, and one line per cell left out (the folder refused or unreadable), so a
    page shows the other cells and says why one is missing instead of failing.

    Parameters
    ----------
    camp : analysis.campaign.Campaign

    Returns
    -------
    tuple of (analysis.campaign.Campaign, list of str)
        ``camp`` itself when every cell is readable; the lines are plain (untrusted) text.
    """
    from analysis.dataset import ReaderError

    kept, refused = [], []
    for tc in camp.transport_cells:
        try:
            dataclasses.replace(camp, transport_cells=(tc,)).transport_curves()
        except (ReaderError, campaign_mod.CampaignError, OSError) as exc:
            refused.append(f"transport cell {tc.get('id', '?')} left out: {exc}")
            continue
        kept.append(tc)
    if not refused:
        return camp, []
    return dataclasses.replace(camp, transport_cells=tuple(kept)), refused



def ranking_value(row: dict) -> float:
    """The ranking criterion of a kinetics row (rows kept before it existed: AIC)."""
    v = row.get("ic", row.get("aic"))
    return float(v) if v is not None and np.isfinite(v) else np.inf


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
