"""What a page or a paper figure shows of one acquisition of a campaign.

The recipes the dashboard's stores and the study's figures share, so both draw the same
numbers: an acquisition's spectrum for display (:func:`display_spectrum`), the phased traces
of a relaxation array (:func:`array_traces`), the magnitude of an echo train
(:func:`echo_train`), the relaxation fit of an array with the campaign's default
processing (:func:`fit_array`), and the spectrum a Pake fit starts on with the model at its
start values (:func:`default_pake_path`, :func:`pake_start`). Each returns a small named,
immutable result; a file that cannot be read raises :class:`analysis.dataset.ReaderError`
(a ``ValueError``) naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from . import relaxation as rx
from .campaign import Acquisition, Campaign
from .fitting import FitResult
from .pake import PakeModel
from .processing import BROAD_LINE_LB_HZ, process

#: acquisition kinds of the relaxation arrays: recovery (T1), Hahn-echo decay (T2), and
#: the echo train of the study's Fig. 2
RECOVERY_KINDS = ("saturation-recovery", "inversion-recovery")
DECAY_KINDS = ("hahn-echo",)
TRAIN_KINDS = ("echo-train",)
#: acquisition kinds a Pake fit can use (¹H, or a nucleus the file does not name)
PAKE_KINDS = ("whole-echo", "fid", "echo")
#: automatic phase of a display spectrum (see :func:`analysis.processing.autophase`)
DISPLAY_AUTOPHASE = "max-real"
#: the echo time of a Hahn echo is twice the pulse spacing τ
ECHO_TIME_PER_SPACING = 2


class DisplaySpectrum(NamedTuple):
    """A real spectrum on a ppm axis."""

    ppm: np.ndarray  #: chemical shift (ppm) against the campaign's reference
    real: np.ndarray  #: real part of the phased spectrum (arbitrary units)


class ArrayTraces(NamedTuple):
    """The traces of an arrayed acquisition, phased for display."""

    time_s: np.ndarray  #: acquisition time of each point (s)
    real: np.ndarray  #: real part, traces × points (arbitrary units)
    times_s: np.ndarray  #: the array's time of each trace (s): the delay or the echo time 2τ
    symbol: str  #: what ``times_s`` is: "t" (a delay) or "2τ" (an echo time)


class EchoTrain(NamedTuple):
    """An echo train's traces in magnitude."""

    time_s: np.ndarray  #: acquisition time of each point (s)
    magnitude: np.ndarray  #: |signal|, traces × points (arbitrary units)
    spacings_s: np.ndarray  #: the pulse spacing τ of each trace (s; the trace number if the
    #: file has no list)


class PakeStart(NamedTuple):
    """A Pake model at its start values, scaled onto the data."""

    total: np.ndarray  #: the whole model, baseline included
    parts: dict[str, np.ndarray]  #: each doublet (without the baseline)


class ArrayFit(NamedTuple):
    """The relaxation fit of one array."""

    amplitudes: rx.Amplitudes  #: the amplitude per trace
    fit: FitResult  #: the fit of the model to them (``success`` says whether it converged)
    choice: rx.MethodChoice | None  #: what the automatic method chose (None otherwise)


def display_spectrum(campaign: Campaign, acq: Acquisition) -> DisplaySpectrum:
    """An acquisition's spectrum for display: the default processing, ¹H broadened by
    :data:`~analysis.processing.BROAD_LINE_LB_HZ` so the broad H₂ shows, automatic phase
    (:data:`DISPLAY_AUTOPHASE`, pivoted on the strongest point).

    Parameters
    ----------
    campaign : Campaign
    acq : Acquisition
        One of the campaign's acquisitions (an FID).

    Returns
    -------
    DisplaySpectrum
    """
    ds = campaign.read(acq)
    p = acq.default_processing()
    if ds.nucleus == "1H":
        p = p.replace(lb_hz=max(p.lb_hz, BROAD_LINE_LB_HZ))
    sp = process(ds, p, autophase=DISPLAY_AUTOPHASE)
    return DisplaySpectrum(sp.axis("ppm"), sp.real)


def array_traces(campaign: Campaign, path: str) -> ArrayTraces:
    """The traces of an arrayed acquisition for display: DC-corrected, left shifted and
    phased (:func:`analysis.relaxation.phased_traces`) with the default processing, with
    each trace's delay, or its echo time 2τ when the array lists pulse spacings.

    Parameters
    ----------
    campaign : Campaign
    path : str
        The acquisition's path in the campaign.

    Returns
    -------
    ArrayTraces
    """
    acq = campaign.acquisition(path)
    ds = campaign.read(acq)
    t, real, _ = rx.phased_traces(ds, acq.default_processing())
    x, kind = rx.array_axis(ds)
    times = ECHO_TIME_PER_SPACING * x if kind == "pulse-spacing" else x
    return ArrayTraces(t, real, times, "2τ" if kind != "delay" else "t")


def echo_train(campaign: Campaign, path: str) -> EchoTrain:
    """An echo train's traces in magnitude with their pulse spacings.

    Parameters
    ----------
    campaign : Campaign
    path : str
        The acquisition's path in the campaign.

    Returns
    -------
    EchoTrain
    """
    ds = campaign.read(path)
    taus = ds.array.as_array() if ds.array is not None else np.arange(ds.traces, dtype=float)
    return EchoTrain(ds.time_s(), np.abs(ds.data), taus)


def array_paths(campaign: Campaign, kinds: Iterable[str]) -> list[str]:
    """The paths of the campaign's acquisitions of these kinds, in the campaign's order."""
    kinds = tuple(kinds)
    return [a.path for a in campaign.acquisitions if a.kind in kinds]


def fit_array(campaign: Campaign, path: str, model: str, *, kind: str, method: str = rx.AUTO,
              region_hz: tuple[float, float] | None = None) -> ArrayFit:
    """The amplitudes of an array and their relaxation fit, with the acquisition's default
    processing.

    Parameters
    ----------
    campaign : Campaign
    path : str
        The acquisition's path in the campaign.
    model : str
        A model of ``kind`` (``analysis.relaxation.T1_MODELS``/``T2_MODELS``), or
        ``"auto"`` (the recovery model the amplitudes call for).
    kind : {"recovery", "decay"}
    method : str
        Amplitude per trace: "projection", "integral", "echo-top", or "auto" (every method
        run and fitted, one chosen: :func:`analysis.relaxation.auto_fit`).
    region_hz : (lo, hi), optional
        The integral region, offsets from the carrier (Hz); None: automatic.

    Returns
    -------
    ArrayFit
        A fit that does not converge has ``fit.success`` False and says why.

    Raises
    ------
    analysis.dataset.ReaderError, ValueError, OSError
        The file cannot be read, or its array cannot give amplitudes (no delay list, …).
    """
    acq = campaign.acquisition(path)
    ds = campaign.read(acq)
    if method == rx.AUTO:
        choice = rx.auto_fit(ds, model, kind=kind, params=acq.default_processing(),
                             region_hz=region_hz)
        return ArrayFit(choice.amplitudes, choice.fit, choice)
    amps = rx.amplitudes(ds, method, params=acq.default_processing(), region_hz=region_hz)
    if model == rx.AUTO:
        model = rx.recovery_model(amps)[0]
    return ArrayFit(amps, amps.fit(model, kind=kind), None)


def pake_paths(campaign: Campaign) -> list[str]:
    """The acquisitions a Pake fit can use (:data:`PAKE_KINDS`, ¹H or an unnamed nucleus),
    in the campaign's order."""
    return [a.path for a in campaign.acquisitions
            if a.nucleus in (None, "1H") and a.kind in PAKE_KINDS]


def default_pake_path(campaign: Campaign) -> str | None:
    """The acquisition a Pake fit starts on: the first whole echo, else the first of
    :func:`pake_paths`, else None."""
    whole = [a.path for a in campaign.acquisitions if a.kind == "whole-echo"]
    paths = pake_paths(campaign)
    return whole[0] if whole else (paths[0] if paths else None)


def pake_start(model: PakeModel, intensity, start: dict[str, float]) -> PakeStart:
    """The Pake model at its start values, its area and a constant baseline solved by
    linear least squares so it sits on the data.

    Parameters
    ----------
    model : analysis.pake.PakeModel
        The model on the data's frequency grid (one or two doublets).
    intensity : array
        The spectrum (arbitrary units).
    start : dict
        ``r_n_angstrom``, ``r_nn_angstrom`` (Å), ``weight_n``, ``broadening_hz`` and
        ``center_hz`` (Hz).

    Returns
    -------
    PakeStart
    """
    v = {"amplitude": 1.0, **start, "baseline_0": 0.0}
    comps = model.doublets(v)
    shape = np.sum(comps, axis=0)
    coef, *_ = np.linalg.lstsq(np.c_[shape, np.ones_like(shape)], intensity, rcond=None)
    names = ["r_n doublet", "r_nn doublet"] if model.components == 2 else ["r_n doublet"]
    parts = {n: coef[0] * c for n, c in zip(names, comps, strict=True)}
    return PakeStart(coef[0] * shape + coef[1], parts)
