"""The head pose's signs, in the patient's own terms, on a real recording (skipped when ../shared/media is absent).

The session tells a patient which way to move the head back ("Your head is turned to your left: turn it back a
little"), so the signs of ``HeadPose`` must be right.  The frames below were looked at: in d9 (a man facing the
camera, his picture not mirrored) he turns to his left at frame 316 and to his right at 239, tucks his chin at
351, raises it at 431, and leans towards his left shoulder at 541.
"""

from __future__ import annotations

import statistics

import pytest
from shared_media import recording

from rehabcoach.coaching import cues
from rehabcoach.vision.pipeline import FacePipeline
from rehabcoach.vision.sources import VideoFileSource
from rehabcoach.vision.types import HeadPose

pytestmark = pytest.mark.media

# frame -> (axis, sign of the change from the clip's median pose, what the patient is told)
LOOKED_AT = {
    316: ("yaw", 1, "Your head is turned to your left: turn it back a little"),
    239: ("yaw", -1, "Your head is turned to your right: turn it back a little"),
    351: ("pitch", 1, "Your chin is down: lift it a little"),
    431: ("pitch", -1, "Your chin is up: lower it a little"),
    541: ("roll", -1, "Your head leans to your left: straighten it a little"),
}


@pytest.fixture(scope="module")
def d9_poses() -> dict[int, HeadPose]:
    poses = {}
    with VideoFileSource(recording("liveportrait__driving_d9.mp4")) as source, FacePipeline() as pipeline:
        for frame in source:
            face = pipeline.process(frame)
            if face.face and face.pose is not None:
                poses[face.index] = face.pose
    return poses


@pytest.mark.parametrize("index", sorted(LOOKED_AT))
def test_the_pose_says_which_way_the_head_moved(d9_poses, index):
    axis, sign, words = LOOKED_AT[index]
    rest = HeadPose(*(statistics.median(getattr(p, name) for p in d9_poses.values()) for name in ("yaw", "pitch", "roll")))
    # A few frames around the one looked at, so a single frame's jitter decides nothing.
    nearby = [d9_poses[i] for i in range(index - 2, index + 3) if i in d9_poses]
    found_axis, change = max((p.largest_change(rest) for p in nearby), key=lambda c: abs(c[1]))
    assert found_axis == axis and change * sign >= 4.0
    assert cues.face_turned(found_axis, change) == f"{words}, so I can see the movement."
