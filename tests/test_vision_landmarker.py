"""The landmarker reads MediaPipe's C result directly: it must give exactly what MediaPipe's own Python
result gives, fall back to it when MediaPipe's internals differ, and find no face where there is none."""

from __future__ import annotations

import cv2
import numpy as np
from shared_media import recording

from rehabcoach.vision.landmarker import DirectResults, FaceLandmarker
from rehabcoach.vision.sources import open_source


def test_direct_results_equal_mediapipes_own_result_on_a_real_recording():
    path = recording("liveportrait__driving_d10.mp4")
    with open_source(str(path)) as source:
        images = [cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB) for frame, _ in zip(source, range(40))]
    with FaceLandmarker() as direct, FaceLandmarker(direct=False) as public:
        assert direct._direct is not None, "the pinned mediapipe has the internals DirectResults reads"
        assert public._direct is None
        faces = 0
        for index, image in enumerate(images):
            a, b = direct.detect(image, index / 30), public.detect(image, index / 30)
            assert (a.landmarks is None) == (b.landmarks is None)
            if a.landmarks is None:
                continue
            faces += 1
            assert a.landmarks.shape == (478, 3) and a.landmarks.dtype == np.float64
            np.testing.assert_array_equal(a.landmarks, b.landmarks)
            np.testing.assert_array_equal(a.matrix, b.matrix)
            assert list(a.blendshapes.items()) == list(b.blendshapes.items())
            assert len(a.blendshapes) == 52 and "eyeSquintLeft" in a.blendshapes
        assert faces >= 35


def test_no_face_gives_no_landmarks_either_way():
    blank = np.full((240, 320, 3), 90, np.uint8)
    with FaceLandmarker() as direct, FaceLandmarker(direct=False) as public:
        for landmarker in (direct, public):
            result = landmarker.detect(blank, 0.0)
            assert result.landmarks is None and result.blendshapes == {} and result.matrix is None


def test_a_task_without_the_expected_internals_uses_the_public_call():
    class OtherTask:  # a MediaPipe whose task keeps its C library elsewhere
        pass

    assert DirectResults.for_task(OtherTask()) is None
