"""PySide6 6.12.0 on Python 3.11 dropped one reference to None per Qt call returning nothing, and a
window painting one image per frame aborted with `Fatal Python error: none_dealloc` after about
9,000 frames.  This guards the pinned version (and any upgrade) against that leak."""

import sys

import numpy as np
import pytest

QtWidgets = pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtGui import QImage, QPixmap  # noqa: E402

CALLS = 3000


def test_many_qt_calls_keep_the_none_refcount(qapp):
    label = QtWidgets.QLabel()
    bar = QtWidgets.QProgressBar()
    image = QImage(np.zeros((48, 64, 3), np.uint8).data, 64, 48, 192, QImage.Format.Format_BGR888).copy()
    pixmap = QPixmap.fromImage(image)
    # Warm up caches (interned strings, method lookups) before measuring.
    for i in range(50):
        label.setText(str(i))
    before = sys.getrefcount(None)
    for i in range(CALLS):
        label.setText(f"rep {i}")
        label.setPixmap(pixmap)
        label.setToolTip("")
        bar.setValue(i % 100)
        label.update()
    after = sys.getrefcount(None)
    # A leak shows up as a drop of about one per call (thousands); allow for a little noise.
    assert abs(after - before) < 50, f"None refcount moved by {after - before} over {CALLS * 5} Qt calls"
