"""Test tooling: generators of bad input for the robustness tests (kept out of the installed package)."""
