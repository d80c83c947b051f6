"""Paper figures: the dashboard's own HoloViews elements drawn by matplotlib in journal style.

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
                style["linewidth"] = 0.7 * float(v)
            elif k == "line_dash":
                style["linestyle"] = _DASH.get(v, v)
            elif k == "size":
                style["s"] = (0.55 * float(v)) ** 2
            elif k == "marker":
                style["marker"] = _MARKER.get(v, v)
            elif k in ("color", "alpha", "cmap"):
                style[k] = v
            elif k == "line_color":
                style["edgecolors"] = v
        if isinstance(el, hv.ErrorBars) and "color" in style:
            style["ecolor"] = style["edgecolor"] = style["color"]
            style["elinewidth"] = style.pop("linewidth", 0.8)
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
            plot["fontsize"] = 7
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
    h = height_in or (w / cols * 0.75 * rows)
    aspect = (w / cols) / (h / rows)
    panel_opts = {"aspect": aspect, "fontsize": FONTSIZE}
    bar = any(hv.Store.lookup_options("bokeh", e, "plot").kwargs.get("colorbar")
              for e in element.traverse(lambda x: x))
    right = (0.8 if width == "single" else 0.9) if bar else 0.97
    with mpl.rc_context(RC):
        if isinstance(element, hv.Layout):
            left = 0.09 if width == "double" else 0.19
            el = hv.Layout([p.opts(backend="matplotlib", clone=True, **panel_opts)
                            for p in element]).cols(cols).opts(
                backend="matplotlib", fig_inches=w, sublabel_format="", tight=False,
                fig_bounds=(left, 0.15 / rows, right, 1 - 0.08 / rows), hspace=0.45,
                vspace=0.35, fontsize=FONTSIZE)
        else:
            el = element.opts(backend="matplotlib", clone=True, fig_inches=(w, h),
                              fig_bounds=(0.2, 0.15, min(right, 0.95), 0.95), **panel_opts)
        fig = hv.render(el, backend="matplotlib")
        fig.set_size_inches(w, fig.get_size_inches()[1] * w / fig.get_size_inches()[0])
        # the panels, not their colour bars (narrow axes beside them)
        widest = max(ax.get_position().width for ax in fig.axes)
        panels = [ax for ax in fig.axes if ax.get_position().width > 0.3 * widest]
        for ax in panels:
            for t in ax.texts:
                t.set_fontsize(7)
        if isinstance(element, hv.Layout) and len(panels) > 1:  # (a), (b), …
            for i, ax in enumerate(panels):
                ax.text(-0.02, 1.02, f"({chr(97 + i)})", transform=ax.transAxes,
                        fontsize=9, fontweight="bold", ha="right", va="bottom")
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


# ---------------------------------------------------------------------------------------------
# the study's six figures from a campaign
# ---------------------------------------------------------------------------------------------
FIGURES = {
    "fig1": "¹³⁹La and ¹H spectra before and after laser heating",
    "fig2": "¹H Hahn echoes at increasing delays",
    "fig3": "saturation recovery and echo decay with their fits: T1 against T2",
    "fig4": "stacked ¹³⁹La and ¹H spectra against days",
    "fig5": "the H₂ phase III spectrum with the two-Pake fit and its components",
    "fig6": "H/La against days with LaH₁₀/LaH₆/LaH₃ guides beside Tc/Tc(0) against days",
}


def _hashes(*datasets) -> dict:
    """{path of each raw file: SHA-256} of the datasets (their files keyed by folder)."""
    out = {}
    for ds in datasets:
        for name, digest in (getattr(ds, "sha256", {}) or {}).items():
            key = name if Path(name).is_absolute() else str(Path(ds.source) / name) \
                if Path(ds.source).is_dir() else str(Path(ds.source).parent / name)
            out[key] = digest
    return out


def fit_summary(result) -> dict:
    """A fit for a sidecar: ``FitResult.to_dict()`` without the correlation matrix — values
    ± errors, χ² statistics with the form AIC/BIC took, and the goodness-of-fit ``verdict``
    (a poor fit says so in the sidecar, not only on the page)."""
    out = {k: v for k, v in result.to_dict().items() if k != "correlation"}
    if result.verdict.flagged:
        out["notes"] = [f"goodness of fit: {result.verdict}", *out["notes"]]
    return out


def dataset_hashes(camp, *paths) -> dict:
    """SHA-256 of the raw files of the named acquisitions of a campaign."""
    return _hashes(*(camp.read(p) for p in paths if p))


def campaign_hashes(camp) -> dict:
    """SHA-256 of every FID acquisition and R(T) file of a campaign."""
    raw = {str(camp.resolve(c.path)): camp.file_sha256(c.path)
           for c in camp.transport_curves()}
    raw.update(_hashes(*(camp.read(a) for a in camp.acquisitions if a.kind == "fid")))
    return raw


def figure_1(camp, cell: str = "N2"):
    from . import plots
    from .state.evolution import display_spectrum

    panels, raw, proc = [], {}, {}
    for nuc, name, xlim in (("139La", "¹³⁹La", (-1500, 4500)), ("1H", "¹H", (-400, 400))):
        curves = []
        for day, label, color in ((-1, "before heating (LaH₃)", "#777777"),
                                  (0, "after heating", "#6A3D9A")):
            acq = next(a for a in camp.acquisitions if a.cell == cell and a.day == day and
                       a.nucleus == nuc and a.kind == "fid")
            ppm, y = display_spectrum(camp, acq)
            raw.update(_hashes(camp.read(acq)))
            proc[acq.path] = acq.default_processing().to_dict()
            curves.append(plots.spectrum_curve(ppm, y / np.max(np.abs(y)), "ppm", nuc)
                          .relabel(label).opts(color=color, line_width=1.5))
        panels.append(to_matplotlib(hv.Overlay(curves).opts(xlim=xlim, ylabel=f"{name} "
                                                            "intensity (normalised)"))
                      .opts(backend="matplotlib", legend_position="top_left",
                            invert_xaxis=True))
    return layout(panels), {"cell": cell, "days": [-1, 0]}, proc, {}, raw


def figure_2(camp):
    from . import plots
    from .state import RelaxationState

    s = RelaxationState(camp.root)
    d = s.echo_train()
    acq = camp.acquisition(s.train_acquisition)
    el = plots.echo_train_curves(*d)
    return el, {"acquisition": s.train_acquisition}, {}, {}, _hashes(camp.read(acq))


def figure_3(camp):
    from . import plots
    from .state import RelaxationState

    s = RelaxationState(camp.root)
    el = layout([to_matplotlib(plots.t1_t2_comparison(s.t1, s.t2)).opts(
        backend="matplotlib", legend_position="left",
        legend_opts={"loc": "center left", "bbox_to_anchor": (0.02, 0.5)})], cols=1)
    fits = {k: fit_summary(pair[1]) for k, pair in (("T1", s.t1), ("T2", s.t2)) if pair}
    raw = _hashes(camp.read(s.t1_acquisition), camp.read(s.t2_acquisition))
    chosen = {k: {"method": c.method, "reason": c.reason, "model": c.model_name}
              for k, c in (("T1", s.t1_choice), ("T2", s.t2_choice)) if c is not None}
    return el, {"t1": s.t1_acquisition, "t2": s.t2_acquisition, "method": s.method,
                "chosen": chosen, "models": [s.t1_model, s.t2_model]}, {}, fits, raw


def figure_4(camp, cell: str = "N2"):
    from . import plots
    from .state import EvolutionState

    s = EvolutionState(camp.root)
    s.spectra_cell = cell
    la = plots.stacked_spectra(*s.stacked_spectra("139La"), "¹³⁹La", xlim=(4500, -1000))
    h = plots.stacked_spectra(*s.stacked_spectra("1H"), "¹H", xlim=(1500, -1500), clip=1.5)
    raw = _hashes(*(camp.read(a) for a in camp.acquisitions if a.cell == cell and
                    a.kind == "fid"))
    return layout([la, h]), {"cell": cell}, {}, {}, raw


def pake_element(state):
    """The Pake view of a PakeState: data, fit, components and residuals after a fit (two
    panels), else the model at the start values; returns (element, fits)."""
    from . import plots

    f, y = state.data()
    res = state.result
    if res is None or not res.success:
        total, parts = state.preview()
        return plots.pake_overlay(f, y, total, parts, "model at the start values"), {}
    parts = dict(res.components)
    base = parts.pop("baseline", 0.0)
    parts = {k: v + base for k, v in parts.items()}
    top = to_matplotlib(plots.pake_overlay(f, res.data, res.model, parts)).opts(
        backend="matplotlib", legend_position="top_right")
    return (layout([top, plots.residual_curve(f, res.residual)], cols=1),
            {"pake": fit_summary(res)})


def figure_5(camp):
    from .state import PakeState

    s = PakeState(camp.root)
    s.fit()
    el, fits = pake_element(s)
    return (el, {"acquisition": s.acquisition, "how": s.how,
                 "central_line": s.central_line}, {}, fits,
            _hashes(camp.read(s.acquisition)))


def evolution_element(state):
    """H/La beside Tc/Tc(0) against days as the EvolutionState shows them."""
    from . import plots

    hla = to_matplotlib(plots.hla_plot(*state.hla_data(), x_max=state.x_max())).opts(
        backend="matplotlib", legend_position="bottom_left")
    tc = to_matplotlib(plots.tc_ratio_plot(*state.tc_data(), x_max=state.x_max(),
                                           criterion=state.criterion)).opts(
        backend="matplotlib", legend_position="top_right")
    return layout([hla, tc])


def figure_6(camp, criterion: str = "50"):
    from .state import EvolutionState

    s = EvolutionState(camp.root)
    s.criterion = criterion
    kin = [r for r in s.results.kinetics if r["cell"] in ("global", *s.nmr_cells)]
    view = {k: getattr(s, k) for k in ("nmr_cells", "transport_cells", "criterion",
                                       "calibrated", "law")}
    view["hla_assumptions"] = s.hla_assumptions()  # the Λ choice and what was assumed
    return evolution_element(s), view, {}, {"kinetics": kin}, campaign_hashes(camp)


BUILDERS = {"fig1": (figure_1, "double", None), "fig2": (figure_2, "single", None),
            "fig3": (figure_3, "single", None), "fig4": (figure_4, "double", 4.2),
            "fig5": (figure_5, "single", 4.4), "fig6": (figure_6, "double", None)}


def build_all(campaign_root, out, formats=FORMATS, command=None,
              progress=None) -> list[Path]:
    """The six figures of the study from a campaign's raw files, each with its sidecar."""
    from analysis import campaign as campaign_mod

    camp = campaign_mod.load(campaign_root)
    paths: list[Path] = []
    for i, (name, (builder, width, height)) in enumerate(BUILDERS.items()):
        el, view, proc, fits, raw = builder(camp)
        side = provenance(figure=f"{name}: {FIGURES[name]}", view=view, processing=proc,
                          fits=fits, raw_files=raw, command=command,
                          referencing=campaign_referencing(camp))
        paths += save(el, Path(out) / name, formats=formats, width=width, height_in=height,
                      sidecar=side)
        if progress:
            progress(i + 1, len(BUILDERS), name)
    return paths
