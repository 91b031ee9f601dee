"""The text as names.py reads it: its words, once ("Holly's" is Holly with a possessive), and
where a word stands in it (the start of a sentence or a line, a line written In Title Case, a
month's "May's meeting"). Split from names.py by meaning: this is the reading of the text,
names.py the weighing of each word as a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .name_cues import WORD


@dataclass(slots=True)
class _Word:
    text: str
    key: str  # lower case, without a possessive
    start: int
    end: int
    possessive: bool
    capital: bool


_APOSTROPHES = "'’"


def _words(text: str, vocab) -> list[_Word]:
    """The text's words, once: "Holly's" is Holly with a possessive; "kayds school" too, when the
    word is no English word and its stem a first name (a possessive written without the apostrophe)."""
    words = []
    common, names = vocab.common_words, vocab.home_names
    for match in WORD.finditer(text):
        raw = match.group(0)
        start = match.start()
        possessive = False
        if len(raw) > 2:
            if raw[-1] in _APOSTROPHES:
                raw, possessive = raw[:-1], True
            elif raw[-2] in _APOSTROPHES and raw[-1] in "sS":
                raw, possessive = raw[:-2], True
        key = raw.lower().replace("’", "'")
        if (
            not possessive
            and len(key) > 3
            and key[-1] == "s"
            and key not in common
            and key not in names
            and key[:-1] in names
        ):
            raw, key, possessive = raw[:-1], key[:-1], True
        words.append(_Word(raw, key, start, start + len(raw), possessive, raw[0].isupper()))
    return words


_MONTH_USE = re.compile(
    r"['’]s\s+(?:half|end|start|meeting|review|session|group|newsletter|training|term)", re.IGNORECASE
)
_SENTENCE_LEAD = " \t\"'“‘(*_#>-•"


def _month_use(text: str, word: _Word) -> bool:
    return bool(_MONTH_USE.match(text, word.end))


def _starts_sentence(text: str, at: int) -> bool:
    at -= 1
    while at >= 0 and text[at] in _SENTENCE_LEAD:
        at -= 1
    return at < 0 or text[at] in ".!?\n:;"


def _starts_line(text: str, at: int) -> bool:
    at -= 1
    while at >= 0 and text[at] in " \t\"'“‘(*_#>-•":
        at -= 1
    return at < 0 or text[at] == "\n"


def _line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : end if end >= 0 else len(text)]


def _line_of(text: str, at: int) -> int:
    return text.count("\n", 0, at)


_LETTERS = re.compile(r"[A-Za-z]{4,}")


def _title_case_lines(text: str) -> set[int]:
    """Lines written In Title Case, where a capital tells nothing about a name."""
    lines = set()
    for number, line in enumerate(text.split("\n")):
        long_words = _LETTERS.findall(line)
        if len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6:
            lines.add(number)
    return lines
