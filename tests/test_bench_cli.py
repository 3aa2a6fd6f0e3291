"""`python -m lab bench` prints its figures; bad options get a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared_media import recording

ROOT = Path(__file__).resolve().parents[1]


def lab(*args):
    # From the top of the checkout, as the README says: the lab is not installed with the app.
    return subprocess.run([sys.executable, "-m", "lab", *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_bad_size_is_a_clear_error(tmp_path):
    result = lab("bench", str(tmp_path / "x.mp4"), "--size", "big")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--size" in result.stderr and "640x480" in result.stderr


@pytest.mark.media
def test_bench_prints_every_figure():
    result = lab("bench", str(recording("liveportrait__driving_d0.mp4")), "--frames", "20", "--rounds", "1",
                        "--no-analyze", "--json")
    assert result.returncode == 0, result.stderr
    for words in ("bare FaceLandmarker", "full pipeline", "ratio full/bare", "p50", "p95", "peak memory"):
        assert words in result.stdout
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["frames"] == 20
    assert figures["bare_fps"] > 0 and figures["pipeline_fps"] > 0
    assert figures["latency_p95_ms"] >= figures["latency_p50_ms"] > 0
    assert figures["peak_rss_mb"] > 0
