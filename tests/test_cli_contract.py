"""The command line's surface does not drift: every subcommand, option, default, choice and
help text of ``hpnmr`` is compared with ``tests/cli_contract.json`` (recorded from the parser
before it was split into one module per command group).

To change the surface on purpose, regenerate the file with
``python tests/test_cli_contract.py > tests/cli_contract.json`` and say so in the commit.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dashboard.cli import build_parser

CONTRACT = Path(__file__).with_name("cli_contract.json")


def _plain(v):
    """JSON-able, floats to 10 significant digits (a default derived from constants may
    differ from the literal it replaced in the 12th digit)."""
    if isinstance(v, float):
        return float(f"{v:.10g}")
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return [_plain(x) for x in v]
    if callable(v):
        return getattr(v, "__name__", repr(v))
    return v


def _action(a: argparse.Action) -> dict:
    return {"flags": list(a.option_strings) or [a.dest], "dest": a.dest,
            "action": type(a).__name__, "default": _plain(a.default),
            "type": _plain(a.type), "choices": _plain(a.choices), "nargs": a.nargs,
            "required": a.required, "help": a.help, "metavar": _plain(a.metavar),
            "const": _plain(a.const)}


def _sub_action(p: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))


def describe(p: argparse.ArgumentParser) -> dict:
    """Everything a user sees of the parser, in order."""
    sub = _sub_action(p)
    out = {"prog": p.prog, "description": p.description,
           "options": [_action(a) for a in p._actions if a is not sub],
           "commands": [{"name": c.dest, "help": c.help} for c in sub._choices_actions],
           "required": sub.required}
    for name, s in sub.choices.items():
        out[name] = {"options": [_action(a) for a in s._actions],
                     "defaults": {k: _plain(v) for k, v in sorted(s._defaults.items())}}
    return out


def test_every_command_option_default_and_help_is_as_recorded():
    want = json.loads(CONTRACT.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(describe(build_parser())))
    assert list(got) == list(want)
    for key in want:
        assert got[key] == want[key], key


def test_the_option_sets_of_each_command():
    """The flags alone, readable here (the details are in the JSON file)."""
    d = describe(build_parser())
    flags = {c["name"]: sorted(f for a in d[c["name"]]["options"] for f in a["flags"])
             for c in d["commands"]}
    assert [c["name"] for c in d["commands"]] == [
        "info", "shift", "demo-data", "pake", "t1", "t2", "diffusion", "campaign",
        "quantify", "tc", "figures", "serve"]
    common = {"-h", "--help"}
    assert set(flags["info"]) == common | {"path", "--nucleus", "--json"}
    assert set(flags["shift"]) == common | {"path", "--nucleus", "--left-shift", "--skip-us",
                                            "--region", "--json"}
    assert set(flags["demo-data"]) == common | {"out", "--seed", "--json"}
    assert set(flags["pake"]) == common | {
        "spectrum", "--components", "--r-n", "--r-nn", "--central-line",
        "--no-central-line", "--fix-weight", "--exclude", "--kind", "--echo", "--bootstrap",
        "--json"}
    relax = common | {"data", "--model", "--compare", "--method", "--delays", "--region",
                      "--left-shift", "--lb", "--json"}
    assert set(flags["t1"]) == relax | {"--fix-factor"}
    assert set(flags["t2"]) == relax | {"--axis"}
    assert set(flags["diffusion"]) == common | {
        "--t1-s", "--t1-err-s", "--density-cm3", "--distance-angstrom", "--prefactor",
        "--constant", "--larmor-mhz", "--second-moment", "--json"}
    assert set(flags["campaign"]) == common | {"dir", "--out", "--criterion", "--no-store",
                                               "--no-cache", "--quiet", "--workers", "--json"}
    assert set(flags["quantify"]) == common | {
        "--h", "--la", "--snr-h", "--snr-la", "--snr-h-err", "--snr-la-err", "--scans-h",
        "--scans-la", "--bandwidth-h", "--bandwidth-la", "--noise-temperature-h",
        "--noise-temperature-la", "--t90-h-us", "--power-h", "--t90-la-us", "--power-la",
        "--lambda-err", "--efficiency", "--t90-la-transition", "--assume-defaults",
        "--epsilon-la", "--saturation-h", "--saturation-la", "--calibration",
        "--calibration-err", "--monte-carlo", "--json"}
    assert set(flags["tc"]) == common | {"curve", "--criterion", "--json"}
    assert set(flags["figures"]) == common | {"dir", "--out", "--format", "--quiet", "--json"}
    assert set(flags["serve"]) == common | {
        "dir", "--address", "--port", "--num-procs", "--num-threads", "--show", "--data-root",
        "--password", "--password-file", "--secure-cookies"}
    assert all(len(v) == len(set(v)) for v in flags.values())


def test_the_diffusion_larmor_default_is_the_study_field():
    """395.10885 MHz was a literal; it is ¹H in TMS at the study's 9.28 T."""
    from analysis.constants import H_TMS_HZ_PER_T, STUDY_FIELD_T

    s = _sub_action(build_parser()).choices["diffusion"]
    default = next(a.default for a in s._actions if a.dest == "larmor_mhz")
    assert f"{default:.5f}" == "395.10885"
    assert default == H_TMS_HZ_PER_T * STUDY_FIELD_T / 1e6


def dump(d: dict) -> str:
    """The contract as JSON with one option per line (readable diffs)."""
    def one(v) -> str:
        return json.dumps(v, ensure_ascii=False)

    lines = []
    for key, v in d.items():
        if isinstance(v, dict) and "options" in v:
            body = ",\n".join(f"   {one(a)}" for a in v["options"])
            v = f'{{"options": [\n{body}],\n  "defaults": {one(v["defaults"])}}}'
        elif key in ("options", "commands"):
            v = "[\n" + ",\n".join(f"   {one(a)}" for a in v) + "]"
        else:
            v = one(v)
        lines.append(f" {one(key)}: {v}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    print(dump(describe(build_parser())), end="")
