"""Every word in one table (``evtxscan.i18n``): complete, consistent, all of it used.

A responder reading a Chinese report must never meet an English fallback that nobody
noticed, nor a translation whose ``{placeholders}`` silently differ.  And a new language
must be one edit of that table: the last test adds one and gets the same reports as the
language it copies, without touching any other file.
"""

from __future__ import annotations

import ast
import functools
import re
import string
from pathlib import Path

from evtxscan import i18n
from evtxscan.alerts import SEVERITY_ORDER
from evtxscan.case import ALERT_STATUSES, STATES
from evtxscan.decode import PROBLEMS
from evtxscan.facets.activity import ACTIVITY_KINDS
from evtxscan.tui.model import SORTS, STACK_MODES
from evtxscan.checklist import SECTIONS
from evtxscan.facets import FACETS
from evtxscan.facets import exposure
from evtxscan.facets.ancestry import FLAGS
from evtxscan.i18n import LANGUAGES, TEXTS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evtxscan"
NAMESPACES = tuple(sorted({k.split(".")[0] for k in TEXTS}))


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_text_exists_in_every_language_in_one_shape():
    for key, texts in TEXTS.items():
        assert set(texts) == set(LANGUAGES), (key, sorted(texts))
        kinds = {type(t) for t in texts.values()}
        assert len(kinds) == 1 and kinds <= {str, tuple}, key   # a text, or a word list
        for lang, text in texts.items():
            assert text, (key, lang)
            if isinstance(text, tuple):
                assert all(w and w == w.lower() for w in text), (key, lang)


def test_translations_take_the_same_placeholders_as_english():
    for key, texts in TEXTS.items():
        if isinstance(texts[i18n.DEFAULT], str):
            want = _fields(texts[i18n.DEFAULT])
            for lang, text in texts.items():
                assert _fields(text) == want, (key, lang)


def test_tr_formats_and_falls_back_to_english_for_an_unknown_language():
    assert i18n.tr("facet.subtree.some", "zh", n=2, names="x、y") == \
        "子树中有 2 个进程:x、y"
    assert i18n.tr("facet.subtree.some", "fr", n=1, names="x") == \
        "1 process(es) in the subtree: x"
    # evidence is a parameter, never part of the pattern: its braces stay as they are
    assert i18n.tr("answer.caveat", "en", text="{0} {bad}") == "caveat: {0} {bad}"
    assert i18n.language_of_locale("zh_CN.UTF-8") == "zh"
    assert i18n.language_of_locale("C.UTF-8") == "en"


# ------------------------------------------------------------------ used and defined
#: Strings that start like a key but are not one.
NOT_KEYS = {"report.md", "report.html"}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "i18n.py" or path.parent != PACKAGE:
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


@functools.cache
def _scan() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(keys written out, prefixes of keys built at run time, caveat codes raised)."""
    literal: set[str] = set()
    built: set[str] = set()
    codes: set[str] = set()
    prefix = re.compile(r"^(%s)\." % "|".join(NAMESPACES))
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                v = node.value
                if prefix.match(v) and v not in NOT_KEYS and not v.endswith((".", "_")):
                    literal.add(v)       # (a key's prefix, joined at run time, ends so)
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and prefix.match(str(head.value)):
                    built.add(head.value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                if isinstance(node.left, ast.Constant) and prefix.match(str(node.left.value)):
                    built.add(node.left.value)
            elif isinstance(node, ast.Call) and node.args:
                arg, name = node.args[0], _call_name(node)
                if name == "label" and path.parent.name == "outputs":  # reportdata.label
                    if isinstance(arg, ast.Constant) and "." not in arg.value:
                        literal.add("report." + arg.value)
                    elif isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Constant):
                        built.add("report." + arg.left.value)
                if name == "mark" and path.parent.name == "outputs":   # reportdata.mark
                    if isinstance(arg, ast.Constant):
                        literal.add("mark." + arg.value)
                if name == "_caveat" and isinstance(arg, ast.Constant):
                    codes.add(arg.value)
    return frozenset(literal), frozenset(built), frozenset(codes)


def _bindings():
    """Every binding our TUI classes declare (the footer shows those with ``show``)."""
    from textual.binding import Binding

    from evtxscan.tui import alertlist, app, files, rowlist, screens, widgets
    for mod in (app, screens, widgets, alertlist, files, rowlist):
        for cls in vars(mod).values():
            if isinstance(cls, type) and cls.__module__ == mod.__name__:
                for b in cls.__dict__.get("BINDINGS", ()):
                    if isinstance(b, Binding):
                        yield b


def _built_keys(codes: set[str]) -> dict[str, set[str]]:
    """Every key each run-time prefix can build, from the values the code feeds it."""
    marks = {"alert"} | set(FLAGS) | {f.name for f in FACETS if f.tools} | \
        {f.mark for f in FACETS if f.mark}
    return {
        "report.": set(),      # reportdata.label(key): _scan reads its calls
        "report.section_": {"report.section_" + s for s in SECTIONS},
        "report.state_": {"report.state_" + s for s in STATES},
        "mark.": {"mark." + m for m in marks},   # reportdata.mark, TUI proc_label
        "caveat.": {"caveat." + c for c in codes},
        "facet.exposure.": {"facet.exposure." + w for w in exposure.WORDED},
        "severity.": {"severity." + s for s in SEVERITY_ORDER},
        "status.": {"status." + s for s in ALERT_STATUSES},
        "decode.": {"decode." + p for p in PROBLEMS},
        # the TUI's alert list (evtxscan.tui.model) and process pane
        "tui.sort_": {"tui.sort_" + o for o in SORTS},
        "tui.stack_": {"tui.stack_" + m for m in STACK_MODES},
        "tui.activity_": {"tui.activity_" + k for k in ACTIVITY_KINDS.values()},
        # looked up for every binding; a hidden one may stay in English
        "footer.": {"footer." + b.description for b in _bindings()} & set(TEXTS),
    }


def test_every_key_the_code_uses_is_defined_and_every_defined_key_is_used():
    literal, built, codes = _scan()
    families = _built_keys(codes)
    assert built <= set(families), f"keys built from a prefix this test does not know: " \
                                   f"{built - set(families)}"
    used = literal | set().union(*families.values())
    assert sorted(used - set(TEXTS)) == [], "keys used but not defined"
    assert sorted(set(TEXTS) - used) == [], "texts nothing shows"
    shown = {b.description for b in _bindings() if b.show}
    assert sorted(d for d in shown if "footer." + d not in TEXTS) == [], \
        "footer words without a translation"


def test_every_caveat_raised_has_a_text_and_every_facet_names_real_caveats():
    _, _, codes = _scan()
    assert codes == {k.split(".", 1)[1] for k in TEXTS if k.startswith("caveat.")}
    for f in FACETS:
        assert set(f.caveats) <= codes, f.name


# ------------------------------------------------------------------ a new language
RULE = PACKAGE / "rules" / "unusual_dns_service_children.toml"


def _scan_reports(argv: list[str]) -> dict[str, bytes]:
    from evtxscan.cli import main
    out = Path(argv[argv.index("-o") + 1])
    assert main(argv) == 1
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if p.suffix in (".md", ".html", ".csv", ".jsonl")}


def test_a_new_language_is_one_edit_of_the_table(evidence, tmp_path, monkeypatch):
    """``xx``, added to ``LANGUAGES`` and to every entry (here: a copy of Chinese), gives
    byte for byte the reports, answers and help of Chinese: nothing outside the table
    decides anything by language."""
    monkeypatch.setattr(i18n, "LANGUAGES", (*LANGUAGES, "xx"))
    for texts in TEXTS.values():
        monkeypatch.setitem(texts, "xx", texts["zh"])
    # the rule's guide in that language too (a rule file's note_<lang>, as for zh)
    rule = RULE.read_text(encoding="utf-8")
    note_zh = re.search(r'^note_zh = """.*?^"""$', rule, re.M | re.S).group(0)
    (tmp_path / "rule.toml").write_text(rule + "\n" + note_zh.replace("note_zh", "note_xx", 1),
                                        encoding="utf-8")
    got = {}
    for lang in ("zh", "xx"):
        got[lang] = _scan_reports([
            "scan", str(evidence), "-o", str(tmp_path / lang), "-q", "--jobs", "1",
            "--no-default-rules", "--rules", str(tmp_path / "rule.toml"), "--lang", lang,
            "-f", "md", "-f", "html", "-f", "csv", "--timezone", "+08:00"])
    assert got["xx"] == got["zh"] and "report.md" in got["xx"]
    assert "检查清单".encode() in got["xx"]["report.md"]

    from evtxscan.tui.keys import help_markdown
    assert help_markdown("xx") == help_markdown("zh")
    assert i18n.language_of_locale("xx_XX.UTF-8") == "xx"
