"""The fix per release and the workaround, loaded from ``cve_2020_1350.toml``.

Kept as data with its sources so that a responder (or a reviewer) can check each entry;
the verdict quotes the entry it used.  Update titles are read the way Windows Update
words them (``2020-08 Security Monthly Quality Rollup for Windows Server 2012 R2 for
x64-based Systems (KB4571703)``): a monthly rollup or cumulative update of the fix's month
or later contains the fix, a security-only update only in the fix's own month.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("cve_2020_1350.toml")


@dataclass(frozen=True, slots=True)
class Release:
    name: str
    builds: tuple[int, ...]
    title_family: str
    checked: str
    url: str
    kb: str | None = None               # Windows 10-based: the cumulative update
    fixed_ubr: int | None = None
    monthly_rollup: str | None = None   # older releases
    security_only: str | None = None

    @property
    def fix_kbs(self) -> tuple[str, ...]:
        return tuple(k for k in (self.kb, self.monthly_rollup, self.security_only) if k)

    def to_json(self) -> dict:
        return {"name": self.name, "builds": list(self.builds), "kb": self.kb,
                "fixed_ubr": self.fixed_ubr, "monthly_rollup": self.monthly_rollup,
                "security_only": self.security_only, "checked": self.checked,
                "url": self.url}


@dataclass(frozen=True, slots=True)
class Workaround:
    key: str
    value: str
    recommended: int
    default: int
    service: str
    service_display: str
    url: str
    checked: str


@dataclass(frozen=True, slots=True)
class Knowledge:
    cve: str
    released: str                        # YYYY-MM-DD
    advisory: str
    releases: tuple[Release, ...]
    workaround: Workaround
    installed_states: frozenset[int]
    pending_states: frozenset[int]

    @property
    def month(self) -> str:
        return self.released[:7]

    def release_for(self, build: int | None) -> Release | None:
        if build is None:
            return None
        return next((r for r in self.releases if build in r.builds), None)

    def fixes(self, release: Release, *, kb: str | None = None, title: str | None = None,
              build: int | None = None, ubr: int | None = None) -> bool:
        """Whether an update (by KB, title) or a build.UBR contains the fix on ``release``."""
        if build is not None and ubr is not None and release.fixed_ubr is not None \
                and build in release.builds:
            return ubr >= release.fixed_ubr
        if kb and kb.upper() in release.fix_kbs:
            return True
        if title:
            t = parse_title(title)
            if t and t.family_matches(release) and t.month >= self.month:
                return t.cumulative or t.month == self.month
        return False


_TITLE = re.compile(r"^(?P<month>\d{4}-\d{2})\s+(?P<kind>.*?)\s+for\s+(?P<family>.+?)"
                    r"(?:\s+for\s+\S+-based\s+Systems)?\s*(?:\((?P<kb>KB\d+)\))?\s*$",
                    re.IGNORECASE)
_KB = re.compile(r"\bKB(\d{6,7})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Title:
    month: str
    kind: str
    family: str
    kb: str | None

    @property
    def cumulative(self) -> bool:
        k = self.kind.lower()
        return "security only" not in k and ("rollup" in k or "cumulative update" in k)

    def family_matches(self, release: Release) -> bool:
        return self.family.lower() == release.title_family.lower()


def parse_title(title: str) -> Title | None:
    """``2020-07 Cumulative Update for Windows Server 2016 for x64-based Systems
    (KB4565511)`` -> month, kind, family, KB; None for titles of another shape."""
    m = _TITLE.match(title.strip())
    if not m:
        return None
    kb = m.group("kb") or (f"KB{k.group(1)}" if (k := _KB.search(title)) else None)
    return Title(m.group("month"), m.group("kind"), m.group("family").strip(),
                 kb.upper() if kb else None)


@functools.lru_cache(maxsize=4)
def load_knowledge(path: str | Path = DATA) -> Knowledge:
    with open(path, "rb") as f:
        d = tomllib.load(f)
    releases = tuple(
        Release(name=r["name"], builds=tuple(r["builds"]), title_family=r["title_family"],
                checked=r["checked"], url=r["url"], kb=r.get("kb"),
                fixed_ubr=r.get("fixed_ubr"), monthly_rollup=r.get("monthly_rollup"),
                security_only=r.get("security_only"))
        for r in d["release"])
    w = d["workaround"]
    return Knowledge(
        cve=d["cve"]["id"], released=d["cve"]["released"], advisory=d["cve"]["advisory"],
        releases=releases,
        workaround=Workaround(key=w["key"], value=w["value"], recommended=w["recommended"],
                              default=w["default"], service=w["service"],
                              service_display=w["service_display"], url=w["url"],
                              checked=w["checked"]),
        installed_states=frozenset(d["servicing"]["installed_states"]),
        pending_states=frozenset(d["servicing"]["pending_states"]))
