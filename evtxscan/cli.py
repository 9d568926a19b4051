"""The ``evtxscan`` command: ``scan`` (batch), ``rules`` (what loads), ``tui`` (interactive).

Exit status: 0 scanned, no alerts; 1 scanned, alerts found; 2 usage error or nothing
could be scanned at all.  The CLI stays lean: ``scan`` never imports Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__, i18n
from .readers import DEFAULT_READER, reader_names, readers

EXIT_OK, EXIT_ALERTS, EXIT_FATAL = 0, 1, 2
REPORT_FORMATS = ("jsonl", "csv", "md", "html", "graphml")
#: ``tui``'s case folder when no ``-o`` is given (``scan`` requires one)
TUI_OUTDIR = "evtxscan-out"
#: written by every scan (the README promises them); ``-f`` adds the others
ALWAYS_WRITTEN = ("jsonl", "graphml")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="evidence: folders (searched recursively), .evtx logs, disk images "
                        "(E01, VHD/VHDX, VMDK, QCOW2, raw/dd, split) and archives (zip, 7z, "
                        "tar), recognised by their content")
    p.add_argument("--archive-password", action="append", default=[], metavar="PASSWORD",
                   help="password for encrypted zip/7z collections; repeatable, each is tried")
    p.add_argument("--bitlocker-key", action="append", default=[], metavar="KEY",
                   help="BitLocker password or 48-digit recovery password for encrypted "
                        "volumes in images; repeatable")
    p.add_argument("--backend", choices=reader_names(), default=DEFAULT_READER,
                   help="record reader: " + "; ".join(f"{r.name}: {r.summary}" for r in readers()))
    p.add_argument("-j", "--jobs", type=int, default=0,
                   help="worker processes across files and chunk ranges; 0 (default): one "
                        "per core when the evidence is 256 MB or more, else 1")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the per-file stage on a Dask distributed scheduler")
    p.add_argument("--rules", action="append", default=[], metavar="PATH",
                   help="extra rule file or folder (Elastic TOML, Sigma YAML); repeatable")
    p.add_argument("--no-default-rules", action="store_true",
                   help="do not load the bundled rule(s)")
    p.add_argument("--lang", choices=i18n.LANGUAGES, default=None,
                   help="language of the investigation guide (default: from the locale)")
    p.add_argument("--timezone", default="UTC",
                   help="display time zone for reports (e.g. +05:30, Europe/Berlin); "
                        "JSON stays UTC")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary table")


def source_options(args):
    """The credentials given on the command line, for the sources layer."""
    from .sources import SourceOptions
    return SourceOptions(archive_passwords=tuple(getattr(args, "archive_password", []) or ()),
                         bitlocker_keys=tuple(getattr(args, "bitlocker_key", []) or ()))


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="evtxscan",
        description="Offline forensic analysis of Windows process-creation events "
                    "(Sysmon 1, Security 4688): process graph, detection rules, triage.",
        epilog="Exit status: 0 no alerts, 1 alerts found, 2 usage error or nothing scanned.")
    ap.add_argument("--version", action="version", version=f"evtxscan {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="scan evidence and write reports",
                          description="Scan evidence folders and write reports to OUTDIR.")
    _common(scan)
    scan.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                      help="output folder (created; never inside the evidence)")
    scan.add_argument("-f", "--format", action="append", choices=REPORT_FORMATS,
                      help="report format, repeatable; jsonl and graphml are always written")
    scan.add_argument("--force", action="store_true",
                      help="write into an output folder that also holds other files "
                           "(they are kept)")
    scan.add_argument("--case", metavar="FILE",
                      help="case file the reports read: statuses, ticks and notes "
                           "(default: OUTDIR/case.json, the one the TUI uses with -o OUTDIR)")
    scan.add_argument("--timings", action="store_true",
                      help="print the wall time of each stage on stderr")
    rules = sub.add_parser("rules", help="list the rules that load and those skipped")
    rules.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders")
    rules.add_argument("--no-default-rules", action="store_true")
    tui = sub.add_parser("tui", help="walk alerts, process trees and the guide's checklist")
    _common(tui)
    tui.add_argument("-o", "--output", default=TUI_OUTDIR, metavar="OUTDIR",
                     help="case folder: case.json and exported alerts (default: "
                          f"./{TUI_OUTDIR}); give scan's -o OUTDIR to work in its case")
    tui.add_argument("--case", metavar="FILE",
                     help="case file (default: OUTDIR/case.json)")
    return ap


def default_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        v = os.environ.get(var, "")
        if v:
            return i18n.language_of_locale(v)
    return i18n.DEFAULT


def main(argv: list[str] | None = None) -> int:
    """The ``evtxscan`` command.  Ctrl-C anywhere is one line and exit 130 (the scan
    itself also cleans up and says its previous outputs are unchanged)."""
    import signal
    previous = signal.signal(signal.SIGTERM, _on_signal)
    try:
        return _main(argv)
    except (KeyboardInterrupt, Interrupted) as exc:
        print("\nevtxscan: interrupted", file=sys.stderr)
        return exc.code if isinstance(exc, Interrupted) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.command == "rules":
        return cmd_rules(args)
    if getattr(args, "lang", None) is None:
        args.lang = default_lang()
    if args.jobs < 0:
        ap.error("--jobs must be 0 (auto) or more")
    try:
        from .timefmt import parse_timezone
        parse_timezone(args.timezone)
    except ValueError as exc:
        ap.error(str(exc))
    if args.command == "tui":
        fatal = check_inputs(args)
        if fatal is not None:  # before the screen opens or a case file is written
            return fatal
        from .tui.app import run as run_tui  # Textual is imported only here
        return run_tui(tui_options(args))
    return cmd_scan(args)


def tui_options(args):
    """``evtxscan tui``'s flags as the TUI's typed options (no Textual import)."""
    from .tui.options import TuiOptions
    return TuiOptions(paths=tuple(args.paths), outdir=args.output, case=args.case,
                      backend=args.backend,
                      jobs=args.jobs, scheduler=args.scheduler, rule_paths=tuple(args.rules),
                      include_default_rules=not args.no_default_rules,
                      lang=args.lang or i18n.DEFAULT, timezone=args.timezone,
                      sources=source_options(args))


def cmd_rules(args) -> int:
    from .rules import format_listing, load_rules
    from .textsafe import printable
    missing = [p for p in args.paths if not os.path.lexists(p)]
    for p in missing:
        print(f"evtxscan: error: {printable(p)}: does not exist", file=sys.stderr)
    if missing:
        return EXIT_FATAL
    rs = load_rules([Path(p) for p in args.paths], include_default=not args.no_default_rules)
    for line in format_listing(rs):
        print(line)
    return EXIT_OK


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def show(i: int, total: int, name: str) -> None:
        from .textsafe import printable
        sys.stderr.write(f"\r\x1b[K[{i + 1}/{total}] {printable(name)[-80:]}")
        if i + 1 == total:
            sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    return show


def report_file_problem(r) -> None:
    """One line per bad file on stderr, naming it and saying what is wrong."""
    from .textsafe import printable
    if r.status == "error":
        reason = r.errors[0].reason if r.errors else "unreadable"
        print(f"evtxscan: error: {printable(r.path)}: {printable(reason)} (skipped)",
              file=sys.stderr)
    elif r.status == "partial":
        first = r.errors[0].reason if r.errors else ""
        more = f" (+{len(r.errors) - 1} more in summary.json)" if len(r.errors) > 1 else ""
        got = f" ({r.recovered} of them recovered)" if r.recovered else ""
        print(f"evtxscan: warning: {printable(r.path)}: partial: {r.records} records read{got}, "
              f"{r.skipped} skipped; {printable(first)}{more}", file=sys.stderr)
    elif r.records == 0:
        print(f"evtxscan: note: {printable(r.path)}: a valid log with no records (nothing to scan)",
              file=sys.stderr)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: end the run with one line, cleaning up on the way out."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _on_signal(signum, frame) -> None:
    raise Interrupted(128 + signum)


def check_inputs(args) -> int | None:
    """Before anything is read or written: EXIT_FATAL (each missing path named on its
    own line) when none of the evidence exists or a rule path is missing (a typo there
    would silently run without the rules); None to go on.  A missing path among others
    is reported with the other unreadable inputs, and the rest is scanned."""
    from .textsafe import printable
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if len(missing) == len(args.paths):
        for p in missing:
            print(f"evtxscan: error: {printable(p)}: does not exist", file=sys.stderr)
        print("evtxscan: error: nothing could be scanned", file=sys.stderr)
    bad_rules = [p for p in getattr(args, "rules", []) if not os.path.lexists(p)]
    for p in bad_rules:
        print(f"evtxscan: error: --rules {printable(p)}: does not exist", file=sys.stderr)
    if bad_rules or len(missing) == len(args.paths):
        return EXIT_FATAL
    return None


def cmd_scan(args) -> int:
    """Check outputs and inputs, read, write the whole output set, swap it in."""
    from .outputs.outset import OutputError, OutputSet
    from .textsafe import printable
    fatal = check_inputs(args)
    if fatal is not None:
        return fatal
    # reports read the case: it must never live in the evidence, and must be readable
    from .case import Case, CaseError, case_path as case_file, check_outside_evidence
    case_path = case_file(args.output, args.case)
    try:
        if args.case:  # the default, in OUTDIR, is checked with OUTDIR
            check_outside_evidence(case_path, args.paths)
        Case.check(case_path)
    except CaseError as exc:
        print(f"evtxscan: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FATAL
    outset = OutputSet(Path(args.output), list(args.paths), force=args.force)
    try:
        staging = outset.open()
        code = _scan_into(args, outset, staging)
        if code == EXIT_FATAL:
            outset.abort()
        else:
            outset.commit()
            if not args.quiet:
                print(f"Reports written to {outset.outdir}")
        return code
    except OutputError as exc:
        outset.abort()
        print(f"evtxscan: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    except (KeyboardInterrupt, Interrupted) as exc:
        outset.abort()
        code = exc.code if isinstance(exc, Interrupted) else 130
        print("\nevtxscan: interrupted; nothing written, the previous outputs in "
              f"{printable(str(outset.outdir))} are unchanged", file=sys.stderr)
        return code
    except OSError as exc:  # a write that failed: a full disk, a folder gone read-only
        outset.abort()
        where = f" {printable(exc.filename)}" if exc.filename else ""
        print(f"evtxscan: error: cannot write the outputs:{where} {exc.strerror or exc}; "
              f"the previous outputs in {printable(str(outset.outdir))} are unchanged",
              file=sys.stderr)
        return EXIT_FATAL
    except BaseException:
        outset.abort()
        raise


def _scan_into(args, outset, staging: Path) -> int:
    from . import gcpolicy
    from .analysis import analyze
    from .case import case_path as case_file
    from .outputs import WriteOptions, summary, write
    from .pipeline import ReadOptions
    from .scratch import Scratch
    from .textsafe import printable

    with Scratch(staging.parent) as scratch:
        opts = ReadOptions(backend=args.backend, jobs=args.jobs, scheduler=args.scheduler,
                           spill_dir=str(scratch.sub("activity")), sources=source_options(args))
        try:
            analysis = analyze(args.paths, read=opts, rule_paths=args.rules,
                               include_default_rules=not args.no_default_rules,
                               progress=_progress(args.quiet), on_file=report_file_problem)
        except RuntimeError as exc:  # e.g. --scheduler without the distributed extra
            print(f"evtxscan: error: {exc}", file=sys.stderr)
            return EXIT_FATAL
        scanned = [r for r in analysis.reports if r.status != "error"]
        if not scanned:
            print("evtxscan: error: nothing could be scanned", file=sys.stderr)
            return EXIT_FATAL
        for hive in analysis.hives:       # the registry hives read for the exposure answer
            for problem in hive.problems:
                print(f"evtxscan: warning: {printable(problem.line())}", file=sys.stderr)
        # the analysis lives until exit: the reports allocate, and the collector would
        # walk its millions of objects again and again
        gcpolicy.keep_until_exit()
        skipped = analysis.ruleset.skipped
        for s in skipped[:10]:
            print(f"evtxscan: warning: rule skipped: {printable(s.source)}: "
                  f"{printable(s.reason)}", file=sys.stderr)
        if len(skipped) > 10:
            print(f"evtxscan: warning: {len(skipped)} rules skipped in all; reasons in "
                  "summary.json and `evtxscan rules PATH`", file=sys.stderr)
        formats = list(dict.fromkeys(ALWAYS_WRITTEN + tuple(args.format or ())))
        options = WriteOptions(lang=args.lang, timezone=args.timezone,
                               case=str(case_file(outset.outdir, args.case)),
                               jobs=analysis.jobs)
        t0 = time.perf_counter()
        write(analysis, staging, formats, options)
    if args.timings:
        stages = dict(analysis.timings, write=time.perf_counter() - t0)
        print("evtxscan: timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items())
              + f" (jobs {analysis.jobs})", file=sys.stderr)
    if not args.quiet:
        print(summary.render_text(analysis))
    return EXIT_ALERTS if analysis.alerts else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
