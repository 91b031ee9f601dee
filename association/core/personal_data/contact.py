"""Contact details: phone numbers, email addresses, full postcodes, social media handles and links.

Phone numbers go through Google's libphonenumber (``phonenumbers``) rather than a regex: it
knows which UK number shapes exist, so "12/03/2026" or a 10-digit reference is not a phone,
while "0113 496 0000", "+44 7700 900123" and "(0161) 496 0123" are.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from .finding import Finding, make

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
POSTCODE = re.compile(r"\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
PROFILE_LINK = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?:facebook|fb|instagram|tiktok|twitter|x|snapchat|linkedin|threads)\.(?:com|net)"
    r"/(?!groups?/|events?/|pages?/|watch|share)[\w.@/\-?=]+",
    re.IGNORECASE,
)
# "@tyler_2015" is a handle; "jo@example.org" is an email (handled above), "@ 3pm" is neither.
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,28}[A-Za-z0-9_])")
HANDLE_CUE = re.compile(
    r"\b(?:snap(?:chat)?|insta(?:gram)?|tiktok|fb|facebook|whats\s?app|twitter)\s*(?:is|:|-|name|handle)\s*"
    r"(@?[A-Za-z0-9_.]{3,30})",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d")


def find_contact(text: str) -> list[Finding]:
    findings = []
    emails = [(m.start(), m.end()) for m in EMAIL.finditer(text)]
    for start, end in emails:
        findings.append(
            make(
                text,
                start,
                end,
                "contact",
                "email address",
                "Remove the email address. Members can find each other in the directory.",
            )
        )
    for match in _phones(text):
        findings.append(
            make(
                text,
                match.start,
                match.end,
                "contact",
                "phone number",
                "Remove the phone number; share contact details privately instead.",
            )
        )
    for match in POSTCODE.finditer(text):
        if not any(s <= match.start() < e for s, e in emails):
            findings.append(
                make(
                    text,
                    match.start(),
                    match.end(),
                    "contact",
                    "postcode",
                    "Remove the full postcode; a town or area is enough.",
                )
            )
    links = []
    for match in PROFILE_LINK.finditer(text):
        links.append((match.start(), match.end()))
        findings.append(
            make(
                text,
                match.start(),
                match.end(),
                "contact",
                "social media link",
                "Remove the link to the profile; share it privately if you need to.",
            )
        )
    taken = emails + links
    for match in HANDLE.finditer(text):
        if not any(s <= match.start() < e for s, e in taken) and not _mention(match.group(0)):
            findings.append(
                make(
                    text,
                    match.start(),
                    match.end(),
                    "contact",
                    "social media handle",
                    "Remove the social media name; share it privately if you need to.",
                )
            )
    for match in HANDLE_CUE.finditer(text):
        if not any(s <= match.start(1) < e for s, e in taken) and not match.group(1).startswith("@"):
            findings.append(
                make(
                    text,
                    match.start(1),
                    match.end(1),
                    "contact",
                    "social media handle",
                    "Remove the social media name; share it privately if you need to.",
                )
            )
    return findings


def _mention(handle: str) -> bool:
    """ "@Sam": the forum's way of replying to someone by first name, not a social media account.
    The name itself is then weighed by the name check like any other."""
    name = handle[1:]
    if not (name.isalpha() and name[0].isupper() and name[1:].islower()):
        return False
    from .vocabulary import vocabulary

    return name.lower() in vocabulary().home_names


def _phones(text: str):
    # No digits, no phone: skip the matcher entirely for most posts.
    if len(_DIGITS.findall(text)) < 9:
        return []
    found = []
    for match in PhoneNumberMatcher(text, "GB", leniency=Leniency.POSSIBLE):
        raw = match.raw_string
        digits = re.sub(r"\D", "", raw)
        # A UK number is written with a leading 0 or +; bare digit runs are references or sums.
        if not (raw.lstrip("(").startswith(("0", "+")) and 10 <= len(digits) <= 13):
            continue
        if phonenumbers.is_possible_number(match.number):
            found.append(match)
    return found
