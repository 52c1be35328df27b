"""'Did you mean' for every unknown name."""

from __future__ import annotations

from collections.abc import Iterable


def suggest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name`, when one is close enough to be a typo."""
    import difflib

    candidates = list(known)
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in candidates}
    return lowered.get(name.lower())


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A hint sentence, or None."""
    match = suggest(name, known)
    return f"did you mean '{match}'?" if match else None
