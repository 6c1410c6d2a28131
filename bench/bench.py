"""Benchmark: tenet vs checkov on the same inputs, in one run. Prints wall time, peak memory and ratios.

    python bench/bench.py                 # seed fixtures, a one-file run, 500/5,000/20,000 generated resources
    python bench/bench.py --no-checkov    # tenet only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

_PEAK = """
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def measure(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time (s) over `repeat` runs and peak RSS (MiB) of the command."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, check=True)
        wall, rss, _code = out.stdout.split()
        best = min(best, float(wall))
        peak = max(peak, int(rss) / 1024)
    return best, peak


def tenet_cmd(path: Path) -> list[str]:
    exe = shutil.which("tenet")
    return [exe, "scan", str(path), "--format", "json"] if exe else [
        sys.executable, "-m", "scanner", "scan", str(path), "--format", "json"]


def checkov_cmd(path: Path) -> list[str] | None:
    exe = shutil.which("checkov")
    if exe is None:
        return None
    flag = "-f" if path.is_file() else "-d"
    return [exe, flag, str(path), "--framework", "terraform", "kubernetes", "--quiet", "--compact", "-o", "json",
            "--skip-download"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument("--sizes", default="500,5000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tenet-bench-"))
    cases: list[tuple[str, Path, int]] = [
        ("seed fixtures", ROOT / "fixtures" / "seed", args.repeat),
        ("one file (pre-commit style)", ROOT / "fixtures" / "seed" / "security.tf", args.repeat),
    ]
    for size in (int(s) for s in args.sizes.split(",")):
        target = work / f"gen{size}"
        generate(target, size)
        cases.append((f"generated, {size:,} resources", target, 1 if size > 5000 else args.repeat))

    rows = []
    print(f"{'input':<34}{'tenet s':>9}{'MiB':>7}{'checkov s':>11}{'MiB':>7}{'ratio':>8}")
    for label, path, repeat in cases:
        t_wall, t_mem = measure(tenet_cmd(path), repeat)
        c_wall = c_mem = None
        ck = None if args.no_checkov else checkov_cmd(path)
        if ck is not None:
            c_wall, c_mem = measure(ck, 1)
        ratio = f"{c_wall / t_wall:.1f}x" if c_wall else "-"
        print(f"{label:<34}{t_wall:>9.2f}{t_mem:>7.0f}"
              f"{(f'{c_wall:.2f}' if c_wall else '-'):>11}{(f'{c_mem:.0f}' if c_mem else '-'):>7}{ratio:>8}")
        rows.append({"input": label, "tenet_s": t_wall, "tenet_mib": t_mem, "checkov_s": c_wall,
                     "checkov_mib": c_mem})
    shutil.rmtree(work, ignore_errors=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2))
    if os.environ.get("TENET_BENCH_IMPORTTIME"):
        subprocess.run([sys.executable, "-X", "importtime", "-m", "scanner", "scan", str(ROOT / "fixtures/seed")])


if __name__ == "__main__":
    main()
