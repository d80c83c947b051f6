"""hpnmr dashboard: Panel pages on top of the pure :mod:`analysis` core."""

from pathlib import Path

#: The example campaign shipped with the repository (opened by default).
EXAMPLE_CAMPAIGN = Path(__file__).resolve().parents[1] / "data" / "example"
