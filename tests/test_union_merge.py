"""The union of a rebuild's triple dumps merged from the previous union
(graph/build/union.py `merge`): the previous lines without the gone ones, with the added ones
merged in once, in order, whatever chunks the previous union is read in."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.build import union

SUBJECTS = st.sampled_from(["<http://e/a>", "<http://e/a/b>", "<http://e/b>", "_:x", "_:x1"])
LINES = st.builds(
    lambda s, o: f'{s} <http://e/p> "{o}" .\n'.encode(), SUBJECTS, st.text('ab"é', max_size=3)
)


def reference(old: list[bytes], added: list[bytes], gone: set[bytes]) -> list[bytes]:
    return sorted((set(old) - gone) | set(added), key=lambda line: line[:-1])


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(LINES, unique=True, max_size=40),
    added=st.lists(LINES, unique=True, max_size=10),
    dropped=st.lists(st.integers(min_value=0, max_value=39), max_size=10),
    chunk=st.integers(min_value=1, max_value=400),
    last_break=st.booleans(),
)
def test_the_merge_is_the_sorted_union_without_the_gone_lines(
    old: list[bytes],
    added: list[bytes],
    dropped: list[int],
    chunk: int,
    last_break: bool,
) -> None:
    old = sorted(old, key=lambda line: line[:-1])
    gone = {old[i] for i in dropped if i < len(old)} - set(added)
    text = b"".join(old)
    if old and not last_break:
        text = text[:-1]  # a file whose last line has no break
    out = io.BytesIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(union, "CHUNK", chunk)
        count = union.merge(io.BytesIO(text), sorted(added, key=lambda line: line[:-1]), gone, out)
    expected = reference(old, added, gone)
    assert out.getvalue().splitlines(keepends=True) == expected
    assert count == len(expected)
