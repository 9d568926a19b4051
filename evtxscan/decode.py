"""What responders decode by hand, decoded once: PowerShell ``-EncodedCommand``.

``powershell -nop -w hidden -enc SQBFAFgA...`` hides its script as base64 of UTF-16LE
text.  ``decode_command_line`` finds every PowerShell invocation in a command line (also
inside ``cmd /c "..."`` and inside a decoded script), reads its parameters the way
``powershell.exe`` / ``pwsh`` do and decodes the encoded one.  Everything that shows a
command line (the TUI's process pane, report.md, report.html, alerts.csv) shows this
function's result next to it, escaped like any evidence text; JSON keeps the original.

How PowerShell reads its own parameters (``CommandLineParameterParser``): a parameter
starts with ``-``, ``/`` or a Unicode dash (en dash, em dash, horizontal bar: attackers
use them to dodge ``-enc`` searches), pwsh also takes ``--``; any prefix of
``EncodedCommand`` that starts with ``e`` selects it (``-e``, ``-en``, ``-enc``,
``-EncodedC``...), and so does ``-ec``; ``-Command``/``-File`` (or the first bare word)
end the parameters, the rest is the script.  Parameters taking a value
(``-WindowStyle hidden``) consume it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from .winargs import split_command_line

#: A PowerShell host program named in a command line (a path before it is fine;
#: ``WindowsPowerShell\\`` is a folder, not a program).
_HOST = re.compile(r"(?<![\w.-])(?:powershell(?:_ise)?|pwsh)(?:\.exe)?(?![\w.-])", re.I)
#: What a parameter may start with: ASCII dash, slash, en dash, em dash, horizontal bar.
_DASHES = "-/\u2013\u2014\u2015"
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
#: Parameters that take a value (full names; any unambiguous prefix is accepted).
_WITH_VALUE = ("version", "inputformat", "outputformat", "windowstyle", "executionpolicy",
               "configurationname", "psconsolefile", "workingdirectory", "settingsfile",
               "custompipename", "ep", "ex", "wd", "if", "of")
#: What may be wrong with an encoded command (``Decoded.problem``).
PROBLEMS = ("not_base64", "odd_length", "not_text")
#: How deep decoded scripts are searched for further encoded commands.
MAX_DEPTH = 3
#: At most this many encoded commands are decoded from one command line.
MAX_FOUND = 8


@dataclass(frozen=True)
class Decoded:
    """One encoded command found in a command line.

    ``problem`` is a code (``not_base64``, ``odd_length``, ``not_text``), worded by
    whoever shows it (``decode.<code>`` in ``evtxscan.i18n``); ``text`` is None only when
    nothing could be decoded.  ``depth`` 0 is the command line itself, 1 a script
    decoded from it, and so on.
    """

    switch: str            # the parameter as written, e.g. "-enc"
    encoded: str           # its argument as written
    text: str | None       # the decoded script, exact (shown escaped, like evidence)
    problem: str | None = None
    depth: int = 0


def decode_command_line(cmdline: str | None) -> list[Decoded]:
    """Every PowerShell encoded command in ``cmdline``, decoded, in order (pure)."""
    out: list[Decoded] = []
    if cmdline:
        _search(cmdline, 0, out)
    return out


def _search(text: str, depth: int, out: list[Decoded]) -> None:
    if "pwsh" not in text.lower() and "powershell" not in text.lower():
        return
    for m in _HOST.finditer(text):
        if len(out) >= MAX_FOUND:
            return
        found = _encoded_argument(text[m.end():])
        if found is None:
            continue
        switch, encoded = found
        decoded, problem = decode_base64_utf16(encoded)
        out.append(Decoded(switch, encoded, decoded, problem, depth))
        if decoded and depth + 1 < MAX_DEPTH:
            _search(decoded, depth + 1, out)


def _encoded_argument(rest: str) -> tuple[str, str] | None:
    """(switch, argument) of the encoded-command parameter among the parameters that
    follow a PowerShell program name, or None."""
    args = split_command_line("x" + rest)[1:]   # "x": argv[0]'s rules must not apply
    i = 0
    while i < len(args):
        arg = args[i]
        name, value = _parameter(arg)
        if name is None:
            return None                       # a bare word: the script starts here
        if _is_encoded_command(name):
            if value is None:
                if i + 1 >= len(args):
                    return None
                value = args[i + 1]
            return arg if ":" not in arg else arg.split(":", 1)[0], value
        if _names(name, "command", "c") or _names(name, "file", "f"):
            return None                       # the rest is the script or its file
        if value is None and any(_names(name, full, full[:1]) for full in _WITH_VALUE):
            i += 1                            # its value
        i += 1
    return None


def _parameter(arg: str) -> tuple[str | None, str | None]:
    """(lower-case name, value after ``:``) when ``arg`` is a parameter, else (None, None)."""
    if len(arg) < 2 or arg[0] not in _DASHES:
        return None, None
    name = arg[1:]
    if name[:1] == "-":                       # pwsh: --EncodedCommand
        name = name[1:]
    value = None
    if ":" in name:
        name, value = name.split(":", 1)
    return (name.lower(), value) if name else (None, None)


def _names(name: str, full: str, shortest: str) -> bool:
    """PowerShell's ``MatchSwitch``: ``name`` is a prefix of ``full`` at least as long
    as its shortest unambiguous prefix."""
    return full.startswith(name) and name.startswith(shortest)


def _is_encoded_command(name: str) -> bool:
    return _names(name, "encodedcommand", "e") or name == "ec"


def decode_base64_utf16(encoded: str) -> tuple[str | None, str | None]:
    """(text, problem code): what ``powershell -EncodedCommand`` would run."""
    payload = re.sub(r"\s+", "", encoded.strip().strip("'\""))
    if not payload or not _B64.match(payload):
        return None, "not_base64"
    try:
        raw = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None, "not_base64"
    problem = None
    if len(raw) % 2:
        raw, problem = raw[:-1], "odd_length"
    text = raw.decode("utf-16-le", errors="surrogatepass")
    if text and problem is None and not _looks_like_text(text):
        problem = "not_text"
    return text, problem


def _looks_like_text(text: str) -> bool:
    """Base64 of something other than UTF-16LE text (UTF-8, a binary) decodes to mostly
    CJK and control characters; say so rather than show it as the script."""
    odd = sum(1 for c in text if (ord(c) < 32 and c not in "\r\n\t") or ord(c) >= 0x2E80)
    return odd <= len(text) // 4
