"""Split a Windows command line into argv the way the process itself would see it.

Windows has no argv at the kernel level: each program splits its own command line,
almost always with the ``CommandLineToArgvW``/MSVC rules implemented here.  ECS
``process.args`` follows those rules, so detections on ``process.args`` agree with
Elastic Defend and Winlogbeat.
"""

from __future__ import annotations

_WS = " \t"


def split_command_line(cmdline: str) -> list[str]:
    """Return argv for ``cmdline`` (pure; never raises).

    The program name (argv[0]) follows special rules: it ends at the next quote if it
    starts with one, else at the first space or tab; backslashes are literal in it.
    Later arguments: ``2n`` backslashes before a quote give ``n`` backslashes and toggle
    quoting; ``2n+1`` give ``n`` backslashes and a literal quote; other backslashes are
    literal; inside quotes ``""`` is a literal quote.
    """
    if not cmdline:
        return []
    args: list[str] = []
    n = len(cmdline)
    i = 0
    # argv[0]
    if cmdline[0] == '"':
        j = cmdline.find('"', 1)
        if j < 0:
            return [cmdline[1:]]
        args.append(cmdline[1:j])
        i = j + 1
    else:
        j = i
        while j < n and cmdline[j] not in _WS:
            j += 1
        args.append(cmdline[:j])
        i = j
    # the rest
    while True:
        while i < n and cmdline[i] in _WS:
            i += 1
        if i >= n:
            break
        buf: list[str] = []
        in_quotes = False
        while i < n:
            c = cmdline[i]
            if c in _WS and not in_quotes:
                break
            if c == "\\":
                k = i
                while k < n and cmdline[k] == "\\":
                    k += 1
                count = k - i
                if k < n and cmdline[k] == '"':
                    buf.append("\\" * (count // 2))
                    if count % 2:
                        buf.append('"')
                        i = k + 1
                    else:
                        i = k  # the quote is handled below
                else:
                    buf.append("\\" * count)
                    i = k
                continue
            if c == '"':
                if in_quotes and i + 1 < n and cmdline[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                in_quotes = not in_quotes
                i += 1
                continue
            buf.append(c)
            i += 1
        args.append("".join(buf))
    return args
