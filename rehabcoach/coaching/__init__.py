"""Coaching logic: calibration, guards against unwanted movement, targets, the session state machine. No Qt."""
