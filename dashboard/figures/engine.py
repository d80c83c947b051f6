"""The figure engine: the dashboard's own HoloViews elements drawn by matplotlib in journal
style, saved with a provenance sidecar. The study's figures are built in
:mod:`dashboard.figures.paper`.

There is no second plotting code path. The elements come from :mod:`dashboard.plots`, as
on the pages, and :func:`to_matplotlib` carries their Bokeh styling over to matplotlib:
colour, line width and dash, marker and size, colour map, axis labels, limits, log axes.

Journal style: single column 3.4 in or double column 7.0 in wide; 8 pt text (7 pt ticks);
text kept as text in PDF (Type 42) and SVG (``svg.fonttype = none``); panel labels (a),
(b), …; PNG at 300 dpi, so a single-column PNG is 1020 px wide. Every figure gets a JSON
sidecar with its provenance (:func:`provenance`).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import sys
import zipfile
from pathlib import Path

import holoviews as hv
import numpy as np

from analysis.jsonsafe import plain

WIDTHS_IN = {"single": 3.4, "double": 7.0}
FORMATS = ("pdf", "svg", "png")
DPI = 300
RC = {"font.size": 8, "axes.labelsize": 8, "axes.titlesize": 8, "xtick.labelsize": 7,
      "ytick.labelsize": 7, "legend.fontsize": 7, "svg.fonttype": "none", "pdf.fonttype": 42,
      "ps.fonttype": 42, "font.family": "DejaVu Sans", "axes.linewidth": 0.6,
      "lines.linewidth": 1.0, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
      "legend.frameon": False, "savefig.dpi": DPI}

#: Bokeh's line width (px) and marker size (px) to matplotlib's (pt; scatter sizes are areas)
LINE_WIDTH_SCALE = 0.7
MARKER_SIZE_SCALE = 0.55
#: error bars' line width (pt) when the element sets none
ERRORBAR_LINE_WIDTH = 0.8
#: text drawn in a panel (annotations, guide labels) and the (a), (b), … panel labels (pt)
TEXT_PT = 7
PANEL_LABEL_PT = 9
#: a panel label's position in axes fractions, right- and bottom-aligned
PANEL_LABEL_XY = (-0.02, 1.02)
#: the default panel height / width
PANEL_ASPECT = 0.75
#: figure margins in figure fractions: the left edge of layouts, the right edge with and
#: without a colour bar, the bottom and top margins of a layout row, the spacing of panels
LEFT_EDGE = {"single": 0.19, "double": 0.09}
RIGHT_EDGE_BAR = {"single": 0.8, "double": 0.9}
RIGHT_EDGE = 0.97
ROW_BOTTOM, ROW_TOP = 0.15, 0.08
HSPACE, VSPACE = 0.45, 0.35
#: the bounds (left, bottom, right, top) of a single panel
SINGLE_BOUNDS = (0.2, 0.15, 0.95, 0.95)
#: axes narrower than this fraction of the widest are colour bars, not panels
COLORBAR_MAX_WIDTH = 0.3

_DASH = {"dashed": "--", "dotted": ":", "solid": "-", "dashdot": "-.", "dotdash": "-."}
_MARKER = {"diamond": "D", "circle": "o", "square": "s", "triangle": "^", "cross": "x"}
_PLOT_KEYS = ("logx", "logy", "xlim", "ylim", "xlabel", "ylabel", "invert_xaxis",
              "invert_yaxis", "colorbar", "clabel", "show_grid", "show_legend")


def _ensure_matplotlib() -> None:
    if "matplotlib" not in hv.Store.renderers:
        import matplotlib

        matplotlib.use("Agg")
        current = hv.Store.current_backend
        import holoviews.plotting.mpl  # noqa: F401 — registers the backend

        hv.Store.current_backend = current  # the dashboard stays on Bokeh


def _allowed(el, group: str) -> set:
    try:
        return set(hv.Store.options(backend="matplotlib")[type(el).__name__].groups[group]
                   .allowed_keywords)
    except (KeyError, AttributeError):
        return set()


def to_matplotlib(obj):
    """A copy of ``obj`` with its Bokeh styling translated to matplotlib options."""
    _ensure_matplotlib()

    def apply(el):
        st = hv.Store.lookup_options("bokeh", el, "style").kwargs
        pl = hv.Store.lookup_options("bokeh", el, "plot").kwargs
        style = {}
        for k, v in st.items():
            if k == "line_width":
                style["linewidth"] = LINE_WIDTH_SCALE * float(v)
            elif k == "line_dash":
                style["linestyle"] = _DASH.get(v, v)
            elif k == "size":
                style["s"] = (MARKER_SIZE_SCALE * float(v)) ** 2
            elif k == "marker":
                style["marker"] = _MARKER.get(v, v)
            elif k in ("color", "alpha", "cmap"):
                style[k] = v
            elif k == "line_color":
                style["edgecolors"] = v
        if isinstance(el, hv.ErrorBars) and "color" in style:
            style["ecolor"] = style["edgecolor"] = style["color"]
            style["elinewidth"] = style.pop("linewidth", ERRORBAR_LINE_WIDTH)
        if isinstance(el, hv.Text):
            style = {"color": st.get("color", "black")}
        plot = {k: v for k, v in pl.items() if k in _PLOT_KEYS}
        xl = plot.get("xlim")
        if xl and None not in xl and xl[0] > xl[1]:  # a reversed range: a ppm axis
            plot["xlim"], plot["invert_xaxis"] = (xl[1], xl[0]), True
        ok_style, ok_plot = _allowed(el, "style"), _allowed(el, "plot")
        style = {k: v for k, v in style.items() if k in ok_style}
        plot = {k: v for k, v in plot.items() if k in ok_plot}
        if isinstance(el, hv.Text) and "fontsize" in ok_plot:
            plot["fontsize"] = TEXT_PT
        return el.opts(backend="matplotlib", clone=True, **style, **plot) if (
            style or plot) else el

    return obj.map(apply, lambda x: True)


FONTSIZE = {"title": 8, "labels": 8, "xticks": 7, "yticks": 7, "legend": 7, "cticks": 7}


def layout(panels: list, cols: int = 2) -> hv.Layout:
    """Panels side by side with (a), (b), … labels."""
    return hv.Layout([to_matplotlib(p) for p in panels]).cols(cols)


def render(element, *, width: str = "double", height_in: float | None = None):
    """A matplotlib Figure of ``element`` exactly ``width`` wide (inches) and ``height_in``
    high, journal fonts, panel labels on layouts."""
    _ensure_matplotlib()
    import matplotlib as mpl

    w = WIDTHS_IN[width]
    if isinstance(element, hv.Layout):
        n = len(element)
        cols = min(n, element._max_cols or n)
        rows = int(np.ceil(n / cols))
    else:
        element, cols, rows = to_matplotlib(element), 1, 1
    h = height_in or (w / cols * PANEL_ASPECT * rows)
    aspect = (w / cols) / (h / rows)
    panel_opts = {"aspect": aspect, "fontsize": FONTSIZE}
    bar = any(hv.Store.lookup_options("bokeh", e, "plot").kwargs.get("colorbar")
              for e in element.traverse(lambda x: x))
    right = RIGHT_EDGE_BAR[width] if bar else RIGHT_EDGE
    with mpl.rc_context(RC):
        if isinstance(element, hv.Layout):
            left = LEFT_EDGE[width]
            el = hv.Layout([p.opts(backend="matplotlib", clone=True, **panel_opts)
                            for p in element]).cols(cols).opts(
                backend="matplotlib", fig_inches=w, sublabel_format="", tight=False,
                fig_bounds=(left, ROW_BOTTOM / rows, right, 1 - ROW_TOP / rows),
                hspace=HSPACE, vspace=VSPACE, fontsize=FONTSIZE)
        else:
            b_left, b_bottom, b_right, b_top = SINGLE_BOUNDS
            el = element.opts(backend="matplotlib", clone=True, fig_inches=(w, h),
                              fig_bounds=(b_left, b_bottom, min(right, b_right), b_top),
                              **panel_opts)
        fig = hv.render(el, backend="matplotlib")
        fig.set_size_inches(w, fig.get_size_inches()[1] * w / fig.get_size_inches()[0])
        # the panels, not their colour bars (narrow axes beside them)
        widest = max(ax.get_position().width for ax in fig.axes)
        panels = [ax for ax in fig.axes
                  if ax.get_position().width > COLORBAR_MAX_WIDTH * widest]
        for ax in panels:
            for t in ax.texts:
                t.set_fontsize(TEXT_PT)
        if isinstance(element, hv.Layout) and len(panels) > 1:  # (a), (b), …
            for i, ax in enumerate(panels):
                ax.text(*PANEL_LABEL_XY, f"({chr(ord('a') + i)})", transform=ax.transAxes,
                        fontsize=PANEL_LABEL_PT, fontweight="bold", ha="right", va="bottom")
    return fig


def save(element, out_stem: str | Path, *, formats=FORMATS, width: str = "double",
         height_in: float | None = None, sidecar: dict | None = None) -> list[Path]:
    """Write ``out_stem``.{pdf,svg,png} (and ``out_stem``.json); returns the paths."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    fig = render(element, width=width, height_in=height_in)
    paths = []
    with mpl.rc_context(RC):
        for fmt in formats:
            if fmt not in FORMATS:
                raise ValueError(f"unknown format {fmt!r}: {', '.join(FORMATS)}")
            p = out_stem.with_suffix(f".{fmt}")
            fig.savefig(p, format=fmt, dpi=DPI)
            paths.append(p)
    plt.close(fig)
    if sidecar is not None:
        side = dict(sidecar, files=[p.name for p in paths], width=width,
                    width_in=WIDTHS_IN[width], height_in=float(fig.get_size_inches()[1]),
                    dpi=DPI)
        p = out_stem.with_suffix(".json")
        p.write_text(json.dumps(plain(side), indent=1, ensure_ascii=False), encoding="utf-8")
        paths.append(p)
    return paths


def zip_bytes(element, name: str, *, width: str = "double", sidecar: dict | None = None,
              formats=FORMATS) -> bytes:
    """The figure in every format and its sidecar, zipped (the pages' export)."""
    import tempfile

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        paths = save(element, Path(tmp) / name, formats=formats, width=width, sidecar=sidecar)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in paths:
                zf.write(p, p.name)
    return buf.getvalue()


def provenance(*, figure: str, view: dict | None = None, processing: dict | None = None,
               fits: dict | None = None, raw_files: dict | None = None,
               command: list[str] | None = None, referencing: dict | None = None) -> dict:
    """The sidecar: program and version, how the figure was made, the 0-ppm reference of
    each nucleus (``referencing``, see :func:`campaign_referencing`), and the SHA-256 of
    every raw file used."""
    from analysis import __version__

    return {"program": "hpnmr", "version": __version__, "figure": figure,
            "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "command": command if command is not None else list(sys.argv),
            "view": view or {}, "processing": processing or {}, "fits": fits or {},
            "referencing": referencing or {}, "raw_files_sha256": raw_files or {}}


def campaign_referencing(camp) -> dict:
    """{nucleus: reference dict (value, source, detail)} of a campaign's FID nuclei: what
    its ppm axes and shifts are against."""
    nuclei = sorted({a.nucleus for a in camp.acquisitions if a.nucleus})
    if not nuclei:  # a folder without a manifest: nothing names the nuclei
        return {"any nucleus": camp.reference(None).to_dict()}
    return {n: camp.reference(n).to_dict() for n in nuclei}


def raw_hashes(*datasets) -> dict:
    """{path of each raw file: SHA-256} of the datasets (their files keyed by folder)."""
    out = {}
    for ds in datasets:
        for name, digest in (getattr(ds, "sha256", {}) or {}).items():
            key = name if Path(name).is_absolute() else str(Path(ds.source) / name) \
                if Path(ds.source).is_dir() else str(Path(ds.source).parent / name)
            out[key] = digest
    return out


def dataset_hashes(camp, *paths) -> dict:
    """SHA-256 of the raw files of the named acquisitions of a campaign."""
    return raw_hashes(*(camp.read(p) for p in paths if p))


def campaign_hashes(camp) -> dict:
    """SHA-256 of every FID acquisition and R(T) file of a campaign."""
    raw = {str(camp.resolve(c.path)): camp.file_sha256(c.path)
           for c in camp.transport_curves()}
    raw.update(raw_hashes(*(camp.read(a) for a in camp.acquisitions if a.kind == "fid")))
    return raw


def fit_summary(result) -> dict:
    """A fit for a sidecar: ``FitResult.to_dict()`` without the correlation matrix — values
    ± errors, χ² statistics with the form AIC/BIC took, and the goodness-of-fit ``verdict``
    (a poor fit says so in the sidecar, not only on the page)."""
    out = {k: v for k, v in result.to_dict().items() if k != "correlation"}
    if result.verdict.flagged:
        out["notes"] = [f"goodness of fit: {result.verdict}", *out["notes"]]
    return out
