"""Export of the current view as a publication figure (PDF, SVG, PNG and the JSON sidecar,
zipped), in the style of ``hpnmr figures`` and through the same code."""

from __future__ import annotations

import io
from collections.abc import Callable

import panel as pn
import param

from .. import figures, plots, text
from ..state import (
    EvolutionState,
    PakeState,
    ProcessingState,
    RelaxationState,
    TransportState,
)


class ExportButton(pn.viewable.Viewer):
    """A download button. ``make()`` returns (HoloViews element or layout, file stem,
    "single"/"double", sidecar dict from :func:`dashboard.figures.provenance`)."""

    make = param.Callable(doc="() -> (element, name, width, sidecar)")
    width = param.Selector(default="double", objects=["single", "double"],
                           label="Journal width")

    def __init__(self, **params):
        super().__init__(**params)
        self._select = pn.widgets.RadioButtonGroup.from_param(self.param.width,
                                                              color="default")
        self._button = pn.widgets.FileDownload(callback=self._zip, filename="figure.zip",
                                               label="Export figure (PDF, SVG, PNG + JSON)",
                                               color="primary", embed=False)
        self._message = text.markdown("", sizing_mode="stretch_width")

    def _zip(self) -> io.BytesIO:
        try:
            el, name, width, side = self.make()
        except Exception as exc:
            self._message.object = text.md("⚠️ export failed: {}", exc)
            return io.BytesIO(b"")
        width = self.width or width
        self._button.filename = f"{name}.zip"
        data = figures.zip_bytes(el, name, width=width, sidecar=side)
        self._message.object = text.md("Exported {:code} ({} KiB).", f"{name}.zip",
                                       len(data) // 1024)
        return io.BytesIO(data)

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("**Export**"), self._select, self._button,
                         self._message, sizing_mode="stretch_width")


def export_for(make: Callable, width: str = "double") -> ExportButton:
    return ExportButton(make=make, width=width)


def relaxation_export(state: RelaxationState):
    def make():
        el = figures.layout([plots.relaxation_points(*state.t1, color=plots.RELAXATION_COLORS[
                                 "T1"]) if state.t1 else plots.t1_t2_comparison(None, None),
                             plots.relaxation_points(*state.t2, color=plots.RELAXATION_COLORS[
                                 "T2"]) if state.t2 else plots.t1_t2_comparison(None, None),
                             plots.t1_t2_comparison(state.t1, state.t2)], cols=3)
        fits = {k: figures.fit_summary(pair[1])
                for k, pair in (("T1", state.t1), ("T2", state.t2)) if pair}
        raw = figures.dataset_hashes(state.campaign, state.t1_acquisition,
                                     state.t2_acquisition)
        view = {k: getattr(state, k) for k in ("t1_acquisition", "t2_acquisition", "method",
                                               "t1_model", "t2_model")}
        return el, "relaxation", "double", figures.provenance(
            figure="relaxation page: T1, T2 and T1 vs T2", view=view, fits=fits,
            raw_files=raw, command=["dashboard", "relaxation"])
    return make


def evolution_export(state: EvolutionState):
    def make():
        fig = figures.evolution_figure(
            state.results, state.nmr_cells, state.transport_cells, criterion=state.criterion,
            calibrated=state.calibrated, law=state.law,
            raw_files=figures.campaign_hashes(state.campaign))
        return fig.element, "time_evolution", "double", \
            figures.provenance(figure="time evolution: H/La and Tc/Tc(0) against days",
                               view=fig.view, fits=fig.fits, raw_files=fig.raw_files,
                               command=["dashboard", "evolution"])
    return make


def transport_export(state: TransportState):
    def make():
        curves = state.curves()
        el = figures.to_matplotlib(plots.rt_plot(curves, state.criterion)).opts(
            backend="matplotlib", legend_position="right")
        raw = {c["path"]: state.campaign.file_sha256(c["path"]) for c in curves}
        return el, f"rt_{state.cell}", "double", figures.provenance(
            figure=f"R(T) of {state.cell} by day", view={"cell": state.cell,
                                                         "criterion": state.criterion},
            fits={"tc": state.rows()}, raw_files=raw, command=["dashboard", "transport"])
    return make


def pake_export(state: PakeState):
    def make():
        el, fits = figures.pake_element(*state.data(), state.result, state.preview)
        view = {k: getattr(state, k) for k in state.FIT_KEYS}
        return el, "pake", "single", figures.provenance(
            figure="H₂ phase III spectrum with the Pake model", view=view, fits=fits,
            processing={"how": state.how}, raw_files=figures.dataset_hashes(
                state.campaign, state.acquisition), command=["dashboard", "pake"])
    return make


def processing_export(state: ProcessingState):
    def make():
        sp = state.spectrum()
        if sp is None:
            raise ValueError("no spectrum to export")
        el = plots.spectrum_curve(sp.axis(state.unit), sp.real, state.unit, sp.nucleus)
        name = (state.acquisition or "spectrum").replace("/", "_")
        return el, name, "single", figures.provenance(
            figure=f"spectrum of {state.acquisition}",
            view={"acquisition": state.acquisition, "unit": state.unit},
            processing=state.params_record().to_dict(),
            referencing={} if state.reference is None else
            {sp.nucleus or "": state.reference.to_dict()},
            raw_files=figures.raw_hashes(state.dataset), command=["dashboard", "processing"])
    return make
