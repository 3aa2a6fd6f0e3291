"""The privacy promise "the app makes no network calls", checked on the real pipeline under a syscall trace.

MediaPipe 1.2.x and 0.10.35 send usage logs to play.googleapis.com from inside libmediapipe.so (a DNS
query, then TLS where a route exists); the pin to 0.10.33 is what keeps the promise. These tests run the
real commands (analyze on a recording, a short session, the self-test) under ``strace -f`` and fail on any
Internet socket, connection, datagram or name lookup by any process or thread they start. A control case
proves the trace sees a lookup, so a broken trace cannot pass silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shared_media import recording
from test_session_runner import tiny_library  # noqa: F401  (a fixture: a one-smile routine in a temp library)

pytestmark = pytest.mark.skipif(shutil.which("strace") is None,
                                reason="strace is not installed (scripts/setup.sh installs it for the tests)")

REPO = Path(__file__).resolve().parents[1]
TRACED = "socket,socketpair,connect,bind,sendto,sendmsg,sendmmsg"
# An Internet or netlink socket, or a local socket of a name-service daemon (nscd, systemd-resolved):
# any of them means something tried to reach, or look up, another machine.
NETWORK = re.compile(r"AF_INET6?\b|PF_INET6?\b|AF_NETLINK|nscd|resolve|:53\b|htons\(53\)")


def traced(tmp_path: Path, *command: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Runs ``command`` under strace with a private HOME; returns the run and its network syscalls."""
    log = tmp_path / "syscalls.txt"
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share"),
           "XDG_CONFIG_HOME": str(home / ".config")}
    run = subprocess.run(["strace", "-f", "-qq", "-e", f"trace={TRACED}", "-o", str(log), *command],
                         capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    calls = [line for line in log.read_text(errors="replace").splitlines() if NETWORK.search(line)]
    return run, calls


def rehabcoach(*args: object) -> list[str]:
    return [sys.executable, "-m", "rehabcoach", *map(str, args)]


def test_the_trace_sees_a_name_lookup(tmp_path):
    # The control: without it a trace that recorded nothing would pass every test below.
    lookup = "import socket\ntry:\n    socket.getaddrinfo('play.googleapis.com', 443)\nexcept OSError:\n    pass\n"
    run, calls = traced(tmp_path, sys.executable, "-c", lookup)
    assert run.returncode == 0, run.stderr
    assert calls, "strace did not record the name lookup: the network checks below would prove nothing"


@pytest.mark.media
@pytest.mark.slow
def test_analyze_makes_no_network_call(tmp_path):
    video = recording("liveportrait__driving_d0.mp4")
    run, calls = traced(tmp_path, *rehabcoach("analyze", video, "--exercise", "gentle-smile",
                                              "--json", tmp_path / "out.json"))
    assert run.returncode == 0, run.stderr
    assert calls == [], "network activity during analyze:\n" + "\n".join(calls[:20])


@pytest.mark.media
@pytest.mark.slow
def test_a_session_makes_no_network_call(tmp_path, tiny_library):  # noqa: F811
    video = recording("liveportrait__driving_d10.mp4")
    run, calls = traced(tmp_path, *rehabcoach("session", "--routine", "tiny", "--source", video,
                                              "--library", tiny_library, "--speed", "0"))
    assert run.returncode == 0, run.stderr
    assert "Summary:" in run.stdout
    assert calls == [], "network activity during a session:\n" + "\n".join(calls[:20])


@pytest.mark.slow
def test_the_self_test_makes_no_network_call(tmp_path):
    run, calls = traced(tmp_path, *rehabcoach("--self-test"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "self-test OK" in run.stdout
    assert calls == [], "network activity during the self-test:\n" + "\n".join(calls[:20])
