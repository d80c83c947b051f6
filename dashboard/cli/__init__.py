"""The ``hpnmr`` command (a contract: scripts and checks call it; see DESIGN.md).

Every subcommand with ``--json`` prints exactly one JSON object on stdout. Bad input exits
non-zero with one clear line on stderr (and ``{"error": ...}`` on stdout under ``--json``);
no traceback reaches the user.

One module per group of commands; each adds its own subparsers and handlers
(``add_<command>(subparsers)``, ``cmd_<command>(args)``): :mod:`.spectra` (info, shift,
pake), :mod:`.relaxation` (t1, t2, diffusion), :mod:`.campaign` (campaign, quantify, tc,
demo-data), :mod:`.figures` and :mod:`.serve`; :mod:`.common` holds what they share. A new
command is a handler and an ``add_`` function in one of them, listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import sys

from analysis import __version__

from . import campaign, figures, relaxation, serve, spectra
from .common import CliError, print_result

#: the subcommands' registrations, in the order ``hpnmr --help`` lists them
COMMANDS = (spectra.add_info, spectra.add_shift, campaign.add_demo_data, spectra.add_pake,
            relaxation.add_t1, relaxation.add_t2, relaxation.add_diffusion,
            campaign.add_campaign, campaign.add_quantify, campaign.add_tc,
            figures.add_figures, serve.add_serve)

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpnmr", description="High-pressure NMR and transport "
                                "analysis for superhydrides in diamond anvil cells.")
    p.add_argument("--version", action="version", version=f"hpnmr {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from analysis.campaign import CampaignError
    from analysis.dataset import ReaderError

    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the command, for provenance
    as_json = getattr(args, "json", False)
    try:
        result = args.func(args)
    except (CliError, ReaderError, CampaignError, ValueError, OSError) as exc:
        msg = str(exc) or type(exc).__name__
        if as_json:
            print(json.dumps({"error": msg}))
        print(f"hpnmr {args.command}: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if result is not None:
        print_result(result, as_json)
    return 0
