"""What every ``hpnmr`` command shares: the user-facing error, the ``LO:HI`` pair, reading a
dataset, the progress bar and the printing of a result."""

from __future__ import annotations

import json
import os
import sys


class CliError(Exception):
    """A user-facing error: one line, exit code 2."""


def jsonable(obj):
    """``obj`` ready for :func:`json.dumps` (:func:`analysis.jsonsafe.plain`)."""
    from analysis.jsonsafe import plain

    return plain(obj)


def read_dataset(path: str):
    """Any supported dataset (:func:`analysis.io.read`)."""
    from analysis import io

    return io.read(path)


def pair(text: str, flag: str) -> tuple[float, float]:
    """``"LO:HI"`` as two floats (Hz); a :class:`CliError` naming ``flag`` otherwise."""
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise CliError(f"{flag} {text!r}: expected LO:HI in Hz") from None
    return lo, hi


def progress(done: int, total: int, what: str) -> None:
    """A one-line progress bar on stderr (stdout stays for the result)."""
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                     f"{what[-40:]:<40}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def print_human(result: dict) -> None:
    """``key: value`` lines (dicts as JSON) for a command without its own text output."""
    for k, v in result.items():
        if isinstance(v, dict):
            v = json.dumps(v)
        print(f"{k}: {v}")


def print_result(result: dict, as_json: bool) -> None:
    """One JSON object on stdout (``--json``), else :func:`print_human`; a reader that went
    away (``hpnmr info … | head``) is not an error."""
    try:
        if as_json:
            print(json.dumps(jsonable(result), allow_nan=False))
        else:
            print_human(result)
        sys.stdout.flush()
    except BrokenPipeError:  # `hpnmr info … | head`: the reader went away
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
