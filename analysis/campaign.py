"""A campaign folder: its manifest (``campaign.toml``), acquisitions and transport curves.

A campaign is a plain folder. ``campaign.toml`` names the field, the channels (90° pulse
length, power, bandwidth — the factors of the quantification chain), the cells and every
acquisition (path relative to the folder, cell, day, nucleus, kind, default left shift) and how
shifts are referenced (``[referencing]``: the ⁶³Cu line of the Lenz lens with its Knight
shift, or a ¹H TMS frequency; applied to every acquisition by :meth:`Campaign.read`, see
:func:`reference_for`). Without a manifest the folder is scanned for datasets and
cell/day are taken from the path (``…/<cell>/day<N>/…``).

Every file of a campaign — the manifest, each reader's files (parameter files, delay
lists, ``pdata`` included), the R(T) files — is opened inside
:func:`analysis.files.confined` of the campaign folder: a symlink or path that leads out
of it is refused when the file is opened (:class:`OutsideCampaignError`), whoever opens it.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files, io
from .dataset import Dataset, ReaderError
from .processing import BROAD_LINE_LB_HZ, ProcessingParams
from .units import Reference, manifest_reference

MANIFEST = "campaign.toml"
KINDS = ("fid", "saturation-recovery", "inversion-recovery", "hahn-echo", "echo-train",
         "whole-echo")


class CampaignError(ValueError):
    """The campaign folder or its manifest is unusable (names the file and the problem)."""


class OutsideCampaignError(CampaignError, files.ConfinementError):
    """A campaign path that leads (``..``, an absolute path, a symlink) outside the
    campaign folder: both a :class:`CampaignError` and a
    :class:`~analysis.files.ConfinementError` (a :class:`ReaderError`)."""


@dataclass(frozen=True)
class Acquisition:
    """One acquisition listed by a campaign."""

    path: str
    cell: str
    day: float
    nucleus: str | None = None
    kind: str = "fid"
    left_shift: int | str = 0
    array_kind: str | None = None

    @property
    def key(self) -> str:
        return self.path

    @property
    def label(self) -> str:
        return Path(self.path).name

    def default_processing(self) -> ProcessingParams:
        """Starting processing for this acquisition (broader lines get line broadening)."""
        lb = BROAD_LINE_LB_HZ if self.nucleus == "139La" else 0.0
        shift = "whole-echo" if self.kind == "whole-echo" else self.left_shift
        return ProcessingParams(left_shift=shift, lb_hz=lb)


@dataclass(frozen=True)
class AcquisitionStatus:
    """Whether an acquisition could be read, with the reason when not."""

    acquisition: Acquisition
    ok: bool
    reason: str = ""
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TransportCurve:
    cell: str
    day: float
    path: str


@dataclass(frozen=True)
class Campaign:
    root: Path
    name: str
    field_t: float | None
    channels: dict[str, dict[str, Any]]
    referencing: dict[str, Any]
    nmr_cells: tuple[dict[str, Any], ...]
    transport_cells: tuple[dict[str, Any], ...]
    acquisitions: tuple[Acquisition, ...]
    has_manifest: bool = True

    # -- paths -----------------------------------------------------------------------------
    def resolve(self, relative: str) -> Path:
        """Absolute path of a campaign-relative path, symlinks followed.

        Raises
        ------
        OutsideCampaignError
            When it leads outside the campaign folder (names ``relative``).
        """
        try:
            return files.check(self.root / relative, (self.root,))
        except files.ConfinementError as exc:
            raise OutsideCampaignError(relative, exc.problem) from None
        except (ValueError, OSError) as exc:  # a NUL character, a name too long, …
            raise CampaignError(f"{relative}: not a usable path ({exc})") from None

    def confined(self):
        """``with campaign.confined():`` — every file opened or written in the block must
        lie in the campaign folder (:func:`analysis.files.confined`)."""
        return files.confined(self.root)

    def read(self, acq: Acquisition | str) -> Dataset:
        """Read an acquisition, with cell and day attached and its 0-ppm frequency from
        the manifest's referencing (:func:`reference_for`)."""
        return self.read_with_reference(acq)[0]

    def read_with_reference(self, acq: Acquisition | str) -> tuple[Dataset, Reference]:
        """:meth:`read` and the :class:`~analysis.units.Reference` it applied (where the
        dataset's ``reference_hz`` comes from)."""
        if isinstance(acq, str):
            acq = self.acquisition(acq)
        with self.confined():
            ds = io.read(self.resolve(acq.path))
        ref = reference_for(self, ds, nucleus=ds.nucleus or acq.nucleus)
        changes: dict = {"cell": acq.cell, "day": acq.day, "label": acq.label,
                         "reference_hz": ref.nu_ref_hz}
        if acq.array_kind and ds.array is not None:
            # the manifest says what the stored list means (e.g. a Hahn vdlist holds τ)
            changes["array"] = dataclasses.replace(ds.array, kind=acq.array_kind)
        return ds.replace(**changes), ref

    def reference(self, nucleus: str | None) -> Reference:
        """The manifest's reference of ``nucleus`` (source ``"file"`` with no frequency
        when the manifest has no referencing: each file's own is used then)."""
        ref = manifest_reference(self.referencing, nucleus, None)
        if ref.nu_ref_hz is None:
            return Reference(None, ref.source, ref.detail.split(", and the file")[0]
                             + ": each file's own reference")
        return ref

    def acquisition(self, path: str) -> Acquisition:
        for a in self.acquisitions:
            if a.path == path:
                return a
        raise CampaignError(f"{path}: not an acquisition of {self.root}")

    # -- listings --------------------------------------------------------------------------
    @property
    def cells(self) -> list[str]:
        return sorted({a.cell for a in self.acquisitions})

    def days(self, cell: str) -> list[float]:
        return sorted({a.day for a in self.acquisitions if a.cell == cell})

    def select(self, cell: str | None = None, day: float | None = None,
               nucleus: str | None = None, kind: str | None = None) -> list[Acquisition]:
        return [a for a in self.acquisitions
                if (cell is None or a.cell == cell) and (day is None or a.day == day)
                and (nucleus is None or a.nucleus == nucleus) and (kind is None or a.kind == kind)]

    def scan(self) -> list[AcquisitionStatus]:
        """Try to read every acquisition; unreadable ones (refused ones too) carry the
        reason."""
        out = []
        for a in self.acquisitions:
            try:
                ds = self.read(a)
                out.append(AcquisitionStatus(a, True, "", ds.summary()))
            except (ReaderError, CampaignError) as exc:
                out.append(AcquisitionStatus(a, False, str(exc)))
        return out

    def transport_curves(self) -> list[TransportCurve]:
        """The R(T) files (``*.csv``, ``*.txt``) of every transport cell's folder.

        Raises
        ------
        OutsideCampaignError
            When a cell's folder leads outside the campaign folder.
        """
        curves = []
        with self.confined():
            root = self.resolve(".")
            for tc in self.transport_cells:
                folder = self.resolve(tc.get("folder", f"transport/{tc['id']}"))
                for f in sorted(folder.glob("*.csv")) + sorted(folder.glob("*.txt")):
                    m = re.search(r"day[_-]?(-?\d+(?:\.\d+)?)", f.stem, re.I)
                    day = float(m.group(1)) if m else float("nan")
                    curves.append(TransportCurve(tc["id"], day,
                                                 f.relative_to(root).as_posix()))
        return curves

    def read_rt(self, relative: str):
        """The R(T) curve (:func:`analysis.transport.read_rt`) of a campaign file, read
        inside the campaign folder's confinement.

        Raises
        ------
        ReaderError
            Unreadable or malformed file, or one leading outside the campaign folder
            (:class:`OutsideCampaignError`; nothing of it is read). On the server
            (:func:`analysis.io.set_reader_isolation`) the file is read in a reader process:
            also a read over its time or memory limit.
        """
        from .io import isolated
        from .transport import read_rt

        with self.confined():
            path = self.resolve(relative)
            if isolated.reader_isolation():  # the server: in a reader, time and memory bounded
                return isolated.run_isolated(read_rt, path, label=path)
            return read_rt(path)

    def file_sha256(self, relative: str) -> str:
        """SHA-256 (hex) of a campaign file, read inside the campaign's confinement
        (raises :class:`OutsideCampaignError` for one leading outside)."""
        from .dataset import sha256_of

        with self.confined():
            return sha256_of(self.resolve(relative))


def reference_for(campaign: Campaign, dataset: Dataset, *,
                  nucleus: str | None = None) -> Reference:
    """The 0-ppm frequency of ``dataset`` in ``campaign``: ν_ref(X) = Ξ_X·ν_ref(¹H) with
    ν_ref(¹H) from the manifest's ⁶³Cu chain or its ¹H frequency; the file's own reference
    when the manifest has no referencing (see :func:`analysis.units.manifest_reference`).

    Pass the dataset as read from its file (:func:`analysis.io.read`), so the detail can
    say how far the manifest moves the file's own reference; ``nucleus`` overrides the one
    the file states (the manifest's, for files that state none).
    """
    return manifest_reference(campaign.referencing, nucleus or dataset.nucleus,
                              dataset.reference_hz)


def reference_for_path(path: str | Path, dataset: Dataset) -> Reference:
    """:func:`reference_for` of a dataset read from ``path`` when the path is an acquisition
    of a campaign with a manifest (:func:`locate`); the file's own reference otherwise."""
    found = locate(path)
    if found is not None:
        return reference_for(found[0], dataset)
    ref = manifest_reference({}, dataset.nucleus, dataset.reference_hz)
    return Reference(ref.nu_ref_hz, ref.source, ref.detail.replace(
        "the manifest has no [referencing]", "not an acquisition of a campaign manifest"))


_REFERENCING_HZ = ("cu63_observed_hz", "proton_reference_hz")


def _check_referencing(ref: Any, manifest: Path) -> dict[str, Any]:
    """The ``[referencing]`` table with its numbers checked (frequencies in Hz > 0, the
    Knight shift a fraction)."""
    if not isinstance(ref, dict):
        raise CampaignError(f"{manifest}: [referencing] must be a table")
    for key in (*_REFERENCING_HZ, "cu_knight_shift"):
        if key not in ref:
            continue
        v = ref[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
            raise CampaignError(f"{manifest}: [referencing] {key} must be a number")
        if key in _REFERENCING_HZ and not v > 1e3:
            raise CampaignError(f"{manifest}: [referencing] {key} = {v!r} is not a "
                                "frequency in Hz")
        if key == "cu_knight_shift" and not abs(v) < 0.05:
            raise CampaignError(f"{manifest}: [referencing] cu_knight_shift = {v!r}: give "
                                "a fraction (0.00232 for 0.232 %)")
    return dict(ref)


def _require(d: dict, key: str, where: str, path: Path):
    if key not in d:
        raise CampaignError(f"{path}: {where} has no '{key}'")
    return d[key]


def load(root: str | Path) -> Campaign:
    """Load a campaign folder (``campaign.toml`` if present, a scan otherwise).

    Raises
    ------
    CampaignError
        Missing folder, unreadable manifest or missing manifest keys.
    """
    root = Path(root)
    if not root.is_dir():
        raise CampaignError(f"{root}: not a folder")
    manifest = root / MANIFEST
    if not manifest.is_file():
        return _discover(root)
    try:
        with files.confined(root):   # the manifest itself may be a symlink
            text = manifest.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except files.ConfinementError as exc:
        raise OutsideCampaignError(manifest, exc.problem) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CampaignError(f"{manifest}: invalid TOML ({exc})") from exc
    except RecursionError:
        raise CampaignError(f"{manifest}: invalid TOML (nested too deeply)") from None
    try:
        return _from_manifest(root, manifest, doc)
    except (TypeError, AttributeError, KeyError) as exc:  # a table where a list is due, …
        raise CampaignError(f"{manifest}: malformed manifest ({type(exc).__name__}: "
                            f"{exc})") from None


def _from_manifest(root: Path, manifest: Path, doc: dict) -> Campaign:
    meta = doc.get("campaign", {})
    acqs = []
    for i, a in enumerate(doc.get("acquisitions", [])):
        where = f"acquisition #{i + 1}"
        kind = a.get("kind", "fid")
        if kind not in KINDS:
            raise CampaignError(f"{manifest}: {where} has unknown kind {kind!r}")
        raw_day = _require(a, "day", where, manifest)
        try:
            day = float(raw_day)
        except (TypeError, ValueError) as exc:
            raise CampaignError(f"{manifest}: {where} has a non-numeric day") from exc
        acqs.append(Acquisition(
            path=str(_require(a, "path", where, manifest)),
            cell=str(_require(a, "cell", where, manifest)), day=day,
            nucleus=a.get("nucleus"), kind=kind, left_shift=a.get("left_shift", 0),
            array_kind=a.get("array_kind")))
    for where, cells in (("nmr_cells", doc.get("nmr_cells", [])),
                         ("transport_cells", doc.get("transport_cells", []))):
        if not isinstance(cells, list) or not all(isinstance(c, dict) and "id" in c
                                                  for c in cells):
            raise CampaignError(f"{manifest}: {where} must be a list of tables with an id")
    return Campaign(root=root, name=str(meta.get("name", root.name)),
                    field_t=meta.get("field_t"), channels=dict(doc.get("channels", {})),
                    referencing=_check_referencing(doc.get("referencing", {}), manifest),
                    nmr_cells=tuple(doc.get("nmr_cells", [])),
                    transport_cells=tuple(doc.get("transport_cells", [])),
                    acquisitions=tuple(acqs))


_SINGLE_FILE_SUFFIXES = (".tnt", ".dx", ".jdx", ".jcamp")


def _dataset_paths(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        is_folder_dataset = p.is_dir() and ((p / "acqus").is_file() or (p / "procpar").is_file())
        is_file_dataset = p.is_file() and p.suffix.lower() in _SINGLE_FILE_SUFFIXES
        if is_folder_dataset or is_file_dataset:
            yield p


def _discover(root: Path) -> Campaign:
    acqs = []
    for p in _dataset_paths(root):
        rel = p.relative_to(root)
        parts = rel.parts
        day = 0.0
        cell = parts[0] if len(parts) > 1 else root.name
        for i, part in enumerate(parts):
            m = re.fullmatch(r"day[_-]?(-?\d+(?:\.\d+)?)", part, re.I)
            if m:
                day = float(m.group(1))
                cell = parts[i - 1] if i > 0 else cell
        acqs.append(Acquisition(path=str(rel), cell=cell, day=day))
    return Campaign(root=root, name=root.name, field_t=None, channels={}, referencing={},
                    nmr_cells=(), transport_cells=(), acquisitions=tuple(acqs),
                    has_manifest=False)


def locate(path: str | Path) -> tuple[Campaign, Acquisition] | None:
    """The campaign (a parent folder with a manifest) and acquisition a dataset path
    belongs to, or None: lets a command on one file use the manifest's knowledge (left
    shift, what an array list means) instead of guessing."""
    p = Path(path).resolve()
    for parent in p.parents:
        if (parent / MANIFEST).is_file():
            try:
                camp = load(parent)
                return camp, camp.acquisition(p.relative_to(parent).as_posix())
            except (CampaignError, ValueError):
                return None
    return None


def readable_transport(camp: Campaign) -> tuple[Campaign, list[str]]:
    """``(campaign, refused)``: the campaign keeping only the transport cells whose folder
    can be listed, and one line per cell left out (the folder refused or unreadable), so a
    page or a figure shows the other cells and says why one is missing instead of failing.

    Parameters
    ----------
    camp : Campaign

    Returns
    -------
    tuple of (Campaign, list of str)
        ``camp`` itself when every cell is readable; the lines are plain (untrusted) text.
    """
    kept, refused = [], []
    for tc in camp.transport_cells:
        try:
            dataclasses.replace(camp, transport_cells=(tc,)).transport_curves()
        except (ReaderError, CampaignError, OSError) as exc:
            refused.append(f"transport cell {tc.get('id', '?')} left out: {exc}")
            continue
        kept.append(tc)
    if not refused:
        return camp, []
    return dataclasses.replace(camp, transport_cells=tuple(kept)), refused
