"""The Processing page's store: selection, processing parameters, derived spectrum and
measurements, saved versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import param

from analysis import campaign as campaign_mod
from analysis.processing import wrap_phase

from .common import (
    day_value,
    default_campaign_dir,
    open_store,
)
from .scan import scan_statuses

ZERO_FILLS = [0, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]


class ProcessingState(param.Parameterized):
    """Selection, processing parameters and derived results of the processing page.

    Pure param (no Panel): the expensive transform (DC, shift, apodization, zero fill, FFT)
    is cached and redone only when its inputs change; phase and baseline are cheap.
    """

    cell = param.Selector(default=None, objects=[], allow_None=True)
    day = param.Selector(default=None, objects=[], allow_None=True)
    acquisition = param.Selector(default=None, objects=[], allow_None=True)
    trace = param.Integer(default=0, bounds=(0, None))
    unit = param.Selector(default="ppm", objects=["Hz", "kHz", "ppm"], doc="Frequency axis")

    p0 = param.Number(default=0.0, bounds=(-180.0, 180.0), step=0.1, label="p0 (°)")
    p1 = param.Number(default=0.0, bounds=(-720.0, 720.0), step=0.5, label="p1 (° across SW)")
    pivot_hz = param.Number(default=0.0, label="pivot (Hz from carrier)")
    lb_hz = param.Number(default=0.0, bounds=(0.0, 50000.0), step=10.0,
                         label="exponential broadening (Hz)")
    gb_hz = param.Number(default=0.0, bounds=(0.0, 50000.0), step=10.0,
                         label="Gaussian broadening (Hz)")
    zero_fill = param.Selector(default=0, objects=ZERO_FILLS, label="zero fill (0 = auto)")
    left_shift = param.Integer(default=0, bounds=(0, 4096), label="left shift (points)")
    echo = param.Selector(default="off", objects=["off", "echo", "whole-echo"],
                          label="echo: off, half echo from the top, whole echo")
    baseline = param.Selector(default="none", objects=["none", "polynomial", "spline"])
    baseline_order = param.Integer(default=1, bounds=(0, 6), label="polynomial order")
    regions = param.List(default=[], doc="Baseline regions, (lo, hi) in Hz from the carrier")
    show_corrected = param.Boolean(default=False, doc="Plot the spectrum after subtraction")
    anchors = param.List(default=[], doc="Spline anchors, (x in Hz from carrier, y)")

    status = param.String(default="", doc="Message for the user (errors, saves)")
    saved = param.String(default="", doc="Description of the version shown")
    revision = param.Integer(default=0, doc="Bumped when a new dataset is loaded")
    store_notice = param.String(default="", doc="Why saved processing cannot be shown or "
                                "saved (one line; empty when the results database works)")
    can_save = param.Boolean(default=True, doc="Whether Save can write a new version")

    TRANSFORM_KEYS = ("lb_hz", "gb_hz", "zero_fill", "left_shift", "echo", "trace")

    def __init__(self, campaign_root: str | Path | None = None, store=None, *,
                 load: bool = True, **params):
        super().__init__(**params)
        from analysis.store import StoreError

        root = Path(campaign_root or default_campaign_dir())
        self.campaign = campaign_mod.load(root)
        try:
            self.store = store or open_store(root)
        except StoreError as exc:  # damaged, or cannot be created (read-only folder)
            self.store = None
            self._store_broke(exc)
        else:
            if getattr(self.store, "read_only", False):
                self.param.update(can_save=False, store_notice=(
                    f"Read-only campaign: saving is off ({self.store.problem}); saved "
                    "processing is shown."))
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

    def _store_broke(self, exc: Exception) -> None:
        """The results database cannot be used: say so in one line, show the raw files,
        and write nothing (a damaged database is left exactly as it is)."""
        self.param.update(can_save=False, saved="", store_notice=(
            f"Saved processing is not available, showing the raw files; saving is off: "
            f"{exc}"))

    def _latest(self, acquisition: str):
        """The acquisition's latest saved version, or None (also when the database breaks:
        the notice says so)."""
        from analysis.store import StoreError

        if self.store is None:
            return None
        try:
            return self.store.latest(acquisition)
        except StoreError as exc:
            self._store_broke(exc)
            return None

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
        from analysis.dataset import ReaderError

        self.dataset = None
        self.reference = None
        self._cache_key = None
        self.saved = ""  # never the previous acquisition's version
        if self.acquisition is None:
            return
        if self.acquisition in self.unreadable:
            self.status = f"Unreadable: {self.unreadable[self.acquisition]}"
            self.revision += 1
            return
        acq = self.campaign.acquisition(self.acquisition)
        try:
            self.dataset, self.reference = self.campaign.read_with_reference(acq)
        except (ReaderError, campaign_mod.CampaignError) as exc:
            self.unreadable[self.acquisition] = str(exc)
            self.status = f"Unreadable: {exc}"
            self.revision += 1
            return
        self.param.trace.bounds = (0, self.dataset.traces - 1)
        latest = self._latest(self.acquisition)
        if latest is not None:
            try:
                self.apply_params(latest.params)
            except (ValueError, TypeError, KeyError) as exc:
                self._store_broke(ValueError(f"version #{latest.id} of {self.acquisition} "
                                             f"holds unusable parameters ({exc})"))
                latest = None
        if latest is not None:
            self.saved = f"version #{latest.id} saved by {latest.author} at " \
                         f"{latest.created_utc[:19].replace('T', ' ')} UTC"
            self.status = ""
        else:
            self.apply_params(acq.default_processing().to_dict())
            self.saved = "not saved yet (defaults)" if not self.store_notice else ""
            self.status = ""
            self.revision += 1
            # a starting phase; broad, noisy ¹³⁹La lines leave p1 ill-determined
            self.autophase("zero-order" if self.dataset.nucleus == "139La" else "max-real")
            return
        self.revision += 1

    # -- parameters ------------------------------------------------------------------------
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

    def fid(self):
        from analysis import processing

        if self.dataset is None or self.dataset.domain != "time":
            return None
        return processing.phased_fid(self.dataset, self.params_record())

    def to_display(self, offsets_hz):
        """Offsets from the carrier (Hz) → the display unit."""
        from analysis.units import offset_axis

        return offset_axis(offsets_hz, self._unit(), carrier_hz=self.dataset.carrier_hz,
                           reference_hz=self.dataset.reference_hz)

    def from_display(self, value):
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
        from analysis.store import StoreError

        from ..text import clean_name

        author = clean_name(author)
        if self.dataset is None or self.acquisition is None:
            self.status = "nothing to save"
            return None
        if self.store is None or not self.can_save:
            self.status = f"save failed: {self.store_notice or 'saving is off'}"
            return None
        m = self.measurements()
        results = {k: v.to_dict() for k, v in m.items() if hasattr(v, "to_dict")}
        try:
            v = self.store.save(self.acquisition, self.params_record().to_dict(), results,
                                author=author or None, note=note,
                                raw_sha256=dict(self.dataset.sha256))
        except StoreError as exc:
            self.status = f"save failed: {exc}"
            return None
        self.saved = f"version #{v.id} saved by {v.author} at " \
                     f"{v.created_utc[:19].replace('T', ' ')} UTC"
        self.status = f"saved version #{v.id}"
        return v

    def restore(self, version_id: int) -> None:
        from analysis.store import StoreError

        if self.store is None or not self.can_save:
            self.status = f"restore failed: {self.store_notice or 'saving is off'}"
            return
        try:
            v = self.store.restore(int(version_id))
        except StoreError as exc:
            self.status = f"restore failed: {exc}"
            return
        self.apply_params(v.params)
        self.saved = f"version #{v.id} (restored #{version_id})"
        self.status = f"restored version #{version_id} as #{v.id}"

    def history_rows(self) -> list[dict]:
        from analysis.store import StoreError

        if self.acquisition is None or self.store is None:
            return []
        try:
            versions = self.store.history(self.acquisition)
        except StoreError as exc:
            self._store_broke(exc)
            return []
        return [{"version": v.id, "saved (UTC)": v.created_utc[:19].replace("T", " "),
                 "by": v.author, "p0 (°)": round(v.params.get("p0_deg", 0.0), 2),
                 "p1 (°)": round(v.params.get("p1_deg", 0.0), 2),
                 "baseline": v.params.get("baseline", ""), "note": v.note}
                for v in versions]
