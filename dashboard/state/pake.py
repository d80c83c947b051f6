"""The Pake page's store: the H₂ phase III two-doublet fit."""

from __future__ import annotations

from pathlib import Path

import param

from analysis import campaign as campaign_mod
from analysis import display
from analysis import pake as pake_defaults

from .common import (
    default_campaign_dir,
)


class PakeState(param.Parameterized):
    """The H₂ phase III Pake fit: the processed spectrum, start values that redraw the model
    live, and the last fit (an ``analysis.fitting.FitResult``)."""

    acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                 doc="The ¹H acquisition fitted (path in the campaign folder)")
    components = param.Selector(default=2, objects=[1, 2],
                                doc="Pake doublets fitted: 1 (r_n only) or 2 (r_n and r_nn)")
    r_n = param.Number(default=0.75, bounds=(0.6, 1.2), step=0.001, label="r_n start (Å)",
                       doc="Start value of the intramolecular H–H distance r_n, in Å")
    r_nn = param.Number(default=1.24, bounds=(0.8, 2.0), step=0.001, label="r_nn start (Å)",
                        doc="Start value of the intermolecular H–H distance r_nn, in Å")
    weight_n = param.Number(default=0.5, bounds=(0.0, 1.0), step=0.01,
                            label="weight of r_n start",
                            doc="Start value of the r_n doublet's share of the area (0 to 1)")
    broadening_khz = param.Number(default=20.0, bounds=(0.5, 120.0), step=0.1,
                                  label="Gaussian FWHM start (kHz)",
                                  doc="Start value of the Gaussian broadening (FWHM), in kHz")
    center_khz = param.Number(default=0.0, bounds=(-100.0, 100.0), step=0.1,
                              label="centre start (kHz)",
                              doc="Start value of the pattern's centre, offset in kHz")
    central_line = param.Boolean(default=pake_defaults.CENTRAL_LINE_DEFAULT,
                                 label="fit a narrow central line",
                                 doc="Add a narrow line at the centre to the model")
    fix_weight = param.Boolean(default=False, label="hold the weight (one partner per H)",
                               doc="Hold the weight of r_n at its start value in the fit")
    result = param.Parameter(default=None, doc="the last FitResult")
    message = param.String(default="", doc="Why the spectrum cannot be read or the fit "
                           "failed, or the fit's verdict when it is flagged (plain text)")
    how = param.String(default="", doc="how the spectrum was processed")

    #: the start values the model preview follows
    START_KEYS = ("components", "r_n", "r_nn", "weight_n", "broadening_khz", "center_khz")
    #: everything a fit is made from (what an exported figure records)
    FIT_KEYS = ("acquisition", *START_KEYS, "central_line", "fix_weight")

    def __init__(self, campaign_root: str | Path | None = None, **params):
        super().__init__(**params)
        self.campaign = campaign_mod.load(campaign_root or default_campaign_dir())
        self.param.acquisition.objects = display.pake_paths(self.campaign)
        self._data = None
        self._model = None
        self.acquisition = display.default_pake_path(self.campaign)

    @param.depends("acquisition", watch=True, on_init=False)
    def _load(self):
        from analysis import pake
        from analysis.dataset import ReaderError

        self.result = None
        self._data = None
        if self.acquisition is None:
            return
        acq = self.campaign.acquisition(self.acquisition)
        try:
            ds = self.campaign.read(acq)
            f, y, how = pake.spectrum_for_fit(ds, acq.default_processing())
        except (ReaderError, ValueError, OSError) as exc:
            self.message = f"{self.acquisition}: {exc}"
            return
        self._data = (f, y)
        self._model = pake.PakeModel(f, 2)
        self._model1 = pake.PakeModel(f, 1)
        self.how = how
        self.message = ""

    @param.depends("acquisition")
    def data(self):
        """(frequency_hz, intensity) of the processed spectrum, or None."""
        if self._data is None and self.acquisition is not None:
            self._load()
        return self._data

    @param.depends("data", *START_KEYS)
    def preview(self):
        """The model at the start values, its area and baseline solved by linear least
        squares so it sits on the data: (total, {name: component})."""
        d = self.data()
        if d is None:
            return None
        return display.pake_start(
            self._model if self.components == 2 else self._model1, d[1],
            {"weight_n": self.weight_n, "r_n_angstrom": self.r_n, "r_nn_angstrom": self.r_nn,
             "broadening_hz": self.broadening_khz * 1e3, "center_hz": self.center_khz * 1e3})

    def fit(self) -> None:
        """Fit from the current start values; the result (or why it failed) is kept."""
        from analysis import pake

        d = self.data()
        if d is None:
            self.message = "no spectrum to fit"
            return
        fix = {"weight_n": self.weight_n} if (self.fix_weight and self.components == 2) \
            else None
        res = pake.fit_pake(d[0], d[1], components=self.components, r_n=self.r_n,
                            r_nn=self.r_nn, weight_n=self.weight_n,
                            broadening_hz=self.broadening_khz * 1e3,
                            center_hz=self.center_khz * 1e3, central_line=self.central_line,
                            fix=fix)
        v = res.verdict
        self.message = (f"fit failed: {res.message}" if not res.success else
                        f"{v.short}: {v.message}" if v.flagged else "")
        self.result = res

    @param.depends("result")
    def result_rows(self) -> list[dict]:
        """Rows of the results table: quantity, value ± error with unit, reference."""
        from analysis.measure import Measurement
        from analysis.pake import PHASE_III_REFERENCE

        res = self.result
        if res is None or not res.values:
            return []
        ref = {"r_n_angstrom": PHASE_III_REFERENCE["r_n_angstrom"],
               "r_nn_angstrom": PHASE_III_REFERENCE["r_nn_angstrom"]}
        scale = {"Hz": (1e-3, "kHz")}
        rows = []
        for k in ("r_n_angstrom", "r_nn_angstrom", "weight_n", "broadening_hz",
                  "broadening_n_hz", "broadening_nn_hz", "d_n_hz", "d_nn_hz", "center_hz"):
            if k not in res.values:
                continue
            m = res.measurement(k)
            factor, unit = scale.get(m.unit, (1.0, m.unit))
            shown = Measurement(m.value * factor, m.stderr * factor, unit)
            rows.append({"quantity": k.replace("_angstrom", "").replace("_hz", ""),
                         "value": str(shown),
                         "DFT phase III (as quoted)": f"{ref[k]:.2f} Å" if k in ref else ""})
        rows.append({"quantity": "reduced χ²", "value": f"{res.reduced_chi2:.3f}",
                     "DFT phase III (as quoted)": ""})
        rows.append({"quantity": "goodness of fit", "value": res.verdict.short,
                     "DFT phase III (as quoted)": ""})
        return rows
