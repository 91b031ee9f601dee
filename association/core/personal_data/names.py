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
- after "in", "at", "from", "to"… a town that is also a name is a place.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .finding import Finding, make
from .known import KnownPeople
from .vocabulary import MONTHS, PLACE_NAMES, PLACES_FIRST, WORD_NAMES, vocabulary

WORD = re.compile(r"[A-Za-z][A-Za-z]*(?:['’\-][A-Za-z]+)*['’]?")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$", re.IGNORECASE)

_CHILD = (r"(?:(?:my|our|the|her|his|their|a|this|new|little|eldest|youngest|oldest|middle|foster|adopted|step|"
          r"birth|baby|\d{1,2}[- ]?(?:year|yr)[- ]?old|\d{1,2}\s?yo)\s+)*"
          r"(?:son|daughter|child|children|boy|girl|baby|lad|lass|toddler|teen|teenager|kid|kiddo|placement|"
          r"young\s+person|yp|lo|little\s+one|fs|fd|fc|grandson|granddaughter|niece|nephew|twins?)s?")
_FAMILY = (r"(?:(?:my|our|the|her|his|their|a|birth|real|biological|bio|natural|step|half|older|younger|big|"
           r"little|foster|child's|kids'?|children's)\s+)+"
           r"(?:mum|mom|mother|mam|dad|father|parents?|nan|nana|nanna|gran|granny|grandma|grandmother|grandad|"
           r"grandpa|grandfather|aunt|auntie|aunty|uncle|brother|sister|siblings?|cousin|family|step-?dad|step-?mum)")
_WORKER = (r"(?:(?:my|our|the|her|his|their|a|new|old|supervising|child's|kids'?|link|family)\s+)*"
           r"(?:social\s+worker|sw|ssw|csw|fsw|iro|teacher|head\s?teacher|head|senco|worker|manager|"
           r"panel\s+chair|chair|therapist|camhs\s+worker|key\s?worker|nurse|gp|doctor|solicitor|guardian|"
           r"contact\s+supervisor|supervisor)")
_NAMING = r"(?:called|named|name\s+is|name's|known\s+as|goes\s+by)"
CUES = [
    (re.compile(rf"\b{_FAMILY}\s*[,:\-–]?\s*$", re.IGNORECASE), "family"),
    (re.compile(rf"\b{_CHILD}\s*[,:\-–]?\s*$", re.IGNORECASE), "child"),
    (re.compile(rf"\b{_WORKER}\s*[,:\-–]?\s*$", re.IGNORECASE), "worker"),
    (re.compile(rf"\b{_NAMING}\s*[,:\-–]?\s*$", re.IGNORECASE), "child"),
]
TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?\s+$")
AGE_AFTER = re.compile(r"^(?:['’]s)?\s*(?:\(\s*\d{1,2}\s*(?:yrs?|years?|y/?o|m|months)?\s*\)|,\s*\d{1,2}\s*(?:,|and\b|who\b|yrs?|years?)|"
                       r"\s+(?:aged|age)\s+\d{1,2}|\s+who\s+is\s+\d{1,2}\b|\s+is\s+\d{1,2}\s+(?:now|next|this|and|,|\.|years?))",
                       re.IGNORECASE)
AGE_BEFORE = re.compile(r"\b\d{1,2}\s?(?:-|\s)?(?:year|yr|month)s?(?:-|\s)?old\s+$|\b\d{1,2}\s?yo\s+$", re.IGNORECASE)
PLACE_BEFORE = re.compile(r"\b(?:in|at|from|to|near|around|towards|into|outside|via|of|round|for)\s+(?:the\s+)?$",
                          re.IGNORECASE)
# Verbs that only people do: a word-name followed by one of them is a person ("Summer is refusing").
PERSON_VERBS = frozenset("""
said says told tells asked asks went goes loves loved hates hated wants wanted started starts refused refuses
refusing kicked kicking cried crying screamed screaming ran runs came comes lives lived moved moving smiled
laughed hit hits shouted shouting swore sweared slept sleeps sleeping ate eats eating wet wets wetting
settled settling settles struggles struggling struggled misses missed missing talks talked talking walked
walking played playing plays thinks thought knows knew feels felt seems seemed gets got keeps kept turned
turns absconded ran off disclosed discloses excluded suspended attends attended joined joins arrived arrives
left leaves loves enjoys enjoyed hugged hugs wrote writes drew draws sang sings danced dances stole steals
lied lies bit bites punched punches threw throws slammed won't can't doesn't didn't isn't wasn't wouldn't
couldn't
""".split())
# Auxiliaries: a name-first word ("tom", "tyler") in lower case followed by one is a person.
AUX_VERBS = frozenset("is was has had will would can could should did does isnt wasnt hasnt hadnt and".split())
NOT_NAME_AFTER = frozenset("""
street st road rd lane avenue close drive court crescent way place grove gardens terrace walk row square mews
park hill school primary academy nursery college hospital council centre center house trust team group fc
club church zoo services service borough county city united town foundation university ward surgery
""".split())
# Capitalised words that are never names here.
NEVER = frozenset("""
i i'm i've i'd i'll he she they we it the a an and but or is was has had who when then so our my his her their
mum mummy dad daddy nan nanny grandma grandad social school monday tuesday wednesday thursday friday saturday
sunday christmas easter god jesus lord ofsted camhs yes no ok okay hi hello thanks thank dear cheers please
sorry just also still even ever never always sometimes maybe perhaps
""".split())


@dataclass
class _Word:
    text: str
    key: str  # lower case, without a possessive
    start: int
    end: int
    possessive: bool


class _Lazy:
    """The members' names, read only when a word could be one: most texts need no look-up at all,
    which keeps pages that check many texts to a fixed number of queries."""

    def __init__(self, source: KnownPeople | Callable[[], KnownPeople]):
        self._source, self._people = source, source if isinstance(source, KnownPeople) else None

    def __getattr__(self, name):
        if self._people is None:
            self._people = self._source()
        return getattr(self._people, name)


def find_names(text: str, place: str, known: KnownPeople | Callable[[], KnownPeople]) -> list[Finding]:
    known = _Lazy(known)
    vocab = vocabulary()
    words = [_word(m) for m in WORD.finditer(text)]
    title_case_lines = _title_case_lines(text)
    findings: list[Finding] = []
    skip_until = -1
    for i, word in enumerate(words):
        if word.start < skip_until or word.key in NEVER:
            continue
        # Most words are lower-case ordinary words that no context makes a name: skip them before
        # the context patterns, which are the costly part of the check.
        if (not word.text[0].isupper() and word.key in vocab.common_words
                and word.key not in vocab.home_names and word.key not in WORD_NAMES):
            continue
        before = text[max(0, word.start - 60):word.start]
        after = text[word.end:word.end + 30]
        cue = _cue(before)
        title = TITLE.search(before)
        titled = bool(title)
        aged = bool(AGE_AFTER.match(after) or AGE_BEFORE.search(before))
        if not (cue or titled or aged) and not _is_name_here(word, i, words, text, vocab, known, title_case_lines):
            continue
        if (cue or titled or aged) and not _can_be_name(word, vocab, known):
            continue
        if word.key in known.not_people:
            continue  # a word of a fostering service's name
        end, last = _full_name_end(words, i, text)
        skip_until = end
        start = word.start - (len(before) - title.start()) if title else word.start  # "Mrs Patel"
        span = text[start:end]
        is_member = _is_members(words[i:last + 1], known)
        kind = _kind(cue, titled, place, is_member)
        if kind is None:
            continue
        findings.append(_name_finding(text, start, end, span, kind, place))
    return findings


def _word(match: re.Match) -> _Word:
    raw = match.group(0)
    possessive = bool(_POSSESSIVE.search(raw)) and len(raw) > 2
    bare = _POSSESSIVE.sub("", raw) if possessive else raw
    end = match.start() + len(bare)
    return _Word(bare, bare.lower().replace("’", "'"), match.start(), end, possessive)


def _cue(before: str) -> str | None:
    for pattern, kind in CUES:
        if pattern.search(before):
            return kind
    return None


def _can_be_name(word: _Word, vocab, known: KnownPeople) -> bool:
    """After a cue, title or age: any capitalised word, or a lower-case one that is no common word."""
    if word.key in NEVER or word.key in MONTHS:
        return False
    if word.text[0].isupper():
        return not word.text.isupper() or len(word.text) > 2
    return (word.key in vocab.home_names or known.is_member_name(word.key)
            or word.key not in vocab.common_words)


def _tier(key: str, vocab, known: KnownPeople) -> str | None:
    """"plain" (rarely a word), "shared" (a name and a word), "word" (a word first) or None."""
    parts = key.split("-")
    if len(parts) > 1 and all(_tier(p, vocab, known) for p in parts):
        return "plain"  # "Kacey-Leigh"
    if key in WORD_NAMES or key in MONTHS or key in PLACES_FIRST:
        return "word"
    if key in vocab.home_names or key in vocab.world_names:
        return "shared" if key in vocab.common_words else "plain"
    if key not in vocab.common_words and known.is_member_name(key):
        return "plain"  # a name only the members' list knows ("Zeynep")
    return None


def _is_name_here(word: _Word, i: int, words: list[_Word], text: str, vocab, known: KnownPeople,
                  title_case_lines: set[int]) -> bool:
    tier = _tier(word.key, vocab, known)
    if tier is None or len(word.key) < 2:
        return False
    if word.text.isupper() and len(word.text) > 1:
        return False  # "MAY", "NHS": shouting or an acronym
    nxt = words[i + 1] if i + 1 < len(words) else None
    gap = text[word.end:nxt.start] if nxt else ""
    if nxt and nxt.key in NOT_NAME_AFTER and nxt.text[0].isupper() and gap.strip(" ") == "":
        return False  # "Chester Zoo", "Holly Road", "Grace Academy"
    before = text[max(0, word.start - 12):word.start]
    if re.search(r"\b(?:St\.?|Saint)\s+$", before):
        return False
    if word.key in PLACE_NAMES and PLACE_BEFORE.search(before) and not word.possessive:
        return False  # "in Chelsea", "from Bedford"
    next_key = nxt.key if nxt and gap.strip(" ") == "" else ""
    person_next = next_key in PERSON_VERBS or _aux_then_person(words, i, text)
    capital = word.text[0].isupper()
    starts_sentence = _starts_sentence(text, word.start)
    if word.key in MONTHS or word.key in PLACES_FIRST:
        return capital and (person_next or (word.possessive and not _month_use(text, word)))
    if tier == "plain":
        return capital or word.key in vocab.home_names or word.possessive or person_next
    if tier == "shared":
        if capital:
            return True
        return word.possessive or person_next or next_key in AUX_VERBS
    # A word first: a capital inside a sentence, else a person's verb or a possessive.
    if not capital:
        return False
    if starts_sentence or _line_of(text, word.start) in title_case_lines:
        return person_next or word.possessive or _and_a_name(words, i, text, vocab, known)
    prev = words[i - 1] if i else None
    if prev and prev.text[0].isupper() and prev.key not in NEVER and not _starts_sentence(text, prev.start):
        return False  # "Amazing Grace", "Holy Faith": part of a longer proper noun
    return True


def _aux_then_person(words: list[_Word], i: int, text: str) -> bool:
    """"Summer is refusing", "will has been excluded": an auxiliary then a person's verb."""
    following = [w.key for w in words[i + 1:i + 4]]
    if not following or following[0] not in AUX_VERBS - {"and"}:
        return False
    return any(k in PERSON_VERBS for k in following[1:3])


def _and_a_name(words: list[_Word], i: int, text: str, vocab, known) -> bool:
    """"Will and Rose are…": a word-name joined to a capitalised name."""
    if i + 2 < len(words) and words[i + 1].key in {"and", "&"}:
        other = words[i + 2]
        return other.text[0].isupper() and _tier(other.key, vocab, known) is not None
    return False


def _month_use(text: str, word: _Word) -> bool:
    return bool(re.match(r"['’]s\s+(?:half|end|start|meeting|review|session|group|newsletter|training|term)",
                         text[word.end:word.end + 20], re.IGNORECASE))


def _starts_sentence(text: str, at: int) -> bool:
    stripped = text[:at].rstrip(" \t\"'“‘(*_#>-•")
    return not stripped or stripped[-1] in ".!?\n:;"


def _line_of(text: str, at: int) -> int:
    return text.count("\n", 0, at)


def _title_case_lines(text: str) -> set[int]:
    """Lines written In Title Case, where a capital tells nothing about a name."""
    lines = set()
    for number, line in enumerate(text.split("\n")):
        long_words = [w for w in re.findall(r"[A-Za-z]+", line) if len(w) > 3]
        if len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6:
            lines.add(number)
    return lines


def _full_name_end(words: list[_Word], i: int, text: str) -> tuple[int, int]:
    """The end of "Jo Fletcher" when a capitalised surname follows the first name."""
    end, last = words[i].end, i
    if words[i].possessive:
        return end, last
    for j in (i + 1, i + 2):
        if j >= len(words):
            break
        nxt = words[j]
        if text[words[j - 1].end:nxt.start] != " " or not nxt.text[0].isupper() or nxt.text.isupper():
            break
        if nxt.key in NEVER or nxt.key in NOT_NAME_AFTER or nxt.key in MONTHS:
            break
        end, last = nxt.end, j
        if nxt.possessive:
            break
    return end, last


def _is_members(span: list[_Word], known: KnownPeople) -> bool:
    first = span[0].key
    if first in known.first_names and all(w.key in known.last_names for w in span[1:]):
        return True
    return len(span) == 1 and first in known.last_names


def _kind(cue: str | None, titled: bool, place: str, is_member: bool) -> str | None:
    """What the name seems to be, or None when this place may hold it."""
    if cue == "child":
        return "child's name"
    if cue == "family":
        return "birth family member's name"
    if place == "service":
        return "member's name" if is_member and not cue and not titled else "person's name"
    # Community: members address each other by name, and professionals are not the family.
    if is_member or cue == "worker" or titled:
        return None
    return "name"


def _name_finding(text: str, start: int, end: int, span: str, kind: str, place: str) -> Finding:
    if place == "service":
        advice = (f"Remove the name “{span}”: what goes to the service names no one. Say “a carer”, "
                  "“a child in placement” or “the social worker” instead.")
    else:
        advice = (f"Remove the name “{span}”. Say “a child in my care” or a description like "
                  "“my 10-year-old” instead.")
    summary = {"name": f"a name, perhaps a child's: {span}"}.get(kind, f"a {kind}: {span}")
    return make(text, start, end, "name", kind, advice, summary)
