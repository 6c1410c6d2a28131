"""Benchmark: tenet vs checkov on the same inputs, in one run. Prints wall time, peak memory, ratios and
finding counts side by side.

    python bench/bench.py                     # seed fixtures, a one-file run, 5,000 generated resources
    python bench/bench.py --sizes 500,5000,20000
    python bench/bench.py --no-checkov        # tenet only

Columns: `tenet` is `tenet scan`; `checkov` is the checkov CLI (Terraform and Kubernetes frameworks, no
downloads); `both` is `tenet scan --engine tenet --engine checkov`, one report from one process. Times are the
best of --repeat runs, start-up included; memory is the peak resident set of the largest process. `x` columns
are checkov over tenet. The executables are taken next to this Python first (a virtualenv's bin/), then PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

# Runs the command with its stdout in a file; prints wall time, the children's peak RSS (KiB) and the exit code.
_PEAK = """
import resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    t = time.perf_counter()
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - t
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""
# Both tools exit 1 when they find something: that is a successful run.
_OK = (0, 1)


@dataclass
class Measure:
    seconds: float
    mib: float
    findings: int


def executable(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


def measure(cmd: list[str], repeat: int, count: Callable[[bytes], int]) -> Measure:
    """Best wall time over `repeat` runs, peak memory, and the findings the last run reported."""
    best, peak, output = float("inf"), 0.0, b""
    with tempfile.TemporaryDirectory(prefix="tenet-bench-out-") as tmp:
        out = Path(tmp) / "stdout"
        for _ in range(repeat):
            done = subprocess.run([sys.executable, "-c", _PEAK, str(out), *cmd], capture_output=True, text=True,
                                  check=True)
            wall, rss, code = done.stdout.split()
            output = out.read_bytes()
            if int(code) not in _OK:
                raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{output[-2000:].decode(errors='replace')}")
            best = min(best, float(wall))
            peak = max(peak, int(rss) / 1024)
    return Measure(best, peak, count(output))


def tenet_findings(output: bytes) -> int:
    return int(json.loads(output)["summary"]["findings"])


def checkov_failures(output: bytes) -> int:
    """checkov prints one report per framework that found files (a list when there are several)."""
    data = json.loads(output)
    reports = data if isinstance(data, list) else [data]
    return sum(int(r.get("summary", {}).get("failed", 0)) for r in reports)


def tenet_cmd(path: Path, *extra: str) -> list[str]:
    exe = executable("tenet")
    base = [exe] if exe else [sys.executable, "-m", "scanner"]
    return [*base, "scan", str(path), "--format", "json", *extra]


def checkov_cmd(path: Path) -> list[str] | None:
    exe = executable("checkov")
    if exe is None:
        return None
    flag = "-f" if path.is_file() else "-d"
    return [exe, flag, str(path), "--framework", "terraform", "kubernetes", "--quiet", "--compact", "-o", "json",
            "--skip-download"]


def _cell(m: Measure | None, width: int) -> str:
    return f"{'-':>{width}}{'-':>6}{'-':>7}" if m is None else f"{m.seconds:>{width}.2f}{m.mib:>6.0f}{m.findings:>7}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-checkov", action="store_true", help="tenet only")
    parser.add_argument("--sizes", default="5000", help="generated repositories, comma-separated resource counts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    checkov = None if args.no_checkov else executable("checkov")
    if not args.no_checkov and checkov is None:
        raise SystemExit("checkov is not installed next to this Python nor on PATH (or pass --no-checkov)")
    work = Path(tempfile.mkdtemp(prefix="tenet-bench-"))
    # `python -m scanner` (when tenet is not installed) must find the package from the working directory below.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    # Run from a neutral directory: no configuration file of the repository applies.
    os.chdir(work)
    cases: list[tuple[str, Path, int]] = [
        ("seed fixtures", ROOT / "fixtures" / "seed", args.repeat),
        ("one file (pre-commit style)", ROOT / "fixtures" / "seed" / "security.tf", args.repeat),
    ]
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        target = work / f"gen{size}"
        generate(target, size)
        cases.append((f"generated, {size:,} resources", target, 1 if size > 5000 else args.repeat))

    rows = []
    print(f"{'':34}{'tenet':>20}{'checkov':>20}{'x time':>8}{'x mem':>7}{'both (one report)':>24}")
    print(f"{'input':<34}" + f"{'s':>7}{'MiB':>6}{'found':>7}" * 2 + f"{'':>15}{'s':>9}{'MiB':>6}{'found':>7}")
    try:
        for label, path, repeat in cases:
            t = measure(tenet_cmd(path), repeat, tenet_findings)
            c = both = None
            ck = checkov_cmd(path) if checkov else None
            if ck is not None:
                c = measure(ck, repeat, checkov_failures)
                both = measure(tenet_cmd(path, "--engine", "tenet", "--engine", "checkov"), repeat, tenet_findings)
            ratios = f"{c.seconds / t.seconds:>7.1f}x{c.mib / t.mib:>6.1f}x" if c else f"{'-':>8}{'-':>7}"
            print(f"{label:<34}{_cell(t, 7)}{_cell(c, 7)}{ratios}{'':>2}{_cell(both, 9)}", flush=True)
            rows.append({"input": label, "tenet": asdict(t), "checkov": asdict(c) if c else None,
                         "both": asdict(both) if both else None})
    finally:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    print("\nfound: tenet's failing findings; checkov's failed checks (all its checks, not only Tenet's families); "
          "both: failing findings after merging, each issue once.")
    if os.environ.get("TENET_BENCH_IMPORTTIME"):
        subprocess.run([sys.executable, "-X", "importtime", "-m", "scanner", "scan", str(ROOT / "fixtures/seed")],
                       cwd=ROOT)


if __name__ == "__main__":
    main()
