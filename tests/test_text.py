"""dashboard.text: untrusted text renders to exactly its characters in Panel's Markdown (issue
14 §1), and the pages' transport read path names a refused folder instead of raising."""

from __future__ import annotations

import html as html_mod
import shutil
from html.parser import HTMLParser

import pytest

from dashboard import text

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    "![i](x onerror=alert(1))",
    "<javascript:alert(1)>",
    "x`<img src=x onerror=alert(1)>`y",
    "``a`` ```b",
    "**bold** __b__ *i* _i_ ~~s~~",
    "$$x^2$$ and $y$ and \\(z\\) and \\[w\\]",
    "http://evil.example www.evil.example a@b.example evil.example",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "    indented code",
    "a | b | c",
    "&lt; &amp; &#60;",
    "<!-- c --> <script>alert(1)</script>",
    "back\\slash \\<b\\>",
    "[^1] [x]: javascript:alert(1)",
    ":smile: :x:",
]


class _Html(HTMLParser):
    """Tags seen and the text a browser would show (``<br>`` as a newline)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.text.append("\n")
        elif tag != "p":  # paragraphs are not of interest
            self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def render(obj) -> _Html:
    """The HTML Panel's Markdown pane sends to the browser for ``obj``, parsed."""
    pane = obj if hasattr(obj, "_transform_object") else text.markdown(obj)
    out = html_mod.unescape(pane._transform_object(pane.object)["object"])
    # what the browser's math rendering scans (the HTML as a string): no delimiter
    for delim in ("$$", "\\(", "\\[", "\\)", "\\]"):
        assert delim not in out, (delim, out)
    parsed = _Html()
    parsed.feed(out)
    return parsed


def shown(parsed: _Html) -> str:
    return "".join(parsed.text).strip("\n")


@pytest.mark.parametrize("value", HOSTILE)
def test_literal_renders_the_characters_and_nothing_else(value):
    for md in (text.literal(value), text.md("- **label**: {}", value)):
        r = render(md)
        assert [t for t, _ in r.tags] in ([], ["ul", "li", "strong"]), r.tags
    assert shown(render(text.literal(value))) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_code_is_one_code_span_holding_the_characters(value):
    r = render(text.code(value))
    assert [t for t, _ in r.tags] == ["code"]
    assert shown(r) == value


def test_plain_strings_given_to_the_panes_are_shown_literally():
    import panel as pn

    r = render(text.alert("<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1))"))
    assert [t for t, _ in r.tags] == []  # two paragraphs of text
    assert shown(r) == "<img src=x onerror=alert(1)>\n[a](javascript:alert(1))"
    name = pn.widgets.TextInput(value="x")  # a bound function's plain result, too
    pane = text.markdown(pn.bind(lambda v: f"**{v}**", name))
    assert shown(render(pane)) == "**x**"
    name.value = "<img src=x onerror=alert(1)>"
    assert shown(render(pane)) == "**<img src=x onerror=alert(1)>**"
    # trusted Markdown from md() is rendered
    r = render(text.markdown(text.md("**{}** at {:code}", "<b>", "a`b")))
    assert [t for t, _ in r.tags] == ["strong", "code"]
    assert shown(r) == "<b> at a`b"


def test_newlines_stay_inside_the_line_they_were_put_in():
    value = "first line\n- not an item\n\n# not a heading\r\n    not code"
    r = render(text.md("- {}\n- second", value))
    assert [t for t, _ in r.tags].count("li") == 2
    assert not {"h1", "pre", "ul"} & {t for t, _ in r.tags[1:]}
    assert shown(r).split("\n")[:5] == ["first line", "- not an item", "",
                                        "# not a heading", "    not code"]


def test_md_escapes_formatted_values_and_keeps_markdown_parts():
    part = text.md("*{}*", "<i>")
    assert isinstance(part, text.Markdown)
    r = render(text.md("{} · {:.3f} · {!r} · {n:code}", part, -1.23456, "a*b", n="c`d"))
    assert [t for t, _ in r.tags] == ["em", "code"]
    assert shown(r) == "<i> · -1.235 · 'a*b' · c`d"
    assert text.join(", ", ["<a>", text.Markdown("**b**")]) == "&lt;a&gt;, **b**"


def test_table_escapes_headers_and_cells_and_keeps_its_columns():
    rows = [{"cell | id": "<img src=x onerror=alert(1)>", "day": "1 | 2"}]
    r = render(text.table(rows, "none"))
    assert [t for t, _ in r.tags].count("td") == 2
    assert "img" not in [t for t, _ in r.tags]
    assert "<img src=x onerror=alert(1)>" in shown(r) and "1 | 2" in shown(r)
    assert text.table([], "no rows") == "*no rows*"


def test_html_escapes_for_text_and_attributes():
    assert text.html('<b a="1">\'') == "&lt;b a=&quot;1&quot;&gt;&#x27;"
    assert text.html(None) == ""


def test_clean_name_bounds_and_strips_control_characters():
    assert text.clean_name("  Ann\x00\x1b[31m \u202eB\u200b\n\tC  ") == "Ann[31m B C"
    assert text.clean_name("x" * 500) == "x" * text.NAME_MAX
    assert text.clean_name(None) == ""
    assert text.clean_name("<img src=x onerror=alert(1)>") == "<img src=x onerror=alert(1)>"


def test_saved_name_is_stored_clean_and_bounded(tmp_path, example):
    from analysis.store import ResultsStore
    from dashboard.state import ProcessingState

    s = ProcessingState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    v = s.save("Eve\x07\u202e" + "e" * 200)
    assert v.author == "Eve" + "e" * (text.NAME_MAX - 3)
    assert "\x07" not in s.saved and "\u202e" not in s.saved


def _outside_folder(tmp_path, example):
    """The example with transport cell T4's folder symlinked out of the campaign."""
    root = tmp_path / "camp"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".hpnmr"))
    shutil.move(root / "transport" / "T4", tmp_path / "outside")
    (root / "transport" / "T4").symlink_to(tmp_path / "outside", target_is_directory=True)
    return root


def test_a_refused_transport_folder_leaves_one_cell_out_with_one_line(tmp_path, example):
    from analysis import campaign
    from dashboard.state import TransportState, readable_transport

    root = _outside_folder(tmp_path, example)
    camp, refused = readable_transport(campaign.load(root))
    assert [tc["id"] for tc in camp.transport_cells] == ["T1", "T2", "T3"]
    assert len(refused) == 1 and "T4" in refused[0] and "transport/T4" in refused[0]
    assert readable_transport(campaign.load(example))[1] == []
    s = TransportState(root)  # raised CampaignError before: Panel's traceback page
    assert s.param.cell.objects == ["T1", "T2", "T3"]
    assert s.curves() and "transport/T4" in s.message and "Traceback" not in s.message


def test_campaign_overview_names_a_refused_transport_folder(tmp_path, example):
    from dashboard.components.campaign_view import CampaignOverview
    from dashboard.state import CampaignState

    root = _outside_folder(tmp_path, example)
    view = CampaignOverview(state=CampaignState(root))
    column = view._summary()  # raised CampaignError before
    texts = [shown(render(p)) for p in column.objects]
    assert any(t.startswith("transport cell T4 left out: transport/T4") for t in texts)
