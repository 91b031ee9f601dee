"""The word lists the check reads: first names, how common a word is in English, and the names
that are also ordinary words or places.

Why these sources (measured on a small hand-written sample before choosing; see the commit):
- First names come from gender-guesser's ``nam_dict.txt`` (Jörg Michael's list, ~45,000 names
  with a frequency per country, Great Britain, Ireland and the USA among them). Parsed once per
  process it costs about 8 MB and a set look-up per word. ``names-dataset`` knew more names but
  took 1.8 GB per process; Presidio with spaCy's small English model (the only PyPI copy is a
  third party's re-upload) took 150 MB and ~65 ms per 2,000 characters and found 5 of 20 names
  in carers' sentences ("Advice about Tyler" was a place, "Grace" an organisation).
- Names given since (Alfie, Aarav, Nevaeh, Harper) come from data/uk_first_names.txt, a list
  written for this project in the manner of the ONS "Baby names in England and Wales" top-100
  tables (no PyPI package carries those with a clear provenance; see the file's header: it should
  be replaced by the published tables). They count as names even in lower case.
- How common a word is comes from wordfreq's English list: we keep only the words common enough
  to matter (Zipf ≥ 3, about 30,000) and drop the full table, so a capitalised "Hope" at the
  start of a sentence can be told from "Jayden".
Nothing is fetched at run time: both lists ship inside their PyPI packages.
"""

from __future__ import annotations

import gc
import os
import threading
from dataclasses import dataclass

# Names that are, first of all, ordinary English words or months: they only count as a name
# with more evidence (a cue, an age, a possessive, a capital in the middle of a sentence).
WORD_NAMES = frozenset(
    """
will may hope mark bill grace rose faith joy jack summer holly guy chance art major win red march
june april august king key rock river miles justice judge spring rich royal queen stone frank sky
prince storm grant bell heaven lane charity angel chase kit diamond crystal buddy dawn honey
precious foster liberty gene ward hunter robin patience pearl penny sunny trace unity olive destiny
sandy cherry ginger amber ruby lily daisy poppy ivy iris violet jasmine autumn heather hazel fern
willow melody harmony sky skye star river rain sonny brook brooke reed rusty dusty chip clay
cliff rod dale glen glenn moss ash rowan sage sterling noble earl duke marshall carter cooper
parker walker turner mason baker hunter taylor porter butler fisher fletcher archer booker
price hill wood marsh field fields long short young white black brown green gray grey bright
lucky happy merry sunshine blessing miracle essence haven nest bee dot buzz bud buck ray gay
al ed mo di des les del con non ap van ion tab cam cal sue pat carol dean rob drew sandy
christian jesus lord shepherd bishop chancellor baron wolf fox hart hawk jay wren lark
don nick max jan eve kay mac brain bet forest honor era rush ear dick hay
ace arch mills elle aria nova lex kat bel ev lou liz sonny
""".split()
)

# Places first and names second: they need the same extra evidence as WORD_NAMES.
PLACES_FIRST = frozenset(
    """
bedford chelsea chester lincoln london america india israel asia virginia georgia francisco paris
jersey kent devon derby york dallas denver houston orlando sheffield india eden madison
""".split()
)
# Towns and districts that are also first names: after "in", "at", "from", "to"… they are places.
PLACE_NAMES = PLACES_FIRST | frozenset(
    """
bedford chelsea chester lincoln preston clifton stanley beverley ashley kendal florence victoria
jersey paris sydney austin dallas denver houston orlando york kent devon derby darlington
whitby sheffield harlow crawley bradley barry morley shirley hayley bromley stanley burnley
wesley dudley dewsbury warwick carlisle clayton ashton milton shelby tyrone nelson wigan
brighton hove richmond kingston charlton clinton eden sharon hastings louth lewis harris
harrogate leigh lindsay ellesmere arundel cheltenham penrith buxton matlock selby ripon stafford
stamford wallace winston merton morden brent barnet enfield hayes camden harrow chelmsford
tiverton truro paignton alston bolton stockton marlow henley dorchester winchester chichester
rochester manchester lancaster leicester gloucester worcester doncaster
""".split()
)

MONTHS = frozenset("january february march april may june july august september october november december".split())

_COUNTRY_COLUMNS_HOME = 3  # Great Britain, Ireland, USA: the first three columns of nam_dict.txt
_COMMON_ZIPF = 3.0  # a word used at least once per million words


@dataclass(frozen=True)
class Vocabulary:
    home_names: frozenset[str]  # first names given in Britain, Ireland or the USA (lower case)
    uk_names: frozenset[str]  # names given to children in England and Wales 2005-2023, and short forms
    world_names: frozenset[str]  # first names given elsewhere and rare as English words
    common_words: frozenset[str]  # English words used at least once per million words


_loaded: Vocabulary | None = None
_lock = threading.Lock()


def vocabulary() -> Vocabulary:
    """The lists, loaded once per process on first use (about half a second)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded


def _load() -> Vocabulary:
    common = _common_words()
    home, world = _first_names()
    # A name from elsewhere that is also a common English word ("To", "Man", "Even") would turn
    # every sentence into a finding; those count only with a cue.
    uk = _uk_names()
    home |= uk
    world_only = frozenset(n for n in world - home if n not in common)
    return Vocabulary(frozenset(home), uk, world_only, common)


def _uk_names() -> frozenset[str]:
    """Recent UK first names (data/uk_first_names.txt, see its header) and their short forms."""
    path = os.path.join(os.path.dirname(__file__), "data", "uk_first_names.txt")
    names: set[str] = set()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            names.update(line.split("#", 1)[0].split())
    return frozenset(names)


def _first_names() -> tuple[set[str], set[str]]:
    import gender_guesser

    path = os.path.join(os.path.dirname(gender_guesser.__file__), "data", "nam_dict.txt")
    home: set[str] = set()
    world: set[str] = set()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line[:1] in "#=" or len(line) < 32:
                continue
            name = line.split()[1].lower()
            if "+" in name:  # "Anne+Marie": the file's way of writing both spellings
                for joined in (name.replace("+", "-"), name.replace("+", "")):
                    (home if _is_home(line) else world).add(joined)
                continue
            (home if _is_home(line) else world).add(name)
    return home, world


def _is_home(line: str) -> bool:
    return any(c in "123456789ABCDabcd" for c in line[30 : 30 + _COUNTRY_COLUMNS_HOME])


def _common_words() -> frozenset[str]:
    import wordfreq

    table = wordfreq.get_frequency_dict("en")
    floor = 10 ** (_COMMON_ZIPF - 9)
    common = frozenset(word for word, share in table.items() if share >= floor and word.isalpha())
    # The full table is 45 MB; we keep 30,000 words and let the rest go.
    del table
    for cached in ("get_frequency_dict", "get_frequency_list", "_get_frequency_dict"):
        clear = getattr(getattr(wordfreq, cached, None), "cache_clear", None)
        if clear:
            clear()
    gc.collect()
    return common
