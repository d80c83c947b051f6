"""Generator of the synthetic example campaign (``hpnmr demo-data``; see ``DATA.md``).

Everything is drawn from one seeded :class:`numpy.random.Generator`, files are written with
fixed metadata (no wall-clock time), so the same seed reproduces the same bytes.

Layout written under ``OUT``::

    campaign.toml                      manifest (field, channels, cells, acquisitions)
    nmr/<cell>/day<NNN>/<label>/       Bruker acqus + fid/ser (+ vdlist)
    transport/<cell>/day<NN>.csv       R(T) warming sweeps with a # header
    truth.json                         every generating parameter
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .constants import H_TMS_HZ_PER_T, nucleus
from .io import bruker
from .lineshapes import dipolar_coupling_hz
from .quantify import sensitivity_per_spin
from .simulate import Line, Pake, synthesize
from .units import CU_KNIGHT_SHIFT_DEFAULT

PROTON_REFERENCE_HZ = 395.000e6  #: ¹H TMS frequency of the magnet (B₀ = 9.2774 T)
FIELD_T = PROTON_REFERENCE_HZ / H_TMS_HZ_PER_T
CARRIER_HZ = {"1H": 395.000e6, "139La": 55.95e6}
CHANNELS = {
    "1H": {"t90_us": 1.5, "power_w": 40.0, "bandwidth_hz": 2.0e6, "noise_temperature_k": 300.0,
           "scans": 128, "points": 8192, "spectral_width_hz": 2.0e6},
    "139La": {"t90_us": 6.0, "power_w": 150.0, "bandwidth_hz": 0.5e6,
              "noise_temperature_k": 300.0, "scans": 16384, "points": 2048,
              "spectral_width_hz": 0.5e6},
}
NOISE_PER_SCAN = 200.0  #: rms noise (ADC counts) of one scan in each channel
SYNTHESIS = _dt.datetime(2024, 3, 4, 9, 0, tzinfo=_dt.UTC)

NMR_CELLS = {
    # cell: (pressure GPa, x0, days, JMAK tau (d), JMAK n, SNR_La)
    "N1": (168, 10.2, (0, 1, 2, 3, 5, 7, 10, 14, 18, 22, 27, 32, 37, 42, 48, 54), 33.0, 1.45,
           28.0),
    "N2": (170, 10.5, (0, 1, 2, 3, 5, 7, 10, 14, 19, 24, 29, 34, 39, 44, 49, 54, 61, 68), 36.0,
           1.55, 32.0),
    "N3": (172, 10.8, (0, 1, 2, 3, 5, 7, 10, 14, 18, 23, 28, 33, 38, 44, 50, 55, 60), 31.0,
           1.35, 25.0),
    "N4": (176, 11.1, (0, 1, 2, 3, 5, 7, 10, 14, 18, 22, 26, 30, 35, 40, 45, 50), 38.0, 1.65,
           35.0),
}
X_PRECURSOR = 3.1  #: LaH₃ precursor before heating (H/La)
X_INFINITY = 3.0  #: asymptote of the JMAK law (LaH₃)
TRANSPORT_CELLS = {"T1": (95, 110.0, 70.0), "T2": (120, 130.0, 75.0), "T3": (150, 150.0, 80.0),
                   "T4": (168, 160.0, 85.0)}
TRANSPORT_DAYS = (0, 1, 2, 3, 5, 7, 10, 14, 21, 28, 35, 42, 56, 70, 80)
TC_SETTLE_DAYS = 6.0
LA_SHIFT_DAY0_PPM = 900.0  #: ¹³⁹La Knight shift right after heating (PAPER.md, DATA.md)
LA_SHIFT_END_PPM = 2950.0  #: ¹³⁹La Knight shift reached ≈ 50 days later (PAPER.md, DATA.md)
LA_SHIFT_EXPONENT = 3.0  #: q in K_La = K_end + (K_0 − K_end)·(1 − α)^q
H2_R_N, H2_R_NN, H2_WEIGHT_N, H2_SIGMA_HZ = 0.75e-10, 1.24e-10, 0.5, 9.0e3
T1_S, T2_S = 1.5e-3, 1.5e-3


def x_of_t(x0: float, t_days, tau: float, n: float):
    """JMAK desorption: x = x∞ + (x0 − x∞)·exp(−(t/τ)ⁿ)."""
    t = np.maximum(np.asarray(t_days, dtype=float), 0.0)
    return X_INFINITY + (x0 - X_INFINITY) * np.exp(-((t / tau) ** n))


def la_shift_ppm(alpha):
    """¹³⁹La Knight shift (ppm) for the reacted fraction α of the hydrogen loss.

    K = K_end + (K_0 − K_end)·(1 − α)^q with K_0 = 900 ppm, K_end = 2950 ppm and q = 3: the
    shift follows the hydrogen loss (monotonic in H/La) and moves most while the hydride
    still holds its excess hydrogen, so that, as in the study, it reaches ≈ 2950 ppm about
    50 days after heating (α ≈ 0.8 there with the cells' JMAK laws; a shift linear in α
    would reach only ≈ 2600 ppm). With α = 1 − exp(−(t/τ)ⁿ) this is the same JMAK law in
    time with τ/q^(1/n), about half the hydrogen's time constant.

    Parameters
    ----------
    alpha : float or array_like
        Reacted fraction (x₀ − x)/(x₀ − x∞), 0 … 1.

    Returns
    -------
    float or ndarray
        Knight shift in ppm (IUPAC Ξ reference, 0.01 M LaCl₃).
    """
    a = np.clip(np.asarray(alpha, dtype=float), 0.0, 1.0)
    k = LA_SHIFT_END_PPM + (LA_SHIFT_DAY0_PPM - LA_SHIFT_END_PPM) * (1 - a) ** LA_SHIFT_EXPONENT
    return float(k) if k.ndim == 0 else k


def voigt_gauss_for(fwhm_hz: float, lorentz_hz: float) -> float:
    """Gaussian FWHM that, with ``lorentz_hz``, gives a Voigt of ``fwhm_hz`` (Olivero)."""
    fl = lorentz_hz
    return float(np.sqrt(max((fwhm_hz - 0.5346 * fl) ** 2 - 0.2166 * fl**2, 1.0)))


def reference_hz(nuc: str) -> float:
    return nucleus(nuc).xi * PROTON_REFERENCE_HZ


def ppm_to_offset(nuc: str, ppm: float) -> float:
    """Offset from the channel carrier (Hz) of a line at ``ppm``."""
    ref = reference_hz(nuc)
    return ref * (1 + ppm * 1e-6) - CARRIER_HZ[nuc]


@dataclass
class _Writer:
    out: Path
    rng: np.random.Generator
    acquisitions: list
    truth_acq: dict

    def write_bruker(self, rel: str, data: np.ndarray, *, nuc: str, sw: float, scans: int,
                     day: float, pulprog: str, vdlist=None) -> None:
        ch = CHANNELS[nuc]
        date = int((SYNTHESIS + _dt.timedelta(days=float(day) + 1.0)).timestamp())
        bruker.write(self.out / rel, data, nucleus=nuc, carrier_hz=CARRIER_HZ[nuc],
                     reference_hz=reference_hz(nuc), spectral_width_hz=sw, scans=scans,
                     pulse_90_us=ch["t90_us"], power_w=ch["power_w"], pulprog=pulprog,
                     date=date, vdlist=vdlist)


def _imperfections(rng: np.random.Generator, sw: float) -> dict:
    return {
        "phase0_deg": float(rng.uniform(-180, 180)),
        "ringing_points": int(rng.integers(2, 7)),
        "receiver_delay_s": float(rng.uniform(-0.45, 0.45) / sw),
        "dc_offset": complex(rng.normal(0, 0.02), rng.normal(0, 0.02)),
        "ringing_amplitude": float(rng.uniform(1.0, 3.0)),
    }


def _fid(components, nuc, rng, scale, *, echo_index=None, points=None, sw=None, imp=None):
    ch = CHANNELS[nuc]
    sw = sw or ch["spectral_width_hz"]
    points = points or ch["points"]
    imp = imp or _imperfections(rng, sw)
    sigma = NOISE_PER_SCAN * np.sqrt(scale["scans"])
    data = synthesize(
        components, points, sw, phase0_deg=imp["phase0_deg"],
        receiver_delay_s=imp["receiver_delay_s"] if echo_index is None else 0.0,
        ringing_points=0 if echo_index is not None else imp["ringing_points"],
        ringing_amplitude=imp["ringing_amplitude"] * scale["amp"],
        dc_offset=imp["dc_offset"] * sigma * 10, noise_sigma=sigma, echo_index=echo_index,
        rng=rng)
    return data, imp, float(sigma)


def _imp_truth(imp: dict, sw: float, echo: bool) -> dict:
    d = {"phase0_deg": imp["phase0_deg"], "dc_offset_rel": [imp["dc_offset"].real,
                                                           imp["dc_offset"].imag]}
    if not echo:
        d |= {"left_shift": imp["ringing_points"], "receiver_delay_s": imp["receiver_delay_s"],
              "p1_deg_correction": -360.0 * sw * imp["receiver_delay_s"]}
    return d


def generate(out: str | Path, seed: int = 20240304) -> dict:
    """Write the example campaign into ``out`` (replaced if it exists); return the truth."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    w = _Writer(out, rng, [], {})
    sens = {nuc: sensitivity_per_spin(
        nuc, t90_s=ch["t90_us"] * 1e-6, power_w=ch["power_w"], bandwidth_hz=ch["bandwidth_hz"],
        noise_temperature_k=ch["noise_temperature_k"]) for nuc, ch in CHANNELS.items()}
    truth: dict = {"seed": seed, "field_t": FIELD_T, "proton_reference_hz": PROTON_REFERENCE_HZ,
                   "sensitivity_per_spin": sens, "noise_per_scan": NOISE_PER_SCAN,
                   "nmr_cells": {}, "acquisitions": {}, "transport": {}}
    t2_lorentz = 1.0 / (np.pi * T2_S)
    d_n = float(dipolar_coupling_hz(H2_R_N))
    d_nn = float(dipolar_coupling_hz(H2_R_NN))

    for cell, (pgpa, x0, days, tau, n_jmak, snr_la) in NMR_CELLS.items():
        # N_La (with every common factor) fixed by the wanted ¹³⁹La SNR
        la_scans = CHANNELS["139La"]["scans"]
        n_la = snr_la / (sens["139La"] * np.sqrt(la_scans))
        cell_truth = {"pressure_gpa": pgpa, "x0": x0, "jmak_tau_days": tau, "jmak_n": n_jmak,
                      "x_infinity": X_INFINITY, "days": {}}
        for day in (-1, *days):
            precursor = day < 0
            x = X_PRECURSOR if precursor else float(x_of_t(x0, day, tau, n_jmak))
            alpha = 0.0 if precursor else (x0 - x) / (x0 - X_INFINITY)
            h_fwhm = 50e3 if precursor else 1350.0 + 2000.0 * alpha
            h_ppm = 10.0 if precursor else 10.0 - 2.0 * alpha
            la_fwhm = 8e3 if precursor else 38e3
            la_ppm = 2800.0 if precursor else la_shift_ppm(alpha)
            h2_x = 0.0 if precursor else x0 - x
            snr_h = x * n_la * sens["1H"] * np.sqrt(CHANNELS["1H"]["scans"])
            snr_h2 = h2_x * n_la * sens["1H"] * np.sqrt(CHANNELS["1H"]["scans"])
            snr_lat = n_la * sens["139La"] * np.sqrt(la_scans)
            dlabel = f"day{day:03d}" if day >= 0 else "day-01"
            day_truth = {"H_per_La": x, "alpha": alpha, "h_shift_ppm": h_ppm,
                         "h_fwhm_hz": h_fwhm, "la_shift_ppm": la_ppm, "la_fwhm_hz": la_fwhm,
                         "snr_h_t0": snr_h, "snr_h2_t0": snr_h2, "snr_la_t0": snr_lat,
                         "h2_per_La": h2_x}
            for nuc, snr, fwhm, ppm in (("1H", snr_h, h_fwhm, h_ppm),
                                        ("139La", snr_lat, la_fwhm, la_ppm)):
                ch = CHANNELS[nuc]
                sigma = NOISE_PER_SCAN * np.sqrt(ch["scans"])
                lor = t2_lorentz if (nuc == "1H" and not precursor) else 0.0
                comps = [Line(ppm_to_offset(nuc, ppm), snr * sigma, lor,
                              voigt_gauss_for(fwhm, lor))]
                if nuc == "1H" and h2_x > 0:
                    off = ppm_to_offset("1H", 0.0)
                    amp = snr_h2 * sigma
                    comps += [Pake(d_n, H2_WEIGHT_N * amp, H2_SIGMA_HZ, off),
                              Pake(d_nn, (1 - H2_WEIGHT_N) * amp, H2_SIGMA_HZ, off)]
                data, imp, _ = _fid(comps, nuc, rng, {"scans": ch["scans"], "amp": snr * sigma})
                rel = f"nmr/{cell}/{dlabel}/{nuc}"
                w.write_bruker(rel, data, nuc=nuc, sw=ch["spectral_width_hz"],
                               scans=ch["scans"], day=day, pulprog="zg_dac")
                w.acquisitions.append({"path": rel, "cell": cell, "day": day, "nucleus": nuc,
                                       "kind": "fid",
                                       "left_shift": imp["ringing_points"]})
                truth["acquisitions"][rel] = _imp_truth(imp, ch["spectral_width_hz"], False)
            cell_truth["days"][str(day)] = day_truth
        truth["nmr_cells"][cell] = cell_truth

    _special_acquisitions(w, truth, sens, d_n, d_nn)
    _transport(out, rng, truth)
    _write_manifest(out, w.acquisitions, truth)
    (out / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return truth


def _special_acquisitions(w: _Writer, truth: dict, sens: dict, d_n: float, d_nn: float) -> None:
    rng = w.rng
    cell = "N2"
    _pgpa, x0, _, tau, n_jmak, snr_la = NMR_CELLS[cell]
    n_la = snr_la / (sens["139La"] * np.sqrt(CHANNELS["139La"]["scans"]))
    x1 = float(x_of_t(x0, 1, tau, n_jmak))
    scans = CHANNELS["1H"]["scans"]
    sigma = NOISE_PER_SCAN * np.sqrt(scans)
    amp = x1 * n_la * sens["1H"] * np.sqrt(scans) * sigma
    off = ppm_to_offset("1H", 10.0 - 2.0 * (x0 - x1) / (x0 - X_INFINITY))
    fw = 1350.0 + 2000.0 * (x0 - x1) / (x0 - X_INFINITY)
    lor = 1.0 / (np.pi * T2_S)
    line = Line(off, amp, lor, voigt_gauss_for(fw, lor))
    sw, npts = 1.0e6, 2048

    # saturation recovery: 16 delays, log-spaced 20 µs – 15 ms
    delays = np.geomspace(20e-6, 15e-3, 16)
    imp = _imperfections(rng, sw)
    f_sat = 0.98
    traces = []
    for d in delays:
        comp = Line(line.offset_hz, amp * (1 - f_sat * np.exp(-d / T1_S)), lor, line.gauss_fwhm_hz)
        data = synthesize([comp], npts, sw, phase0_deg=imp["phase0_deg"],
                          receiver_delay_s=imp["receiver_delay_s"],
                          ringing_points=imp["ringing_points"],
                          ringing_amplitude=imp["ringing_amplitude"] * amp,
                          dc_offset=imp["dc_offset"] * sigma * 10, noise_sigma=sigma, rng=rng)
        traces.append(data)
    rel = f"nmr/{cell}/day001/1H_satrec"
    w.write_bruker(rel, np.array(traces), nuc="1H", sw=sw, scans=scans, day=1,
                   pulprog="satrec_dac", vdlist=delays)
    w.acquisitions.append({"path": rel, "cell": cell, "day": 1, "nucleus": "1H",
                           "kind": "saturation-recovery", "array_kind": "delay",
                           "left_shift": imp["ringing_points"]})
    truth["acquisitions"][rel] = _imp_truth(imp, sw, False) | {
        "T1_s": T1_S, "saturation_factor": f_sat, "M0_snr": amp / sigma}

    # Hahn echo: 12 pulse spacings τ (vdlist stores τ), whole echo centred at index 256
    taus = np.geomspace(10e-6, 2.5e-3, 12)
    imp = _imperfections(rng, sw)
    traces = []
    for tau_s in taus:
        comp = Line(line.offset_hz, amp * np.exp(-2 * tau_s / T2_S), 0.0,
                    voigt_gauss_for(fw, lor))
        traces.append(synthesize([comp], npts, sw, phase0_deg=imp["phase0_deg"],
                                 dc_offset=imp["dc_offset"] * sigma * 10, noise_sigma=sigma,
                                 echo_index=256, rng=rng))
    rel = f"nmr/{cell}/day001/1H_hahn"
    w.write_bruker(rel, np.array(traces), nuc="1H", sw=sw, scans=scans, day=1,
                   pulprog="hahn_dac", vdlist=taus)
    w.acquisitions.append({"path": rel, "cell": cell, "day": 1, "nucleus": "1H",
                           "kind": "hahn-echo", "array_kind": "pulse_spacing",
                           "left_shift": "echo"})
    truth["acquisitions"][rel] = _imp_truth(imp, sw, True) | {
        "T2_s": T2_S, "M0_snr": amp / sigma, "echo_index": 256,
        "array_axis": "pulse spacing tau (echo time = 2 tau)"}

    # echo train (Fig. 2): acquisition starts at the 180° pulse; echo at t = τ after it
    etaus = np.array([50e-6, 100e-6, 200e-6, 300e-6, 500e-6, 700e-6, 1000e-6, 1200e-6])
    sw_e, n_e = 0.5e6, 1024
    imp = _imperfections(rng, sw_e)
    traces = []
    for tau_s in etaus:
        comp = Line(line.offset_hz, amp * np.exp(-2 * tau_s / T2_S), 0.0,
                    voigt_gauss_for(fw, lor))
        idx = int(round(tau_s * sw_e))
        traces.append(synthesize([comp], n_e, sw_e, phase0_deg=imp["phase0_deg"],
                                 noise_sigma=sigma, echo_index=idx, rng=rng))
    rel = f"nmr/{cell}/day001/1H_echotrain"
    w.write_bruker(rel, np.array(traces), nuc="1H", sw=sw_e, scans=scans, day=1,
                   pulprog="hahn_dac_full", vdlist=etaus)
    w.acquisitions.append({"path": rel, "cell": cell, "day": 1, "nucleus": "1H",
                           "kind": "echo-train", "array_kind": "pulse_spacing",
                           "left_shift": 0})
    truth["acquisitions"][rel] = _imp_truth(imp, sw_e, True) | {"T2_s": T2_S}

    # H₂ phase III (day 54): whole echo of the two Pake doublets + narrow residual hydride
    x54 = float(x_of_t(x0, 54, tau, n_jmak))
    sig4 = NOISE_PER_SCAN * np.sqrt(4 * scans)
    h2 = (x0 - x54) * n_la * sens["1H"] * np.sqrt(4 * scans) * sig4  # SNR(t=0) × σ
    off0 = ppm_to_offset("1H", 0.0)
    comps = [Pake(d_n, H2_WEIGHT_N * h2, H2_SIGMA_HZ, off0),
             Pake(d_nn, (1 - H2_WEIGHT_N) * h2, H2_SIGMA_HZ, off0),
             Line(ppm_to_offset("1H", 8.0), 0.05 * h2, 0.0, 3300.0)]
    sw_p, n_p, echo = 4.0e6, 4096, 1024
    imp = _imperfections(rng, sw_p)
    data = synthesize(comps, n_p, sw_p, phase0_deg=imp["phase0_deg"],
                      dc_offset=imp["dc_offset"] * sig4 * 10, noise_sigma=sig4,
                      echo_index=echo, rng=rng)
    rel = f"nmr/{cell}/day054/1H_h2_echo"
    w.write_bruker(rel, data, nuc="1H", sw=sw_p, scans=4 * scans, day=54, pulprog="hahn_dac")
    w.acquisitions.append({"path": rel, "cell": cell, "day": 54, "nucleus": "1H",
                           "kind": "whole-echo", "left_shift": "echo"})
    truth["acquisitions"][rel] = _imp_truth(imp, sw_p, True) | {
        "r_n_angstrom": H2_R_N * 1e10, "r_nn_angstrom": H2_R_NN * 1e10,
        "d_n_hz": d_n, "d_nn_hz": d_nn, "weight_n": H2_WEIGHT_N,
        "gaussian_sigma_hz": H2_SIGMA_HZ, "center_offset_hz": off0, "echo_index": echo,
        "residual_line": {"ppm": 8.0, "gauss_fwhm_hz": 3300.0, "relative_amplitude": 0.05}}


def tc_of_day(tc0: float, tc_inf: float, day: float) -> float:
    """Settle-to-plateau Tc(t) = Tc∞ + (Tc0 − Tc∞)·exp(−t/τ)."""
    return float(tc_inf + (tc0 - tc_inf) * np.exp(-day / TC_SETTLE_DAYS))


def resistance_model(temperature_k, tc, width, r0, slope, step2=None):
    """R(T) = R_n(T)·[½(1+tanh((T−Tc)/w))] (optionally a second, lower step)."""
    t = np.asarray(temperature_k, dtype=float)
    rn = r0 + slope * t
    frac = 0.5 * (1 + np.tanh((t - tc) / width))
    if step2 is not None:
        share, tc2, w2 = step2
        frac = (1 - share) * frac + share * 0.5 * (1 + np.tanh((t - tc2) / w2))
    return rn * frac


def _criterion_truth(tc, width, r0, slope, step2) -> dict:
    t = np.linspace(5, 320, 630001)
    ratio = resistance_model(t, tc, width, r0, slope, step2) / (r0 + slope * t)
    out = {}
    for name, level in (("90", 0.9), ("50", 0.5), ("10", 0.1)):
        i = int(np.argmax(ratio >= level))
        out[name] = float(np.interp(level, ratio[i - 1:i + 1], t[i - 1:i + 1]))
    return out


def _transport(out: Path, rng: np.random.Generator, truth: dict) -> None:
    for cell, (pgpa, tc0, tc_inf) in TRANSPORT_CELLS.items():
        ct = {"pressure_gpa": pgpa, "tc0_k": tc0, "tc_inf_k": tc_inf,
              "settle_days": TC_SETTLE_DAYS, "days": {}}
        r0, slope = rng.uniform(0.02, 0.05), rng.uniform(2e-4, 5e-4)
        for day in TRANSPORT_DAYS:
            tc = tc_of_day(tc0, tc_inf, day)
            width = float(rng.uniform(1.5, 3.0) + (2.0 if day < 3 else 0.0))
            step2 = (0.3, tc - 15.0, 3.0) if day <= 1 else None
            temps = np.arange(10.0, 300.0 + 1e-9, 0.5)
            temps = temps + rng.normal(0, 0.02, temps.size)
            # real logs: a few repeated and out-of-order readings
            for _ in range(4):
                i = int(rng.integers(5, temps.size - 5))
                temps = np.insert(temps, i, temps[i - 2])
            r = resistance_model(temps, tc, width, r0, slope, step2)
            rn = r0 + slope * temps
            r = r + rng.normal(0, 1e-3, temps.size) * rn + rng.normal(0, 2e-5, temps.size)
            folder = out / "transport" / cell
            folder.mkdir(parents=True, exist_ok=True)
            lines = [f"# cell: {cell}", f"# day: {day}", f"# pressure_gpa: {pgpa}",
                     "# sweep: warming", "# synthetic four-probe R(T), hpnmr example",
                     "T_K,R_ohm"]
            lines += [f"{a:.3f},{b:.6e}" for a, b in zip(temps, r, strict=True)]
            (folder / f"day{day:02d}.csv").write_text("\n".join(lines) + "\n")
            ct["days"][str(day)] = {"tc_model_k": tc, "width_k": width,
                                    "two_step": step2 is not None,
                                    "criteria_k": _criterion_truth(tc, width, r0, slope, step2),
                                    "r0_ohm": r0, "slope_ohm_per_k": slope}
        truth["transport"][cell] = ct


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)


def _write_manifest(out: Path, acquisitions: list, truth: dict) -> None:
    cu_obs = nucleus("63Cu").xi * PROTON_REFERENCE_HZ * (1 + CU_KNIGHT_SHIFT_DEFAULT)
    lines = [
        "# hpnmr campaign manifest (synthetic example; see DATA.md)",
        "[campaign]",
        'name = "LaH10+x hydrogen desorption — synthetic example campaign"',
        f"field_t = {FIELD_T!r}",
        'synthesis_date = "2024-03-04"',
        "",
        "[referencing]",
        'method = "IUPAC Xi via the 63Cu signal of the Lenz lens"',
        f"cu63_observed_hz = {cu_obs!r}",
        f"cu_knight_shift = {CU_KNIGHT_SHIFT_DEFAULT!r}",
        f"proton_reference_hz = {PROTON_REFERENCE_HZ!r}",
        "",
    ]
    for nuc, ch in CHANNELS.items():
        lines.append(f'[channels."{nuc}"]')
        lines.append(f"carrier_hz = {CARRIER_HZ[nuc]!r}")
        for k in ("t90_us", "power_w", "bandwidth_hz", "noise_temperature_k", "scans"):
            lines.append(f"{k} = {ch[k]!r}")
        lines.append("lambda_relative_uncertainty = 0.05")
        # what the signals were simulated with: full recovery, and for ¹³⁹La all
        # transitions excited (ε = 1), so the quantification assumes neither
        lines.append("saturation = 1.0")
        if nuc == "139La":
            lines.append('epsilon = "full"')
            lines.append("t90_central_transition = false")
        lines.append("")
    for cell, (pgpa, *_rest) in NMR_CELLS.items():
        lines += ["[[nmr_cells]]", f'id = "{cell}"', f"pressure_gpa = {pgpa}",
                  'precursor = "LaH3"', f"precursor_h_per_la = {X_PRECURSOR}", ""]
    for cell, (pgpa, *_rest) in TRANSPORT_CELLS.items():
        lines += ["[[transport_cells]]", f'id = "{cell}"', f"pressure_gpa = {pgpa}",
                  f'folder = "transport/{cell}"', ""]
    for a in acquisitions:
        lines.append("[[acquisitions]]")
        for k, v in a.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    (out / "campaign.toml").write_text("\n".join(lines))
