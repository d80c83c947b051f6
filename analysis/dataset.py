"""The one data type every reader returns.

Convention (all readers normalise to it): the complex time signal is
s(t) ∝ exp(+i·2π·(ν − ν_carrier)·t) for every nucleus, whatever the sign of γ, so that
:func:`numpy.fft.fft` followed by ``fftshift`` gives the spectrum on an axis of
*increasing* offset from the carrier, and a line at higher frequency reads a higher shift.

Per format (evidence in each reader's docstring and in ``tests/test_orientation.py``):

* stored in this convention, read as is: Bruker fid/ser (checked on CDCl₃, TMS, CHD₂OD and a
  ²⁹Si line against TopSpin's own integration region), NMRPipe time-domain data (nmrglue's
  format converter treats NMRPipe and Bruker alike), two-column/three-column text;
* stored as the conjugate, conjugated by the reader: Varian/Agilent (checked against the
  JCAMP export of the same experiment), Tecmag TNMR (TNMR's own exported axis, via pytnt),
  JCAMP-DX ``NMR FID`` (a Magritek ibuprofen FID);
* frequency-domain files (JCAMP-DX and NMRPipe spectra) carry their own axis, which is
  sorted to increasing offset.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np


class ReaderError(ValueError):
    """A file could not be read: names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class UnsupportedFormatError(ReaderError):
    """The path holds no dataset in a format hpnmr reads."""


@dataclass(frozen=True, slots=True)
class ArrayAxis:
    """The swept parameter of an arrayed acquisition (one value per trace).

    ``unit`` is SI (``"s"`` for delays and pulse lengths) or ``""`` for counts; ``kind``
    says what the values mean: ``"delay"``, ``"pulse_spacing"`` (Hahn τ),
    ``"echo_time"`` (2τ), ``"pulse_length"``, ``"count"`` or ``"index"``.
    """

    name: str
    values: tuple[float, ...]
    unit: str = "s"
    kind: str = "delay"

    def as_array(self) -> np.ndarray:
        return np.asarray(self.values, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "values": list(self.values), "unit": self.unit,
                "kind": self.kind}


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Dataset:
    """An acquisition: metadata plus complex data of shape (traces, points).

    Attributes
    ----------
    data : ndarray, complex128, shape (traces, points)
        Time-domain signal (``domain == "time"``) or spectrum (``"frequency"``).
    format : str
        Reader that produced it (``"bruker"``, ``"tecmag"``, ``"varian"``, ``"jcamp"``,
        ``"nmrpipe"``, ``"text"``).
    nucleus : str or None
        Observed nucleus, e.g. ``"1H"``.
    carrier_hz : float
        Transmitter (carrier) frequency in Hz; 0 when unknown.
    spectral_width_hz : float
        Full spectral width = 1/dwell in Hz.
    domain : {"time", "frequency"}
    reference_hz : float or None
        Frequency of 0 ppm in Hz (``None`` when the file does not say).
    frequency_offsets_hz : ndarray or None
        For frequency-domain data, offsets from the carrier (Hz) of each point, increasing.
    """

    data: np.ndarray
    format: str
    source: str
    nucleus: str | None = None
    carrier_hz: float = 0.0
    spectral_width_hz: float = 1.0
    domain: Literal["time", "frequency"] = "time"
    reference_hz: float | None = None
    frequency_offsets_hz: np.ndarray | None = None
    scans: int | None = None
    receiver_gain: float | None = None
    pulse_90_s: float | None = None
    pulse_power_w: float | None = None
    array: ArrayAxis | None = None
    acquired: str | None = None
    field_t: float | None = None
    sequence: str | None = None
    cell: str | None = None
    day: float | None = None
    label: str | None = None
    sha256: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        d = np.asarray(self.data)
        if d.ndim == 1:
            d = d[np.newaxis, :]
        if d.ndim != 2:
            raise ReaderError(self.source, f"data must be 1-D or 2-D, got shape {d.shape}")
        if d.shape[-1] == 0 or d.shape[0] == 0:
            raise ReaderError(self.source, "the file holds no data points")
        d = d.astype(np.complex128, copy=True)
        if not np.all(np.isfinite(d)):
            raise ReaderError(self.source, "the data contain NaN or infinite values")
        object.__setattr__(self, "data", _readonly(d))
        if not (np.isfinite(self.spectral_width_hz) and self.spectral_width_hz > 0):
            raise ReaderError(self.source,
                              f"spectral width must be positive, got {self.spectral_width_hz}")
        if self.frequency_offsets_hz is not None:
            f = np.asarray(self.frequency_offsets_hz, dtype=float)
            object.__setattr__(self, "frequency_offsets_hz", _readonly(f))
        if self.array is not None and len(self.array.values) != d.shape[0]:
            raise ReaderError(self.source, f"array {self.array.name!r} has "
                              f"{len(self.array.values)} values for {d.shape[0]} traces")
        object.__setattr__(self, "sha256", MappingProxyType(dict(self.sha256)))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    # -- derived -----------------------------------------------------------------------------
    @property
    def traces(self) -> int:
        return int(self.data.shape[0])

    @property
    def points(self) -> int:
        return int(self.data.shape[1])

    @property
    def dwell_s(self) -> float:
        """Dwell time 1/SW in s."""
        return 1.0 / self.spectral_width_hz

    def time_s(self) -> np.ndarray:
        """Sampling times in s of the stored points (first point at 0)."""
        return np.arange(self.points) * self.dwell_s

    def trace(self, index: int = 0) -> np.ndarray:
        return self.data[index]

    def replace(self, **changes: Any) -> Dataset:
        """A copy with some fields changed (the original is untouched)."""
        return dataclasses.replace(self, **changes)

    def summary(self) -> dict[str, Any]:
        """The ``hpnmr info --json`` view of this dataset."""
        return {
            "format": self.format,
            "source": self.source,
            "domain": self.domain,
            "nucleus": self.nucleus,
            "carrier_mhz": self.carrier_hz / 1e6,
            "reference_mhz": None if self.reference_hz is None else self.reference_hz / 1e6,
            "spectral_width_hz": self.spectral_width_hz,
            "dwell_s": self.dwell_s,
            "points": self.points,
            "traces": self.traces,
            "scans": self.scans,
            "receiver_gain": self.receiver_gain,
            "pulse_90_s": self.pulse_90_s,
            "field_t": self.field_t,
            "sequence": self.sequence,
            "acquired": self.acquired,
            "array": None if self.array is None else self.array.to_dict(),
            "sha256": dict(self.sha256),
            "warnings": list(self.warnings),
        }


def sha256_of(path: str | Path) -> str:
    """SHA-256 hex digest of a file, read in chunks (a FIFO, a device or a file over the
    size ceiling is refused: :func:`analysis.files.open_regular`)."""
    from .files import open_regular

    h = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hashes(paths) -> dict[str, str]:
    """``{file name: sha256}`` for the existing files among ``paths``."""
    return {Path(p).name: sha256_of(p) for p in paths if Path(p).is_file()}
