"""Param stores of the dashboard (no Panel import): testable without a server."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import param

from analysis import campaign as campaign_mod
from analysis import pake as pake_defaults
from analysis.processing import wrap_phase

from . import EXAMPLE_CAMPAIGN

CAMPAIGN_ENV = "HPNMR_CAMPAIGN"
STORE_ENV = "HPNMR_STORE"  # optional: results database path (default <campaign>/.hpnmr/)


def default_campaign_dir() -> Path:
    """The campaign to open: ``$HPNMR_CAMPAIGN`` or the bundled example."""
    return Path(os.environ.get(CAMPAIGN_ENV) or EXAMPLE_CAMPAIGN)


def open_store(campaign_root: str | Path):
    """The campaign's results database: ``$HPNMR_STORE`` when the administrator set one
    (trusted as given), else ``<campaign>/.hpnmr/results.sqlite`` confined to the campaign
    folder (a ``.hpnmr`` or database symlinked out of it raises ``StoreError``)."""
    from analysis.store import ResultsStore, default_path

    explicit = os.environ.get(STORE_ENV)
    if explicit:
        return ResultsStore(explicit)
    return ResultsStore(default_path(campaign_root), root=campaign_root)


def _day(day: float) -> int | float:
    return int(day) if float(day).is_integer() else day


def readable_transport(camp) -> tuple:
    """``(campaign, refused)``: the campaign keeping only the transport cells whose folder
    can be listed, and one line per cell left out (the folder refused or unreadable), so a
    page shows the other cells and says why one is missing instead of failing.

    Parameters
    ----------
    camp : analysis.campaign.Campaign

    Returns
    -------
    tuple of (analysis.campaign.Campaign, list of str)
        ``camp`` itself when every cell is readable; the lines are plain (untrusted) text.
    """
    from analysis.dataset import ReaderError

    kept, refused = [], []
    for tc in camp.transport_cells:
        try:
            dataclasses.replace(camp, transport_cells=(tc,)).transport_curves()
        except (ReaderError, campaign_mod.CampaignError, OSError) as exc:
            refused.append(f"transport cell {tc.get('id', '?')} left out: {exc}")
            continue
        kept.append(tc)
    if not refused:
        return camp, []
    return dataclasses.replace(camp, transport_cells=tuple(kept)), refused


# -------------------------------------------------------------------------------------------
# the scan of a campaign, remembered per server process
# -------------------------------------------------------------------------------------------
_SCAN_CACHE: OrderedDict = OrderedDict()
_SCAN_LOCK = threading.Lock()
_SCAN_KEY_LOCKS: dict = {}
SCAN_CACHE_ITEMS = 4096
#: how long a read refused for taking too long stays refused (s): a slow machine, not the
#: file, may have been the cause, but a hostile file must not cost every session the limit
SCAN_TIMEOUT_MEMORY_S = 300.0


def _file_signature(path: Path) -> tuple | None:
    """(size, mtime) of a file, or of a folder and the files directly in it; None when the
    path cannot be examined (the read then reports why)."""
    try:
        st = path.stat()
        if not path.is_dir():
            return (st.st_size, st.st_mtime_ns)
        entries = []
        with os.scandir(path) as it:
            for i, e in enumerate(sorted(it, key=lambda e: e.name)):
                if i >= 256:
                    break
                est = e.stat()
                entries.append((e.name, est.st_size, est.st_mtime_ns))
        return (st.st_mtime_ns, tuple(entries))
    except OSError:
        return None


def scan_statuses(camp) -> list:
    """``camp.scan()`` — every acquisition read once, unreadable ones with the reason —
    with each outcome remembered by this process while the acquisition's files keep their
    size and modification time. Sessions opening the same campaign share the outcomes, and
    a file that another session is reading right now is waited for, not read twice (so a
    hostile file costs the server its time limit once, not once per page)."""
    from analysis.io.isolated import TIMEOUT_PHRASE

    try:
        root = str(camp.root.resolve())
        context = json.dumps(camp.referencing, sort_keys=True, default=str)
    except (OSError, TypeError, ValueError):
        return camp.scan()
    out = []
    for acq in camp.acquisitions:
        one = dataclasses.replace(camp, acquisitions=(acq,))
        try:
            sig = _file_signature(camp.resolve(acq.path))
        except campaign_mod.CampaignError:
            sig = None
        if sig is None:
            out.extend(one.scan())
            continue
        key = (root, context, acq, sig)
        with _SCAN_LOCK:
            lock = _SCAN_KEY_LOCKS.setdefault(key, threading.Lock())
        with lock:
            with _SCAN_LOCK:
                hit = _SCAN_CACHE.get(key)
            if hit is not None and (hit[1] is None or time.monotonic() < hit[1]):
                out.append(hit[0])
                continue
            started = time.monotonic()
            status = one.scan()[0]
            expires = None
            if not status.ok and TIMEOUT_PHRASE in status.reason:
                expires = started + SCAN_TIMEOUT_MEMORY_S
            with _SCAN_LOCK:
                _SCAN_CACHE[key] = (status, expires)
                _SCAN_CACHE.move_to_end(key)
                while len(_SCAN_CACHE) > SCAN_CACHE_ITEMS:
                    old, _ = _SCAN_CACHE.popitem(last=False)
                    _SCAN_KEY_LOCKS.pop(old, None)
            out.append(status)
    return out


class CampaignState(param.Parameterized):
    """The open campaign and which acquisitions could be read."""

    root = param.String(default="", doc="Campaign folder")
    error = param.String(default="", doc="Why the campaign could not be opened")
    campaign = param.Parameter(default=None, doc="analysis.campaign.Campaign")
    statuses = param.List(default=[], doc="AcquisitionStatus per acquisition")
    scanning = param.Boolean(default=False, doc="The acquisitions are being read")
    cell = param.Selector(default=None, objects=[], allow_None=True, doc="Selected cell")

    def __init__(self, root: str | Path | None = None, *, scan: bool = True, **params):
        super().__init__(**params)
        self.open(root or default_campaign_dir(), scan=scan)

    def open(self, root: str | Path, *, scan: bool = True) -> None:
        """Load a campaign folder; on failure keep the session alive and say why.
        ``scan=False`` reads only the manifest; :meth:`scan` then reads the acquisitions
        (the served page does it once the browser is connected, off the event loop)."""
        self.root = str(root)
        try:
            camp = campaign_mod.load(root)
        except campaign_mod.CampaignError as exc:
            self.param.update(campaign=None, statuses=[], error=str(exc), scanning=False)
            self.param.cell.objects = []
            return
        statuses = scan_statuses(camp) if scan else []
        self.param.cell.objects = camp.cells
        self.param.update(campaign=camp, statuses=statuses, error="", scanning=not scan,
                          cell=camp.cells[0] if camp.cells else None)

    def scan(self) -> None:
        """Read every acquisition of the open campaign (:func:`scan_statuses`)."""
        if self.campaign is None:
            return
        self.scanning = True
        try:
            statuses = scan_statuses(self.campaign)
        except BaseException:
            self.scanning = False
            raise
        self.param.update(statuses=statuses, scanning=False)

    def rows(self) -> list[dict]:
        """One row per acquisition for tables."""
        out = []
        for s in self.statuses:
            a = s.acquisition
            sm = s.summary
            out.append({
                "cell": a.cell, "day": _day(a.day),
                "nucleus": a.nucleus or sm.get("nucleus") or "",
                "kind": a.kind, "acquisition": a.path,
                "format": sm.get("format", ""), "points": sm.get("points"),
                "traces": sm.get("traces"), "scans": sm.get("scans"),
                "SW (kHz)": round(sm["spectral_width_hz"] / 1e3, 3) if s.ok else None,
                "status": "ok" if s.ok else f"unreadable: {s.reason}",
            })
        return out

    @property
    def unreadable(self) -> list:
        return [s for s in self.statuses if not s.ok]


# -------------------------------------------------------------------------------------------
# processing page
# -------------------------------------------------------------------------------------------
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
        self.param.day.objects = {f"day {_day(d)}": d for d in days}
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
        shift, trace); raises ``MeasurementError`` when there is no FID to fit."""
        from analysis import measure

        if self.dataset is None:
            raise measure.MeasurementError("no data")
        params = self.params_record()
        key = (self.acquisition, self.revision, params.left_shift, params.trace, params.dc,
               params.dc_fraction)
        if key != self._shift_key:
            try:
                self._shift = measure.line_shift(self.dataset, params)
            except (measure.MeasurementError, ValueError) as exc:
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
                out["shift"] = self.line_shift()
            except measure.SeveralLinesError as exc:
                out["shift_error"] = (f"time-domain fit: {exc}. This page shows no single "
                                      "shift for it; measure one line with `hpnmr shift "
                                      "PATH --region LO:HI`.")
            except (measure.MeasurementError, ValueError) as exc:
                out["shift_error"] = f"time-domain fit: {exc}"
        try:
            pk = measure.peak(sp)
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

        from .text import clean_name

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


# -------------------------------------------------------------------------------------------
# Pake page
# -------------------------------------------------------------------------------------------
class PakeState(param.Parameterized):
    """The H₂ phase III Pake fit: the processed spectrum, start values that redraw the model
    live, and the last fit (an ``analysis.fitting.FitResult``)."""

    acquisition = param.Selector(default=None, objects=[], allow_None=True)
    components = param.Selector(default=2, objects=[1, 2])
    r_n = param.Number(default=0.75, bounds=(0.6, 1.2), step=0.001, label="r_n start (Å)")
    r_nn = param.Number(default=1.24, bounds=(0.8, 2.0), step=0.001, label="r_nn start (Å)")
    weight_n = param.Number(default=0.5, bounds=(0.0, 1.0), step=0.01,
                            label="weight of r_n start")
    broadening_khz = param.Number(default=20.0, bounds=(0.5, 120.0), step=0.1,
                                  label="Gaussian FWHM start (kHz)")
    center_khz = param.Number(default=0.0, bounds=(-100.0, 100.0), step=0.1,
                              label="centre start (kHz)")
    central_line = param.Boolean(default=pake_defaults.CENTRAL_LINE_DEFAULT,
                                 label="fit a narrow central line")
    fix_weight = param.Boolean(default=False, label="hold the weight (one partner per H)")
    result = param.Parameter(default=None, doc="the last FitResult")
    message = param.String(default="")
    how = param.String(default="", doc="how the spectrum was processed")

    def __init__(self, campaign_root: str | Path | None = None, **params):
        super().__init__(**params)
        self.campaign = campaign_mod.load(campaign_root or default_campaign_dir())
        acqs = [a.path for a in self.campaign.acquisitions
                if (a.nucleus in (None, "1H")) and a.kind in ("whole-echo", "fid", "echo")]
        preferred = [a.path for a in self.campaign.acquisitions if a.kind == "whole-echo"]
        self.param.acquisition.objects = acqs
        self._data = None
        self._model = None
        self.acquisition = preferred[0] if preferred else (acqs[0] if acqs else None)

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

    def data(self):
        """(frequency_hz, intensity) of the processed spectrum, or None."""
        if self._data is None and self.acquisition is not None:
            self._load()
        return self._data

    def preview(self):
        """The model at the start values, its area and baseline solved by linear least
        squares so it sits on the data: (total, {name: component})."""
        d = self.data()
        if d is None:
            return None
        y = d[1]
        two = self.components == 2
        model = self._model if two else self._model1
        v = {"amplitude": 1.0, "weight_n": self.weight_n, "r_n_angstrom": self.r_n,
             "r_nn_angstrom": self.r_nn, "broadening_hz": self.broadening_khz * 1e3,
             "center_hz": self.center_khz * 1e3, "baseline_0": 0.0}
        comps = model.doublets(v)
        shape = np.sum(comps, axis=0)
        coef, *_ = np.linalg.lstsq(np.c_[shape, np.ones_like(shape)], y, rcond=None)
        names = ["r_n doublet", "r_nn doublet"] if two else ["r_n doublet"]
        parts = {n: coef[0] * c for n, c in zip(names, comps, strict=True)}
        return coef[0] * shape + coef[1], parts

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


#: acquisition kinds per role on the relaxation page
RECOVERY_KINDS = ("saturation-recovery", "inversion-recovery")
DECAY_KINDS = ("hahn-echo",)
TRAIN_KINDS = ("echo-train",)
#: LaH10 rigid-lattice ¹H M₂ (PHYSICS §3.1 F5, idealised Fm-3m structure; rad² s⁻²)
LAH10_SECOND_MOMENT = 4.40e11


class RelaxationState(param.Parameterized):
    """T1 and T2 from the campaign's arrays, the model comparison and D from T1.

    Every fit lands in ``t1`` / ``t2`` as ``(Amplitudes, FitResult)``; a failure lands in
    ``message`` (never an exception).
    """

    t1_acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                    label="Recovery array (T1)")
    t2_acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                    label="Hahn-echo array (T2)")
    train_acquisition = param.Selector(default=None, objects=[], allow_None=True,
                                       label="Echo train (Fig. 2)")
    method = param.Selector(default="auto", objects=["auto", "projection", "integral",
                                                      "echo-top"],
                            label="Amplitude per trace")
    t1_model = param.Selector(default="auto", objects=[], label="T1 model")
    t2_model = param.Selector(default="hahn", objects=[], label="T2 model")
    region_lo_khz = param.Number(default=0.0, label="integral region from (kHz)")
    region_hi_khz = param.Number(default=0.0, label="integral region to (kHz; both 0: auto)")
    t1 = param.Parameter(default=None, doc="(Amplitudes, FitResult) of the recovery array")
    t2 = param.Parameter(default=None, doc="(Amplitudes, FitResult) of the Hahn array")
    t1_choice = param.Parameter(default=None, doc="MethodChoice of the recovery array "
                                "(method auto), else None")
    t2_choice = param.Parameter(default=None, doc="MethodChoice of the Hahn array (auto)")
    density_e23_cm3 = param.Number(default=3.0, bounds=(1e-3, 100.0), step=0.01,
                                   label="H density N (10²³ cm⁻³)")
    distance_angstrom = param.Number(default=1.0, bounds=(0.1, 10.0), step=0.01,
                                     label="closest approach a (Å)")
    prefactor = param.Selector(default="paper", objects=["paper", "torrey", "ffhs"],
                               label="prefactor")
    constant = param.Selector(default="hbar", objects=["hbar", "h"], label="constant")
    second_moment_e11 = param.Number(default=LAH10_SECOND_MOMENT / 1e11, bounds=(0, None),
                                     step=0.01, label="rigid-lattice M₂ (10¹¹ rad² s⁻²; 0: off)")
    message = param.String(default="")

    def __init__(self, campaign_root: str | Path | None = None, **params):
        from analysis import relaxation as rx

        super().__init__(**params)
        self.campaign = campaign_mod.load(campaign_root or default_campaign_dir())
        self.param.t1_model.objects = [rx.AUTO, *rx.T1_MODELS]
        self.param.t2_model.objects = list(rx.T2_MODELS)
        acqs = self.campaign.acquisitions
        for name, kinds in (("t1_acquisition", RECOVERY_KINDS),
                            ("t2_acquisition", DECAY_KINDS),
                            ("train_acquisition", TRAIN_KINDS)):
            paths = [a.path for a in acqs if a.kind in kinds]
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
        from analysis import relaxation as rx
        from analysis.dataset import ReaderError

        if path is None:
            return None, None, ""
        acq = self.campaign.acquisition(path)
        lo, hi = sorted((self.region_lo_khz * 1e3, self.region_hi_khz * 1e3))
        region = (lo, hi) if hi > lo else None
        choice = None
        try:
            ds = self.campaign.read(acq)
            if self.method == rx.AUTO:
                choice = rx.auto_fit(ds, model, kind=kind, params=acq.default_processing(),
                                     region_hz=region)
                amps, res = choice.amplitudes, choice.fit
            else:
                amps = rx.amplitudes(ds, self.method, params=acq.default_processing(),
                                     region_hz=region)
                if model == rx.AUTO:
                    model = rx.recovery_model(amps)[0]
                res = amps.fit(model, kind=kind)
        except (ReaderError, ValueError, OSError) as exc:
            return None, None, f"{path}: {exc}"
        return ((amps, res), choice,
                "" if res.success else f"{path} ({res.model_name}): {res.message}")

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
                         key: _ms(t) if (t is not None and r.success) else "—",
                         "AIC": f"{r.aic:.1f}" if np.isfinite(r.aic) else "—",
                         "AICc": f"{r.aicc:.1f}" if np.isfinite(r.aicc) else "—",
                         "BIC": f"{r.bic:.1f}" if np.isfinite(r.bic) else "—",
                         f"Δ{ic}": f"{r.criterion(ic) - best:.1f}"
                         if r.success and np.isfinite(best) else "failed: " + r.message,
                         "fit": _verdict_flag(r.verdict) if r.success else "—"})
        return rows

    # -- diffusion ---------------------------------------------------------------------------
    def diffusion(self):
        """``DiffusionResult`` from the current T1 and inputs, or None (no converged T1)."""
        from analysis import diffusion as df

        if self.t1 is None or not self.t1[1].success:
            return None
        t1 = self.t1[1].measurement("T1_s")
        field = self.campaign.field_t or 9.28
        return df.diffusion_from_t1(t1.value, self.density_e23_cm3 * 1e29,
                                    self.distance_angstrom * 1e-10, prefactor=self.prefactor,
                                    constant=self.constant, t1_stderr_s=t1.stderr,
                                    field_t=field,
                                    second_moment_rad2_s2=self.second_moment_e11 * 1e11
                                    or None)

    def bpp(self) -> dict | None:
        """Inputs of the BPP plot: M₂ (the lattice value, or a pair at distance a when it is
        0), ω₀, the measured rates and τ = a²/6D; None without a converged T1."""
        from analysis import diffusion as df

        res = self.diffusion()
        if res is None:
            return None
        m2 = self.second_moment_e11 * 1e11 or 0.45 * float(df.dipolar_b(res.distance_m)) ** 2
        t2 = self.t2[1] if self.t2 is not None and self.t2[1].success else None
        return {"second_moment_rad2_s2": m2, "omega0_rad_s": res.omega0_rad_s,
                "rate1": 1 / res.t1_s, "rate2": 1 / t2.values["T2_s"] if t2 else None,
                "tau_s": res.tau_s}

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
                         "D with ħ (cm²/s)": _sci(r.D_hbar_m2_s * 1e4, rel),
                         "D with h (cm²/s)": _sci(r.D_h_m2_s * 1e4, rel),
                         "chosen": "◀" if key == self.prefactor else ""})
        return rows

    def traces(self, which: str):
        """The traces of the T1 or T2 array for display (see :func:`_array_traces`)."""
        from analysis.dataset import ReaderError

        path = self.t1_acquisition if which == "t1" else self.t2_acquisition
        if path is None:
            return None
        try:
            return _array_traces(self.campaign, path)
        except (ReaderError, ValueError, OSError):
            return None

    # -- echo train --------------------------------------------------------------------------
    def echo_train(self):
        """(time_s, |traces| (traces × points), pulse spacings τ in s) of the echo train."""
        from analysis.dataset import ReaderError

        path = self.train_acquisition
        if path is None:
            return None
        if self._train_cache and self._train_cache[0] == path:
            return self._train_cache[1]
        try:
            ds = self.campaign.read(path)
        except (ReaderError, ValueError, OSError) as exc:
            self.message = f"{path}: {exc}"
            return None
        taus = ds.array.as_array() if ds.array is not None else np.arange(ds.traces, float)
        out = (ds.time_s(), np.abs(ds.data), taus)
        self._train_cache = (path, out)
        return out


def _ic(row: dict) -> float:
    """The ranking criterion of a kinetics row (rows kept before it existed: AIC)."""
    v = row.get("ic", row.get("aic"))
    return float(v) if v is not None and np.isfinite(v) else np.inf


def _verdict_flag(verdict) -> str:
    """A goodness-of-fit verdict (a ``FitVerdict``, or a kinetics row with its
    ``verdict_short``) as a table cell: "ok (χ²_ν = 1.02)", "⚠ poor fit (…)"."""
    if isinstance(verdict, dict):
        return verdict.get("verdict_short") or verdict.get("verdict") or "—"
    return verdict.short


def _ms(m) -> str:
    from analysis.measure import Measurement

    return str(Measurement(m.value * 1e3, m.stderr * 1e3, "ms"))


def _sci(value: float, rel: float) -> str:
    from analysis.measure import format_value_error

    return format_value_error(value, value * rel) if rel > 0 else f"{value:.4g}"


def _array_traces(campaign, path: str):
    """(time_s, real phased traces, per-trace time, symbol) of an array, for display."""
    from analysis import relaxation as rx

    acq = campaign.acquisition(path)
    ds = campaign.read(acq)
    t, real, _ = rx.phased_traces(ds, acq.default_processing())
    x, kind = rx.array_axis(ds)
    times = 2 * x if kind == "pulse-spacing" else x
    return t, real, times, ("2τ" if kind != "delay" else "t")


# ---------------------------------------------------------------------------------------------
# time evolution and transport
# ---------------------------------------------------------------------------------------------
_RESULTS_CACHE: dict = {}


def campaign_results(camp, store=None, *, recompute: bool = False):
    """The campaign's results (``analysis.pipeline.CampaignResults``): the latest saved in
    its results database, else computed once and saved. Cached per process by campaign
    folder and database version (results are immutable, so sessions may share them)."""
    from analysis import pipeline
    from analysis.store import StoreError

    version = None
    if store is not None and not recompute:
        try:
            v = store.latest(pipeline.STORE_KEY)
            version = None if v is None else v.id
        except StoreError:
            version = None
    key = (str(camp.root.resolve()), version)
    if not recompute and version is not None and key in _RESULTS_CACHE:
        return _RESULTS_CACHE[key]
    res = None if recompute or store is None else pipeline.load_saved(store)
    if res is None:
        from analysis.cache import ResultCache

        cache = None if store is None else ResultCache.beside(store.path,
                                                              root=getattr(store, "root", None))
        res = pipeline.analyze_campaign(camp, store=store, cache=cache)
        if store is not None:
            try:
                version = pipeline.save(res, store)
            except StoreError:
                version = None
    _RESULTS_CACHE[(str(camp.root.resolve()), version)] = res
    return res


class EvolutionState(param.Parameterized):
    """H/La and Tc against days for every cell (the study's Figs. 4 and 6)."""

    nmr_cells = param.ListSelector(default=[], objects=[], label="NMR cells")
    transport_cells = param.ListSelector(default=[], objects=[], label="Transport cells")
    criterion = param.Selector(default="50", objects=[], label="Tc criterion")
    calibrated = param.Boolean(default=True, label="H/La calibrated on the precursor (LaH₃)")
    law = param.Selector(default="best", objects=["best", "none", "linear", "first-order",
                                                  "jmak", "contracting"],
                         label="Kinetic law drawn")
    spectra_cell = param.Selector(default=None, objects=[], allow_None=True,
                                  label="Stacked spectra of cell")
    results = param.Parameter(default=None, doc="analysis.pipeline.CampaignResults")
    message = param.String(default="")

    def __init__(self, campaign_root: str | Path | None = None, store=None, **params):
        from analysis.store import StoreError
        from analysis.transport import CRITERIA

        super().__init__(**params)
        root = Path(campaign_root or default_campaign_dir())
        self.campaign, self._refused = readable_transport(campaign_mod.load(root))
        self.message = "\n\n".join(self._refused)
        try:
            self.store = store or open_store(root)
        except StoreError as exc:
            self.store = None
            self.message = "\n\n".join([*self._refused, f"results are not kept: {exc}"])
        self.param.criterion.objects = list(CRITERIA)
        nmr = sorted({a.cell for a in self.campaign.acquisitions if a.kind == "fid"})
        tr = sorted({c.cell for c in self.campaign.transport_curves()})
        self.param.nmr_cells.objects = nmr
        self.param.transport_cells.objects = tr
        self.param.spectra_cell.objects = nmr
        self.nmr_cells, self.transport_cells = list(nmr), list(tr)
        self.spectra_cell = nmr[0] if nmr else None
        self._spectra_cache: dict = {}
        self.load()

    def load(self, recompute: bool = False) -> None:
        try:
            self.results = campaign_results(self.campaign, self.store, recompute=recompute)
        except Exception as exc:
            self.results = None
            self.message = "\n\n".join([*self._refused,
                                         f"the campaign could not be analysed: {exc}"])
            return
        if self.results.errors:
            self.message = "\n\n".join([*self._refused, "Some files were left out:", *(
                f"- {e}" for e in self.results.errors[:20])])

    @property
    def key(self) -> str:
        return "H_per_La_cal" if self.calibrated else "H_per_La"

    def hla_assumptions(self) -> str:
        """One line under the H/La plot: how Λ_La/Λ_H was obtained for the H/La shown
        (absolute or calibrated) and every assumption the quantification made."""
        if self.results is None:
            return ""
        rows = [r for r in self.results.h_per_la if r["cell"] in self.nmr_cells]
        if not rows:
            return ""
        suffix = "_cal" if self.calibrated else ""
        what = "calibrated" if self.calibrated else "absolute"
        if any(("efficiency" + suffix) not in r for r in rows):
            return (f"H/La ({what}): these saved results do not record the efficiency and "
                    "assumptions used; recompute from the raw files to see them.")
        from analysis.quantify import EFFICIENCY

        modes = sorted({r["efficiency" + suffix] for r in rows})
        assumed: list[str] = []
        for r in rows:
            for a in filter(None, (r.get("assumptions" + suffix) or "").split("; ")):
                if a not in assumed:
                    assumed.append(a)
        lam = "; ".join(f"{m}: {EFFICIENCY.get(m, m)}" for m in modes)
        tail = "; ".join(assumed) if assumed else "nothing"
        return f"H/La ({what}) — resonator efficiency {lam}. Assumed: {tail}."

    def law_for(self, cell: str):
        """The kinetic-law row drawn for ``cell`` (None for 'none' or no converged fit)."""
        if self.results is None or self.law == "none":
            return None
        rows = [r for r in self.results.kinetics if r["cell"] == cell and r["success"]]
        if self.law != "best":
            rows = [r for r in rows if r["law"] == self.law]
        return min(rows, key=_ic) if rows else None

    def x_max(self) -> float:
        """The last day of any measurement (for a common x range)."""
        res = self.results
        if res is None:
            return 80.0
        days = [r["day"] for r in res.h_per_la] + [r["day"] for r in res.tc]
        return float(max(days)) if days else 80.0

    def hla_data(self) -> tuple[dict, dict]:
        """(cell → (days, H/La, σ), cell → (days, fitted law)) of the shown NMR cells."""
        from analysis import kinetics

        series, fits = {}, {}
        if self.results is None:
            return series, fits
        for cell in self.nmr_cells:
            series[cell] = self.results.series(cell, self.key)
            row = self.law_for(cell)
            if row is not None:
                d = np.linspace(0, float(np.nanmax(series[cell][0])), 200)
                p = {k: row[k] for k in ("x0", "x_inf", "rate_per_day", "tau_days", "n")
                     if row.get(k) is not None}
                fits[cell] = (d, kinetics.model(row["law"], d, p))
        return series, fits

    def tc_data(self) -> tuple[dict, dict]:
        """(cell → (days, Tc/Tc(0), σ), cell → (days, fitted plateau / Tc(0))) of the shown
        transport cells, with the chosen criterion."""
        from analysis import kinetics

        series, fits = {}, {}
        if self.results is None:
            return series, fits
        for cell in self.transport_cells:
            d, tcv, err, ratio, rerr = self.results.tc_series(cell, self.criterion)
            series[cell] = (d, ratio, rerr)
            if len(d) > 3 and np.isfinite(tcv).sum() > 3:
                fit = kinetics.fit_tc_plateau(d, tcv, sigma=np.nan_to_num(err, nan=1.0))
                if fit.success:
                    dd = np.linspace(0, d.max(), 200)
                    fits[cell] = (dd, kinetics.tc_plateau_curve(fit, dd) / tcv[0])
        return series, fits

    def kinetics_rows(self) -> list[dict]:
        """Per cell (and global): every law's rate ± σ, the difference of the ranking
        criterion (AICc for a cell's ~16 points) to the best law and the goodness-of-fit
        verdict, best first."""
        from analysis.measure import Measurement

        if self.results is None:
            return []
        out = []
        ics = {r.get("ic_name", "AIC") for r in self.results.kinetics if r["success"]}
        col = f"Δ{next(iter(ics))}" if len(ics) == 1 else "ΔAIC(c)"
        for cell in [*self.nmr_cells, "global"]:
            rows = sorted((r for r in self.results.kinetics if r["cell"] == cell and
                           r["success"]), key=_ic)
            if not rows:
                continue
            best = _ic(rows[0])
            for r in rows:
                rate = r.get("average_rate_per_day")
                rate_txt = (str(Measurement(rate, r.get("average_rate_per_day_err") or 0,
                                            "H/La per day")) if rate is not None else "—")
                extra = ", ".join(f"{k} = {Measurement(r[k], r.get(k + '_err') or 0, '')}"
                                  for k in ("tau_days", "n") if r.get(k) is not None)
                out.append({"cell": cell, "law": r["law"], "average rate": rate_txt,
                            "parameters": extra,
                            col: f"{_ic(r) - best:.1f}" + ("" if len(ics) == 1 else
                                                           f" ({r.get('ic_name', 'AIC')})"),
                            "fit": _verdict_flag(r)})
        return out

    def overlap(self) -> list[dict]:
        """Tc/Tc(0) of each transport cell against the mean H/La of the NMR cells measured
        on the same day."""
        if self.results is None:
            return []
        out = []
        days = {}
        for r in self.results.h_per_la:
            if r["cell"] in self.nmr_cells and r["day"] >= 0:
                days.setdefault(r["day"], []).append((r[self.key], r[self.key + "_err"]))
        for cell in self.transport_cells:
            d, _tc, _e, ratio, rerr = self.results.tc_series(cell, self.criterion)
            for day, q, qe in zip(d, ratio, rerr, strict=True):
                if day in days:
                    v = np.array(days[day])
                    out.append({"cell": cell, "day": day, "H_per_La": float(v[:, 0].mean()),
                                "H_per_La_err": float(np.sqrt(np.sum(v[:, 1] ** 2)) / len(v)),
                                "Tc_ratio": q, "Tc_ratio_err": qe})
        return out

    def stacked_spectra(self, nucleus: str):
        """(offset in ppm, spectra normalised to their maximum, days) of the chosen cell."""
        cell = self.spectra_cell
        if cell is None:
            return None
        key = (cell, nucleus)
        if key in self._spectra_cache:
            return self._spectra_cache[key]
        acqs = sorted((a for a in self.campaign.acquisitions if a.cell == cell and
                       a.nucleus == nucleus and a.kind == "fid"), key=lambda a: a.day)
        ppm, spectra, days = None, [], []
        for a in acqs:
            try:
                ppm, y = display_spectrum(self.campaign, a)
            except (ValueError, OSError) as exc:
                self.message = f"{a.path}: {exc}"
                continue
            scale = np.max(np.abs(y))
            if nucleus == "1H" and a.day >= 0:
                # normalise to the broad H₂ part, not the narrow hydride line (clipped)
                ref = ppm[np.argmax(np.abs(y))]
                broad = np.abs(ppm - ref) > 30
                scale = max(float(np.max(np.abs(y[broad]))), scale / 50)
            spectra.append(y / scale)
            days.append(a.day)
        out = None if ppm is None else (ppm, np.array(spectra), np.array(days))
        self._spectra_cache[key] = out
        return out


def display_spectrum(campaign, acq) -> tuple[np.ndarray, np.ndarray]:
    """(ppm, real spectrum) of an acquisition for display: the default processing (¹H
    broadened by 5 kHz so the broad H₂ shows), automatic phase (max-real)."""
    from analysis.processing import autophase, finish, transform

    ds = campaign.read(acq)
    p = acq.default_processing()
    if ds.nucleus == "1H":
        p = p.replace(lb_hz=max(p.lb_hz, 5000.0))
    offsets, raw = transform(ds, p)
    p0, p1 = autophase(raw, offsets, ds.spectral_width_hz, method="max-real")
    sp = finish(ds, p.replace(p0_deg=p0, p1_deg=p1,
                              pivot_hz=float(offsets[np.argmax(np.abs(raw))])), offsets, raw)
    return sp.axis("ppm"), sp.real


class TransportState(param.Parameterized):
    """R(T) curves of one transport cell with the Tc of the chosen criterion."""

    cell = param.Selector(default=None, objects=[], allow_None=True, label="Transport cell")
    criterion = param.Selector(default="50", objects=[], label="Tc criterion")
    message = param.String(default="")

    def __init__(self, campaign_root: str | Path | None = None, **params):
        from analysis.transport import CRITERIA

        super().__init__(**params)
        self.campaign, self._refused = readable_transport(
            campaign_mod.load(campaign_root or default_campaign_dir()))
        self.message = "\n\n".join(self._refused)
        self.param.criterion.objects = list(CRITERIA)
        cells = sorted({c.cell for c in self.campaign.transport_curves()})
        self.param.cell.objects = cells
        self._cache: dict = {}
        self.cell = cells[0] if cells else None

    def curves(self) -> list[dict]:
        """Per day of the cell: T, R, the transition (every criterion) or the error."""
        from analysis import transport
        from analysis.dataset import ReaderError

        if self.cell is None:
            return []
        if self.cell in self._cache:
            return self._cache[self.cell]
        out, errors = [], []
        for cur in sorted((c for c in self.campaign.transport_curves() if c.cell == self.cell),
                          key=lambda c: c.day):
            try:
                rt = self.campaign.read_rt(cur.path)
            except (ReaderError, campaign_mod.CampaignError) as exc:
                errors.append(str(exc))
                continue
            tr = transport.analyze(rt.temperature_k, rt.resistance_ohm)
            if not tr.success:
                errors.append(f"{cur.path}: {tr.message}")
            out.append({"day": cur.day, "T": rt.temperature_k, "R": rt.resistance_ohm,
                        "transition": tr, "path": cur.path})
        self.message = "\n\n".join([*self._refused, *errors])
        self._cache[self.cell] = out
        return out

    def rows(self) -> list[dict]:
        """The table: day, Tc ± σ by the chosen criterion, width, two-step flag."""
        rows = []
        for c in self.curves():
            tr = c["transition"]
            m = tr.criteria.get(self.criterion)
            rows.append({"day": _day(c["day"]),
                         "Tc": str(m) if tr.success and np.isfinite(m.value) else "—",
                         "width T90−T10": str(tr.width) if tr.success else "—",
                         "two-step": "yes" if tr.two_step else "",
                         "normal state (Ω/K)": f"{tr.normal_slope_ohm_per_k:.3g}"
                         if tr.success else tr.message})
        return rows
