"""The headless session loop: a SessionEngine driven by a frame source and the face pipeline.

"One pipeline, two front ends": the window and this loop feed the same engine the same FaceFrames;
only the pacing differs.  The engine's clock is a ManualClock moved by the loop: one frame period
per step for a recording, the camera's own timestamps for a camera.  So a recording gives the same
session whether it is replayed at real speed or as fast as the machine can go; ``speed`` only paces
the wall clock.

Frames are only read and run through the face model when the engine uses them (calibration, and a
rep from "get ready" to the end of the hold); a recording is left unread during massage and
relaxation.  A window shows the face all through a movement exercise, so it processes more
(``SessionState.needs_face``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from rehabcoach.clock import ManualClock
from rehabcoach.coaching.session import SessionEngine
from rehabcoach.coaching.summary import SessionSummary
from rehabcoach.vision.sources import FrameSource, SourceLost

# Session seconds spent waiting for a usable face (calibration, or a hold with the face out of view)
# before that movement exercise is skipped: a recording without a face must not loop forever.
DEFAULT_FACE_TIMEOUT = 60.0


@dataclass(frozen=True)
class RunResult:
    summary: SessionSummary
    frames: int  # frames read from the source
    face_frames: int  # frames run through the face model
    session_seconds: float
    wall_seconds: float
    source_ended: bool  # the source ran out (or the camera stopped) before the routine did
    interrupted: bool = False  # Ctrl-C: the session was stopped and summarised


# "get_ready" is included so the face tracker is warm and a lost face is noticed before the move.
_FACE_PHASES = ("get_ready", "move", "hold")


def _worth_a_face(state) -> bool:
    if state.paused:
        return False
    return state.screen == "calibration" or (state.screen == "movement" and state.phase in _FACE_PHASES)


class HeadlessRunner:
    def __init__(
        self,
        engine: SessionEngine,
        clock: ManualClock,
        source: FrameSource,
        pipeline,
        *,
        speed: float = 1.0,
        face_timeout: float = DEFAULT_FACE_TIMEOUT,
        notice: Callable[[str], None] = lambda message: None,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.monotonic,
    ):
        """``speed``: times faster than real time (1 = like a live session, 0 = as fast as possible).

        ``notice`` receives the runner's own messages (waiting for a face given up, recording ended).
        """
        if speed < 0:
            raise ValueError("speed must be 0 (as fast as possible) or more")
        self.engine = engine
        self.clock = clock
        self.source = source
        self.pipeline = pipeline
        self.speed = speed
        self.face_timeout = face_timeout
        self.notice = notice
        self._sleep = sleep
        self._wall = wall_clock

    def run(self) -> RunResult:
        engine, clock = self.engine, self.clock
        wall_start = self._wall()
        origin = clock.now()
        period = 1.0 / (self.source.fps or 30.0)
        # A recording (or an image folder) can leave frames unread while no face is needed: its session
        # time advances one frame period per step.  A camera is read continuously (a paused reader gets
        # stale buffered images) and its own timestamps are the session time.
        recorded = self.source.recorded
        frames_in = iter(self.source)
        frames = face_frames = 0
        waiting_since: float | None = None
        source_ended = interrupted = False
        try:
            engine.start()  # inside: a stop (Ctrl-C, SIGTERM) while the first screen is announced is caught too
            while not engine.finished:
                frame = None
                if not source_ended and (not recorded or _worth_a_face(engine.state)):
                    try:
                        frame = next(frames_in)
                        frames += 1
                    except (StopIteration, SourceLost) as exc:
                        source_ended = True
                        self.notice(f"{exc}: movement exercises are skipped, massage and relaxation go on"
                                    if isinstance(exc, SourceLost) else
                                    "the recording ended before the routine: movement exercises are skipped")
                        engine.camera_lost()  # like a camera that stopped: finish on the clock alone
                        engine.continue_without_camera()
                        continue
                if frame is not None and not recorded:
                    clock.set(max(clock.now(), origin + frame.timestamp))
                else:
                    clock.advance(period)
                engine.tick()
                if frame is not None and _worth_a_face(engine.state):
                    # Stamped with session time, so warnings and reps share one time scale.
                    stamped = replace(frame, timestamp=clock.now() - origin)
                    engine.on_face_frame(self.pipeline.process(stamped))
                    face_frames += 1
                waiting_since = self._check_waiting_for_face(waiting_since)
                self._pace(wall_start, clock.now() - origin)
        except KeyboardInterrupt:
            interrupted = True
            engine.stop()  # listeners (records) close the session as stopped
        summary = engine.summary
        if summary is None:  # the loop above ends only once the engine has finished (or was stopped)
            raise RuntimeError("the session ended without a summary")
        return RunResult(
            summary=summary,
            frames=frames,
            face_frames=face_frames,
            session_seconds=summary.duration_s,
            wall_seconds=self._wall() - wall_start,
            source_ended=source_ended,
            interrupted=interrupted,
        )

    def _check_waiting_for_face(self, since: float | None) -> float | None:
        state = self.engine.state
        calibrating = state.screen == "calibration"
        if state.paused or not (calibrating or (state.screen == "movement" and state.face_lost)):
            return None
        now = self.clock.now()
        if since is None:
            return now
        if now - since < self.face_timeout:
            return since
        skipped = state.exercise.id if state.exercise is not None else "the exercise"  # calibration and movement have one
        if calibrating:
            why = state.calibration.message if state.calibration else "no usable frames"
            self.notice(f"calibration did not succeed in {self.face_timeout:g} s ({why}): skipping {skipped}")
            reason = "no usable face for calibration"
        else:
            self.notice(f"no face for {self.face_timeout:g} s: skipping {skipped}")
            reason = "no face in view"
        self.engine.skip_exercise(reason)  # the coach gave up, not the patient
        return None

    def _pace(self, wall_start: float, session_elapsed: float) -> None:
        if self.speed <= 0:
            return
        ahead = wall_start + session_elapsed / self.speed - self._wall()
        if ahead > 0:
            self._sleep(ahead)
