"""Frames in, per-side face measures out. No Qt here."""
