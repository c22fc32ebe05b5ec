"""The reference-list check finds entries in one pass; it must find exactly what a per-entry
`re.finditer` and a per-character coverage map found (the slow way it replaced)."""

from __future__ import annotations

import random
import re

import pytest

from kg.validate import ANCHOR, find_all, trie_pattern, uncovered


def finditer_starts(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


def map_pieces(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The old way: mark every covered character, then split what is left."""
    covered = [False] * len(text)
    for start, end in spans:
        covered[start:end] = [True] * (end - start)
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    leftover = "".join(c if not covered[i] else "\0" for i, c in enumerate(text[first:last], first))
    return [piece for piece in leftover.split("\0") if piece]


def test_finds_overlapping_and_nested_entries_like_finditer():
    text = "aaaaaaaaaaaa Smith, J. (2019). Smith, J. (2019). Title. aaaaaaaaaaaa"
    needles = ["aaaaaaaaa", "Smith, J. (2019).", "Smith, J. (2019). Title.", "J.", "", "zzzzzzzzz"]
    starts = find_all(text, needles)
    assert starts == {n: finditer_starts(text, n) for n in needles}
    assert starts["aaaaaaaaa"] == [0, 56]  # no overlapping second match at 1..3
    assert starts["zzzzzzzzz"] == []


@pytest.mark.parametrize("seed", range(40))
def test_random_texts_match_the_slow_way(seed):
    rng = random.Random(seed)
    alphabet = "ab \0." if seed % 2 else "abc d"
    if seed % 3:
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))
    else:  # repetitive, so entries recur and overlap
        text = "".join(rng.choice(["abab", "aab ", "ab.", "b"]) for _ in range(rng.randrange(100)))
    needles = set()
    for _ in range(rng.randrange(1, 30)):
        length = rng.choice([0, 1, 3, ANCHOR - 1, ANCHOR, ANCHOR + 1, 12, 20])
        if text and rng.random() < 0.7:  # mostly real substrings, some absent
            start = rng.randrange(len(text))
            needles.add(text[start : start + length])
        else:
            needles.add("".join(rng.choice(alphabet) for _ in range(length)))
    starts = find_all(text, needles)
    assert starts == {n: finditer_starts(text, n) for n in needles}
    spans = [(s, s + len(n)) for n in needles for s in starts[n]]
    if spans:
        assert [p for p in uncovered(text, spans) if p] == map_pieces(text, spans)


def test_trie_pattern_matches_exactly_its_words():
    words = ["abc", "abd", "ab", "b.c", "x\0y", "é"]
    pattern = re.compile(f"(?:{trie_pattern(words)})$")
    for word in words:
        assert pattern.match(word), word
    for other in ["a", "abe", "bxc", "x", "e", "abcd"]:
        assert not pattern.match(other), other
