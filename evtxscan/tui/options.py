"""What ``evtxscan tui`` was asked to do, typed: built by the CLI, read by ``tui.app.run``.

Apart from the app so the CLI builds it without importing Textual, and so every flag the
TUI takes is a field someone reads (``--scheduler`` was once parsed and then dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import DEFAULT
from ..sources import SourceOptions


@dataclass(frozen=True)
class TuiOptions:
    paths: tuple[str, ...]               # evidence: folders, logs, images, archives
    outdir: str = "evtxscan-out"         # -o: the case folder (case.json, exports)
    case: str | None = None              # --case; None: OUTDIR/case.json
    backend: str = "evtx"                # --backend: the record reader
    jobs: int = 0                        # --jobs; 0: one per core for big evidence
    scheduler: str | None = None         # --scheduler: a Dask scheduler's address
    rule_paths: tuple[str, ...] = ()     # --rules
    include_default_rules: bool = True   # not --no-default-rules
    lang: str = DEFAULT                  # --lang
    timezone: str = "UTC"                # --timezone: display only, JSON stays UTC
    sources: SourceOptions = SourceOptions()   # --archive-password, --bitlocker-key

    def read_options(self):
        """The read stage's options (``evtxscan.pipeline.ReadOptions``)."""
        from ..pipeline import ReadOptions
        return ReadOptions(backend=self.backend, jobs=self.jobs, scheduler=self.scheduler,
                           sources=self.sources)
