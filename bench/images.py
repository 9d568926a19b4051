"""Logs inside an image vs the same logs as plain files (issue 12's target: within 1.2x).

    python -m bench.make_big --size-mb 100 -o bench/data/mix-100m.evtx
    python bench/images.py bench/data/mix-100m.evtx        # as root: mkntfs + ntfs-3g

Puts the log into an NTFS volume (MBR disk) and packs it as E01 (ewfacquire, deflate),
VHDX (qemu-img) and a deflated zip, then times ``evtxscan scan`` (--jobs 1, -q) of the
plain log and of each container, one run each, and prints the ratios.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(path: Path, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evtxscan", "scan", str(path), "-o", str(out), "-q",
                    "--jobs", "1"], cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    from fixtures.containers.make import disk, ewf, ntfs_volume, qemu
    log = Path(sys.argv[1]).resolve()
    size = log.stat().st_size
    with tempfile.TemporaryDirectory(prefix="evtxscan-bench-img-") as t, \
            tempfile.TemporaryDirectory(prefix="evtxscan-bench-out-") as o:
        w = Path(t)  # evidence here; outputs beside it (never inside the evidence)
        vol = ntfs_volume(w / "v.ntfs", {"Windows/System32/winevt/Logs/Security.evtx": log},
                          size + (32 << 20), "BENCH")
        raw = disk(w / "disk.raw", vol)
        ewf(raw, w / "BENCH")
        qemu(raw, w / "BENCH.vhdx", "vhdx", "subformat=dynamic")
        with zipfile.ZipFile(w / "BENCH.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.write(log, "C/Windows/System32/winevt/Logs/Security.evtx")
        plain = w / "plain"
        plain.mkdir()
        os.link(log, plain / "Security.evtx") if log.stat().st_dev == plain.stat().st_dev \
            else shutil.copyfile(log, plain / "Security.evtx")
        rows = [("plain file", plain), ("raw dd", raw), ("E01", w / "BENCH.E01"),
                ("VHDX", w / "BENCH.vhdx"), ("zip (deflate)", w / "BENCH.zip")]
        base = None
        print(f"| {log.name} ({size / 1e6:.0f} MB) | scan --jobs 1 | ratio |")
        print("|---|---:|---:|")
        for name, path in rows:
            secs = timed(path, Path(o) / f"out-{name.split()[0]}")
            base = base or secs
            print(f"| {name} | {secs:.2f} s | {secs / base:.2f}x |")


if __name__ == "__main__":
    main()
