"""Benchmark: how long `rehabcoach report` takes for 90 days of daily practice (prints the figures).

Builds a throw-away records file with 90 sessions (a movement check every 7th day; region peaks on
every rep) through the real write path, then runs the report command as a user would, three times.
Run from a checkout: python scripts/bench_report.py [--sessions 90]. Not a test: it only measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=90)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from report_support import build_history

    from rehabcoach.records.backends import open_records

    last = date(2026, 12, 2)
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "records.db")
        with open_records(database) as store:
            build_history(store, args.sessions, last)
        first = last - timedelta(days=args.sessions - 1)
        seconds, cpu = [], []
        for run in range(args.runs):
            out = Path(folder) / f"report-{run}.pdf"
            start, children = time.perf_counter(), os.times()
            subprocess.run([sys.executable, "-m", "rehabcoach", "report", "--profile", "Anna Berg", "--from",
                            str(first), "--to", str(last), "--pdf", str(out), "--database", database],
                           check=True, capture_output=True, cwd=REPO)
            seconds.append(time.perf_counter() - start)
            after = os.times()
            cpu.append(after.children_user + after.children_system - children.children_user
                       - children.children_system)
        pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout if \
            subprocess.run(["which", "pdfinfo"], capture_output=True).returncode == 0 else ""
        page_count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
        print(f"report of {args.sessions} sessions over {args.sessions} days: {page_count} pages, "
              f"{out.stat().st_size / 1024:.0f} KiB")
        print(f"`rehabcoach report` wall time over {args.runs} runs: median {statistics.median(seconds):.2f} s, "
              f"max {max(seconds):.2f} s (whole process: Python, Qt and matplotlib start included)")
        # CPU time does not grow when other programs share the cores: on an idle machine, wall ~ CPU.
        print(f"CPU time (user + system): median {statistics.median(cpu):.2f} s; load average now "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
