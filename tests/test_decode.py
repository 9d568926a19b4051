"""PowerShell -EncodedCommand, decoded the way powershell.exe reads its own parameters."""

from __future__ import annotations

import base64

import pytest

from evtxscan.decode import Decoded, decode_base64_utf16, decode_command_line

from conftest import need_shared


def enc(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


@pytest.mark.parametrize("switch", ["-enc", "-EncodedCommand", "-e", "-ec", "-en", "-ENCOD",
                                    "/enc", "/e", "\u2013enc", "\u2014e", "\u2015ec",
                                    "--EncodedCommand"])
def test_every_spelling_powershell_accepts_is_decoded(switch):
    (d,) = decode_command_line(f"powershell.exe -nop -w hidden {switch} {enc('whoami /all')}")
    assert d == Decoded(switch, enc("whoami /all"), "whoami /all", None, 0)


@pytest.mark.parametrize("cmdline", [
    '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoP -NonI -W Hidden '
    '-Exec Bypass -EncodedCommand {p}',
    'cmd.exe /c "powershell -ec {p}"',
    "pwsh -NoProfile -ExecutionPolicy Bypass -e {p}",
    'PowerShell.EXE -WindowStyle Hidden -enc "{p}"',
    "powershell_ise.exe -enc {p}",
])
def test_found_wherever_powershell_is_started(cmdline):
    (d,) = decode_command_line(cmdline.format(p=enc("IEX (New-Object Net.WebClient)")))
    assert d.text == "IEX (New-Object Net.WebClient)" and d.problem is None


@pytest.mark.parametrize("cmdline", [
    "cmd.exe /c echo -enc " + enc("x"),           # no PowerShell
    "powershell -c \"echo -enc " + enc("x") + '"',   # after -Command it is the script's
    "powershell -File x.ps1 -enc " + enc("x"),       # ... or the file's arguments
    "powershell Get-Date -enc " + enc("x"),          # a bare word starts the script
    "powershell -ep bypass -enc",                    # no value
    "C:\\WindowsPowerShell\\tool.exe -enc " + enc("x"),   # the folder is not the program
    "powershell -executionpolicy -enc",              # -enc is the policy's value here
    "",
    None,
])
def test_nothing_decoded_where_powershell_would_not_decode(cmdline):
    assert decode_command_line(cmdline) == []


def test_a_decoded_script_that_starts_powershell_again_is_decoded_too():
    inner = enc("calc.exe")
    found = decode_command_line("powershell -e " + enc(f"powershell -enc {inner}"))
    assert [(d.text, d.depth) for d in found] == [(f"powershell -enc {inner}", 0),
                                                 ("calc.exe", 1)]


def test_what_cannot_be_decoded_says_why_and_keeps_the_argument():
    (bad,) = decode_command_line("powershell -enc !!not-base64")
    assert bad.text is None and bad.problem == "not_base64" and bad.encoded == "!!not-base64"
    # UTF-8 base64 is what PowerShell would not run: decoded as it would be, and flagged
    (utf8,) = decode_command_line(
        "powershell -enc " + base64.b64encode(b"Write-Host hello there").decode())
    assert utf8.problem == "not_text" and utf8.text
    text, problem = decode_base64_utf16(base64.b64encode(b"a\x00b").decode())  # 3 bytes
    assert (text, problem) == ("a", "odd_length")
    # missing padding and line breaks are forgiven, as Convert.FromBase64String does
    assert decode_base64_utf16(enc("dir").rstrip("=")) == ("dir", None)
    assert decode_base64_utf16(enc("whoami")[:8] + "\n" + enc("whoami")[8:]) == ("whoami", None)


def test_control_characters_are_kept_exact_for_whoever_escapes_them():
    (d,) = decode_command_line("powershell -enc " + enc("echo \x1b[2J [bold]x[/bold]"))
    assert d.text == "echo \x1b[2J [bold]x[/bold]"


def test_the_public_samples_encoded_powershell():
    """The IIS discovery sample (the one with the 36 appcmd alerts) starts its script
    with ``powershell -nop -noni -enc``."""
    from evtxscan.analysis import analyze
    log = need_shared("evtx-samples") / "EVTX-ATTACK-SAMPLES" / "Credential Access" / \
        "discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx"
    analysis = analyze([str(log)])
    found = [(p, decode_command_line(p.cmdline())) for p in analysis.graph.procs
             if p.cmdline() and "-enc" in p.cmdline()]
    assert found, "the samples hold a powershell -enc"
    for p, decoded in found:
        assert decoded and decoded[0].problem is None, p.cmdline()[:120]
        assert decoded[0].text.startswith("$ProgressPreference"), decoded[0].text[:60]
