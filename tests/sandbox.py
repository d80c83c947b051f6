"""Reading untrusted files in a bounded child process, for the hostile-file and fuzz tests.

A :class:`Worker` is a fresh Python interpreter started with ``RLIMIT_AS`` (address space)
set, which reads one file per request (``io.read`` or ``transport.read_rt``) and answers
with a JSON line: the outcome, the exception type and message, the time taken and the
process's peak RSS so far. The parent waits with a timeout; a worker that does not answer
in time is killed (a *hang*) and a worker that dies (a *crash*) is replaced, so a
regression fails a test instead of eating the machine. Many files go through one worker,
which keeps the interpreter start-up (≈1 s) out of the per-file cost.

Outcomes: ``dataset`` (read), ``typed`` (a ReaderError raised by a reader),
``catchall`` (a ReaderError made by the last-resort ``except`` in ``io.read`` from an
untyped exception), ``untyped`` (any other exception), ``hang``, ``crash``.

Run as a script it is the worker itself (``python tests/sandbox.py``).
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BYTES = int(1.5 * 2**30)


def _limit(memory_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


class Worker:
    """A child interpreter that reads files on request, bounded in memory and time.

    Parameters
    ----------
    memory_bytes : int
        ``RLIMIT_AS`` of the child (bytes).
    env : dict, optional
        Extra environment variables (e.g. ``HPNMR_MAX_POINTS``).
    """

    def __init__(self, memory_bytes: int = MEMORY_BYTES, env: dict | None = None):
        self.memory_bytes = memory_bytes
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
                    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.peak_rss_kb = 0

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(Path(__file__).resolve())], cwd=ROOT, env=self.env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            preexec_fn=_limit(self.memory_bytes), text=True)
        line = self._readline(60.0)
        if line is None or json.loads(line).get("ready") is not True:
            self.close()
            raise RuntimeError("fuzz worker did not start")

    def _readline(self, timeout_s: float) -> str | None:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return line or None

    def read(self, path: str | Path, reader: str = "nmr", timeout_s: float = 20.0) -> dict:
        """Read ``path`` in the child; the answer dict has ``outcome``, ``type``,
        ``message``, ``seconds`` and ``rss_kb`` (peak of the child so far)."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        t0 = time.perf_counter()
        try:
            self.proc.stdin.write(json.dumps({"path": str(path), "reader": reader}) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.close()
            return {"outcome": "crash", "type": "BrokenPipe", "message": "", "seconds": 0.0,
                    "rss_kb": 0}
        line = self._readline(timeout_s)
        if line is None:
            dead = self.proc.poll() is not None
            self.close()
            return {"outcome": "crash" if dead else "hang", "type": "", "message": "",
                    "seconds": time.perf_counter() - t0, "rss_kb": 0}
        answer = json.loads(line)
        self.peak_rss_kb = max(self.peak_rss_kb, answer["rss_kb"])
        return answer

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
        self.proc = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _classify(exc: BaseException, read_code) -> str:
    from analysis.dataset import ReaderError

    if not isinstance(exc, ReaderError):
        return "untyped"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    made_by_catchall = (tb is not None and tb.tb_frame.f_code is read_code
                        and exc.__cause__ is not None
                        and not isinstance(exc.__cause__, ReaderError))
    return "catchall" if made_by_catchall else "typed"


def _serve() -> None:  # the child
    import warnings

    from analysis import io, transport

    warnings.simplefilter("ignore")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        t0 = time.perf_counter()
        try:
            if job["reader"] == "rt":
                transport.read_rt(job["path"])
            else:
                io.read(job["path"])
            outcome, kind, message = "dataset", "", ""
        except BaseException as exc:
            outcome, kind, message = (_classify(exc, io.read.__code__),
                                      type(exc).__name__, str(exc)[:400])
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"outcome": outcome, "type": kind, "message": message,
                          "seconds": time.perf_counter() - t0, "rss_kb": rss}), flush=True)


if __name__ == "__main__":
    _serve()
