"""The public API: `runner.__all__` is exactly what the package exports."""

from __future__ import annotations

import runner


def test_all_names_exist_and_are_sorted():
    assert sorted(runner.__all__) == runner.__all__
    for name in runner.__all__:
        assert hasattr(runner, name), name


def test_no_public_name_is_left_out_of_all():
    public = {n for n, v in vars(runner).items() if not n.startswith("_") and not isinstance(v, type(runner))}
    assert public <= set(runner.__all__) | {"annotations"}
