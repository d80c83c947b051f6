"""The one place where text becomes Markdown or HTML on the dashboard.

Everything a page shows that comes from a file, a manifest, an error message (error texts
quote file names and file contents) or a user is hostile on the group server: a campaign
name ``<img src=x onerror=…>`` or a name ``[x](javascript:…)`` must be shown as those
characters, never run or followed. Pages therefore never interpolate such text into
Markdown themselves; they build it here:

* :func:`literal` — a value as Markdown that renders to exactly its characters;
* :func:`code` — the same in code style (no backtick can break out of it);
* :func:`md` — a trusted template with untrusted values (``{name}``, ``{path:code}``,
  ``{x:.3g}``), each escaped; the result is :class:`Markdown` (trusted) and may be nested;
* :func:`markdown`, :func:`alert` — Panel panes that escape any plain ``str`` they get
  (only :class:`Markdown` from :func:`md` is rendered as Markdown), with Markdown math and
  automatic links off;
* :func:`table` — a Markdown table from rows of untrusted values;
* :func:`html` — a value for an HTML context (notifications, ``title=""`` attributes);
* :func:`clean_name` — a typed name bounded and stripped of control characters.

Widget labels and options (``Select``, ``CheckButtonGroup``, ``RadioButtonGroup``), tab
titles, Tabulator cells (its default ``plaintext`` formatter) and Bokeh plot text are
rendered as text by Bokeh and need none of this (checked by ``tests/ui/test_xss.py``).

Panel itself is imported only by the functions that build panes, so :mod:`dashboard.state`
(no Panel) can use :func:`clean_name`.
"""

from __future__ import annotations

import html as _html
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["NAME_MAX", "Markdown", "alert", "clean_name", "code", "html", "join", "literal",
           "markdown", "md", "paragraphs", "table"]

#: longest name kept from the Save panel's "Your name" (characters)
NAME_MAX = 80

#: an empty HTML comment, rendered as nothing: after ``$`` and ``\\`` it keeps MathJax's
#: delimiters (``$$``, ``\\(``, ``\\[``) out of the HTML, which math rendering scans as a
#: string. (Backslash escapes alone already keep linkify from ``http://``, ``www.``, …: an
#: escaped character splits the text run it looks at.)
_BREAK = "<!-- -->"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_BROKEN = set("$\\")  # characters followed by _BREAK
_NEWLINES = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")


class Markdown(str):
    """Markdown that is safe to render: built by :func:`md`, :func:`literal` and friends
    from a trusted template and escaped values. A plain ``str`` is never trusted."""

    __slots__ = ()


def _escape_char(ch: str) -> str:
    if ch in _HTML:
        return _HTML[ch]
    out = "\\" + ch if ch in string.punctuation else ch
    return out + _BREAK if ch in _BROKEN else out


def literal(value: Any) -> Markdown:
    """``value`` (any object; ``str()`` of it) as Markdown that renders to its characters.

    HTML's special characters become entities, every other ASCII punctuation character is
    backslash-escaped (no emphasis, link, code span, heading, list, table cell or HTML can
    start), runs that Markdown math or automatic links would pick up are split by an empty
    comment, leading spaces cannot make a code block, and line breaks become ``<br>`` so the
    value stays inside the line, list item or table cell it was put in.

    Parameters
    ----------
    value : Any
        Untrusted text (a name from a manifest, an error message, a typed name, …).

    Returns
    -------
    Markdown
        Inline Markdown; already-trusted :class:`Markdown` is returned unchanged.
    """
    if isinstance(value, Markdown):
        return value
    text = "" if value is None else str(value)
    lines = _NEWLINES.split(text)
    out = []
    for line in lines:
        body = line.lstrip(" \t")
        lead = "&#32;" * (len(line) - len(body))  # no indented code block
        out.append(lead + "".join(_escape_char(c) for c in body))
    return Markdown("<br>".join(out))


def code(value: Any) -> Markdown:
    """``value`` in code style, as Markdown that renders to its characters.

    A Markdown code span cannot hold a hostile string safely (a backtick in the value ends
    it, and math rendering still sees its contents), so this is ``<code>`` around
    :func:`literal`.
    """
    return Markdown(f"<code>{literal(value)}</code>")


def html(value: Any) -> str:
    """``value`` escaped for an HTML text or attribute context (quotes included)."""
    return _html.escape("" if value is None else str(value), quote=True)


class _Formatter(string.Formatter):
    """``str.format`` whose fields are escaped: ``{x}`` → :func:`literal`, ``{x:code}`` →
    :func:`code`, ``{x:.3g}`` → the formatted value, escaped. :class:`Markdown` values are
    inserted as they are."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Markdown) and not format_spec:
            return value
        if format_spec == "code":
            return code(value)
        return literal(format(value, format_spec))

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "r":  # keep the escaping: repr() of a value is still untrusted
            return repr(value)
        return super().convert_field(value, conversion)


_FORMATTER = _Formatter()


def md(template: str, *args: Any, **values: Any) -> Markdown:
    """A trusted Markdown ``template`` (a literal in our code) filled with escaped values.

    Parameters
    ----------
    template : str
        ``str.format`` syntax; ``{name:code}`` shows the value in code style.
    *args, **values
        Untrusted values (escaped with :func:`literal` / :func:`code`); :class:`Markdown`
        values (from :func:`md`, :func:`join`, :func:`table`) are inserted as they are.

    Returns
    -------
    Markdown
    """
    return Markdown(_FORMATTER.vformat(template, args, values))


def join(separator: str, parts: Iterable[Any]) -> Markdown:
    """Join parts (each escaped unless :class:`Markdown`) with a trusted ``separator``."""
    return Markdown(separator.join(literal(p) for p in parts))


def paragraphs(text: Any) -> Markdown:
    """Untrusted multi-paragraph text (paragraphs separated by blank lines, as the pages'
    ``message`` parameters hold) as escaped Markdown paragraphs."""
    if isinstance(text, Markdown):
        return text
    parts = re.split(r"\n\s*\n", "" if text is None else str(text))
    return Markdown("\n\n".join(literal(p.strip("\n")) for p in parts if p.strip()))


def table(rows: list[Mapping[str, Any]], empty: str) -> Markdown:
    """A Markdown table of ``rows`` (the keys of the first row are the columns); every
    header and cell is escaped (``|`` included). ``empty`` (trusted) is shown in italics
    when there are no rows."""
    if not rows:
        return Markdown(f"*{empty}*")
    keys = list(rows[0])
    head = "| " + " | ".join(literal(k) for k in keys) + " |\n|" + "---|" * len(keys) + "\n"
    return Markdown(head + "\n".join("| " + " | ".join(literal(r.get(k, "")) for k in keys)
                                     + " |" for r in rows))


def clean_name(value: Any, limit: int = NAME_MAX) -> str:
    """A typed name as stored: control and format characters (including bidirectional
    overrides and line separators) removed, whitespace runs made one space, trimmed, at
    most ``limit`` characters.

    Parameters
    ----------
    value : Any
        What the user typed (``None`` gives ``""``).
    limit : int
        Maximum length in characters.

    Returns
    -------
    str
        Plain text; still untrusted for display (show it with :func:`literal`).
    """
    text = "" if value is None else str(value)
    kept = (" " if c.isspace() else c for c in text
            if c.isspace() or unicodedata.category(c)[0] != "C")
    return " ".join("".join(kept).split())[:limit].strip()


def _pane_options(kwargs: dict) -> dict:
    # math and automatic links off: a value's "$$…$$" or "www.…" is text
    return {"disable_math": True, "renderer_options": {"linkify": False}, **kwargs}


def _shown(text: Any):
    import panel as pn

    if callable(text):  # a pn.bind(...) function: escaped whenever it is re-evaluated
        return pn.rx(text).rx.pipe(paragraphs)
    return paragraphs(text)


def markdown(text: Any = "", **kwargs: Any):
    """A ``pn.pane.Markdown`` showing ``text``: :class:`Markdown` is rendered, anything
    else is shown literally (:func:`paragraphs`). ``text`` may be a function bound with
    ``pn.bind``; set ``pane.object`` later only to :class:`Markdown`."""
    import panel as pn

    return pn.pane.Markdown(_shown(text), **_pane_options(kwargs))


def alert(text: Any, alert_type: str = "warning", **kwargs: Any):
    """A ``pn.pane.Alert`` showing ``text`` as :func:`markdown` does."""
    import panel as pn

    return pn.pane.Alert(_shown(text), alert_type=alert_type, **_pane_options(kwargs))
