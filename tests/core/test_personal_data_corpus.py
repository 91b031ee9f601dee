"""The labelled corpus for the personal-data check (issue 12): its shape, and the engine's quality on it.

The corpus (tests/data/personal_data_corpus.jsonl) was written from the policy in DESIGN
("Rules that protect people"), the way carers write, in families of variants; its header carries
the policy and a fixed list of member names, which the engine is given through its provider hook.
bench/personal_data.py reports the same figures in full (per category, place, where, time, memory).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "data" / "personal_data_corpus.jsonl"
CATEGORIES = ("name", "address", "school", "date of birth", "contact")
SERVICE_WHERE = {"item_wording", "pack_wording", "you_said_we_did", "triage_note", "decline_reason"}
COMMUNITY_WHERE = {"forum_post", "forum_title", "event_title", "event_description", "campaign_subject", "campaign_body"}
MEMBER_HOOKS = (
    "register_known_people",
    "set_known_people",
    "register_people_provider",
    "set_people_provider",
    "register_member_names",
    "set_member_names",
)
RECALL_TARGET, FALSE_ALARM_TARGET = 0.97, 0.05


def load_corpus() -> tuple[dict, list[dict]]:
    header, records = {}, []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if "_header" in row:
                header = row["_header"]
            else:
                records.append(row)
    return header, records


HEADER, RECORDS = load_corpus()


# --- the corpus's shape -----------------------------------------------------------------------


def test_corpus_is_large_enough_and_covers_both_places_and_labels():
    assert len(RECORDS) >= 300
    by_place_label = Counter((r["place"], r["label"]) for r in RECORDS)
    for place in ("service", "community"):
        for label in ("hold", "pass"):
            assert by_place_label[(place, label)] >= 30, (place, label)
    holds = sum(r["label"] == "hold" for r in RECORDS)
    assert 0.35 <= holds / len(RECORDS) <= 0.65  # roughly half and half


def test_every_record_is_well_formed():
    for record in RECORDS:
        assert set(record) == {"id", "place", "where", "label", "categories", "family", "text"}, record.get("id")
        assert record["place"] in ("service", "community"), record["id"]
        assert record["where"] in (SERVICE_WHERE if record["place"] == "service" else COMMUNITY_WHERE), record["id"]
        assert record["label"] in ("hold", "pass"), record["id"]
        assert record["text"].strip() and record["family"].strip(), record["id"]
        if record["label"] == "hold":
            assert record["categories"], f"{record['id']}: a hold names the categories it expects"
            assert set(record["categories"]) <= set(CATEGORIES), record["id"]
        else:
            assert record["categories"] == [], record["id"]


def test_ids_and_texts_are_unique():
    ids = Counter(r["id"] for r in RECORDS)
    texts = Counter(r["text"] for r in RECORDS)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [t[:60] for t, n in texts.items() if n > 1] == []


def test_cases_come_in_families_and_every_category_is_covered():
    families = Counter(r["family"] for r in RECORDS)
    assert [f for f, n in families.items() if n < 2] == [], "a pattern needs variants, not a single tuned case"
    expected = Counter(c for r in RECORDS for c in r["categories"])
    for category in CATEGORIES:
        assert expected[category] >= 15, category


def test_header_names_the_members_the_engine_is_given():
    members = HEADER["members"]
    assert len(members) >= 30 and len(set(members)) == len(members)
    for name in ("Jo Fletcher", "Chris Fletcher", "Tyler Brooks"):
        assert name in members
    assert any(m.split()[0] == "Grace" for m in members)


def test_the_issues_own_examples_are_in_the_corpus():
    texts = {r["text"]: r for r in RECORDS}
    wording = "Mileage for family time is paid 3+ months late; e.g. Jo Fletcher at 12 Mill Street is still waiting."
    assert texts[wording]["place"] == "service" and set(texts[wording]["categories"]) == {"name", "address"}
    assert texts["Advice about Tyler"]["label"] == "hold"
    assert any(
        "St Mary's Primary" in t and r["place"] == "community" and r["label"] == "hold" for t, r in texts.items()
    )


# --- the engine's quality on the corpus (issue 12's targets) -----------------------------------
# QUALITY ASSERTION: these fail until the detection engine meets recall >= 0.97 on holds and
# false alarms <= 5 % of passes. They are the gate for issue 12; do not mark them xfail or skip.


def _engine_state() -> list[tuple[object, object]]:
    """Every mutable container held by the engine's modules (providers, caches), with a copy of it."""
    import sys
    import weakref

    kept = []
    for name, module in list(sys.modules.items()):
        if module is not None and name.startswith("association.core.personal_data"):
            for value in vars(module).values():
                if isinstance(value, (list, set, dict, weakref.WeakKeyDictionary)):
                    kept.append((value, value.copy()))
    return kept


def _restore(kept) -> None:
    for container, copy in kept:
        if isinstance(container, list):
            container[:] = copy
        else:
            container.clear()
            container.update(copy)


@pytest.fixture(scope="module")
def engine_results():
    """The engine's findings on every record, knowing only the corpus's members (as the bench does)."""
    from flask import Flask

    from association.core import personal_data as engine

    kept = _engine_state()  # the app's own providers come back after this module
    known = getattr(engine, "KnownPeople", None)
    members = list(HEADER["members"])
    provider = (
        (lambda: known.from_names(people=members))
        if callable(getattr(known, "from_names", None))
        else (lambda: list(members))
    )
    hook = next((getattr(engine, h) for h in MEMBER_HOOKS if callable(getattr(engine, h, None))), None)
    if hook is not None:
        if callable(getattr(engine, "forget_known_people", None)):
            engine.forget_known_people()
        hook(provider)
    try:
        with Flask("personal_data_corpus").app_context():  # providers are called inside an app context
            yield [(r, engine.check_personal_data(r["text"], r["place"])) for r in RECORDS]
    finally:
        _restore(kept)


def _listing(rows) -> str:
    return "\n".join(
        f"  {r['id']}: {' '.join(r['text'].split())[:80]!r} -> {[(f.category, f.text) for f in found] or 'nothing'}"
        for r, found in rows
    )


def test_engine_findings_follow_the_contract(engine_results):
    from association.core.personal_data import CATEGORIES as ENGINE_CATEGORIES

    assert tuple(ENGINE_CATEGORIES) == CATEGORIES
    for record, findings in engine_results:
        for finding in findings:
            assert finding.category in CATEGORIES, record["id"]
            assert record["text"][finding.start : finding.end] == finding.text, record["id"]


def test_quality_recall_on_hold_cases(engine_results):
    holds = [(r, f) for r, f in engine_results if r["label"] == "hold"]
    missed = [(r, f) for r, f in holds if not f]
    recall = 1 - len(missed) / len(holds)
    assert recall >= RECALL_TARGET, (
        f"recall {recall:.3f} < {RECALL_TARGET} ({len(missed)} of {len(holds)} holds missed):\n{_listing(missed)}"
    )


def test_quality_false_alarms_on_pass_cases(engine_results):
    passes = [(r, f) for r, f in engine_results if r["label"] == "pass"]
    alarms = [(r, f) for r, f in passes if f]
    rate = len(alarms) / len(passes)
    assert rate <= FALSE_ALARM_TARGET, (
        f"false alarms {rate:.1%} > {FALSE_ALARM_TARGET:.0%} ({len(alarms)} of "
        f"{len(passes)} passes):\n{_listing(alarms)}"
    )
