"""``hpnmr serve``: the dashboard on a campaign folder (default: the example campaign)."""

from __future__ import annotations

import os
from pathlib import Path

from .common import CliError


def cmd_serve(args) -> None:
    from dashboard import example_campaign
    from dashboard.server import AccessError, check_under_roots, serve

    root = Path(args.dir) if args.dir else example_campaign()
    if not root.is_dir():
        raise CliError(f"{root}: no such campaign folder")
    try:
        check_under_roots(root, args.data_root)
    except AccessError as exc:
        raise CliError(str(exc)) from None
    password = args.password
    if args.password_file:
        try:
            password = Path(args.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliError(f"{args.password_file}: cannot read ({exc})") from None
    password = password or os.environ.get("HPNMR_PASSWORD") or None
    serve(root, address=args.address, port=args.port, num_procs=args.num_procs,
          show=args.show, password=password, data_roots=args.data_root,
          secure_cookies=args.secure_cookies or None, num_threads=args.num_threads)


def add_serve(sub) -> None:
    s = sub.add_parser("serve", help="serve the dashboard")
    s.add_argument("dir", nargs="?", help="campaign folder (default: the bundled example)")
    s.add_argument("--address", default="127.0.0.1")
    s.add_argument("--port", type=int, default=5006)
    s.add_argument("--num-procs", type=int, default=1,
                   help="worker processes (default 1; they exit with the server). A session "
                   "stays on one worker: only worth it with >= 4 free cores and several users "
                   "at once; on 2 cores it was no faster than 1 worker")
    s.add_argument("--num-threads", type=int, default=4,
                   help="threads for page callbacks, so one session's work does not block "
                   "the others (default 4); datasets are read in separate processes with "
                   "a time limit, $HPNMR_READ_TIMEOUT_S (default 20 s)")
    s.add_argument("--show", action="store_true", help="open a browser")
    s.add_argument("--data-root", action="append", default=[], metavar="DIR",
                   help="serve only campaigns inside this folder (repeatable)")
    s.add_argument("--password", help="require this password (Panel basic auth); prefer "
                   "--password-file or $HPNMR_PASSWORD, which stay out of the process list")
    s.add_argument("--password-file", help="file holding the password")
    s.add_argument("--secure-cookies", action="store_true",
                   help="mark login cookies Secure (HTTPS only): use when served behind TLS "
                   "(or set $HPNMR_SECURE_COOKIES=1)")
    s.set_defaults(func=cmd_serve, json=False)
