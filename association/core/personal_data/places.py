"""Street addresses, schools and nurseries.

A street is a proper name followed by a street word ("Mill Street", "Oak Court"). With a house or
flat number it is an address even in lower case ("12 mill st"); without one it must be written
as a name (capitals) or follow "lives on", "moved to"… — "the high street" and "a main road"
are not addresses. A school is a proper name followed by a school word ("Oakfield Primary",
"Little Acorns Nursery", "Kingsmead High School") or a saint's name ("St Mary's"); "primary
school", "the school run" and "nursery" alone are not.
"""

from __future__ import annotations

import re

from .finding import Finding, make

STREET_WORDS = (
    r"(?:street|st|road|rd|lane|ln|avenue|ave|close|cl|drive|dr|court|ct|crescent|cres|way|place|pl|"
    r"grove|gardens|gdns|terrace|terr|walk|row|square|sq|mews|rise|view|parade|croft|green|hill|"
    r"vale|fold|gate|wynd|meadows?|park|estate|house|cottages?|heights|boulevard|blvd)"
)
_NAME = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
_LOWER_NAME = r"[a-z][a-z'’]+"
# "12 Mill Street", "12a mill st", "Flat 3, Oak Court", "Apartment 4 The Maltings".
NUMBERED = re.compile(
    rf"(?:\b(?i:flat|apartment|apt|unit|no\.?)\s*\d+[a-z]?,?\s+(?:{_NAME}\s+){{0,2}}(?:{_NAME}|{STREET_WORDS})\b\.?"
    rf"|\b\d{{1,4}}[a-z]?,?\s+(?:{_NAME}\s+){{1,2}}(?i:{STREET_WORDS})\b\.?"
    # In lower case only the street words that mean nothing else: "2 hours drive" is no address.
    rf"|\b\d{{1,4}}[a-z]?,?\s+(?:(?!(?:hours?|mins?|minutes?|days?|weeks?|months?|years?|miles?|times?|long|short|more|"
    rf"of|the|a|and|or|to|min|hrs?|yrs?)\s)[a-z][a-z'’]+\s+){{1,2}}"
    rf"(?:street|st|road|rd|lane|ln|avenue|ave|crescent|cres|gardens|gdns|terrace|mews|grove|close)\b\.?)",
)
NAMED = re.compile(rf"\b(?:{_NAME}\s+){{1,2}}(?i:{STREET_WORDS})\b")
LIVES_ON = re.compile(
    rf"\b(?:lives?|living|lived|moved|moving|stays?|staying|house|flat|home)\s+(?:on|in|at|to|off|round)\s+"
    rf"((?:{_LOWER_NAME}\s+){{1,2}}{STREET_WORDS})\b",
    re.IGNORECASE,
)
# Capitalised street names that name no particular place.
GENERIC_STREETS = re.compile(
    r"^(?:the\s+)?(?:high|main|station|church|market|new|old|back|front|ring|a|b|one|this|that|"
    r"our|my|your|their|his|her|every|each|any|same|next|last|first|bus|car|slip|side|"
    r"play|drive|open|way|long|green|primary|secondary|residential|care|foster|private|"
    r"the)\s",
    re.IGNORECASE,
)
# Street words that only make an address with a number: "Oakfield Park" is a park, "Sunday Court" a sitting.
NEEDS_NUMBER = re.compile(
    r"(?:park|green|hill|house|estate|view|gate|court|place|way|walk|row|square|rise|vale|"
    r"heights|meadows?|fold|parade|cottages?|drive|dr|st|pl|ct|cl)\.?$",
    re.IGNORECASE,
)

SCHOOL_WORDS = (
    r"(?:primary|infants?|juniors?|academy|nursery|pre-?school|preschool|high\s+school|secondary(?:\s+school)?|"
    r"school|college|grammar|comprehensive|c\.?\s?of\s?e\.?|ce\s+primary|rc\s+primary|catholic\s+primary|"
    r"community\s+school|free\s+school|day\s+nursery|children'?s\s+centre)"
)
SCHOOL = re.compile(
    rf"\b((?:[A-Z][\w'’\-]*\s+){{1,3}})(?:(?i:{SCHOOL_WORDS})|High(?!\s+(?i:street|st|road|rd|court|sheriff|peak|wycombe)\b))\b"
    rf"|\b(?:St\.?|Saint|(?-i:st)\.?)\s+[A-Za-z][a-z]+(?:['’]s|s)?(?:\s+(?:and|&)\s+(?:St\.?\s+)?[A-Z][a-z]+(?:['’]s)?)?"
    rf"(?:\s+(?i:c\.?\s?of\s?e\.?|ce|rc|catholic|church\s+of\s+england|va|vc))?(?:\s+(?i:{SCHOOL_WORDS}))?"
)
# "the nursery (Busy Bees…", "his school, Oakwood, …", "a nursery called Tiny Steps": the name after the school word.
SCHOOL_NAMED_AFTER = re.compile(
    r"\b(?i:the|her|his|their|our|my|a|new)\s+(?i:nursery|school|pre-?school|primary|academy|college|secondary|juniors?|"
    r"infants?)\s*(?:\(\s*|,\s+|\s+(?i:called|named|is)\s+)((?:[A-Z][\w'’\-]*)(?:\s+[A-Z][\w'’\-]*){0,2})(?=\s*[),.;]|\s+(?i:on|in|by|near|at|and|have|has|is|are|were|was)\b)"
)
# "Hillside, the infant school by the park": the name before.
SCHOOL_NAMED_BEFORE = re.compile(
    r"\b((?:[A-Z][\w'’\-]*)(?:\s+[A-Z][\w'’\-]*){0,2}),\s+(?:the|a|our|her|his|their)\s+(?:\w+\s+)?"
    r"(?i:nursery|school|pre-?school|primary|academy)\b"
)
# A saint's name alone names a school only in a text about school, and not beside a church or hospital.
_SCHOOL_CONTEXT = re.compile(
    r"\b(?:school|class(?:es)?|teachers?|head(?:teacher)?|senco|exclu(?:sion|ded|ding)|term|uniform|"
    r"pep|ehcp|pupils?|year\s+\d|reception|sports\s+day|homework|parents'?\s+evening|detention|"
    r"isolation|lessons?|playground|nativity|sats|gcses?|tutor)\b",
    re.IGNORECASE,
)
_OTHER_INSTITUTION = re.compile(
    r"\b(?:carol|church|service|mass|wedding|married|christening|funeral|hospital|a\s?&\s?e|"
    r"clinic|ward|hospice|ambulance|surgery|cathedral|chapel|vicar|paediatric|gp|dentist)\b",
    re.IGNORECASE,
)
# Generic school words name a school only when written with a capital: "Tyler's school" is not one.
_NEEDS_CAPITAL = re.compile(r"(?:school|college|secondary|grammar|comprehensive)$", re.IGNORECASE)
# Words before a school word that describe a kind of school rather than name one.
NOT_A_SCHOOL_NAME = frozenset(
    """
the a an our my his her their your its this that these those local new old nearest nearby same next previous last
first current mainstream special secondary primary infant infants junior juniors high state private independent
boarding residential grammar free faith catholic church village city town sunday forest virtual hospital online
home after before breakfast holiday summer easter christmas half term day night nursery pre school after-school
bad lovely different other another every each any which what whose some all both either
foster fostering children's childrens community comprehensive academy college council sixth form further
reception year alternative provision pupil referral unit pru send sen an
and or but to at in on from for with by of into about as is was be been are were go goes went going
""".split()
)
NOT_A_SAINT = re.compile(
    r"^(?:St\.?|Saint)\s+(?:Helens|Albans|Ives|Austell|Neots|Andrews|Davids|Leonards|Annes|"
    r"Johns\s+Wood|Pancras|Pauls\s+Cathedral)\b",
    re.IGNORECASE,
)
_AFTER_SAINT_NOT_SCHOOL = re.compile(
    r"^\s+(?:hospital|church|cathedral|hospice|day|street|st|road|rd|lane|"
    r"square|station|ward|surgery)\b",
    re.IGNORECASE,
)


# "the Chester Road hotel", "the Station Road shops": a street naming a landmark, not where someone lives.
_LANDMARK_AFTER = re.compile(
    r"\s+(?:hotel|pub|shops?|roundabout|junction|retail|surgery|station|library|centre|center|"
    r"branch|entrance|car\s+park|site|office|offices|campus|bridge|lights|traffic|bus\s+stop|"
    r"clinic|hub|tesco|asda|aldi|lidl|sainsburys|morrisons|branch|depot|venue|leisure|"
    r"sports|community|church|school|nursery|academy|hospital|contact\s+centre)\b"
)
# "Riverside Community Centre, Bridge Road": where a public venue is, not anyone's home.
_VENUE_BEFORE = re.compile(
    r"(?:Centre|Center|Hall|Library|Church|Hotel|Club|Inn|Arms|Surgery|Hospital|Station|Chapel|"
    r"Hub|Museum|Theatre|Cinema|Pavilion|Office|Offices|House)\s*,\s*$"
)
# "carer on Orchard Way now drives…": on a named street is where someone lives, whatever the street word.
_ON_BEFORE = re.compile(r"\b(?:on|off)\s+$")
_ON_STREET = re.compile(
    r"(?:way|court|drive|close|place|walk|row|square|rise|vale|view|gate|fold|parade|cottages?|"
    r"heights|meadows?|dr|ct|cl|pl)\.?$",
    re.IGNORECASE,
)


def find_addresses(text: str) -> list[Finding]:
    spans = []
    for match in NUMBERED.finditer(text):
        spans.append((match.start(), match.end()))
    for match in NAMED.finditer(text):
        words = match.group(0)
        if GENERIC_STREETS.match(words):
            continue
        if NEEDS_NUMBER.search(words) and not (
            _ON_BEFORE.search(text, max(0, match.start() - 5), match.start()) and _ON_STREET.search(words)
        ):
            continue
        if _LANDMARK_AFTER.match(text, match.end()) or _VENUE_BEFORE.search(
            text, max(0, match.start() - 20), match.start()
        ):
            continue
        if re.match(r"(?:St\.?|Saint)\s", words):
            continue  # "St Mary's Road" is an address only with a number, caught above
        spans.append(_trim_sentence_start(text, match.start(), match.end()))
    for match in LIVES_ON.finditer(text):
        if not GENERIC_STREETS.match(match.group(1) + " "):
            spans.append((match.start(1), match.end(1)))
    return [
        make(
            text,
            s,
            e,
            "address",
            "street address",
            "Remove the street address; a town or area is enough.",
            f"a street address: {text[s:e].strip(' ,.')}",
        )
        for s, e in _merge(spans)
    ]


def _trim_sentence_start(text: str, start: int, end: int) -> tuple[int, int]:
    # "Lives on Mill Lane" at the start of a sentence: "Lives" is capitalised for the sentence only.
    first = re.match(r"[A-Z][a-z'’]+\s+", text[start:end])
    if first and first.group(0).strip().lower() in NOT_A_SCHOOL_NAME | {"lives", "living", "on", "off", "near", "down"}:
        return start + first.end(), end
    return start, end


# Words that start sentences and questions: capitalised there, they name nothing ("Does nursery count…").
_COMMON_LEADS = frozenset(
    """
does do did is are was were can could should would will has have had how what when where which who why whose
if so then also not no yes anyone anybody someone everyone has any does doesnt dont didnt isnt cant wont
please thanks now today yesterday tomorrow only even just still since until after before when while because
going started starting moving moved got get need needs needed think thinking wondering hope hoping
""".split()
)


def find_schools(text: str) -> list[Finding]:
    spans = []
    for match in SCHOOL.finditer(text):
        start, end = match.start(), match.end()
        words = match.group(0)
        if match.group(1) is None or re.match(r"(?:St\.?|Saint)\s", words):  # a saint's name
            if NOT_A_SAINT.match(words) or _AFTER_SAINT_NOT_SCHOOL.match(text[end : end + 12]):
                continue
            if not _saints_school(text, match, words):
                continue
        else:
            if _NEEDS_CAPITAL.search(words) and not words.split()[-1][0].isupper():
                continue
            name_start = _name_start(text, match.start(), match.start(1) + len(match.group(1)))
            if name_start is None:
                continue
            start = name_start
        spans.append((start, end))
    for match in SCHOOL_NAMED_AFTER.finditer(text):
        if match.group(1).split()[0].lower() not in NOT_A_SCHOOL_NAME:
            spans.append((match.start(1), match.end(1)))
    for match in SCHOOL_NAMED_BEFORE.finditer(text):
        name_start = _name_start(text, match.start(1), match.end(1))
        if name_start is not None and not _sentence_capital_only(text, name_start, match.end(1)):
            spans.append((name_start, match.end(1)))
    return [
        make(
            text,
            s,
            e,
            "school",
            "school or nursery",
            "Remove the name of the school or nursery; say “primary school” or “nursery” instead.",
            f"a school: {text[s:e].strip()}",
        )
        for s, e in _merge(spans)
    ]


_SCHOOL_WORD_AT_END = re.compile(rf"(?i:{SCHOOL_WORDS})$")
_DESIGNATION = re.compile(r"\s(?i:c\.?\s?of\s?e\.?|ce|rc|catholic|church\s+of\s+england|va|vc)$")


def _saints_school(text: str, match: re.Match, words: str) -> bool:
    """ "St Mary's Primary", "St Joseph's RC", or a saint's name alone unless beside a church or a
    hospital; not "St John Ambulance", nor "st mary" in lower case without a possessive."""
    if _SCHOOL_WORD_AT_END.search(words) or _DESIGNATION.search(words):
        return True
    first, name = words.split()[:2]
    if first[0].islower() and not re.search(r"(?:['’]s|s)$", name):
        return False  # "12 mill st mary said": a street abbreviation
    after = text[match.end() : match.end() + 30]
    if re.match(r"\s+[A-Z][a-z]", after) and not re.match(
        r"\s+(?:[A-Z][a-z]+\s+)?(?:Primary|Infant|Junior|Academy|Nursery)", after
    ):
        return False  # "St John Ambulance": another organisation's name
    window = text[max(0, match.start() - 100) : match.end() + 100]
    if _OTHER_INSTITUTION.search(window):
        return False  # a church, a hospital: "carol service at St Paul's", "St Thomas' A&E"
    # Written with a capital, a saint's name alone is read as a school (the cautious side); in lower
    # case only in a text about school ("st marys rang again. Second exclusion this term").
    return first[0].isupper() or bool(_SCHOOL_CONTEXT.search(window))


def _sentence_capital_only(text: str, start: int, end: int) -> bool:
    """A single common word that starts a sentence ("Does nursery…"): its capital names nothing."""
    name = text[start:end]
    if " " in name or not _at_sentence_start(text, start):
        return False
    return name.lower() in _COMMON_LEADS


def _at_sentence_start(text: str, at: int) -> bool:
    stripped = text[:at].rstrip(" \t\"'“‘(*_#>-•")
    return not stripped or stripped[-1] in ".!?\n:;"


def _name_start(text: str, start: int, name_end: int) -> int | None:
    """Where the proper name before a school word starts, or None when it names no school."""
    words = list(re.finditer(r"[\w'’\-]+", text[start:name_end]))
    # Drop describing words from the front ("our local Oakfield Primary" → "Oakfield Primary").
    while words and (words[0].group(0).lower().strip("'’") in NOT_A_SCHOOL_NAME or not words[0].group(0)[0].isupper()):
        words.pop(0)
    if not words or re.search(r"['’]s?$", words[-1].group(0)):
        return None  # nothing left, or "Tyler's Nursery": a person's, not a school's name
    if len(words) == 1 and _sentence_capital_only(text, start + words[0].start(), start + words[0].end()):
        return None  # "Does nursery count…": the sentence's capital, not a name
    return start + words[0].start()


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
