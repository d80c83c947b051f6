"""The Relaxation page's store: T1 and T2 fits, model comparison, D from T1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import param

from analysis import campaign as campaign_mod
from analysis import display
from analysis.constants import STUDY_FIELD_T
from analysis.display import DECAY_KINDS, RECOVERY_KINDS, TRAIN_KINDS
from analysis.measure import Measurement

from .common import (
    default_campaign_dir,
    ms_text,
    sci_text,
    verdict_flag,
)

#: the inputs' display units in SI: 10²³ cm⁻³ in m⁻³, Å in m, 10¹¹ rad² s⁻²
DENSITY_UNIT_M3 = 1e29
ANGSTROM_M = 1e-10
SECOND_MOMENT_UNIT = 1e11
#: LaH10 rigid-lattice ¹H M₂ (PHYSICS §3.1 F5, idealised Fm-3m structure; rad² s⁻²)
LAH10_SECOND_MOMENT = 4.40e11


class RelaxationState(param.Parameterized):
    """T1 and T2 from the campaign's arrays, the model comparison and D from T1.

    Every fit lands in ``t1`` / ``t2`` as ``(Amplitudes, FitResult)``; a failure lands in
    ``message`` (never an exception). Every value derived from them is a method declaring
    the parameters it reads (``param.depends``): the views bind the methods
    (``pn.rx(state.diffusion)``) and redraw on those declarations.
    """

    t1_acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                    label="Recovery array (T1)",
                                    doc="The saturation- or inversion-recovery array fitted "
                                    "for T1")
    t2_acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                    label="Hahn-echo array (T2)",
                                    doc="The Hahn-echo array fitted for T2")
    train_acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                       label="Echo train (Fig. 2)",
                                       doc="The echo-train acquisition drawn (Fig. 2)")
    method = param.Selector(default="auto", objects=["auto", "projection", "integral",
                                                      "echo-top"],
                            label="Amplitude per trace",
                            doc="How each trace becomes one amplitude: auto (every method "
                            "fitted, one kept: analysis.relaxation.auto_fit), projection, "
                            "integral, echo top")
    t1_model = param.Selector(default="auto", objects=[], label="T1 model",
                              doc="Recovery model fitted (auto: saturation or inversion "
                              "from the sign of the amplitudes)")
    t2_model = param.Selector(default="hahn", objects=[], label="T2 model",
                              doc="Echo-decay model fitted")
    region_lo_khz = param.Number(default=0.0, label="integral region from (kHz)",
                                 doc="Low edge of the integral method's region, offset in kHz")
    region_hi_khz = param.Number(default=0.0, label="integral region to (kHz; both 0: auto)",
                                 doc="High edge of the integral method's region, offset in "
                                 "kHz (both edges 0: chosen automatically)")
    t1 = param.Parameter(default=None, doc="(Amplitudes, FitResult) of the recovery array")
    t2 = param.Parameter(default=None, doc="(Amplitudes, FitResult) of the Hahn array")
    t1_choice = param.Parameter(default=None, doc="MethodChoice of the recovery array "
                                "(method auto), else None")
    t2_choice = param.Parameter(default=None, doc="MethodChoice of the Hahn array (auto)")
    density_e23_cm3 = param.Number(default=3.0, bounds=(1e-3, 100.0), step=0.01,
                                   label="H density N (10²³ cm⁻³)",
                                   doc="Hydrogen number density N, in 10²³ cm⁻³")
    distance_angstrom = param.Number(default=1.0, bounds=(0.1, 10.0), step=0.01,
                                     label="closest approach a (Å)",
                                     doc="Distance of closest approach a of two H, in Å")
    prefactor = param.Selector(default="paper", objects=["paper", "torrey", "ffhs"],
                               label="prefactor",
                               doc="Prefactor C of D from T1: paper 3π/10, torrey 2π/5, "
                               "ffhs 4π/9 (analysis.diffusion.PREFACTORS)")
    constant = param.Selector(default="hbar", objects=["hbar", "h"], label="constant",
                              doc="ħ (physically consistent) or Planck's h (reproduces the "
                              "study's D)")
    second_moment_e11 = param.Number(default=LAH10_SECOND_MOMENT / 1e11, bounds=(0, None),
                                     step=0.01, label="rigid-lattice M₂ (10¹¹ rad² s⁻²; 0: off)",
                                     doc="Rigid-lattice second moment M₂ for the BPP check, "
                                     "in 10¹¹ rad² s⁻² (0: no check)")
    message = param.String(default="", doc="Why an array could not be read or fitted "
                           "(plain text; never an exception)")

    def __init__(self, campaign_root: str | Path | None = None, **params):
        from analysis import relaxation as rx

        super().__init__(**params)
        self.campaign = campaign_mod.load(campaign_root or default_campaign_dir())
        self.param.t1_model.objects = [rx.AUTO, *rx.T1_MODELS]
        self.param.t2_model.objects = list(rx.T2_MODELS)
        for name, kinds in (("t1_acquisition", RECOVERY_KINDS),
                            ("t2_acquisition", DECAY_KINDS),
                            ("train_acquisition", TRAIN_KINDS)):
            paths = display.array_paths(self.campaign, kinds)
            self.param[name].objects = paths
            if paths:
                setattr(self, name, paths[0])
        self._train_cache: tuple | None = None
        self.refit()

    # -- fits --------------------------------------------------------------------------------
    @param.depends("t1_acquisition", "t2_acquisition", "method", "t1_model", "t2_model",
                   "region_lo_khz", "region_hi_khz", watch=True)
    def refit(self) -> None:
        """Amplitudes and fits for both arrays (tens of ms each; ~0.2 s with method auto,
        which runs and fits all three amplitude methods)."""
        t1, c1, m1 = self._fit(self.t1_acquisition, self.t1_model, "recovery")
        t2, c2, m2 = self._fit(self.t2_acquisition, self.t2_model, "decay")
        self.t1_choice, self.t2_choice = c1, c2  # before the fits, which the views watch
        self.t1, self.t2 = t1, t2
        messages = [m for m in (m1, m2) if m]
        self.message = "\n\n".join(messages)

    def _fit(self, path: str | None, model: str, kind: str):
        """((Amplitudes, FitResult), MethodChoice or None, message) of one array."""
        from analysis.dataset import ReaderError

        if path is None:
            return None, None, ""
        lo, hi = sorted((self.region_lo_khz * 1e3, self.region_hi_khz * 1e3))
        try:
            amps, res, choice = display.fit_array(self.campaign, path, model, kind=kind,
                                                  method=self.method,
                                                  region_hz=(lo, hi) if hi > lo else None)
        except (ReaderError, ValueError, OSError) as exc:
            return None, None, f"{path}: {exc}"
        return ((amps, res), choice,
                "" if res.success else f"{path} ({res.model_name}): {res.message}")

    @param.depends("t1", "t2")
    def compare(self, which: str) -> list[dict]:
        """Every model of the array's kind on the current amplitudes: rows with the headline
        time, AIC, AICc, BIC, the difference of the ranking criterion to the best (``ΔAICc``
        when n/k < 40, else ``ΔAIC``; best first) and the goodness-of-fit verdict."""
        from analysis import relaxation as rx
        from analysis.fitting import rank

        pair = self.t1 if which == "t1" else self.t2
        if pair is None:
            return []
        amps = pair[0]
        names = rx.T1_MODELS if which == "t1" else rx.T2_MODELS
        fits, ic = rank([amps.fit(n) for n in names])
        best = fits[0].criterion(ic) if fits and fits[0].success else np.nan
        key = "T1_s" if which == "t1" else "T2_s"
        rows = []
        for r in fits:
            t = r.measurement(key) if key in r.values else None
            rows.append({"model": r.model_name,
                         key: ms_text(t) if (t is not None and r.success) else "—",
                         "AIC": f"{r.aic:.1f}" if np.isfinite(r.aic) else "—",
                         "AICc": f"{r.aicc:.1f}" if np.isfinite(r.aicc) else "—",
                         "BIC": f"{r.bic:.1f}" if np.isfinite(r.bic) else "—",
                         f"Δ{ic}": f"{r.criterion(ic) - best:.1f}"
                         if r.success and np.isfinite(best) else "failed: " + r.message,
                         "fit": verdict_flag(r.verdict) if r.success else "—"})
        return rows

    @param.depends("t1")
    def t1_models(self) -> list[dict]:
        """:meth:`compare` of the recovery array's models."""
        return self.compare("t1")

    @param.depends("t2")
    def t2_models(self) -> list[dict]:
        """:meth:`compare` of the Hahn array's models."""
        return self.compare("t2")

    @param.depends("t1", "t2")
    def t1_t2_ratio(self) -> Measurement | None:
        """T1/T2 ± σ (relative errors added in quadrature), None unless both fits
        converged."""
        if not (self.t1 and self.t2 and self.t1[1].success and self.t2[1].success):
            return None
        a, b = self.t1[1].measurement("T1_s"), self.t2[1].measurement("T2_s")
        r = a.value / b.value
        return Measurement(r, r * np.hypot(a.stderr / a.value, b.stderr / b.value), "")

    # -- diffusion ---------------------------------------------------------------------------
    @param.depends("t1", "density_e23_cm3", "distance_angstrom", "prefactor", "constant",
                   "second_moment_e11")
    def diffusion(self):
        """``DiffusionResult`` from the current T1 and inputs, or None (no converged T1)."""
        from analysis import diffusion as df

        if self.t1 is None or not self.t1[1].success:
            return None
        t1 = self.t1[1].measurement("T1_s")
        field = self.campaign.field_t or STUDY_FIELD_T
        return df.diffusion_from_t1(t1.value, self.density_e23_cm3 * DENSITY_UNIT_M3,
                                    self.distance_angstrom * ANGSTROM_M,
                                    prefactor=self.prefactor, constant=self.constant,
                                    t1_stderr_s=t1.stderr, field_t=field,
                                    second_moment_rad2_s2=self.second_moment_e11 *
                                    SECOND_MOMENT_UNIT or None)

    @param.depends("diffusion", "t2", "second_moment_e11")
    def bpp(self) -> dict | None:
        """Inputs of the BPP plot: M₂ (the lattice value, or a pair at distance a when it is
        0), ω₀, the measured rates and τ = a²/6D; None without a converged T1."""
        from analysis import diffusion as df

        res = self.diffusion()
        if res is None:
            return None
        m2 = (self.second_moment_e11 * SECOND_MOMENT_UNIT or
              float(df.pair_second_moment(res.distance_m)))
        t2 = self.t2[1] if self.t2 is not None and self.t2[1].success else None
        return {"second_moment_rad2_s2": m2, "omega0_rad_s": res.omega0_rad_s,
                "rate1": 1 / res.t1_s, "rate2": 1 / t2.values["T2_s"] if t2 else None,
                "tau_s": res.tau_s}

    @param.depends("diffusion", "t1", "prefactor")
    def diffusion_rows(self) -> list[dict]:
        """D for every prefactor with ħ and with h, the chosen one marked."""
        from analysis import diffusion as df

        res = self.diffusion()
        if res is None:
            return []
        rows = []
        for key in df.PREFACTORS:
            r = df.diffusion_from_t1(res.t1_s, res.density_m3, res.distance_m, prefactor=key,
                                     t1_stderr_s=self.t1[1].stderr["T1_s"],
                                     larmor_hz=res.omega0_rad_s / (2 * np.pi))
            rel = r.D_stderr_m2_s / r.D_m2_s
            rows.append({"prefactor": df.PREFACTOR_LABELS[key],
                         "D with ħ (cm²/s)": sci_text(r.D_hbar_m2_s * 1e4, rel),
                         "D with h (cm²/s)": sci_text(r.D_h_m2_s * 1e4, rel),
                         "chosen": "◀" if key == self.prefactor else ""})
        return rows

    @param.depends("t1_acquisition", "t2_acquisition")
    def traces(self, which: str) -> display.ArrayTraces | None:
        """The traces of the T1 or T2 array for display
        (:func:`analysis.display.array_traces`), None when they cannot be read."""
        from analysis.dataset import ReaderError

        path = self.t1_acquisition if which == "t1" else self.t2_acquisition
        if path is None:
            return None
        try:
            return display.array_traces(self.campaign, path)
        except (ReaderError, ValueError, OSError):
            return None

    @param.depends("t1_acquisition")
    def t1_traces(self) -> display.ArrayTraces | None:
        """:meth:`traces` of the recovery array."""
        return self.traces("t1")

    @param.depends("t2_acquisition")
    def t2_traces(self) -> display.ArrayTraces | None:
        """:meth:`traces` of the Hahn array."""
        return self.traces("t2")

    # -- echo train --------------------------------------------------------------------------
    @param.depends("train_acquisition")
    def echo_train(self) -> display.EchoTrain | None:
        """(time_s, |traces| (traces × points), pulse spacings τ in s) of the echo train
        (:func:`analysis.display.echo_train`), cached; None when it cannot be read."""
        from analysis.dataset import ReaderError

        path = self.train_acquisition
        if path is None:
            return None
        if self._train_cache and self._train_cache[0] == path:
            return self._train_cache[1]
        try:
            out = display.echo_train(self.campaign, path)
        except (ReaderError, ValueError, OSError) as exc:
            self.message = f"{path}: {exc}"
            return None
        self._train_cache = (path, out)
        return out
