"""The tool names triage looks for, as data, in one place.

Names are lower case with their ``.exe`` suffix; compare with ``tool_key(name)``, which
normalizes any spelling (``NETSTAT.EXE``, ``whoami``, ``C:\\...\\PowerShell.exe``) the same
way.  Each set starts from the names the rule's investigation guide gives and adds the
usual companions; the choices below are deliberate, not exhaustive.

DISCOVERY  built-in discovery/enumeration utilities an intruder runs first on a freshly
           owned server ("who am I, what is this box, who else is here, where are the
           DCs").  ``dnscmd`` is here because on a DNS server it enumerates zones.
           ``wmic`` is left to LOLBINS (one tool, one set, so counts do not double).
LOLBINS    Windows binaries that can download and/or execute further payloads (LOLBAS
           project, "Download"/"Execute"/"AWL bypass" functions).  ``cmd.exe`` is not
           listed: a shell is what the rule alerts on, not a capability finding.
CRASH      Windows Error Reporting processes that a crashing process spawns.
           ``wermgr.exe`` is *not* included: it is the WER queue/upload agent started by a
           scheduled task (the evidence shows ``wermgr.exe -upload`` under svchost.exe on
           quiet hosts), not a child of the process that crashed.
"""

from __future__ import annotations

import re

DISCOVERY: frozenset[str] = frozenset({
    # named by the guide
    "whoami.exe", "netstat.exe", "systeminfo.exe", "tasklist.exe",
    # host and network configuration
    "ipconfig.exe", "hostname.exe", "arp.exe", "route.exe", "nbtstat.exe", "getmac.exe",
    "nslookup.exe", "ping.exe", "tracert.exe", "pathping.exe", "netsh.exe",
    # users, sessions, groups, domain
    "net.exe", "net1.exe", "nltest.exe", "quser.exe", "qwinsta.exe", "query.exe",
    "qprocess.exe", "klist.exe", "cmdkey.exe", "gpresult.exe", "setspn.exe",
    "dsquery.exe", "dsget.exe", "csvde.exe", "ldifde.exe", "dnscmd.exe",
    # services and drivers
    "sc.exe", "driverquery.exe",
})

LOLBINS: frozenset[str] = frozenset({
    # named by the guide
    "mshta.exe", "powershell.exe", "regsvr32.exe", "rundll32.exe", "wscript.exe",
    "wmic.exe",
    # companions
    "pwsh.exe", "powershell_ise.exe", "cscript.exe", "certutil.exe", "bitsadmin.exe",
    "msiexec.exe", "installutil.exe", "regasm.exe", "regsvcs.exe", "msbuild.exe",
    "cmstp.exe", "hh.exe", "mavinject.exe", "odbcconf.exe", "msxsl.exe", "certreq.exe",
    "esentutl.exe", "expand.exe", "extrac32.exe", "curl.exe", "ftp.exe", "finger.exe",
    "forfiles.exe", "pcalua.exe", "msdt.exe", "presentationhost.exe", "ieexec.exe",
    "desktopimgdownldr.exe", "scriptrunner.exe", "syncappvpublishingserver.exe",
})

CRASH: frozenset[str] = frozenset({"werfault.exe", "werfaultsecure.exe"})

#: The service process the default rule is about, and where Windows installs it.
DNS_SERVICE = "dns.exe"
DNS_SERVICE_PATH = "c:\\windows\\system32\\dns.exe"
#: The only expected parent of the DNS service (the service control manager).
DNS_EXPECTED_PARENT = "services.exe"

#: Set name -> names; the order is the order facets are reported in.
TOOLSETS: dict[str, frozenset[str]] = {
    "discovery": DISCOVERY,
    "lolbins": LOLBINS,
    "crash": CRASH,
}

#: Shell operators that start a new command (cmd.exe and PowerShell).
_COMMAND_SPLIT = re.compile(r"&&|\|\||[&|;\n\r]")
#: Arguments after which the next word is a command: ``cmd /c X``, ``start X``, ...
_RUNS_NEXT = frozenset({"/c", "/k", "/r", "-c", "-command", "start", "call"})
_STRIP = "\"'()[]{}^@ \t"


def tool_key(name: str | None) -> str:
    """``C:\\X\\NETSTAT.EXE`` / ``netstat`` -> ``netstat.exe`` (lower case, basename)."""
    if not name:
        return ""
    base = name.replace("/", "\\").rsplit("\\", 1)[-1].strip().lower()
    if base and "." not in base:
        base += ".exe"
    return base


def toolsets_of(name: str | None) -> list[str]:
    """The sets (``discovery``, ``lolbins``, ``crash``) a process name belongs to."""
    key = tool_key(name)
    return [set_name for set_name, names in TOOLSETS.items() if key in names]


def mentioned_tools(command_line: str | None, names: frozenset[str],
                    skip: str | None = None) -> list[str]:
    """Tools of ``names`` that a command line runs (``cmd /c whoami&net user x``).

    Only words in command position count: the first word of each command (after
    ``&``, ``&&``, ``|``, ``||``, ``;``) and the word after ``/c``, ``/k``, ``-c``,
    ``-command``, ``start`` or ``call``; so ``reg query`` is not ``query.exe`` and
    ``mshtml`` is not ``mshta``.  ``skip`` is the process' own name (its argv[0]).
    Sorted, without duplicates.
    """
    if not command_line:
        return []
    skip_key = tool_key(skip) if skip else ""
    found: set[str] = set()
    for n, segment in enumerate(_COMMAND_SPLIT.split(command_line)):
        words = [w.strip(_STRIP) for w in segment.split()]
        words = [w for w in words if w]
        for i, word in enumerate(words):
            if i == 0 or words[i - 1].lower() in _RUNS_NEXT:
                key = tool_key(word)
                if key in names and not (n == 0 and i == 0 and key == skip_key):
                    found.add(key)
    return sorted(found)
