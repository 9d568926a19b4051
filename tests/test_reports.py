"""Reports a responder hands on: alerts.csv, report.md, report.html.

The bundled rundll32.exe command line is hostile on purpose (Rich markup, terminal
escapes, ``<script>``, and ``=cmd|' /C calc'!A0`` in the middle); every format must show it
and none may execute it.
"""

from __future__ import annotations

import csv
import re
import dataclasses
import io
import os
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest

from evtxscan.alerts import Alert
from evtxscan.case import Case
from evtxscan.outputs import FORMATS, WriteOptions, write
from evtxscan.outputs import csv_out, markdown
from evtxscan.outputs.reportdata import tree_lines, tree_text
from evtxscan.textsafe import printable
from fixtures.generate import HOSTILE_CMDLINE

ROOT = Path(__file__).resolve().parents[1]


def alert_of(analysis, host: str, name: str):
    return next(a for a in analysis.alerts
                if a.host.split(".")[0] == host and a.process.name == name)


@pytest.fixture(scope="module")
def reports(analysis, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    case = Case.open(out / "case.json", analysis)
    cmd = alert_of(analysis, "DC01", "cmd.exe")
    case.set_state(cmd.id, "investigation-2", "done")
    case.set_state(cmd.id, "investigation-7", "n/a")
    case.set_note(cmd.id, "investigation-2", "confirmed <img src=x onerror=alert(2)>")
    case.set_alert_note(cmd.id, "escalated to IR lead")
    write(analysis, out, ["csv", "md", "html"],
          WriteOptions(lang="en", timezone="UTC", case=str(out / "case.json")))
    return out


def test_formats_are_registered():
    assert {"csv", "md", "html"} <= set(FORMATS)


def test_csv_has_one_row_per_alert_utf8_bom_and_neutralized_formulas(analysis, reports):
    raw = (reports / "alerts.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(analysis.alerts)
    assert [r["alert_id"] for r in rows] == [a.id for a in analysis.alerts]
    for r in rows:
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    rd = next(r for r in rows if r["process"] == "rundll32.exe")
    # issue 18: CSV cells show control characters escaped (``cat alerts.csv`` printed
    # raw ESC/BEL); the rest of the text is exact, and JSON keeps all of it exact
    assert rd["command_line"] == printable(HOSTILE_CMDLINE) != HOSTILE_CMDLINE
    assert "\\x1b[2J" in rd["command_line"] and "\x1b" not in raw.decode("utf-8-sig")
    assert "=cmd|' /C calc'!A0" in rd["command_line"]
    ps = next(r for r in rows if r["process"] == "powershell.exe")
    assert ps["command_line_decoded"] == "[decoded -enc (base64 of UTF-16LE)] IEX (New-Object)"
    cmd = next(r for r in rows if r["alert_id"] == alert_of(analysis, "DC01", "cmd.exe").id)
    assert cmd["time_utc"] == "2026-03-10T02:14:07.250000Z" and cmd["host"] == "DC01.corp.example"
    assert cmd["parent"] == "dns.exe" and cmd["severity"] == "high" and cmd["risk_score"] == "73"
    assert "discovery: whoami.exe" in cmd["triage_summary"]
    assert cmd["checklist"] == "2/19"
    assert "Security.evtx#" in cmd["sources"]


def test_a_cell_that_starts_with_a_formula_is_prefixed(analysis):
    assert csv_out.neutralize("=1+1") == "'=1+1"
    assert csv_out.neutralize("+cmd") == "'+cmd" and csv_out.neutralize("-2") == "'-2"
    assert csv_out.neutralize("@SUM(A1)") == "'@SUM(A1)"
    # issue 18: a leading tab or CR is shown escaped, so it no longer starts the cell
    assert csv_out.neutralize("\tx") == "\\tx" and csv_out.neutralize("\rx") == "\\x0dx"
    assert csv_out.neutralize("cmd.exe") == "cmd.exe" and csv_out.neutralize(None) == ""
    a = alert_of(analysis, "DC01", "rundll32.exe")
    evil = "=cmd|' /C calc'!A0"
    proc = dataclasses.replace(a.process, starts=[], command_line=evil)
    fake = types.SimpleNamespace(alerts=[Alert(a.rule, proc, a.doc, a.triage)])
    rows = list(csv.reader(io.StringIO(csv_out.render(fake))))
    assert rows[1][csv_out.COLUMNS.index("command_line")] == "'" + evil


def test_markdown_shows_the_tree_checklist_case_and_never_renders_evidence(analysis, reports):
    md = (reports / "report.md").read_text(encoding="utf-8")
    assert "\x1b" not in md and "\x07" not in md
    assert "## Case summary" in md and "| DC01.corp.example | 6 |" in md
    assert "- [x] `investigation-2` (done)" in md
    # issue 18: an n/a step is "[-]" as in the TUI; "[x] ... (n/a)" read as done
    assert "- [-] `investigation-7` (n/a)" in md and "[x] `investigation-7`" not in md
    assert "escalated to IR lead" in md and "2 of " in md
    from markdown_it import MarkdownIt
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script>" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert 'href="https://evil.example' not in rendered      # Rich/MD link text stays text


def test_one_alert_as_markdown_for_the_tui(analysis, tmp_path):
    ps = alert_of(analysis, "DC01", "powershell.exe")
    text = markdown.render_alert_markdown(analysis, ps, lang="zh", tz="+05:30")
    assert text.startswith("## 2026-03-10T07:44:37.250000+05:30 · DC01.corp.example")
    assert "### 进程树" in text and "### 检查清单" in text
    assert "在子树中发现 netstat.exe" in text
    lines = text.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    names = [ln.strip(" └├│─▶") .split(" (pid")[0] for ln in lines]
    assert names[-5:] == ["services.exe", "dns.exe", "powershell.exe", "NETSTAT.EXE", "mshta.exe"]
    alerted = next(ln for ln in lines if "▶" in ln)
    assert "[告警]" in alerted and "[LOLBin]" in alerted


def test_text_tree_marks_the_alert_and_triage_hits(analysis):
    cmd = alert_of(analysis, "WS01", "cmd.exe")
    lines = tree_text(tree_lines(analysis, cmd))
    assert any("dns.exe (pid" in ln and "[masquerading] [unexpected parent]" in ln for ln in lines)
    assert "▶ cmd.exe" in lines[-1] and "[ALERT] [discovery: tasklist.exe]" in lines[-1]


def test_html_is_self_contained_and_escapes_everything_from_evidence(analysis, reports):
    page = (reports / "report.html").read_text(encoding="utf-8")
    low = page.lower()
    assert "<script" not in low and "<img" not in low and "<link" not in low
    assert "src=" not in low.replace("src=x", "") and "@import" not in low
    assert "http-equiv=\"content-security-policy\"" in low and "default-src 'none'" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "confirmed &lt;img src=x onerror=alert(2)&gt;" in page
    assert "\x1b" not in page and "\\x1b[2J" in page
    assert page.count('<section class="alert"') == len(analysis.alerts)
    assert "▶ rundll32.exe (pid" in page
    assert "<h2>Alerts by host</h2>" in page and "DNS03" in page


def test_html_in_chinese_and_another_time_zone(analysis, tmp_path):
    write(analysis, tmp_path, ["html"], WriteOptions(lang="zh", timezone="+05:30", case=None))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "检查清单" in page
    assert "2026-03-10T07:44:07.250000+05:30" in page
    assert "此主机没有 Sysmon:无法从这些日志中回答" in page


def test_the_cli_writes_all_three_reports(evidence, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "evtxscan", "scan", str(evidence), "-o", str(out),
                           "-q", "-f", "csv", "-f", "md", "-f", "html"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr        # alerts found
    for name in ("alerts.csv", "report.md", "report.html", "alerts.jsonl"):
        assert (out / name).stat().st_size > 0


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _browser() -> str:
    """Chromium, which ``.ci/run`` installs; a machine without it skips, CI fails."""
    path = _chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium installed: .ci/run installs Debian's chromium")
        pytest.skip("no Chromium installed (.ci/run installs it)")
    return path


def _headless(page: Path, profile: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": profile})


def test_report_html_renders_in_headless_chromium(analysis, reports, tmp_path):
    """The page as a browser builds it (``--dump-dom``): every alert's section, the
    hostile command line as text, no element the evidence smuggled in; and a screenshot
    of it (the page lays out and paints)."""
    png = tmp_path / "report.png"
    page = reports / "report.html"
    with tempfile.TemporaryDirectory() as profile:
        dom = _headless(page, profile, "--dump-dom")
        shot = _headless(page, profile, f"--screenshot={png}", "--window-size=1400,2000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html_dom = dom.stdout
    assert html_dom.count('<section class="alert"') == len(analysis.alerts)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_dom
    assert "<script" not in html_dom.lower() and "<img" not in html_dom.lower()
    assert '<pre class="decoded">IEX (New-Object)</pre>' in html_dom
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ issue 18
@pytest.mark.parametrize("text", [
    "CORP\\bob", "NT AUTHORITY\\SYSTEM", "C:\\Users\\*\\x", "a\\\\b", "trailing\\",
    "\\[not a link](x)", "<b>bold</b>", "&amp; &lt;", "**x** _y_ `z`", "back\\`tick",
    "\\*\\_", "{{x}} $y$ ~~z~~ #h !i |p|", HOSTILE_CMDLINE])
def test_markdown_text_renders_as_the_evidence_and_reads_as_it_in_the_file(text):
    """What ``md_text`` writes renders (CommonMark) to exactly the evidence; a backslash
    is doubled only where CommonMark would read it as an escape, so ``CORP\\bob`` reads as
    it is in report.md too (it showed ``CORP\\\\bob``)."""
    import html as htmlmod

    from markdown_it import MarkdownIt
    md = markdown.md_text(text)
    rendered = MarkdownIt("commonmark").render("x " + md).strip()
    assert rendered.startswith("<p>x ") and rendered.endswith("</p>")
    inner = rendered[len("<p>x "):-len("</p>")]
    assert "<" not in inner and htmlmod.unescape(inner) == printable(text), md


def test_markdown_users_read_with_one_backslash(reports):
    md = (reports / "report.md").read_text(encoding="utf-8")
    assert "user: NT AUTHORITY\\SYSTEM" in md and "NT AUTHORITY\\\\SYSTEM" not in md
    assert markdown.md_text("CORP\\bob") == "CORP\\bob"
    assert markdown.md_text("C:\\x\\*") == "C:\\x\\\\\\*"   # before "*": an escape


@pytest.fixture(scope="module")
def worked(analysis, tmp_path_factory):
    """A case where the responder set statuses: the reports export them."""
    out = tmp_path_factory.mktemp("worked")
    case = Case.open(out / "case.json", analysis)
    cmd = alert_of(analysis, "DC01", "cmd.exe")
    ws = alert_of(analysis, "WS01", "cmd.exe")
    case.set_alert_status(cmd.id, "true_positive")
    case.set_alert_status(ws.id, "acknowledged")
    write(analysis, out, ["csv", "md", "html", "jsonl"],
          WriteOptions(lang="en", timezone="UTC", case=str(out / "case.json")))
    return out, cmd, ws


def test_alert_status_is_in_every_report_and_never_in_the_jsonl(analysis, worked, tmp_path):
    out, cmd, ws = worked
    rows = list(csv.DictReader(io.StringIO((out / "alerts.csv").read_text("utf-8-sig"))))
    by_id = {r["alert_id"]: r["alert_status"] for r in rows}
    assert by_id[cmd.id] == "true_positive" and by_id[ws.id] == "acknowledged"
    assert {v for k, v in by_id.items() if k not in (cmd.id, ws.id)} == {"open"}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| alert status |" in md and "| true positive |" in md and "| acknowledged |" in md
    assert re.search(r"- alert status: \*\*true positive\*\* \(set \d{4}-\d\d-\d\dT[\d:]+Z\)", md)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<span class="status status-true_positive">true positive</span>' in page
    # alerts.jsonl is what the evidence says: the same bytes with or without a case
    write(analysis, tmp_path, ["jsonl"], WriteOptions(case=None))
    assert (tmp_path / "alerts.jsonl").read_bytes() == (out / "alerts.jsonl").read_bytes()
    assert b"true_positive" not in (out / "alerts.jsonl").read_bytes()


def test_encoded_powershell_is_decoded_next_to_the_command_line_and_escaped(analysis):
    import base64

    from evtxscan.outputs import html as html_out
    ps = alert_of(analysis, "DC01", "powershell.exe")
    md = markdown.render_alert_markdown(analysis, ps)
    assert "- decoded -enc (base64 of UTF-16LE):\n\n  ```powershell\n  IEX (New-Object)\n  ```" \
        in md
    page = html_out.render_alert_html(analysis, ps)
    assert '<pre class="decoded">IEX (New-Object)</pre>' in page
    # a hostile script: escaped in every format, exact in JSON
    script = "echo \x1b[2J<script>alert(1)</script>\n```\n[bold]x[/bold]"
    cmdline = "powershell -enc " + base64.b64encode(script.encode("utf-16-le")).decode()
    proc = dataclasses.replace(ps.process, starts=[], command_line=cmdline)
    evil = Alert(ps.rule, proc, ps.doc, ps.triage)
    md = markdown.render_alert_markdown(analysis, evil)
    assert "\x1b" not in md and "echo \\x1b[2J<script>" in md    # inside a code fence
    assert "````powershell" in md                                 # longer than its ```
    from markdown_it import MarkdownIt
    rendered = MarkdownIt("commonmark").render(md)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    page = html_out.render_alert_html(analysis, evil)
    assert "\x1b" not in page and "<script>alert(1)" not in page
    assert "echo \\x1b[2J&lt;script&gt;alert(1)&lt;/script&gt;\n```\n[bold]x[/bold]" in page
    fake = types.SimpleNamespace(alerts=[evil])
    row = list(csv.DictReader(io.StringIO(csv_out.render(fake))))[0]
    assert row["command_line_decoded"] == (
        "[decoded -enc (base64 of UTF-16LE)] echo \\x1b[2J<script>alert(1)</script>"
        "\\n```\\n[bold]x[/bold]")


def test_chinese_reports_translate_severities(analysis, tmp_path):
    write(analysis, tmp_path, ["md", "html"], WriteOptions(lang="zh", case=None))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "(严重性 高," in md and "| 高 |" in md and "| high |" not in md
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<span class="sev-high">高</span>' in page
