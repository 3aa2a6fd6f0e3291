"""The Qt desktop shell: renders the session engine's state and forwards what the user asks for.

This is the only package that imports PySide6.  It does no measuring: capture and inference run in
a worker thread (``capture_worker``), the coaching logic lives in ``rehabcoach.coaching``.
"""
