"""hpnmr analysis core: pure, typed functions on numpy/scipy/nmrglue.

This package never imports panel, holoviews or bokeh. SI units inside (Hz, s, m, K, Ω);
ppm, Å and kHz only at the edges.
"""

#: The package version, in this one place: the wheel's metadata reads it from here
#: (``[tool.hatch.version]`` in pyproject.toml), ``hpnmr --version`` prints it.
__version__ = "0.1.0"
