"""Property tests: the segmenter never crashes, and every paragraph comes from the input."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restag.data import InputError, parse_text
from restag.data.clean import normalize_chars

WORDS = [
    "The General Assembly,", "Recalling", "Noting", "also", "the", "resolution", "70/1", "Goal 9",
    "Agenda,1", "of", "2030", "Development2", "(a)", "(b)", "1.", "2.", "3.", "12.", "Decides",
    "Requests", "Also encourages", "States", ";", ",", ".", "high-", "level", "__________",
    "A/RES/99/1", "2/3", "99-12345", "71st plenary meeting", "Annex", "[^1]", "---", "\t", "“x”",
]
lines = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)
documents = st.lists(st.one_of(lines, st.sampled_from(["", " ", "\n"])), max_size=40).map("\n".join)

_LETTERS = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    """Runs of letters: cleaning may change whitespace, footnote digits, markdown references
    and page furniture between the parts of a paragraph, but never the words or their order."""
    return _LETTERS.findall(normalize_chars(text))


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(w == h for h in it) for w in needle)


def check(text: str) -> None:
    try:
        res = parse_text(text)
    except InputError:
        return
    source = words(text)
    for p in res.paragraphs:
        assert p.text.strip() == p.text and p.text
        assert is_subsequence(words(p.text), source), p.text
        assert p.id.startswith(res.symbol + "#")


def test_subsequence_helper() -> None:
    assert is_subsequence(["a", "c"], ["a", "b", "c"])
    assert not is_subsequence(["c", "a"], ["a", "b", "c"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_structured_noise_never_crashes_and_text_comes_from_input(text: str) -> None:
    check(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=500))
def test_arbitrary_text_behind_a_heading(text: str) -> None:
    check("The General Assembly,\n\n" + text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_structured_noise_behind_a_heading(text: str) -> None:
    check("The General Assembly,\n\n" + text)
