"""hpnmr analysis core: pure, typed functions on numpy/scipy/nmrglue.

This package never imports panel, holoviews or bokeh. SI units inside (Hz, s, m, K, Ω);
ppm, Å and kHz only at the edges.
"""

__version__ = "0.1.0"
