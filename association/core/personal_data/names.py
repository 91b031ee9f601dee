"""People's names anywhere in a text, not only after "my foster son".

Each word is looked up in the first-name lists (vocabulary.py) and in what the app knows about
its members (known.py), then weighed by its context, because many names are also words ("Will",
"Hope", "May") or places ("Chelsea", "Bedford"):
- a cue before it ("my foster son", "his birth mum", "called") or an age beside it ("Tyler (7)",
  "7-year-old Tyler") makes any word a name;
- a title before it ("Mrs Patel", "Dr Khan") makes it a surname;
- a name that is rarely a word ("Jayden") counts in any case, even lower case;
- a name that is also a word counts when written with a capital inside a sentence, or, at the
  start of a sentence or in lower case, when a person's verb or a possessive follows ("Grace
  started…", "will has been…", "Holly's contact");
- after "in", "at", "from", "to"… a town that is also a name is a place;
- what follows a name can say who it is: "(our FC)", "(birth grandad)", ", our foster son" make a
  child or a birth relative; "our SSW", "the IRO", "on the duty desk" a professional (the
  community may name them, the service may not); "Preston's SW", "Tyler's school" a child;
- a member's first name is fine in the community (members talk to and about each other) unless
  the text says it is a child: a cue or an age, "advice about Tyler", "our Tyler", "tyler's been
  kicking off", "Chelsea has been with us 2 years".

The text is read once into words; the cues before a word are found in one pass over the text
and looked up by position, so a 2,000-character post costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable

from .finding import Finding, make
from .known import KnownPeople, _Lazy
from .name_cues import (
    _AUX_ONLY,
    _CUE_KIND,
    _FAMILY_AFTER,
    _FAMILY_BEFORE,
    _OUR_NEXT,
    _SEPARATORS,
    _TOWNS_THING,
    AGE_AFTER,
    AGE_BEFORE,
    AUX_VERBS,
    CHILD_AFTER,
    CHILD_DOING,
    CHILD_NOTE_AFTER,
    CHILDS_THING,
    CUES,
    NEVER,
    NOT_NAME_AFTER,
    PERSON_AFTER,
    PERSON_VERBS,
    PLACE_BEFORE,
    TITLE,
    TOPIC_TITLE,
    WITH_US,
    WORKER_AFTER,
)
from .name_text import (
    _APOSTROPHES,
    _line,
    _line_of,
    _month_use,
    _starts_line,
    _starts_sentence,
    _title_case_lines,
    _Word,
    _words,
)
from .vocabulary import MONTHS, PLACE_NAMES, PLACES_FIRST, WORD_NAMES, vocabulary


def find_names(text: str, place: str, people: KnownPeople | Callable[[], KnownPeople]) -> list[Finding]:
    known = _Lazy(people)
    vocab = vocabulary()
    words = _words(text, vocab)
    if not words:
        return []
    cues, titles, aged_before = _cues_by_position(text)
    title_case_lines = None
    findings: list[Finding] = []
    said: dict[str, str] = {}  # who a name was found to be earlier in the text: "Dan on the duty desk… thank you Dan"
    skip_until = -1
    common, home = vocab.common_words, vocab.home_names
    for i, word in enumerate(words):
        key = word.key
        if word.start < skip_until or key in NEVER:
            continue
        # Most words are lower-case ordinary words that no context makes a name: skip them before
        # any context is read.
        if not word.capital and key in common and key not in home and key not in WORD_NAMES:
            continue
        cue = cues.get(word.start)
        title_start = titles.get(word.start)
        titled = title_start is not None
        after = text[word.end : word.end + 60]
        aged = word.start in aged_before or bool(AGE_AFTER.match(after))
        if cue == "our":
            cue = "child" if word.capital and _ours(words, i, text, vocab, known) else None
        if cue is None and not titled:
            cue = _cue_after(text, words, i, after)
            if cue and _tier(key, vocab, known) is None and not (word.capital and key not in common):
                cue = None  # what follows says "a person", but this word is no name ("my 10-year-old has…")
        if cue is None and not titled and not aged and key in said:
            cue = said[key]
        strong = bool(cue or titled or aged) and _can_be_name(word, vocab, known)
        if not strong:
            # No context that makes any word a name (or a month, which a cue alone does not make
            # one): the word must read as a name here by itself ("May and her brother are…").
            if title_case_lines is None:
                title_case_lines = _title_case_lines(text)
            if not _is_name_here(word, i, words, text, vocab, known, title_case_lines, after):
                continue
        if key in known.not_people:
            continue  # a word of a fostering service's name
        end, last = _full_name_end(words, i, text)
        skip_until = end
        if cue is None and not titled and not aged:
            cue = _cue_after(text, words, last, text[words[last].end : words[last].end + 60], full=True)
        if cue in ("worker", "child", "family"):
            said.setdefault(key, cue)
        start = title_start if title_start is not None else word.start  # "Mrs Patel"
        span = text[start:end]
        is_member = _is_members(words[i : last + 1], known)
        kind = _kind(cue, titled, aged, place, is_member)
        if kind is None:
            continue
        findings.append(_name_finding(text, start, end, span, kind, place))
    return findings


def _cues_by_position(text: str) -> tuple[dict[int, str], dict[int, int], set[int]]:
    """Where a cue, a title or an age ends, keyed by the start of the word right after it.

    One pass per pattern over the whole text, instead of one search per word."""
    cues: dict[int, str] = {}
    for match in CUES.finditer(text):
        # Every alternative of CUES is a named group, so the one that matched has a name.
        assert match.lastgroup is not None
        kind = _CUE_KIND[match.lastgroup]
        if kind == "family" and not _FAMILY_BEFORE.search(text, max(0, match.start() - 25), match.start()):
            continue  # "Mum" alone is the writer's own mum or a heading, not someone's relative
        cues.setdefault(_skip_separators(text, match.end()), kind)
    titles = {match.end(): match.start() for match in TITLE.finditer(text)}
    aged = {match.end() for match in AGE_BEFORE.finditer(text)}
    return cues, titles, aged


def _skip_separators(text: str, at: int) -> int:
    n = len(text)
    while at < n and text[at] in _SEPARATORS:
        at += 1
    return at


def _ours(words: list[_Word], i: int, text: str, vocab, known) -> bool:
    """ "our Alfie got…", "for our Tyler, 18", "little Bedford is…": a name, not "our Lincoln group"."""
    if _tier(words[i].key, vocab, known) is None:
        return False
    if words[i].possessive:
        return True
    nxt = words[i + 1] if i + 1 < len(words) else None
    gap = text[words[i].end : nxt.start] if nxt else text[words[i].end :]
    if gap.strip(" ") or nxt is None:
        return True  # punctuation or the end: "for our Tyler, 18 and off to uni"
    return not nxt.capital and nxt.key in _OUR_NEXT


def _cue_after(text: str, words: list[_Word], i: int, after: str, full: bool = False) -> str | None:
    """Who a name is, from what follows it: "(our FC)", "our SSW", "Preston's SW", "has been with us"."""
    word = words[i]
    match = CHILD_AFTER.match(after)
    if match:
        return "family" if match.group("family") else "child"
    if WORKER_AFTER.match(after):
        return "worker"
    if CHILD_NOTE_AFTER.match(after):
        return "child"
    if full:
        return None
    if word.possessive and CHILDS_THING.match(after[2:] if after[:1] in _APOSTROPHES else after):
        return "child"
    if CHILD_DOING.match(after) or WITH_US.match(after):
        return "child"
    if (
        TOPIC_TITLE.match(after)
        and word.capital
        and _starts_line(text, word.start)
        and len(_line(text, word.start)) <= 60
    ):
        return "about"  # a title: "Grace and the phone - screen time battles"
    return None


def _can_be_name(word: _Word, vocab, known: _Lazy) -> bool:
    """After a cue, title or age: any capitalised word, or a lower-case one that is no common word."""
    if word.key in NEVER or word.key in MONTHS:
        return False
    if word.capital:
        return not word.text.isupper() or len(word.text) > 2
    return word.key in vocab.home_names or known.is_member_name(word.key) or word.key not in vocab.common_words


def _tier(key: str, vocab, known: _Lazy) -> str | None:
    """ "plain" (rarely a word), "shared" (a name and a word), "word" (a word first) or None."""
    if "-" in key:
        parts = key.split("-")
        if all(p in vocab.home_names or known.is_member_name(p) for p in parts) and any(
            p in vocab.uk_names or p not in vocab.common_words for p in parts
        ):
            return "plain"  # "Kacey-Leigh", "mia-grace"; not "year-old" or "long-term"
        return None
    if key in WORD_NAMES or key in MONTHS or key in PLACES_FIRST:
        return "word"
    if key in vocab.uk_names:
        return "plain"  # given to children here since 2005: "Alfie", "lexi", "ty"
    if key in vocab.home_names or key in vocab.world_names:
        return "shared" if key in vocab.common_words else "plain"
    if key not in vocab.common_words and known.is_member_name(key):
        return "plain"  # a name only the members' list knows ("Zeynep")
    return None


def _is_name_here(
    word: _Word,
    i: int,
    words: list[_Word],
    text: str,
    vocab,
    known: _Lazy,
    title_case_lines: set[int],
    after: str,
) -> bool:
    if word.text.isupper() and len(word.text) > 1:
        return False  # "MAY", "NHS": shouting or an acronym
    nxt = words[i + 1] if i + 1 < len(words) else None
    # The next word when only spaces stand between them ("Chester Zoo"), else None.
    tight = nxt if nxt is not None and text[word.end : nxt.start].strip(" ") == "" else None
    if (
        word.capital
        and tight
        and tight.key in _FAMILY_AFTER
        and i
        and words[i - 1].key == "the"
        and not _starts_sentence(text, word.start)
        and len(word.key) > 2
    ):
        return True  # "the Hughes household": a surname
    tier = _tier(word.key, vocab, known)
    if tier is None or len(word.key) < 2:
        return False
    if tight and tight.key in NOT_NAME_AFTER and tight.capital:
        return False  # "Chester Zoo", "Holly Road", "Grace Academy"
    prev = words[i - 1] if i else None
    if prev and prev.key in ("st", "saint") and text[prev.end : word.start].strip(" .") == "":
        return False
    next_key = tight.key if tight else ""
    capital = word.capital
    person_next = next_key in PERSON_VERBS or _aux_then_person(words, i) or bool(PERSON_AFTER.match(after))
    if word.key in PLACE_NAMES and word.possessive and _TOWNS_THING.match(after):
        return False  # "Kendal's new contact centre", "Preston's family hub": the town's
    if (
        word.key in PLACE_NAMES
        and not word.possessive
        and not person_next
        and prev
        and (prev.key in PLACE_BEFORE or (prev.key == "the" and i > 1 and words[i - 2].key in PLACE_BEFORE))
    ):
        return False  # "in Chelsea", "from Bedford", "at the Lincoln group"; not "for Chelsea and her brother"
    if word.key in MONTHS or word.key in PLACES_FIRST:
        if not capital:
            return False
        return (
            person_next
            or (word.possessive and not _month_use(text, word))
            or _surname_next(words, i, text, vocab, known)
        )
    if tier == "plain":
        return capital or word.key in vocab.home_names or word.possessive or person_next
    if tier == "shared":
        if capital:
            return True
        return word.possessive or person_next or next_key in AUX_VERBS
    # A word first ("Hope", "Will", "May").
    if not capital:
        # "poppy says shes being bullied": a person's verb right after it, at the start of a sentence.
        return next_key in PERSON_VERBS and _starts_sentence(text, word.start)
    if _surname_next(words, i, text, vocab, known):
        return True  # "Mark Robinson would like…"
    if (
        tight
        and tight.capital
        and tight.key not in NEVER
        and tight.key not in vocab.home_names
        and tight.key not in known.last_names
    ):
        return False  # "the new Foster Carer Charter": a title-case name of a thing
    if _starts_sentence(text, word.start) or _line_of(text, word.start) in title_case_lines:
        return person_next or word.possessive or _and_a_name(words, i, text, vocab, known)
    if prev and prev.capital and prev.key not in NEVER and not _starts_sentence(text, prev.start):
        return False  # "Amazing Grace", "Holy Faith": part of a longer proper noun
    return True


def _surname_next(words: list[_Word], i: int, text: str, vocab, known) -> bool:
    """A capitalised word right after that is a member's surname or no English word: "Mark Robinson"."""
    if i + 1 >= len(words):
        return False
    nxt = words[i + 1]
    if text[words[i].end : nxt.start] != " " or not nxt.capital or nxt.text.isupper():
        return False
    if nxt.key in NEVER or nxt.key in NOT_NAME_AFTER or nxt.key in MONTHS:
        return False
    if nxt.key in known.last_names:
        return True
    after = words[i + 2] if i + 2 < len(words) else None
    if after and after.capital and text[nxt.end : after.start] == " ":
        return False  # "the new Foster Carer Charter": a title-case name of a thing
    return nxt.key not in vocab.common_words and nxt.key not in vocab.home_names and len(nxt.key) > 2


def _aux_then_person(words: list[_Word], i: int) -> bool:
    """ "Summer is refusing", "will has been excluded": an auxiliary then a person's verb."""
    if i + 1 >= len(words) or words[i + 1].key not in _AUX_ONLY:
        return False
    return any(w.key in PERSON_VERBS for w in words[i + 2 : i + 4])


def _and_a_name(words: list[_Word], i: int, text: str, vocab, known) -> bool:
    """ "Will and Rose are…": a word-name joined to a capitalised name."""
    if i + 2 < len(words) and words[i + 1].key in {"and", "&"}:
        other = words[i + 2]
        return other.capital and _tier(other.key, vocab, known) is not None
    return False


def _full_name_end(words: list[_Word], i: int, text: str) -> tuple[int, int]:
    """The end of "Jo Fletcher" when a capitalised surname follows the first name."""
    end, last = words[i].end, i
    if words[i].possessive:
        return end, last
    for j in (i + 1, i + 2):
        if j >= len(words):
            break
        nxt = words[j]
        if text[words[j - 1].end : nxt.start] != " " or not nxt.capital or nxt.text.isupper():
            break
        if nxt.key in NEVER or nxt.key in NOT_NAME_AFTER or nxt.key in MONTHS:
            break
        end, last = nxt.end, j
        if nxt.possessive:
            break
    return end, last


def _is_members(span: list[_Word], known: _Lazy) -> bool:
    first = span[0].key
    if first in known.first_names and all(w.key in known.last_names for w in span[1:]):
        return True
    return len(span) == 1 and first in known.last_names


def _kind(cue: str | None, titled: bool, aged: bool, place: str, is_member: bool) -> str | None:
    """What the name seems to be, or None when this place may hold it."""
    if cue == "child" or (aged and cue != "family"):
        return "child's name"
    if cue == "family":
        return "birth family member's name"
    if place == "service":
        return "member's name" if is_member and not cue and not titled else "person's name"
    # Community: members talk to and about each other, and professionals are not the family;
    # a member's name said to be about a child ("advice about Tyler") is held.
    if cue == "worker" or (titled and cue != "about"):
        return None
    if is_member and cue != "about":
        return None
    return "name"


def _name_finding(text: str, start: int, end: int, span: str, kind: str, place: str) -> Finding:
    if place == "service":
        advice = (
            f"Remove the name “{span}”: what goes to the service names no one. Say “a carer”, "
            "“a child in placement” or “the social worker” instead."
        )
    else:
        advice = f"Remove the name “{span}”. Say “a child in my care” or a description like “my 10-year-old” instead."
    summary = {"name": f"a name, perhaps a child's: {span}"}.get(kind, f"a {kind}: {span}")
    return make(text, start, end, "name", kind, advice, summary)
