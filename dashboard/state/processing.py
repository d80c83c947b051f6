"""The Processing page's store: selection, processing parameters, derived spectrum and
measurements, saved versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import param

from analysis import campaign as campaign_mod
from analysis.processing import wrap_phase

from .common import day_value, default_campaign_dir
from .scan import scan_statuses
from .versions import SavedVersions

ZERO_FILLS = [0, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]


class ProcessingState(param.Parameterized):
    """Selection, processing parameters and derived results of the processing page.

    Pure param (no Panel): the expensive transform (DC, shift, apodization, zero fill, FFT)
    is cached and redone only when its inputs change; phase and baseline are cheap.
    """

    cell = param.Selector(default=None, objects=[], allow_None=True,
                          doc="The cell (one sample in its anvil cell) whose days are listed")
    day = param.Selector(default=None, objects=[], allow_None=True,
                         doc="The day of the cell whose acquisitions are listed")
    acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                 doc="The acquisition shown (path in the campaign folder)")
    trace = param.Integer(default=0, bounds=(0, None),
                          doc="Which trace of an arrayed acquisition is processed (from 0)")
    unit = param.Selector(default="ppm", objects=["Hz", "kHz", "ppm"], doc="Frequency axis")

    p0 = param.Number(default=0.0, bounds=(-180.0, 180.0), step=0.1, label="p0 (°)",
                      doc="Zero-order phase at the pivot, in degrees")
    p1 = param.Number(default=0.0, bounds=(-720.0, 720.0), step=0.5, label="p1 (° across SW)",
                      doc="First-order phase across the full spectral width, in degrees")
    pivot_hz = param.Number(default=0.0, label="pivot (Hz from carrier)",
                            doc="Where p1 adds no phase: offset from the carrier, in Hz")
    lb_hz = param.Number(default=0.0, bounds=(0.0, 50000.0), step=10.0,
                         label="exponential broadening (Hz)",
                         doc="Exponential (Lorentzian) line broadening of the FID, in Hz")
    gb_hz = param.Number(default=0.0, bounds=(0.0, 50000.0), step=10.0,
                         label="Gaussian broadening (Hz)",
                         doc="Gaussian line broadening of the FID, in Hz")
    zero_fill = param.Selector(default=0, objects=ZERO_FILLS, label="zero fill (0 = auto)",
                               doc="Points after zero filling (0: the next power of two at "
                               "or above twice the points)")
    left_shift = param.Integer(default=0, bounds=(0, 4096), label="left shift (points)",
                               doc="Points dropped from the start of the FID (echo off)")
    echo = param.Selector(default="off", objects=["off", "echo", "whole-echo"],
                          label="echo: off, half echo from the top, whole echo",
                          doc="Echo: off (the left shift applies), the half echo from its "
                          "top, or the whole echo with its top at t = 0")
    baseline = param.Selector(default="none", objects=["none", "polynomial", "spline"],
                              doc="Baseline subtracted: none, a polynomial fitted to the "
                              "regions, or a spline through the anchors")
    baseline_order = param.Integer(default=1, bounds=(0, 6), label="polynomial order",
                                   doc="Order of the baseline polynomial")
    regions = param.List(default=[], doc="Baseline regions, (lo, hi) in Hz from the carrier")
    show_corrected = param.Boolean(default=False, doc="Plot the spectrum after subtraction")
    anchors = param.List(default=[], doc="Spline anchors, (x in Hz from carrier, y)")

    status = param.String(default="", doc="Message for the user (errors, saves)")
    saved = param.String(default="", doc="Description of the version shown")
    revision = param.Integer(default=0, doc="Bumped when a new dataset is loaded")
    store_notice = param.String(default="", doc="Why saved processing cannot be shown or "
                                "saved (one line; empty when the results database works)")
    can_save = param.Boolean(default=True, doc="Whether Save can write a new version")

    #: The processing parameters, by stage: the one list of them. A saved version holds
    #: them (:meth:`params_record`, :meth:`apply_params`); each derived value declares the
    #: stages it follows (``param.depends``), and the views redraw on those declarations.
    #: A new processing parameter goes into a stage here and into those two methods.
    TRANSFORM_KEYS = ("lb_hz", "gb_hz", "zero_fill", "left_shift", "echo", "trace")  # costly
    PHASE_KEYS = ("p0", "p1", "pivot_hz")
    BASELINE_KEYS = ("baseline", "baseline_order", "regions", "anchors")
    PROCESSING_KEYS = TRANSFORM_KEYS + PHASE_KEYS + BASELINE_KEYS
    #: what the FID shown follows: the transform's inputs but the zero fill
    FID_KEYS = tuple(k for k in TRANSFORM_KEYS if k != "zero_fill")

    def __init__(self, campaign_root: str | Path | None = None, store=None, *,
                 load: bool = True, **params):
        super().__init__(**params)
        root = Path(campaign_root or default_campaign_dir())
        self.campaign = campaign_mod.load(root)
        self.versions = SavedVersions(self, root, store)
        self.dataset = None
        self.reference = None  # analysis.units.Reference of the loaded dataset
        self._cache_key = None
        self._cache = None
        self._shift_key = None
        self._shift = None
        self._spectrum_key = None
        self._spectrum = None
        self._measure_key = None
        self._measured: dict = {}
        self.unreadable: dict[str, str] = {}
        self.param.cell.objects = self.campaign.cells
        if load:
            self.start()
        else:
            self.status = "Reading the campaign's acquisitions…"

    def start(self) -> None:
        """Read every acquisition (:func:`scan_statuses`: the unreadable ones and why) and
        open the first cell's first one. Done by ``__init__`` unless ``load=False``; the
        served page calls it once the browser is connected, off the event loop."""
        statuses = scan_statuses(self.campaign)
        self.unreadable = {s.acquisition.path: s.reason for s in statuses if not s.ok}
        if self.status.startswith("Reading the campaign"):
            self.status = ""
        if self.campaign.cells:
            if self.cell == self.campaign.cells[0]:
                self._on_cell()
            else:
                self.cell = self.campaign.cells[0]
        else:
            self.revision += 1

    @property
    def store(self):
        """The campaign's results database (``analysis.store.ResultsStore``), or None when
        it cannot be opened."""
        return self.versions.store

    # -- selection -------------------------------------------------------------------------
    @param.depends("cell", watch=True, on_init=False)
    def _on_cell(self) -> None:
        days = self.campaign.days(self.cell) if self.cell else []
        self.param.day.objects = {f"day {day_value(d)}": d for d in days}
        self.day = days[0] if days else None
        self._on_day()

    @param.depends("day", watch=True)
    def _on_day(self) -> None:
        acqs = [a.path for a in self.campaign.select(cell=self.cell, day=self.day)]
        self.param.acquisition.objects = acqs
        if self.acquisition not in acqs:
            self.acquisition = acqs[0] if acqs else None
        else:
            self._load()

    @param.depends("acquisition", watch=True)
    def _load(self) -> None:
        """Read the dataset and bring back its saved processing (or the defaults)."""
        self.dataset = None
        self.reference = None
        self._cache_key = None
        self.saved = ""  # never the previous acquisition's version
        if self.acquisition is None:
            return
        acq = self.campaign.acquisition(self.acquisition)
        if self._read(acq) and not self.versions.apply_latest(self.acquisition):
            self.apply_params(acq.default_processing().to_dict())
            self.saved = "not saved yet (defaults)" if not self.store_notice else ""
            self.status = ""
            self.revision += 1
            # a starting phase; broad, noisy ¹³⁹La lines leave p1 ill-determined
            self.autophase("zero-order" if self.dataset.nucleus == "139La" else "max-real")
            return
        self.revision += 1

    def _read(self, acq) -> bool:
        """Read ``acq`` into ``dataset``/``reference``; False (the status says why) when it
        is unreadable, now or in the scan."""
        from analysis.dataset import ReaderError

        if acq.path in self.unreadable:
            self.status = f"Unreadable: {self.unreadable[acq.path]}"
            return False
        try:
            self.dataset, self.reference = self.campaign.read_with_reference(acq)
        except (ReaderError, campaign_mod.CampaignError) as exc:
            self.unreadable[acq.path] = str(exc)
            self.status = f"Unreadable: {exc}"
            return False
        self.param.trace.bounds = (0, self.dataset.traces - 1)
        return True

    # -- parameters ------------------------------------------------------------------------
    @param.depends(*PROCESSING_KEYS)
    def params_record(self):
        """The current parameters as an analysis ProcessingParams."""
        from analysis.processing import ProcessingParams

        return ProcessingParams(
            left_shift=self.echo if self.echo != "off" else int(self.left_shift),
            lb_hz=self.lb_hz,
            gb_hz=self.gb_hz, zero_fill=int(self.zero_fill), p0_deg=self.p0, p1_deg=self.p1,
            pivot_hz=self.pivot_hz, baseline=self.baseline, baseline_order=self.baseline_order,
            baseline_regions_hz=tuple(tuple(r) for r in self.regions),
            baseline_anchors=tuple(tuple(a) for a in self.anchors), trace=int(self.trace))

    def apply_params(self, d: dict) -> None:
        """Set the processing parameters from a saved record (``ProcessingParams.to_dict``)."""
        from analysis.processing import ProcessingParams

        p = ProcessingParams.from_dict(d)
        zf = p.zero_fill if p.zero_fill in ZERO_FILLS else 0
        self.param.update(
            echo=p.left_shift if isinstance(p.left_shift, str) else "off",
            left_shift=0 if isinstance(p.left_shift, str) else int(p.left_shift),
            lb_hz=p.lb_hz,
            gb_hz=p.gb_hz, zero_fill=zf, p0=wrap_phase(p.p0_deg), p1=p.p1_deg, pivot_hz=p.pivot_hz,
            baseline=p.baseline, baseline_order=p.baseline_order,
            regions=[list(r) for r in p.baseline_regions_hz],
            anchors=[list(a) for a in p.baseline_anchors],
            trace=min(p.trace, self.param.trace.bounds[1] or 0))

    # -- derived ---------------------------------------------------------------------------
    @param.depends("revision", *TRANSFORM_KEYS)
    def transformed(self):
        """(offsets_hz, unphased spectrum), cached on the transform inputs."""
        from analysis import processing

        if self.dataset is None:
            return None
        key = (self.acquisition, self.revision,
               *(getattr(self, k) for k in self.TRANSFORM_KEYS))
        if key != self._cache_key:
            self._cache = processing.transform(self.dataset, self.params_record())
            self._cache_key = key
        return self._cache

    @param.depends("transformed", "params_record")
    def spectrum(self):
        """The processed Spectrum (cached on every parameter), or None."""
        from analysis import processing

        t = self.transformed()
        if t is None:
            return None
        params = self.params_record()
        key = (self._cache_key, params)
        if key == self._spectrum_key:
            return self._spectrum
        try:
            sp = processing.finish(self.dataset, params, *t)
        except ValueError as exc:  # e.g. too few points in the baseline regions
            self.status = str(exc)
            sp = processing.finish(self.dataset, params.replace(baseline="none"), *t)
        self._spectrum_key, self._spectrum = key, sp
        return sp

    @param.depends("revision", *FID_KEYS, *PHASE_KEYS)
    def fid(self):
        """(time_s, FID) of the trace with p0 applied (time-domain data only), or None."""
        from analysis import processing

        if self.dataset is None or self.dataset.domain != "time":
            return None
        return processing.phased_fid(self.dataset, self.params_record())

    @param.depends("revision", "unit")
    def to_display(self, offsets_hz):
        """Offsets from the carrier (Hz) → the display unit."""
        from analysis.units import offset_axis

        return offset_axis(offsets_hz, self._unit(), carrier_hz=self.dataset.carrier_hz,
                           reference_hz=self.dataset.reference_hz)

    def from_display(self, value):
        """A value on the display axis → offset from the carrier (Hz)."""
        from analysis.units import offset_from_axis

        return offset_from_axis(value, self._unit(), carrier_hz=self.dataset.carrier_hz,
                                reference_hz=self.dataset.reference_hz)

    def _unit(self) -> str:
        if self.unit == "ppm" and not (self.dataset and self.dataset.reference_hz):
            return "Hz"
        return self.unit

    def line_shift(self):
        """The phase-independent shift (``analysis.measure.LineShift``) of the dominant line
        against the campaign's reference, cached on what it depends on (the FID, DC, left
        shift, trace): failed (``success`` False, the reason in ``message``) when the FID
        gives none; raises ``MeasurementError`` when there is no data."""
        from analysis import measure

        if self.dataset is None:
            raise measure.MeasurementError("no data")
        params = self.params_record()
        key = (self.acquisition, self.revision, params.left_shift, params.trace, params.dc,
               params.dc_fraction)
        if key != self._shift_key:
            try:
                self._shift = measure.line_shift(self.dataset, params)
            except ValueError as exc:  # a bad argument (the trace, the left shift)
                self._shift = exc
            self._shift_key = key
        if isinstance(self._shift, Exception):
            raise self._shift
        return self._shift

    def measurements(self) -> dict:
        """Shift (``shift``: the time-domain fit, independent of the phase; ``peak``: the
        frequency-domain peak, which depends on it), the reference used, FWHM, integral and
        SNR with uncertainties (or the reason they fail)."""
        from analysis import measure

        sp = self.spectrum()
        if sp is None:
            return {"error": self.status or "no data"}
        if self._spectrum_key == self._measure_key:
            return self._measured
        out: dict = {}
        if self.reference is not None:
            out["reference"] = self.reference
        if self.dataset.domain == "time":
            try:
                ls = self.line_shift()
            except (measure.MeasurementError, ValueError) as exc:
                out["shift_error"] = f"time-domain fit: {exc}"
            else:
                if ls.success:
                    out["shift"] = ls
                elif ls.reason == measure.SEVERAL_LINES:
                    out["shift_error"] = (f"time-domain fit: {ls.message}. This page shows no "
                                          "single shift for it; measure one line with `hpnmr "
                                          "shift PATH --region LO:HI`.")
                else:
                    out["shift_error"] = f"time-domain fit: {ls.message}"
        try:
            pk = measure.peak(sp).raise_for_failure()
            out["peak"] = pk
            w = pk.fwhm_hz.value
            region = (pk.position_hz.value - 2 * w, pk.position_hz.value + 2 * w)
            out["integral"] = measure.integral(sp, region)
            out["integral_region_hz"] = region
            out["snr_f"] = measure.snr_frequency(sp)
        except (measure.MeasurementError, ValueError) as exc:
            out["error"] = str(exc)
        if self.dataset.domain == "time":
            try:
                out["snr_t"] = measure.snr_time(self.dataset, self.params_record())
            except (measure.MeasurementError, ValueError) as exc:
                out.setdefault("error", str(exc))
        self._measure_key, self._measured = self._spectrum_key, out
        return out

    # -- actions ---------------------------------------------------------------------------
    def set_pivot(self, offset_hz: float) -> None:
        """Move the pivot, keeping the applied correction unchanged."""
        from analysis.processing import move_pivot

        sw = self.dataset.spectral_width_hz if self.dataset else 1.0
        p0 = move_pivot(self.p0, self.p1, self.pivot_hz, float(offset_hz), sw)
        self.param.update(pivot_hz=float(offset_hz), p0=wrap_phase(p0))

    def autophase(self, method: str = "acme") -> None:
        from analysis import processing

        t = self.transformed()
        if t is None:
            return
        off, raw = t
        p0, p1 = processing.autophase(raw, off, self.dataset.spectral_width_hz, method=method,
                                      pivot_hz=self.pivot_hz)
        self.param.update(p0=wrap_phase(p0), p1=float(np.clip(p1, -720, 720)))
        self.status = f"autophase ({method}): a starting point — check and refine by hand"

    def add_region(self, lo_hz: float, hi_hz: float) -> None:
        self.param.update(regions=[*self.regions, [min(lo_hz, hi_hz), max(lo_hz, hi_hz)]],
                          baseline="polynomial" if self.baseline == "none" else self.baseline)

    def auto_anchors(self, n: int = 8) -> None:
        """Place ``n`` anchors on the spectrum, away from the strongest line."""
        from analysis import processing

        sp = self.spectrum()
        if sp is None:
            return
        x = sp.offsets_hz
        y = (sp.data.real + (sp.baseline if sp.baseline is not None else 0))
        peak = x[np.argmax(np.abs(y))]
        span = x[-1] - x[0]
        cand = np.linspace(x[0] + 0.02 * span, x[-1] - 0.02 * span, 3 * n)
        cand = cand[np.abs(cand - peak) > 0.1 * span]
        pos = cand[np.linspace(0, cand.size - 1, n).astype(int)]
        anchors = processing.anchors_from_spectrum(x, y, pos, half_width=max(2, x.size // 400))
        self.param.update(anchors=[list(a) for a in anchors], baseline="spline")

    def save(self, author: str = "", note: str = ""):
        """Append the current processing and results to the campaign's history.

        ``author`` (typed on the Save panel) is stored bounded and without control
        characters (:func:`dashboard.text.clean_name`); pages show it escaped."""
        from ..text import clean_name

        author = clean_name(author)
        if self.dataset is None or self.acquisition is None:
            self.status = "nothing to save"
            return None
        if self.versions.refused("save"):
            return None
        m = self.measurements()
        results = {k: v.to_dict() for k, v in m.items() if hasattr(v, "to_dict")}
        return self.versions.save(author, note, self.params_record().to_dict(), results)

    def restore(self, version_id: int) -> None:
        """Show version ``version_id`` again, saved anew as the newest version."""
        self.versions.restore(version_id)

    @param.depends("acquisition", "saved", "status")
    def history_rows(self) -> list[dict]:
        """The acquisition's saved versions, one table row each."""
        return self.versions.history_rows(self.acquisition)
