"""Headless runs of the engine over recordings: ``analyze`` (the evaluation and benchmark harnesses that use it are in lab/)."""
