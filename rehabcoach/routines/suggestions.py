""""Did you mean ...?" hints for misspelled keys, values and ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: object, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to ``word`` (case-insensitive), or None when nothing is close enough."""
    if not isinstance(word, str) or not word:
        return None
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(choice.casefold(), choice)
    if word.casefold() in by_folded:  # only the case differs: that is the best hint there is
        return by_folded[word.casefold()]
    # Hyphens and underscores are the commonest slip (eye-aperture vs eye_aperture): compare without them too.
    normalised = {key.replace("-", "_"): choice for key, choice in by_folded.items()}
    folded = word.casefold().replace("-", "_")
    if folded in normalised:
        return normalised[folded]
    matches = difflib.get_close_matches(folded, list(normalised), n=1, cutoff=cutoff)
    return normalised[matches[0]] if matches else None


def hint_text(suggestion: str | None) -> str:
    return f" (did you mean '{suggestion}'?)" if suggestion else ""
