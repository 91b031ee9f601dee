"""The personal-data check by families of cases: names, addresses, schools, dates of birth and
contact details, in each place; the members it knows; positions; highlighting."""

from __future__ import annotations

from itertools import pairwise

import pytest

from association.core import personal_data
from association.core.personal_data import (
    CATEGORIES,
    PLACES,
    KnownPeople,
    check_personal_data,
    explain,
    highlight,
    summarise,
)

MEMBERS = KnownPeople.from_names(
    ["Jo Fletcher", "Sam Okafor", "Priya Shah"],
    households=["The Fletchers"],
    services=["Bedford Borough Council", "Foster Care Associates"],
)


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


@pytest.mark.parametrize(
    "text, name",
    [
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
    ],
)
def test_childrens_and_birth_family_names_anywhere(text, name):
    assert ("name", name) in found(text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Grace started at her new school today and loved it", "Grace"),
        ("Summer is refusing to go to school", "Summer"),
        ("Holly's contact was cancelled again", "Holly"),
        ("Will and Rose are settling in well", "Will"),
        ("We took Hope to the dentist", "Hope"),
        ("Contact with Mark was moved again", "Mark"),
        ("my foster daughter faith loves swimming", "faith"),
        ("Chelsea has been refusing contact", "Chelsea"),
    ],
)
def test_names_that_are_also_words_are_names_in_a_name_context(text, name):
    assert ("name", name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
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
    ],
)
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


@pytest.mark.parametrize(
    "text, words",
    [
        ("They live at 12 Mill Street now", "12 Mill Street"),
        ("dropped her at 12 mill st", "12 mill st"),
        ("Flat 3, Oak Court is where she stays", "Flat 3, Oak Court"),
        ("his nan lives on Mill Lane", "Mill Lane"),
        ("she lives on mill lane with her nan", "mill lane"),
        ("meet me at 4 Station Road", "4 Station Road"),
    ],
)
def test_street_addresses(text, words):
    assert ("address", words) in found(text, "service") and ("address", words) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The high street was busy so we went to the park",
        "The school run is chaos since the roadworks on the main road",
        "after 2 hours drive we were shattered",
        "Meet on the High Street by the bank",
    ],
)
def test_ordinary_streets_pass(text):
    assert found(text, "service") == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("She's at St Mary's", "St Mary's"),
        ("St. Mary's Primary were brilliant", "St. Mary's Primary"),
        ("Oakfield Primary excluded him", "Oakfield Primary"),
        ("She loves Little Acorns Nursery", "Little Acorns Nursery"),
        ("Riverside Academy won't do an EHCP", "Riverside Academy"),
        ("He starts at Kingsmead High School", "Kingsmead High School"),
        ("Sunshine Pre-school have been great", "Sunshine Pre-school"),
    ],
)
def test_schools_and_nurseries(text, words):
    assert ("school", words) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Any tips for the move to primary school?",
        "The school run is chaos",
        "Nursery is going well",
        "The Virtual School head was helpful",
        "Forest School sessions are on Fridays",
        "She was at St Mary's Hospital overnight",
    ],
)
def test_kinds_of_school_pass(text):
    assert "school" not in categories(text)


# --- dates of birth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("DOB 03/04/2015", "03/04/2015"),
        ("born 3.4.15", "3.4.15"),
        ("she was born on the 3rd of April 2015", "3rd of April 2015"),
        ("her birthday is 3rd April", "3rd April"),
        ("d.o.b 3 Apr 15", "3 Apr 15"),
        ("Date of birth: 14-02-2016", "14-02-2016"),
        ("turns 8 on 21st June", "21st June"),
        ("born in March 2014", "March 2014"),
    ],
)
def test_dates_of_birth(text, words):
    assert ("date of birth", words) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The meeting on 12/03/2026 is in the library",
        "Since 3 March things are better",
        "Training on 4th May 2026 at 10am",
        "Her birthday party is next week",
    ],
)
def test_other_dates_pass(text):
    assert found(text, "service") == []


# --- contact details -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("Ring me on 07700 900123 if you want to chat", "07700 900123"),
        ("The duty desk is 0113 496 0000", "0113 496 0000"),
        ("call +44 7700 900456", "+44 7700 900456"),
        ("(0161) 496 0123 after 6", "(0161) 496 0123"),
        ("Email me at jo@example.org", "jo@example.org"),
        ("We're at LS6 2AB if anyone is near", "LS6 2AB"),
        ("add me @jo_carer", "@jo_carer"),
        ("my snap is jocarer99", "jocarer99"),
        ("see facebook.com/jo.fletcher.77", "facebook.com/jo.fletcher.77"),
    ],
)
def test_contact_details(text, words):
    assert ("contact", words) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mileage is 45p a mile, claim ref 12345678901",
        "We paid £1,250 for 3 weeks",
        "See you at 10:30 on 12/03/2026",
    ],
)
def test_numbers_that_are_not_phones_pass(text):
    assert found(text, "service") == []


# --- the contract -------------------------------------------------------------------------------------


def test_positions_point_at_the_words_and_findings_are_sorted():
    text = (
        "Hi all. My foster son Tyler (7) goes to Oakfield Primary; DOB 03/04/2015. "
        "Ring 07700 900123 or email jo@example.org, we're at 12 Mill Street, LS6 2AB."
    )
    findings = check_personal_data(text, "service", known=MEMBERS)
    assert {f.category for f in findings} == set(CATEGORIES)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for f in findings:
        assert text[f.start : f.end] == f.text and f.category in CATEGORIES and f.advice and f.summary
    assert all(a.end <= b.start for a, b in pairwise(findings))


def test_places_and_empty_text():
    assert PLACES == ("service", "community")
    assert check_personal_data("") == [] and check_personal_data(None) == []
    with pytest.raises(ValueError):
        check_personal_data("hello", "forum")


def test_explain_speaks_once_to_the_author_and_summarise_to_moderators():
    findings = check_personal_data("Advice about Tyler and Tyler's school, Oakfield Primary", known=MEMBERS)
    paragraph = explain(findings)
    assert paragraph.count("Remove the name “Tyler”") == 1 and "keep children and families safe" in paragraph
    assert summarise(findings).startswith("This seems to include ") and "a school: Oakfield Primary" in summarise(
        findings
    )
    assert explain([]) == "" and summarise([]) == ""


def test_highlight_marks_findings_and_escapes_the_rest():
    text = "<script>alert(1)</script> Advice about Tyler & <b>co</b>"
    marked = str(highlight(text, check_personal_data(text, known=MEMBERS)))
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp;" in marked
    assert '<mark title="name">Tyler</mark>' in marked


# --- rules added with the corpus's families (issue 12, second pass) --------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("Our Alfie got his first certificate!!", "Alfie"),  # ONS names given since 2005
        ("aarav won't sleep in his own bed", "aarav"),
        ("took ty to the dentist, poor lamb", "ty"),  # short forms, in lower case
        ("kayds school rang again", "kayds"),  # a possessive written without the apostrophe
        ("mia-grace wont eat anything beige", "mia-grace"),
    ],
)
def test_names_given_since_2005_and_their_short_forms(text, name):
    assert [n for c, n in found(text) if c == "name"] and name.rstrip("s") in " ".join(n for _, n in found(text))


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Will (our FC, not my husband!) has his GCSEs", "child's name"),
        ("bill (birth grandad) wants to come to sports day", "birth family member's name"),
        ("Congratulations Jo on your GCSEs!! (our foster son)", "child's name"),
        ("Jo (13) wants to change her name back", "child's name"),  # an age makes even a member's name a child's
    ],
)
def test_what_follows_a_name_says_who_it_is(text, kind):
    findings = check_personal_data(text, known=MEMBERS)
    assert findings and findings[0].kind == kind and findings[0].category == "name"


@pytest.mark.parametrize(
    "text",
    [
        "Yvonne our SSW was brilliant at panel",
        "Marcia the IRO is lovely, don't be nervous",
        "Dan on the duty desk sorted it in a day, thank you Dan if you read this",
        "Helen Price, the new team manager, is coming on the 14th",
    ],
)
def test_professionals_named_in_the_community_pass_but_not_in_what_goes_to_the_service(text):
    assert found(text) == []
    assert "name" in categories(text, "service")


@pytest.mark.parametrize(
    "text, name",
    [
        ("Advice about Sam", "Sam"),
        ("advice about sam pls", "sam"),
        ("Leaving do for our Jo, 18 and off to uni!", "Jo"),
        ("Sam's SW wants him to move schools", "Sam"),
        ("sam's been kicking off since contact moved", "sam"),
        ("Priya and the phone - screen time battles", "Priya"),
    ],
)
def test_a_members_first_name_said_to_be_about_a_child_is_held_in_the_community(text, name):
    assert ("name", name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "thanks Jo, that's really helpful",
        "@Sam have a look at the leaflet",
        "Jo and Priya are hosting this one - thank you both",
    ],
)
def test_members_talking_to_and_about_each_other_still_pass(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text, name, place",
    [
        ("Faith had her first overnight with birth dad", "Faith", "community"),
        ("May and her brother are going home next month", "May", "community"),
        ("Chelsea has been with us 2 years now", "Chelsea", "community"),
        ("Family time for Chelsea and her brother was cancelled", "Chelsea", "service"),
        ("poppy says shes being bullied", "poppy", "community"),
        ("Grace has been chasing the clothing allowance", "Grace", "service"),
        ("Mark Okonjo would like the service to explain", "Mark Okonjo", "service"),
        ("the Hughes household were not told", "Hughes", "service"),
    ],
)
def test_word_names_and_towns_with_a_persons_doing_are_names(text, name, place):
    assert ("name", name) in found(text, place)


def test_a_word_name_before_a_members_surname_is_a_full_name():
    robinsons = KnownPeople.from_names(["Mark Robinson"])
    assert found("Mark Robinson would like the service to explain", "service", known=robinsons) == [
        ("name", "Mark Robinson")
    ]


@pytest.mark.parametrize(
    "text, place",
    [
        ("my 10-year-old has started refusing to get in the car", "community"),
        ("a long-term placement is what everyone wants", "community"),
        ("You said the new Foster Carer Charter was not followed.", "service"),
        ("Kendal's new contact centre has a proper garden", "community"),
        ("Jack and the Beanstalk panto trip - children welcome", "community"),
        ("Summer is coming and the holidays are long", "community"),
    ],
)
def test_hyphenated_words_titles_of_things_and_towns_things_are_not_names(text, place):
    assert found(text, place) == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("st marys rang AGAIN. Second exclusion this term.", "st marys"),
        ("st josephs catholic primary - uniform grant?", "st josephs catholic primary"),
        ("the nursery (Busy Bees on the retail park) have been fab", "Busy Bees"),
        ("She goes to Hillside, the infant school by the park", "Hillside"),
        ("Harbour View High put him in isolation", "Harbour View High"),
    ],
)
def test_schools_in_lower_case_in_apposition_and_high_schools(text, words):
    assert ("school", words) in found(text)


@pytest.mark.parametrize(
    "text, place",
    [
        ("Spent all night at St Thomas' A&E with a broken wrist", "community"),
        ("Christmas carol service at St Paul's was lovely", "community"),
        ("children waiting for the St George's community paediatric clinic", "service"),
        ("St John Ambulance paediatric first aid course was excellent", "service"),
        ("Does nursery count as education for the PEP?", "community"),
    ],
)
def test_churches_hospitals_other_saints_and_sentence_capitals_are_not_schools(text, place):
    assert found(text, place) == []


def test_streets_as_landmarks_and_venues_pass_but_on_a_named_street_is_an_address():
    assert found("Training is at the Chester Road hotel again") == []
    assert found("Meet at Riverside Community Centre, Bridge Road, parking at the back.") == []
    assert ("address", "Orchard Way") in found("carer on Orchard Way now drives 40 minutes", "service")


@pytest.mark.parametrize(
    "text, words",
    [
        ("She turned 16 on 9 October, so we're starting the pathway plan", "9 October"),
        ("Party for our girl - 18 on 02/05/2008, ideas?", "02/05/2008"),
    ],
)
def test_a_birthday_said_with_an_age(text, words):
    assert ("date of birth", words) in found(text)


def test_an_age_on_a_date_that_does_not_add_up_is_not_a_birthday():
    assert found("We need 4 on 12/03/2026 for the rota") == []


def test_a_mention_of_a_first_name_is_not_a_social_media_handle():
    assert found("@Sam have a look at the leaflet") == []
    assert ("contact", "@jo_carer") in found("add me @jo_carer")
    assert ("name", "Kayden") in found("@Kayden is doing so well at school")
