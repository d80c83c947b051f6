"""`hpnmr serve` runs Panel callbacks in threads (issue 14 §3) without reordering one
session's events: a click must not overtake the text typed just before it."""

import threading
import time

from bokeh.document import Document

from dashboard.server import SessionOrderedExecutor


def test_one_sessions_tasks_keep_their_order_while_sessions_run_side_by_side():
    pool = SessionOrderedExecutor(4)
    a, b = Document(), Document()
    done: list[str] = []
    lock = threading.Lock()

    def task(doc, name, delay):
        time.sleep(delay)
        with lock:
            done.append(name)
        return name

    try:
        futures = [pool.submit(task, a, "a1 (typed text)", 0.4),
                   pool.submit(task, a, "a2 (click)", 0.0),
                   pool.submit(task, b, "b1", 0.0),
                   pool.submit(task, a, "a3", 0.0)]
        assert [f.result(timeout=10) for f in futures] == ["a1 (typed text)", "a2 (click)",
                                                           "b1", "a3"]
        assert done.index("b1") < done.index("a1 (typed text)")  # b did not wait for a
        assert [n for n in done if n.startswith("a")] == ["a1 (typed text)", "a2 (click)",
                                                          "a3"]
        failing = pool.submit(lambda doc: 1 / 0, a)
        assert isinstance(failing.exception(timeout=10), ZeroDivisionError)
        assert pool.submit(task, a, "a4", 0.0).result(timeout=10) == "a4"  # not stuck
    finally:
        pool.shutdown()
