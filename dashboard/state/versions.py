"""The saved versions behind the Processing page: the campaign's results database as the
page store uses it (open it, the latest version of an acquisition, save, restore, list,
export), and the one-line notice when the database cannot be used."""

from __future__ import annotations

from pathlib import Path

from .common import open_store


def version_text(v) -> str:
    """"version #12 saved by ana at 2025-01-02 10:11:12 UTC" for a saved ``Version``."""
    return f"version #{v.id} saved by {v.author} at {utc_text(v)} UTC"


def utc_text(v) -> str:
    """When a ``Version`` was saved, to the second, as "2025-01-02 10:11:12" (UTC)."""
    return v.created_utc[:19].replace("T", " ")


class SavedVersions:
    """The results database of one Processing session (``store``; None when it cannot be
    opened) and every use of it, failures included.

    Held by :class:`~dashboard.state.processing.ProcessingState` as ``state.versions``. It
    writes the page store's ``saved``, ``status``, ``can_save`` and ``store_notice``; a
    database that breaks is left exactly as it is (nothing more is written to it)."""

    def __init__(self, state, root: Path, store=None):
        from analysis.store import StoreError

        self._state = state
        try:
            self.store = store or open_store(root)
        except StoreError as exc:  # damaged, or cannot be created (read-only folder)
            self.store = None
            self.broke(exc)
        else:
            if getattr(self.store, "read_only", False):
                state.param.update(can_save=False, store_notice=(
                    f"Read-only campaign: saving is off ({self.store.problem}); saved "
                    "processing is shown."))

    def broke(self, exc: Exception) -> None:
        """The results database cannot be used: say so in one line, show the raw files,
        and write nothing (a damaged database is left exactly as it is)."""
        self._state.param.update(can_save=False, saved="", store_notice=(
            f"Saved processing is not available, showing the raw files; saving is off: "
            f"{exc}"))

    def latest(self, acquisition: str):
        """The acquisition's latest saved ``Version``, or None (also when the database
        breaks: the notice says so)."""
        from analysis.store import StoreError

        if self.store is None:
            return None
        try:
            return self.store.latest(acquisition)
        except StoreError as exc:
            self.broke(exc)
            return None

    def apply_latest(self, acquisition: str) -> bool:
        """Show the acquisition's latest saved version; False when there is none (or it
        cannot be used: the notice says why)."""
        latest = self.latest(acquisition)
        if latest is None:
            return False
        try:
            self._state.apply_params(latest.params)
        except (ValueError, TypeError, KeyError) as exc:
            self.broke(ValueError(f"version #{latest.id} of {acquisition} holds unusable "
                                  f"parameters ({exc})"))
            return False
        self._state.saved = version_text(latest)
        self._state.status = ""
        return True

    def refused(self, action: str) -> bool:
        """Whether ``action`` ("save", "restore") is off; if so the status says why."""
        s = self._state
        if self.store is None or not s.can_save:
            s.status = f"{action} failed: {s.store_notice or 'saving is off'}"
            return True
        return False

    def save(self, author: str, note: str, params: dict, results: dict):
        """Append ``params`` and ``results`` of the page's acquisition as a new version;
        the ``Version``, or None (the status says why)."""
        from analysis.store import StoreError

        s = self._state
        if self.refused("save"):
            return None
        try:
            v = self.store.save(s.acquisition, params, results, author=author or None,
                                note=note, raw_sha256=dict(s.dataset.sha256))
        except StoreError as exc:
            s.status = f"save failed: {exc}"
            return None
        s.saved = version_text(v)
        s.status = f"saved version #{v.id}"
        return v

    def restore(self, version_id: int):
        """Append version ``version_id`` again as the newest and show it; the new
        ``Version``, or None (the status says why)."""
        from analysis.store import StoreError

        s = self._state
        if self.refused("restore"):
            return None
        try:
            v = self.store.restore(int(version_id))
        except StoreError as exc:
            s.status = f"restore failed: {exc}"
            return None
        s.apply_params(v.params)
        s.saved = f"version #{v.id} (restored #{version_id})"
        s.status = f"restored version #{version_id} as #{v.id}"
        return v

    def history_rows(self, acquisition: str | None) -> list[dict]:
        """One row per saved version of ``acquisition``, newest last."""
        from analysis.store import StoreError

        if acquisition is None or self.store is None:
            return []
        try:
            versions = self.store.history(acquisition)
        except StoreError as exc:
            self.broke(exc)
            return []
        return [{"version": v.id, "saved (UTC)": utc_text(v),
                 "by": v.author, "p0 (°)": round(v.params.get("p0_deg", 0.0), 2),
                 "p1 (°)": round(v.params.get("p1_deg", 0.0), 2),
                 "baseline": v.params.get("baseline", ""), "note": v.note}
                for v in versions]

    def export_json(self) -> str:
        """Every version of the campaign as JSON ("{}" without a database; on failure the
        status says why)."""
        from analysis.store import StoreError

        if self.store is None:
            return "{}"
        try:
            return self.store.export_json()
        except StoreError as exc:
            self._state.status = f"export failed: {exc}"
            return "{}"
