"""The scan of a campaign (every acquisition read once), remembered per server process."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from analysis import campaign as campaign_mod

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
        else:
            out.append(_scan_once((root, context, acq, sig), one))
    return out


def _scan_once(key: tuple, one):
    """The status of the one acquisition of campaign ``one``: remembered under ``key``, or
    read now (while another session waits for it rather than reading it too)."""
    from analysis.io.isolated import TIMEOUT_PHRASE

    with _SCAN_LOCK:
        lock = _SCAN_KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _SCAN_LOCK:
            hit = _SCAN_CACHE.get(key)
        if hit is not None and (hit[1] is None or time.monotonic() < hit[1]):
            return hit[0]
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
        return status
