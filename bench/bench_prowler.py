"""Benchmark: Tenet and Prowler side by side on the same seeded moto account (not a test).

    python bench/bench_prowler.py                       # 5 runs of each, Prowler from /work/prowler-venv
    python bench/bench_prowler.py --runs 3 --prowler /path/to/venv/bin/prowler

The account is tests/audit/scenario.py's acceptance scenario: violations in Tenet's four families
(network, TLS, encryption, access) across many services and two regions, each next to a clean
counterpart. moto runs in a process of its own on 127.0.0.1; seeding is setup and is not timed.

Both tools run as users run them, in a fresh process, pointed at moto by AWS_ENDPOINT_URL with dummy
credentials: `tenet audit aws --regions <both>` and `prowler aws -f <both> -c <checks>`, Prowler
restricted to its checks in the four families (`prowler_checks`: chosen from its own metadata). Runs
alternate; the report gives the median wall time of each, the ratio, the API calls each made per
resource of the scenario (counted once more, through a counting proxy, untimed), the findings each
reported, and how many of the planted violations each found. Prowler is installed apart
(`python3 -m venv /work/prowler-venv && /work/prowler-venv/bin/pip install prowler==5.46.0`), never as
a dependency of Tenet.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_audit import environment, moto_server  # noqa: E402  (bench/ is on the path)

from tests.audit.scenario import REGIONS, Scenario, seed  # noqa: E402

ACCOUNT = "123456789012"  # moto's default account

# Tenet's four families in Prowler's own metadata: the checks of the categories `encryption` (at rest and in
# transit), `internet-exposed` (network reach and public access) and `trust-boundaries` (who a policy lets
# in), and the IAM checks of administrative, full-service and escalating grants.
FAMILY_CATEGORIES = frozenset({"encryption", "internet-exposed", "trust-boundaries"})
IAM_GRANTS = ("administrative_privileges", "privilege_escalation", "no_full_access", "wildcard")


def prowler_checks(prowler: str) -> list[str]:
    """The AWS checks of Prowler's installation (next to `prowler`) in Tenet's four families."""
    venv = Path(prowler).resolve().parent.parent
    checks = []
    for path in sorted(glob.glob(f"{venv}/lib/python*/site-packages/prowler/providers/aws/services/*/*/"
                                 "*.metadata.json")):
        meta = json.loads(Path(path).read_text())
        if FAMILY_CATEGORIES & set(meta.get("Categories", [])) or (
                meta["CheckID"].startswith("iam_") and any(k in meta["CheckID"] for k in IAM_GRANTS)):
            checks.append(meta["CheckID"])
    if not checks:
        raise RuntimeError(f"no Prowler check metadata next to {prowler}")
    return checks


class CountingProxy:
    """Forwards every request to moto and counts them: the API calls a tool makes."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        host, port = target.hostname or "127.0.0.1", target.port
        self.count = 0
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                with lock:
                    proxy.count += 1
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conn = http.client.HTTPConnection(host, port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                payload = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def run_tenet(url: str) -> tuple[float, dict[str, Any]]:
    cmd = [sys.executable, "-m", "scanner", "audit", "aws", "--regions", ",".join(REGIONS), "--format", "json"]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=environment(url), cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise RuntimeError(f"tenet audit aws exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout)


def run_prowler(url: str, prowler: str, checks: list[str]) -> tuple[float, list[dict[str, Any]], str]:
    with tempfile.TemporaryDirectory() as out:
        cmd = [prowler, "aws", "-f", *REGIONS, "-c", *checks, "--output-formats", "json-ocsf", "-o", out,
               "--no-banner", "-z"]
        t = time.perf_counter()
        done = subprocess.run(cmd, env=environment(url), capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        files = glob.glob(f"{out}/*.ocsf.json")
        findings: list[dict[str, Any]] = json.loads(Path(files[0]).read_text()) if files else []
        return elapsed, findings, done.stderr[-3000:] if not files else ""


def tenet_found(report: dict[str, Any], world: Scenario) -> tuple[int, int]:
    failed = [f for f in report["findings"] if f["status"] == "fail" and not f["suppressed"]]
    resources = {f["resource"] for f in failed}
    return len(failed), sum(1 for resource, _ in world.planted.values() if resource in resources)


def prowler_found(findings: list[dict[str, Any]], world: Scenario) -> tuple[int, int]:
    failed = [f for f in findings if f.get("status_code") == "FAIL"]
    uids = " ".join(str(r.get("uid", "")) + " " + str(r.get("name", ""))
                    for f in failed for r in f.get("resources", []))
    planted = sum(1 for resource, _ in world.planted.values()
                  if resource in uids or resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1] in uids)
    return len(failed), planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prowler", default="/work/prowler-venv/bin/prowler")
    args = parser.parse_args()
    checks = prowler_checks(args.prowler)
    with moto_server() as url:
        world = seed(url, ACCOUNT, {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"})
        print(f"scenario: {len(world.planted)} planted violations, {len(world.clean)} clean counterparts, "
              f"{len(REGIONS)} regions")
        tenet_times, prowler_times = [], []
        report: dict[str, Any] = {}
        findings: list[dict[str, Any]] = []
        for i in range(args.runs):
            elapsed, report = run_tenet(url)
            tenet_times.append(elapsed)
            elapsed, findings, problem = run_prowler(url, args.prowler, checks)
            if problem:
                raise RuntimeError(f"prowler wrote no findings: {problem}")
            prowler_times.append(elapsed)
            print(f"run {i + 1}: tenet {tenet_times[-1]:.2f} s, prowler {prowler_times[-1]:.2f} s")
        calls = {}
        for tool in ("tenet", "prowler"):
            proxy = CountingProxy(url)
            try:
                run_tenet(proxy.url) if tool == "tenet" else run_prowler(proxy.url, args.prowler, checks)
            finally:
                proxy.close()
            calls[tool] = proxy.count
        tenet_median, prowler_median = statistics.median(tenet_times), statistics.median(prowler_times)
        t_findings, t_planted = tenet_found(report, world)
        p_findings, p_planted = prowler_found(findings, world)
        failing = Counter(f.get("metadata", {}).get("event_code") for f in findings if f.get("status_code") == "FAIL")
        print()
        print("| | median wall time | API calls | calls per resource | failed findings | planted found |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, median, count, total, planted in (
                ("Tenet", tenet_median, calls["tenet"], t_findings, t_planted),
                (f"Prowler 5.46 ({len(checks)} checks)", prowler_median, calls["prowler"], p_findings, p_planted)):
            print(f"| {name} | {median:.2f} s | {count} | {count / world.resources:.1f} | {total} | "
                  f"{planted}/{len(world.planted)} |")
        print(f"\nTenet is {prowler_median / tenet_median:.1f}x faster (median of {args.runs} runs each).")
        print("Prowler's failing checks:", dict(sorted(failing.items(), key=str)))


if __name__ == "__main__":
    main()
