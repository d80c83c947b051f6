"""The study's six figures from a campaign's raw files (``hpnmr figures``).

Each builder takes a campaign (:class:`analysis.campaign.Campaign`) and returns a
:class:`Figure`: the HoloViews element (from :mod:`dashboard.plots`, as on the pages) and
what its sidecar records. The numbers come from the same analysis functions the pages
call (:mod:`analysis.display`, :mod:`analysis.evolution`, :mod:`analysis.pake`), never from
a page store. :func:`build_all` renders them with :mod:`dashboard.figures.engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import holoviews as hv
import numpy as np

from analysis import display, evolution, pake
from analysis import relaxation as rx
from analysis.campaign import Campaign, readable_transport
from analysis.pipeline import CampaignResults
from analysis.store import StoreError, open_store

from .. import plots
from .engine import (
    FORMATS,
    campaign_hashes,
    campaign_referencing,
    fit_summary,
    layout,
    provenance,
    raw_hashes,
    save,
    to_matplotlib,
)

#: the cell whose spectra Figs. 1 and 4 show
FIGURE_CELL = "N2"
#: Fig. 1: (nucleus, its name, ppm range) of each panel; (day, legend, colour) of each curve
FIG1_PANELS = (("139La", "¹³⁹La", (-1500, 4500)), ("1H", "¹H", (-400, 400)))
FIG1_CURVES = ((-1, "before heating (LaH₃)", "#777777"), (0, "after heating", "#6A3D9A"))
FIG1_LINE_WIDTH = 1.5
#: Fig. 3: the amplitude method and the T1 and T2 models (the Relaxation page's defaults)
FIG3_METHOD = rx.AUTO
FIG3_T1_MODEL = rx.AUTO
FIG3_T2_MODEL = "hahn"
#: Fig. 3: where the legend sits (axes fractions, left-centre anchored)
FIG3_LEGEND_ANCHOR = (0.02, 0.5)
#: Fig. 4: the ppm range of each nucleus (reversed: shifts increase to the left) and the
#: height the ¹H spectra are clipped at (the narrow hydride line over the broad H₂ part)
FIG4_XLIM = {"139La": (4500, -1000), "1H": (1500, -1500)}
FIG4_H_CLIP = 1.5
#: Fig. 5: the Pake fit's start values and options (the Pake page's defaults)
FIG5_COMPONENTS = 2
FIG5_START = {"r_n_angstrom": 0.75, "r_nn_angstrom": 1.24, "weight_n": 0.5,
              "broadening_hz": 20e3, "center_hz": 0.0}
#: Fig. 6: the Tc criterion, the H/La shown (calibrated on the precursor) and the law drawn
FIG6_CRITERION = "50"
FIG6_CALIBRATED = True
FIG6_LAW = evolution.BEST_LAW


@dataclass(frozen=True)
class Figure:
    """A built figure: the element to render and what its sidecar records."""

    element: Any  #: HoloViews element or layout (Bokeh-styled; the engine translates)
    view: dict  #: the choices the figure shows (cells, acquisitions, criterion, …)
    processing: dict = field(default_factory=dict)  #: processing of each acquisition
    fits: dict = field(default_factory=dict)  #: fits shown, as in a sidecar
    raw_files: dict = field(default_factory=dict)  #: {raw file: SHA-256}


@dataclass(frozen=True)
class PaperFigure:
    """One of the study's figures: what it shows, how it is built and its size."""

    title: str
    build: Callable[[Campaign], Figure]
    width: str  #: "single" or "double" column
    height_in: float | None = None  #: None: from the panels' aspect


class PakeElement(NamedTuple):
    """The Pake view and the fit it shows, as in a sidecar."""

    element: Any
    fits: dict


def figure_1(camp: Campaign, cell: str = FIGURE_CELL) -> Figure:
    """¹³⁹La and ¹H spectra of ``cell`` before and after laser heating."""
    panels, raw, proc = [], {}, {}
    for nuc, name, xlim in FIG1_PANELS:
        curves = []
        for day, label, color in FIG1_CURVES:
            acq = next(a for a in camp.acquisitions if a.cell == cell and a.day == day and
                       a.nucleus == nuc and a.kind == "fid")
            ppm, y = display.display_spectrum(camp, acq)
            raw.update(raw_hashes(camp.read(acq)))
            proc[acq.path] = acq.default_processing().to_dict()
            curves.append(plots.spectrum_curve(ppm, y / np.max(np.abs(y)), "ppm", nuc)
                          .relabel(label).opts(color=color, line_width=FIG1_LINE_WIDTH))
        panels.append(to_matplotlib(hv.Overlay(curves).opts(xlim=xlim, ylabel=f"{name} "
                                                            "intensity (normalised)"))
                      .opts(backend="matplotlib", legend_position="top_left",
                            invert_xaxis=True))
    return Figure(layout(panels), {"cell": cell, "days": [day for day, *_ in FIG1_CURVES]},
                  proc, {}, raw)


def figure_2(camp: Campaign) -> Figure:
    """The echo train's traces (¹H Hahn echoes at increasing pulse spacings)."""
    path = display.array_paths(camp, display.TRAIN_KINDS)[0]
    return Figure(plots.echo_train_curves(*display.echo_train(camp, path)),
                  {"acquisition": path}, raw_files=raw_hashes(camp.read(path)))


def figure_3(camp: Campaign) -> Figure:
    """The recovery (T1) and Hahn-echo decay (T2) with their fits, T1 against T2."""
    t1_path = display.array_paths(camp, display.RECOVERY_KINDS)[0]
    t2_path = display.array_paths(camp, display.DECAY_KINDS)[0]
    t1 = display.fit_array(camp, t1_path, FIG3_T1_MODEL, kind="recovery", method=FIG3_METHOD)
    t2 = display.fit_array(camp, t2_path, FIG3_T2_MODEL, kind="decay", method=FIG3_METHOD)
    pairs = {"T1": (t1.amplitudes, t1.fit), "T2": (t2.amplitudes, t2.fit)}
    el = layout([to_matplotlib(plots.t1_t2_comparison(pairs["T1"], pairs["T2"])).opts(
        backend="matplotlib", legend_position="left",
        legend_opts={"loc": "center left", "bbox_to_anchor": FIG3_LEGEND_ANCHOR})], cols=1)
    chosen = {k: {"method": a.choice.method, "reason": a.choice.reason,
                  "model": a.choice.model_name}
              for k, a in (("T1", t1), ("T2", t2)) if a.choice is not None}
    return Figure(el, {"t1": t1_path, "t2": t2_path, "method": FIG3_METHOD, "chosen": chosen,
                       "models": [FIG3_T1_MODEL, FIG3_T2_MODEL]}, {},
                  {k: fit_summary(fit) for k, (_amps, fit) in pairs.items()},
                  raw_hashes(camp.read(t1_path), camp.read(t2_path)))


def figure_4(camp: Campaign, cell: str = FIGURE_CELL) -> Figure:
    """The stacked ¹³⁹La and ¹H spectra of ``cell`` against days."""
    la = plots.stacked_spectra(*evolution.stacked_spectra(camp, cell, "139La").spectra,
                               "¹³⁹La", xlim=FIG4_XLIM["139La"])
    h = plots.stacked_spectra(*evolution.stacked_spectra(camp, cell, "1H").spectra, "¹H",
                              xlim=FIG4_XLIM["1H"], clip=FIG4_H_CLIP)
    raw = raw_hashes(*(camp.read(a) for a in camp.acquisitions if a.cell == cell and
                       a.kind == "fid"))
    return Figure(layout([la, h]), {"cell": cell}, {}, {}, raw)


def pake_element(frequency_hz, intensity, result, start: Callable[[], Any]) -> PakeElement:
    """The Pake view: data, fit, components and residuals after a converged fit (two
    panels), else the model at the start values (``start()``: (total, {name: component}),
    e.g. :func:`analysis.display.pake_start`)."""
    if result is None or not result.success:
        total, parts = start()
        return PakeElement(plots.pake_overlay(frequency_hz, intensity, total, parts,
                                              "model at the start values"), {})
    parts = dict(result.components)
    base = parts.pop("baseline", 0.0)
    parts = {k: v + base for k, v in parts.items()}
    top = to_matplotlib(plots.pake_overlay(frequency_hz, result.data, result.model,
                                           parts)).opts(backend="matplotlib",
                                                        legend_position="top_right")
    return PakeElement(layout([top, plots.residual_curve(frequency_hz, result.residual)],
                              cols=1), {"pake": fit_summary(result)})


def figure_5(camp: Campaign) -> Figure:
    """The H₂ phase III spectrum with the two-doublet Pake fit and its components."""
    path = display.default_pake_path(camp)
    acq = camp.acquisition(path)
    f, y, how = pake.spectrum_for_fit(camp.read(acq), acq.default_processing())
    start = FIG5_START
    res = pake.fit_pake(f, y, components=FIG5_COMPONENTS, r_n=start["r_n_angstrom"],
                        r_nn=start["r_nn_angstrom"], weight_n=start["weight_n"],
                        broadening_hz=start["broadening_hz"], center_hz=start["center_hz"],
                        central_line=pake.CENTRAL_LINE_DEFAULT)
    el, fits = pake_element(f, y, res, lambda: display.pake_start(
        pake.PakeModel(f, FIG5_COMPONENTS), y, start))
    return Figure(el, {"acquisition": path, "how": how,
                       "central_line": pake.CENTRAL_LINE_DEFAULT}, {}, fits,
                  raw_hashes(camp.read(path)))


def evolution_element(hla: evolution.SeriesSet, tc: evolution.SeriesSet, x_max: float,
                      criterion: str) -> hv.Layout:
    """H/La beside Tc/Tc(0) against days (:func:`analysis.evolution.hla_series`,
    :func:`analysis.evolution.tc_series`) on a common day range up to ``x_max``."""
    hla_panel = to_matplotlib(plots.hla_plot(*hla, x_max=x_max)).opts(
        backend="matplotlib", legend_position="bottom_left")
    tc_panel = to_matplotlib(plots.tc_ratio_plot(*tc, x_max=x_max, criterion=criterion)).opts(
        backend="matplotlib", legend_position="top_right")
    return layout([hla_panel, tc_panel])


def figure_6(camp: Campaign, criterion: str = FIG6_CRITERION) -> Figure:
    """H/La against days with the fitted laws beside Tc/Tc(0) against days, every cell;
    the results are the campaign's saved ones (else analysed and saved)."""
    readable, _refused = readable_transport(camp)
    try:
        store = open_store(readable.root)
    except StoreError:
        store = None
    res = evolution.load_or_analyze(readable, store).results
    return evolution_figure(res, evolution.nmr_cells(readable),
                            evolution.transport_cells(readable), criterion=criterion,
                            calibrated=FIG6_CALIBRATED, law=FIG6_LAW,
                            raw_files=campaign_hashes(camp))


def evolution_figure(results: CampaignResults, nmr_cells: Sequence[str],
                     transport_cells: Sequence[str], *, criterion: str, calibrated: bool,
                     law: str, raw_files: dict) -> Figure:
    """H/La of ``nmr_cells`` beside Tc/Tc(0) of ``transport_cells`` against days, with the
    kinetic fits and the H/La assumptions for the sidecar: Fig. 6, and the Evolution page's
    export of what it shows."""
    kin = [r for r in results.kinetics if r["cell"] in ("global", *nmr_cells)]
    view = {"nmr_cells": list(nmr_cells), "transport_cells": list(transport_cells),
            "criterion": criterion, "calibrated": calibrated, "law": law,
            # the Λ choice and what was assumed
            "hla_assumptions": evolution.hla_assumptions(results, nmr_cells,
                                                         calibrated=calibrated)}
    el = evolution_element(evolution.hla_series(results, nmr_cells, calibrated=calibrated,
                                                law=law),
                           evolution.tc_series(results, transport_cells, criterion),
                           evolution.x_max(results), criterion)
    return Figure(el, view, {}, {"kinetics": kin}, raw_files)


BUILDERS = {
    "fig1": PaperFigure("¹³⁹La and ¹H spectra before and after laser heating", figure_1,
                        "double"),
    "fig2": PaperFigure("¹H Hahn echoes at increasing delays", figure_2, "single"),
    "fig3": PaperFigure("saturation recovery and echo decay with their fits: T1 against T2",
                        figure_3, "single"),
    "fig4": PaperFigure("stacked ¹³⁹La and ¹H spectra against days", figure_4, "double",
                        4.2),
    "fig5": PaperFigure("the H₂ phase III spectrum with the two-Pake fit and its components",
                        figure_5, "single", 4.4),
    "fig6": PaperFigure("H/La against days with LaH₁₀/LaH₆/LaH₃ guides beside Tc/Tc(0) "
                        "against days", figure_6, "double"),
}
#: {name: title} of the study's figures
FIGURES = {name: spec.title for name, spec in BUILDERS.items()}


def build_all(campaign_root, out, formats=FORMATS, command=None,
              progress=None) -> list[Path]:
    """The six figures of the study from a campaign's raw files, each with its sidecar."""
    from analysis import campaign as campaign_mod

    camp = campaign_mod.load(campaign_root)
    paths: list[Path] = []
    for i, (name, spec) in enumerate(BUILDERS.items()):
        fig = spec.build(camp)
        side = provenance(figure=f"{name}: {spec.title}", view=fig.view,
                          processing=fig.processing, fits=fig.fits, raw_files=fig.raw_files,
                          command=command, referencing=campaign_referencing(camp))
        paths += save(fig.element, Path(out) / name, formats=formats, width=spec.width,
                      height_in=spec.height_in, sidecar=side)
        if progress:
            progress(i + 1, len(BUILDERS), name)
    return paths
