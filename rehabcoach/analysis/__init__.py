"""Headless runs of the engine over recordings: analyze, bench, evaluate."""
