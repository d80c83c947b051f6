"""Four-probe R(T): reading real files and Tc by every criterion of PHYSICS §6.

Reading (:func:`read_rt`): tab, comma, semicolon or space separated; a header row (plain or
behind ``#``) or none; ``#`` comments (``# key: value`` lines become metadata); non-numeric
cells (``NA``) ignored; the temperature and resistance columns found by name (``T(K)``,
``Temp``, ``Temperature(K)``, ``T_K``; ``R(Ohms)``, ``R``, ``Resistance(Ohms)``, ``R_ohm``,
``rho``), never a time column such as ``t(s)`` or a thermometer ``R_therm``; without names,
the first two columns. Repeated temperatures are averaged; the points are sorted; the sweep
direction (warming, cooling or both) is recorded.

Criteria (:func:`analyze`, :func:`critical_temperature`), with R_n(T) the normal state
fitted linearly above the transition:

* ``"onset"``: the tangent at the steepest point meets R_n;
* ``"90"``, ``"50"``, ``"10"`` (any percentage): R = x·R_n(T), first crossing from above;
* ``"max-slope"``: the peak of dR/dT (Savitzky–Golay smoothed, refined by a local cubic);
* ``"zero"``: R falls below the noise floor (3σ of the low-temperature resistance);
* ``"offset"``: the tangent at the steepest point meets R = 0.

Width ΔTc = T₉₀ − T₁₀. Uncertainties are propagated analytically from the noise of R (the
scatter of the points), the normal-state fit and the point spacing; no resampling, so a
whole campaign is analysed in well under a second per curve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import signal

from .dataset import ReaderError
from .fitting import FitResult, failed, robust_noise_sigma
from .measure import Measurement

CRITERIA = ("onset", "90", "50", "10", "max-slope", "zero", "offset")
CRITERION_LABELS = {"onset": "onset (tangent ∩ normal state)", "90": "90 % of R_n",
                    "50": "50 % of R_n (midpoint)", "10": "10 % of R_n",
                    "max-slope": "maximum dR/dT", "zero": "zero resistance (noise floor)",
                    "offset": "offset (tangent ∩ R = 0)"}

_T_NAME = re.compile(r"^\s*(t|temp|temperature|t_k|tk|t_sample|sample_t)\b\s*(\(k\)|\[k\]|_k|k)?",
                     re.IGNORECASE)
_R_NAME = re.compile(r"^\s*(r|res|resistance|r_ohm|rho|rho_n|r_xx|rxx)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RTCurve:
    """A resistance curve, sorted by temperature (K, Ω)."""

    temperature_k: np.ndarray
    resistance_ohm: np.ndarray
    source: str = ""
    sweep: str = "warming"
    columns: tuple[str, str] = ("T", "R")
    meta: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _split(line: str) -> list[str]:
    if "\t" in line:
        parts = line.split("\t")
    elif "," in line:
        parts = line.split(",")
    elif ";" in line:
        parts = line.split(";")
    else:
        parts = line.split()
    return [p.strip().strip('"') for p in parts]


def _num(token: str) -> float:
    try:
        return float(token)
    except ValueError:
        return float("nan")


def _pick(names: list[str], pattern: re.Pattern, avoid: tuple[str, ...]) -> int | None:
    for i, n in enumerate(names):
        low = n.lower()
        if pattern.match(n) and not any(a in low for a in avoid):
            return i
    return None


def read_rt(path: str | Path) -> RTCurve:
    """Read an R(T) file (see the module docstring).

    Raises
    ------
    ReaderError
        Naming the file: unreadable, no numeric rows, no temperature/resistance columns,
        fewer than 10 usable points, or no positive temperatures.
    """
    p = Path(path)
    if not p.is_file():
        raise ReaderError(p, "no such file")
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ReaderError(p, f"cannot read ({exc})") from exc
    meta: dict[str, str] = {}
    candidates: list[list[str]] = []  # non-numeric lines before the data: possible headers
    rows: list[list[float]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            m = re.fullmatch(r"([A-Za-z_][\w ]*?)\s*[:=]\s*(.+)", body)
            if m and not rows:
                meta[m.group(1).strip().lower()] = m.group(2).strip()
            elif not rows and len(_split(body)) >= 2:
                candidates.append(_split(body))
            continue
        parts = _split(line)
        vals = [_num(x) for x in parts]
        if sum(1 for v in vals if v == v and abs(v) != float("inf")) < 2:  # finite
            if not rows:
                candidates.append(parts)
            continue
        rows.append(vals)
    header: list[str] = []
    for cand in reversed(candidates):  # the last line naming both columns is the header
        if (_pick(cand, _T_NAME, ("(s)", "time", "therm")) is not None
                and _pick(cand, _R_NAME, ("therm",)) is not None):
            header = cand
            break
    if not rows:
        raise ReaderError(p, "no numeric rows")
    width = max(len(r) for r in rows)
    table = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        table[i, :len(r)] = r
    if header:
        it = _pick(header, _T_NAME, ("(s)", "time", "therm"))
        ir = _pick(header, _R_NAME, ("therm",))
        names = (header[it], header[ir])
    elif candidates and any(len(c) == len(rows[0]) for c in candidates) and len(rows[0]) > 2:
        raise ReaderError(p, f"no temperature and resistance columns among {candidates[-1]}")
    else:
        it, ir = 0, 1
        names = ("column 1", "column 2")
    if max(it, ir) >= width:
        raise ReaderError(p, "the header names more columns than the rows hold")
    t, r = table[:, it], table[:, ir]
    ok = np.isfinite(t) & np.isfinite(r)
    notes = []
    if (~ok).sum():
        notes.append(f"{int((~ok).sum())} rows without a number in {names[0]} or {names[1]} "
                     "skipped")
    t, r = t[ok], r[ok]
    if t.size < 10:
        raise ReaderError(p, f"only {t.size} usable points")
    if np.any(t <= 0):
        raise ReaderError(p, f"non-positive temperatures ({t.min():g} K) in {names[0]}")
    steps = np.diff(t)
    up, down = int(np.sum(steps > 0)), int(np.sum(steps < 0))
    sweep = "warming" if down <= 0.05 * max(up, 1) else (
        "cooling" if up <= 0.05 * max(down, 1) else "warming and cooling")
    if min(up, down) > 0:
        notes.append(f"temperature not monotonic ({min(up, down)} steps against the sweep): "
                     "sorted")
    order = np.argsort(t, kind="stable")
    t, r = t[order], r[order]
    uniq, inv, counts = np.unique(t, return_inverse=True, return_counts=True)
    if uniq.size < t.size:
        notes.append(f"{t.size - uniq.size} repeated temperatures averaged")
        r = np.bincount(inv, weights=r) / counts
        t = uniq
    return RTCurve(temperature_k=t, resistance_ohm=r, source=str(p), sweep=sweep,
                   columns=names, meta=meta, notes=tuple(notes))


# ---------------------------------------------------------------------------------------------
# the transition
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    """Every criterion of one curve, with the normal state and the diagnostics."""

    criteria: dict[str, Measurement]
    width: Measurement
    normal_slope_ohm_per_k: float
    normal_intercept_ohm: float
    normal_window_k: tuple[float, float]
    noise_ohm: float
    two_step: bool
    success: bool
    message: str
    notes: tuple[str, ...] = ()

    def normal_state(self, t_k) -> np.ndarray:
        return self.normal_intercept_ohm + self.normal_slope_ohm_per_k * np.asarray(t_k)


def _linfit(x, y):
    """Slope, intercept and their covariance of a straight-line fit (σ from the scatter)."""
    a = np.vstack([x, np.ones_like(x)]).T
    coef, _res, *_ = np.linalg.lstsq(a, y, rcond=None)
    dof = max(x.size - 2, 1)
    s2 = float(np.sum((a @ coef - y) ** 2)) / dof
    cov = np.linalg.inv(a.T @ a) * s2
    return float(coef[0]), float(coef[1]), cov


def _crossing(t, ratio, level):
    """Highest T where ``ratio`` falls below ``level`` coming from high T: (T, index)."""
    above = ratio >= level
    idx = np.flatnonzero(above[1:] & ~above[:-1])  # below at i, above at i+1
    if idx.size == 0:
        return np.nan, -1
    i = int(idx[-1])
    r0, r1 = ratio[i], ratio[i + 1]
    f = (level - r0) / (r1 - r0) if r1 != r0 else 0.5
    return float(t[i] + f * (t[i + 1] - t[i])), i


def analyze(temperature_k, resistance_ohm) -> Transition:
    """Tc by every criterion (see the module docstring); never raises for a numerical
    reason: a curve without a transition gives ``success=False`` and the reason."""
    t = np.asarray(temperature_k, float)
    r = np.asarray(resistance_ohm, float)
    nan = Measurement(np.nan, np.nan, "K")

    def fail(msg):
        return Transition({c: nan for c in CRITERIA}, nan, np.nan, np.nan, (np.nan, np.nan),
                          np.nan, False, False, msg)

    if t.size != r.size:
        return fail(f"{t.size} temperatures for {r.size} resistances")
    ok = np.isfinite(t) & np.isfinite(r)
    t, r = t[ok], r[ok]
    if t.size < 10:
        return fail(f"only {t.size} finite points")
    order = np.argsort(t)
    t, r = t[order], r[order]
    if np.any(np.diff(t) <= 0):
        u, inv, c = np.unique(t, return_inverse=True, return_counts=True)
        r, t = np.bincount(inv, weights=r) / c, u
    span = t[-1] - t[0]
    # uniform grid for smoothing and the derivative
    step = max(float(np.median(np.diff(t))), span / 20000)
    grid = np.arange(t[0], t[-1] + 0.5 * step, step)
    rg = np.interp(grid, t, r)
    win = max(7, int(0.01 * span / step) | 1)
    win = min(win, (grid.size - 1) | 1 if grid.size % 2 == 0 else grid.size - 2)
    if win < 5:
        return fail("too few points for a derivative")
    smooth = signal.savgol_filter(rg, win, 2, mode="nearest")
    deriv = signal.savgol_filter(rg, win, 2, deriv=1, delta=step, mode="nearest")
    sigma = robust_noise_sigma(r)
    # provisional normal state: the top 25 % of the range
    top = t >= t[-1] - 0.25 * span
    notes: list[str] = []
    window = (float(t[top][0]), float(t[-1]))
    b, a, cov = _linfit(t[top], r[top])
    crit: dict[str, Measurement] = {}
    for _ in range(3):
        rn = a + b * grid
        if rn[-1] <= 0:
            return fail("the normal-state resistance is ≤ 0 Ω")
        # a steep normal state may extrapolate to ≤ 0 far below the transition, where R is
        # zero anyway: keep the ratio finite there
        rn = np.maximum(rn, 0.05 * rn[-1])
        ratio = smooth / rn
        t50, i50 = _crossing(grid, ratio, 0.5)
        if not np.isfinite(t50) or ratio[: max(i50, 1)].min() > 0.5:
            return fail("no superconducting transition: R never falls below half the normal "
                        "state")
        t90, _ = _crossing(grid, ratio, 0.9)
        t10, _ = _crossing(grid, ratio, 0.1)
        lo_t = t10 if np.isfinite(t10) else grid[0]
        hi_t = t90 if np.isfinite(t90) else t50
        pad = max(hi_t - lo_t, 4 * step)
        band = (grid >= lo_t - 0.5 * pad) & (grid <= hi_t + 0.5 * pad)
        k = int(np.flatnonzero(band)[np.argmax(deriv[band])])
        # local cubic around the steepest point: slope and its position, refined
        half = max(5, int(0.05 * (hi_t - lo_t) / step))
        sl = slice(max(0, k - half), min(grid.size, k + half + 1))
        x0 = grid[k]
        cpoly = np.polyfit(grid[sl] - x0, rg[sl], 3)
        d1 = np.polyder(cpoly)
        d2 = np.polyder(d1)
        xs = -d2[1] / d2[0] if d2[0] != 0 else 0.0
        xs = float(np.clip(xs, grid[sl][0] - x0, grid[sl][-1] - x0))
        tstar = x0 + xs
        slope = float(np.polyval(d1, xs))
        rstar = float(np.polyval(cpoly, xs))
        onset = (rstar - slope * tstar - a) / (b - slope)
        offset = tstar - rstar / slope
        # refine the normal-state window: above the onset by three transition widths
        lo_w = onset + 3 * max(onset - offset, 2 * step)
        sel = (t >= lo_w)
        if sel.sum() >= max(10, int(0.05 * t.size)):
            window = (float(lo_w), float(t[-1]))
        else:
            sel = top
            notes_fallback = ("the normal state above the transition is short: fitted on the "
                              "top quarter of the range")
            if notes_fallback not in notes:
                notes.append(notes_fallback)
        b, a, cov = _linfit(t[sel], r[sel])
    # uncertainties
    low = t <= min(t10 if np.isfinite(t10) else t50, t[0] + 0.25 * span)
    floor_sigma = robust_noise_sigma(r[low]) if low.sum() >= 4 else sigma
    res_t = step / np.sqrt(12)

    def rn_err(tk):
        g = np.array([tk, 1.0])
        return float(np.sqrt(max(g @ cov @ g, 0.0)))

    def at(tk):
        return float(np.interp(tk, grid, deriv))

    for level, key in ((0.9, "90"), (0.5, "50"), (0.1, "10")):
        tk, _ = _crossing(grid, ratio, level)
        if np.isfinite(tk):
            dr = at(tk) - level * b
            e = np.hypot(np.hypot(sigma, level * rn_err(tk)) / abs(dr) if dr else np.inf,
                         res_t)
            crit[key] = Measurement(tk, float(e), "K")
        else:
            crit[key] = nan
    # slope uncertainty of the local cubic from the noise
    n_loc = max(sl.stop - sl.start, 4)
    s_err = sigma * np.sqrt(12.0 / n_loc) / max((sl.stop - sl.start) * step, step)
    e_on = np.hypot(np.hypot(sigma, rn_err(onset)) / abs(slope - b),
                    abs(onset - tstar) * s_err / abs(slope - b))
    crit["onset"] = Measurement(float(onset), float(np.hypot(e_on, res_t)), "K")
    e_off = np.hypot(sigma / abs(slope), abs(offset - tstar) * s_err / abs(slope))
    crit["offset"] = Measurement(float(offset), float(np.hypot(e_off, res_t)), "K")
    third = float(np.polyval(np.polyder(d2), xs)) if len(d2) > 1 else 0.0
    e_ms = s_err / abs(third) * 1.0 if third else (grid[sl][-1] - grid[sl][0]) / np.sqrt(12)
    e_ms = min(e_ms, (grid[sl][-1] - grid[sl][0]) / np.sqrt(12))
    crit["max-slope"] = Measurement(float(tstar), float(np.hypot(e_ms, res_t)), "K")
    # zero resistance: the highest T below the midpoint where R is under the floor, 3σ of
    # the low-temperature scatter or 0.2 % of R_n, whichever is larger (digitised curves
    # have no scatter)
    floor = max(3 * floor_sigma, 0.002 * float(a + b * t50))
    under = np.flatnonzero((smooth <= floor) & (grid < t50))
    zero_t = float(grid[under[-1]]) if under.size else np.nan
    if np.isfinite(zero_t):
        e = np.hypot(floor_sigma / max(at(zero_t + step), 1e-30 + abs(slope) * 1e-3), res_t)
        crit["zero"] = Measurement(zero_t, float(min(e, pad)), "K")
    else:
        crit["zero"] = nan
        notes.append("R never falls below the noise floor: no zero-resistance temperature")
    width = (Measurement(crit["90"].value - crit["10"].value,
                         float(np.hypot(crit["90"].stderr, crit["10"].stderr)), "K")
             if np.isfinite(crit["90"].value) and np.isfinite(crit["10"].value) else nan)
    # two-step: two separated, comparable peaks of dR/dT inside the transition
    region = (grid >= offset - 2 * pad) & (grid <= onset + 2 * pad)
    peaks, _props = signal.find_peaks(deriv[region], prominence=0.2 * float(deriv[k]),
                                     distance=max(1, int(0.5 * pad / step)))
    two = bool(peaks.size >= 2)
    if two:
        tp = grid[region][peaks]
        notes.append("two-step transition: dR/dT peaks at " + ", ".join(f"{x:.1f}" for x in tp)
                     + " K")
    return Transition(crit, width, b, a, window, float(sigma), two, True, "ok", tuple(notes))


def critical_temperature(temperature_k, resistance_ohm, criterion: str = "50") -> FitResult:
    """Tc by one criterion as a :class:`FitResult` (keys ``Tc_K``, ``width_K``,
    ``normal_state_ohm`` — R_n at Tc — and ``normal_slope_ohm_per_K``)."""
    criterion = str(criterion).rstrip("%")
    if criterion not in CRITERIA:
        return failed("tc", f"unknown criterion {criterion!r}: {', '.join(CRITERIA)}")
    tr = analyze(temperature_k, resistance_ohm)
    if not tr.success:
        return failed(f"tc ({criterion})", tr.message)
    m = tr.criteria[criterion]
    if not np.isfinite(m.value):
        return failed(f"tc ({criterion})", f"criterion {criterion} not reached on this curve",
                      notes=tr.notes)
    rn = tr.normal_state(m.value)
    return FitResult(model_name=f"tc ({criterion})",
                     values={"Tc_K": m.value, "width_K": tr.width.value,
                             "normal_state_ohm": float(rn),
                             "normal_slope_ohm_per_K": tr.normal_slope_ohm_per_k},
                     stderr={"Tc_K": m.stderr, "width_K": tr.width.stderr,
                             "normal_state_ohm": np.nan, "normal_slope_ohm_per_K": np.nan},
                     units={"Tc_K": "K", "width_K": "K", "normal_state_ohm": "Ω",
                            "normal_slope_ohm_per_K": "Ω/K"},
                     names=(), correlation=np.zeros((0, 0)), success=True,
                     message=f"criterion: {CRITERION_LABELS[criterion]}",
                     notes=tr.notes + (("two-step transition",) if tr.two_step else ()),
                     noise_sigma=tr.noise_ohm)


def normalised_series(tc_k, tc_err_k, reference_index: int = 0):
    """Tc(t)/Tc(t₀) and its 1σ (PHYSICS §6): σ = ratio·√((σ/Tc)² + (σ₀/Tc₀)²), the
    reference point exactly 1 with σ = 0."""
    tc = np.asarray(tc_k, float)
    err = np.asarray(tc_err_k, float)
    t0, e0 = tc[reference_index], err[reference_index]
    ratio = tc / t0
    sig = ratio * np.sqrt((err / tc) ** 2 + (e0 / t0) ** 2)
    sig[reference_index] = 0.0
    ratio[reference_index] = 1.0
    return ratio, sig
