"""One conversion to JSON-ready values for results, sidecars and the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plain(obj):
    """``obj`` with numpy arrays and scalars as Python values, non-finite floats as None,
    tuples as lists and paths as strings (dict keys as strings)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj
