"""The personal-data check by families of cases: names, addresses, schools, dates of birth and
contact details, in each place; the members it knows; positions; highlighting."""
from __future__ import annotations

import pytest

from association.core import personal_data
from association.core.personal_data import (CATEGORIES, PLACES, KnownPeople, check_personal_data, explain,
                                            highlight, summarise)

MEMBERS = KnownPeople.from_names(["Jo Fletcher", "Sam Okafor", "Priya Shah"], households=["The Fletchers"],
                                 services=["Bedford Borough Council", "Foster Care Associates"])


def found(text, place="community", known=MEMBERS):
    return [(f.category, f.text) for f in check_personal_data(text, place, known=known)]


def categories(text, place="community", known=MEMBERS):
    return {f.category for f in check_personal_data(text, place, known=known)}


# --- the issue's own examples -------------------------------------------------------------------

def test_the_pack_wording_from_the_issue_holds_a_name_and_an_address_for_the_service():
    text = "Mileage for family time is paid 3+ months late; e.g. Jo Fletcher at 12 Mill Street is still waiting."
    assert found(text, "service") == [("name", "Jo Fletcher"), ("address", "12 Mill Street")]


def test_a_childs_name_in_a_title_and_a_school_are_found_in_the_forum():
    assert found("Advice about Tyler") == [("name", "Tyler")]
    assert found("Support group at St Mary's Primary on Friday") == [("school", "St Mary's Primary")]


def test_members_address_each_other_by_first_name_in_the_community():
    for text in ("thanks Jo", "Jo's right, ring the duty desk", "Agree with Sam and Priya here", "Thanks Jo Fletcher!"):
        assert found(text) == [], text


def test_the_same_member_names_are_held_in_what_goes_to_the_service():
    assert found("Thanks to Jo for raising this", "service") == [("name", "Jo")]
    finding = check_personal_data("Thanks to Jo for raising this", "service", known=MEMBERS)[0]
    assert finding.kind == "member's name" and "service" in finding.advice


# --- names --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("Advice about Tyler", "Tyler"),
    ("tyler has been waking at 3am every night", "tyler"),
    ("jayden keeps running off at school", "jayden"),
    ("Has anyone got tips for Jayden's tantrums?", "Jayden"),
    ("Siobhan went missing overnight", "Siobhan"),
    ("Oliwia only speaks Polish at home", "Oliwia"),
    ("We had contact with his birth mum Kelly on Tuesday", "Kelly"),
    ("My foster son Jamie finally slept through!", "Jamie"),
    ("a lovely boy called Reuben", "Reuben"),
    ("Kayden (7) kicked off at bedtime again", "Kayden"),
    ("My 7-year-old Maisie loves the ponies", "Maisie"),
    ("Bradley and Kacey-Leigh have a new social worker", "Kacey-Leigh"),
])
def test_childrens_and_birth_family_names_anywhere(text, name):
    assert ("name", name) in found(text)


@pytest.mark.parametrize("text, name", [
    ("Grace started at her new school today and loved it", "Grace"),
    ("Summer is refusing to go to school", "Summer"),
    ("Holly's contact was cancelled again", "Holly"),
    ("Will and Rose are settling in well", "Will"),
    ("We took Hope to the dentist", "Hope"),
    ("Contact with Mark was moved again", "Mark"),
    ("my foster daughter faith loves swimming", "faith"),
    ("Chelsea has been refusing contact", "Chelsea"),
])
def test_names_that_are_also_words_are_names_in_a_name_context(text, name):
    assert ("name", name) in found(text)


@pytest.mark.parametrize("text", [
    "I hope the meeting goes well, will bring cake",
    "Hope you are all well. Will post an update after panel.",
    "May is always busy with reviews; summer holidays are harder",
    "Amazing grace from the panel today, they approved us!",
    "Feeling a bit of joy after a good review",
    "Just bill the service for the taxi and keep receipts",
    "Mark your calendars for the May meeting",
    "Advice About Foster Carer Mileage Claims",
    "Is anyone going to the support group in Bedford on Thursday?",
    "We met at Chelsea and had a lovely walk",
    "We moved from Lincoln to Chester last year",
    "Bedford Borough Council pays mileage monthly",
    "Our supervising social worker changed for the third time this year",
    "Has the Independent Reviewing Officer role changed?",
])
def test_words_months_and_places_that_look_like_names_pass(text):
    assert categories(text) - {"name"} == set() and found(text) == [], found(text)


def test_titles_and_surnames_are_names_for_the_service_and_include_the_title():
    assert found("Mrs Patel the social worker never rings back", "service") == [("name", "Mrs Patel")]
    assert found("Our SW Dr Khan said the review is next week", "service") == [("name", "Dr Khan")]


def test_professionals_named_in_the_community_are_not_the_family():
    assert found("Mrs Patel the social worker never rings back") == []


def test_a_cue_makes_even_a_members_first_name_a_childs_name():
    findings = check_personal_data("My foster son Jo has settled well", known=MEMBERS)
    assert [(f.kind, f.text) for f in findings] == [("child's name", "Jo")]
    assert findings[0].summary == "a child's name: Jo"


def test_the_advice_is_kind_and_the_summary_third_person():
    finding = check_personal_data("Advice about Tyler", known=MEMBERS)[0]
    assert finding.advice.startswith("Remove the name “Tyler”") and "my 10-year-old" in finding.advice
    assert "Tyler" in finding.summary and not finding.summary.lower().startswith(("you", "remove"))


# --- known people -------------------------------------------------------------------------------

def test_a_name_that_only_a_member_has_is_known_from_the_provider():
    zey = KnownPeople.from_names(["Zeynep Kaya"])
    assert found("Thanks Zeynep", "service", known=zey) == [("name", "Zeynep")]
    assert found("Thanks Zeynep", "community", known=zey) == []


def test_household_and_service_names_are_read_as_people_and_not_people():
    assert "fletcher" in MEMBERS.last_names
    assert "bedford" in MEMBERS.not_people and "council" in MEMBERS.not_people


def test_registered_providers_are_cached_and_forgotten(monkeypatch):
    from flask import Flask

    from association.core.personal_data import known

    calls = []
    monkeypatch.setattr(known, "_providers", [])
    monkeypatch.setattr(known, "_cache", known.weakref.WeakKeyDictionary())

    def provider():
        calls.append(1)
        return ["Tyler Brown"]

    personal_data.register_known_people(provider)
    personal_data.register_known_people(provider)  # registering twice adds it once
    with Flask("one").app_context():
        assert found("thanks Tyler", known=None) == []
        assert found("thanks Tyler", known=None) == []
        assert len(calls) == 1  # cached for the TTL
        known._drop_cache()
        check_personal_data("thanks Tyler")
        assert len(calls) == 2
    with Flask("two").app_context():  # another app, another cache
        check_personal_data("thanks Tyler")
        assert len(calls) == 3
    assert found("thanks Tyler", known=None) == [("name", "Tyler")]  # no app context: nobody is known
    personal_data.forget_known_people()
    assert known._providers == []


def test_a_flushed_member_change_drops_the_cache(app, make_member):
    from association.core.personal_data import known
    from association.extensions import db

    with app.app_context():
        assert found("thanks Tyler", known=None) == [("name", "Tyler")]
        make_member("Tyler Fenwick")
        db.session.commit()
        assert found("thanks Tyler", known=None) == []
        assert known.known_people().first_names >= {"tyler"}


# --- addresses, schools ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("They live at 12 Mill Street now", "12 Mill Street"),
    ("dropped her at 12 mill st", "12 mill st"),
    ("Flat 3, Oak Court is where she stays", "Flat 3, Oak Court"),
    ("his nan lives on Mill Lane", "Mill Lane"),
    ("she lives on mill lane with her nan", "mill lane"),
    ("meet me at 4 Station Road", "4 Station Road"),
])
def test_street_addresses(text, words):
    assert ("address", words) in found(text, "service") and ("address", words) in found(text)


@pytest.mark.parametrize("text", [
    "The high street was busy so we went to the park",
    "The school run is chaos since the roadworks on the main road",
    "after 2 hours drive we were shattered",
    "Meet on the High Street by the bank",
])
def test_ordinary_streets_pass(text):
    assert found(text, "service") == []


@pytest.mark.parametrize("text, words", [
    ("She's at St Mary's", "St Mary's"),
    ("St. Mary's Primary were brilliant", "St. Mary's Primary"),
    ("Oakfield Primary excluded him", "Oakfield Primary"),
    ("She loves Little Acorns Nursery", "Little Acorns Nursery"),
    ("Riverside Academy won't do an EHCP", "Riverside Academy"),
    ("He starts at Kingsmead High School", "Kingsmead High School"),
    ("Sunshine Pre-school have been great", "Sunshine Pre-school"),
])
def test_schools_and_nurseries(text, words):
    assert ("school", words) in found(text)


@pytest.mark.parametrize("text", [
    "Any tips for the move to primary school?",
    "The school run is chaos",
    "Nursery is going well",
    "The Virtual School head was helpful",
    "Forest School sessions are on Fridays",
    "She was at St Mary's Hospital overnight",
])
def test_kinds_of_school_pass(text):
    assert "school" not in categories(text)


# --- dates of birth ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("DOB 03/04/2015", "03/04/2015"),
    ("born 3.4.15", "3.4.15"),
    ("she was born on the 3rd of April 2015", "3rd of April 2015"),
    ("her birthday is 3rd April", "3rd April"),
    ("d.o.b 3 Apr 15", "3 Apr 15"),
    ("Date of birth: 14-02-2016", "14-02-2016"),
    ("turns 8 on 21st June", "21st June"),
    ("born in March 2014", "March 2014"),
])
def test_dates_of_birth(text, words):
    assert ("date of birth", words) in found(text)


@pytest.mark.parametrize("text", [
    "The meeting on 12/03/2026 is in the library",
    "Since 3 March things are better",
    "Training on 4th May 2026 at 10am",
    "Her birthday party is next week",
])
def test_other_dates_pass(text):
    assert found(text, "service") == []


# --- contact details -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("Ring me on 07700 900123 if you want to chat", "07700 900123"),
    ("The duty desk is 0113 496 0000", "0113 496 0000"),
    ("call +44 7700 900456", "+44 7700 900456"),
    ("(0161) 496 0123 after 6", "(0161) 496 0123"),
    ("Email me at jo@example.org", "jo@example.org"),
    ("We're at LS6 2AB if anyone is near", "LS6 2AB"),
    ("add me @jo_carer", "@jo_carer"),
    ("my snap is jocarer99", "jocarer99"),
    ("see facebook.com/jo.fletcher.77", "facebook.com/jo.fletcher.77"),
])
def test_contact_details(text, words):
    assert ("contact", words) in found(text)


@pytest.mark.parametrize("text", [
    "Mileage is 45p a mile, claim ref 12345678901",
    "We paid £1,250 for 3 weeks",
    "See you at 10:30 on 12/03/2026",
])
def test_numbers_that_are_not_phones_pass(text):
    assert found(text, "service") == []


# --- the contract -------------------------------------------------------------------------------------

def test_positions_point_at_the_words_and_findings_are_sorted():
    text = ("Hi all. My foster son Tyler (7) goes to Oakfield Primary; DOB 03/04/2015. "
            "Ring 07700 900123 or email jo@example.org, we're at 12 Mill Street, LS6 2AB.")
    findings = check_personal_data(text, "service", known=MEMBERS)
    assert {f.category for f in findings} == set(CATEGORIES)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for f in findings:
        assert text[f.start:f.end] == f.text and f.category in CATEGORIES and f.advice and f.summary
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))


def test_places_and_empty_text():
    assert PLACES == ("service", "community")
    assert check_personal_data("") == [] and check_personal_data(None) == []
    with pytest.raises(ValueError):
        check_personal_data("hello", "forum")


def test_explain_speaks_once_to_the_author_and_summarise_to_moderators():
    findings = check_personal_data("Advice about Tyler and Tyler's school, Oakfield Primary", known=MEMBERS)
    paragraph = explain(findings)
    assert paragraph.count("Remove the name “Tyler”") == 1 and "keep children and families safe" in paragraph
    assert summarise(findings).startswith("This seems to include ") and "a school: Oakfield Primary" in summarise(findings)
    assert explain([]) == "" and summarise([]) == ""


def test_highlight_marks_findings_and_escapes_the_rest():
    text = "<script>alert(1)</script> Advice about Tyler & <b>co</b>"
    marked = str(highlight(text, check_personal_data(text, known=MEMBERS)))
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp;" in marked
    assert '<mark title="name">Tyler</mark>' in marked
