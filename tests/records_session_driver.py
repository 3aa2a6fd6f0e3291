"""A real session process for the kill -9 test: the session engine, fed synthetic face frames on a
manual clock, with the SessionRecorder writing to the database given on the command line.

Usage: python records_session_driver.py DATABASE_URL PROFILE
After each rep is recorded it prints one JSON line: {"rep": n, "events": k, "left": x, "right": y}.
Even reps narrow the left eye during the hold (an unwanted movement), odd reps do not.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rehabcoach.clock import ManualClock
from rehabcoach.coaching.events import RepCompleted
from rehabcoach.coaching.session import SessionEngine, SessionSettings
from rehabcoach.coaching.types import Baseline, ResolvedGuard, ResolvedTarget
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records
from rehabcoach.records.recorder import SessionRecorder
from rehabcoach.routines.models import Step
from rehabcoach.routines.resolve import ResolvedExercise
from rehabcoach.vision.catalogue import MEASURES
from rehabcoach.vision.types import FaceFrame, HeadPose

FPS = 30.0
REST = {name: 0.3 if MEASURES[name].scale == "relative" else 0.1 for name in MEASURES}


def exercise() -> ResolvedExercise:
    return ResolvedExercise(
        id="gentle-smile", title="Gentle smile", category="movement", description="Smile gently.",
        steps=(Step(instruction="Smile gently, keep your eyes open.", cue="Smile gently.", seconds=1),),
        reps=500, hold_seconds=2.0, rest_seconds=1.0,
        target=ResolvedTarget("mouth", "mouth_corner_lift", ("left", "right"), "increase", 0.04),
        guards=(ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", 0.2, 0.3),),
        illustration=Path("smile.svg"), duration_seconds=60.0,
    )


def frame(index: int, t: float, engine: SessionEngine) -> FaceFrame:
    measures = {name: {"left": value, "right": value} for name, value in REST.items()}
    state = engine.state
    if state.phase in ("move", "hold"):
        measures["mouth_corner_lift"] = {"left": 0.16, "right": 0.15}
        if state.phase == "hold" and state.rep is not None and state.rep % 2 == 0:
            measures["eye_aperture"] = {"left": 0.3 * 0.55, "right": 0.3}
    return FaceFrame(index=index, timestamp=t, face=True, measures=measures, pose=HeadPose(0.0, 0.0, 0.0))


def main() -> None:
    url, profile_name = sys.argv[1], sys.argv[2]
    store = open_records(url)
    profile = profiles.get_profile(store, profile_name)
    clock = ManualClock()
    noise = {name: {"left": 0.002, "right": 0.002} for name in MEASURES}
    baseline = Baseline(measures={n: {"left": v, "right": v} for n, v in REST.items()}, noise=noise,
                        pose=HeadPose(0.0, 0.0, 0.0), frames=24)
    session = exercise()
    engine = SessionEngine([session], clock, SessionSettings(affected_side="left"), baseline=baseline)
    recorder = SessionRecorder(store, profile, "kill-test", clock=clock, exercises=[session])
    engine.subscribe(recorder.handle)

    def report(event) -> None:  # subscribed after the recorder: runs once the rep is committed
        if isinstance(event, RepCompleted):
            s = event.summary
            print(json.dumps({"rep": s.rep, "events": len(s.events), "left": s.target_reached.get("left"),
                              "right": s.target_reached.get("right"), "saved": recorder.status.ok}), flush=True)

    engine.subscribe(report)
    engine.start()
    index = 0
    while not engine.finished:
        clock.advance(1 / FPS)
        engine.on_face_frame(frame(index, clock.now(), engine))
        index += 1
        time.sleep(0.0005)  # let the test's kill land while reps are still being written


if __name__ == "__main__":
    main()
