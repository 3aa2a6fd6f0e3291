"""A few hundred mutated routine files and prescriptions (seeded), each through the real CLI.

The generator and harness live in tests/fuzz/inputs.py (run it alone for a table per family).  Any
traceback, raw warning, accepted mistake, message without its file (or line and column), raw control
character, or hidden report of another file of the batch fails this test.
"""

from __future__ import annotations

from fuzz.inputs import generate, run_all, table

CASES = 300
SEED = 20261202


def test_fuzzed_inputs_get_clear_messages_and_never_a_traceback():
    outcomes = run_all(generate(CASES, SEED))
    failed = [o for o in outcomes if o.problems]
    details = "\n".join(f"{o.case.family}: {o.case.name[:80]!r}: {'; '.join(o.problems)[:300]}" for o in failed[:20])
    assert not failed, f"{len(failed)} of {len(outcomes)} cases failed\n{table(outcomes)}\n{details}"


def test_the_generator_is_seeded_and_covers_every_family():
    first, second = generate(40, 5), generate(40, 5)
    assert [(c.family, c.name, c.files) for c in first] == [(c.family, c.name, c.files) for c in second]
    assert len({c.family for c in first}) == 10
