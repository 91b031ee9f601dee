"""The three feeds read by ical.js, the library behind Thunderbird, Nextcloud and most web
calendars, across both clock changes: what a carer's phone or laptop shows must be the time the
event was set for. ical.js reads a VTIMEZONE differently from the Python readers (it takes only
the first value of each RDATE), so it is run itself, by node (tests/js; `make test` installs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support import sign_in

from .helpers import add_event, local_dt
from .test_feeds import _feed, _feed_path

READER_DIR = Path(__file__).resolve().parent.parent / "js"
LONDON = ZoneInfo("Europe/London")
UNTIL = date(2027, 11, 10)
# One-off evenings either side of each change (28 March and 31 October 2027), one on the morning
# of each change day.
ONE_OFFS = [
    (date(2027, 3, 28), 19),
    (date(2027, 3, 30), 19),
    (date(2027, 10, 30), 19),
    (date(2027, 11, 1), 19),
    (date(2027, 3, 28), 10),
    (date(2027, 10, 31), 10),
]
SERIES_START = date(2026, 12, 1)  # a Tuesday in winter: the series runs through summer into winter again

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _ical_js_starts(tmp_path: Path, body: bytes) -> dict[str, list[datetime]]:
    """Each event's starts (a series expanded up to UNTIL) in UTC as ical.js gives them, by title."""
    if not (READER_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/js` (make test does)")
    feed = tmp_path / "feed.ics"
    feed.write_bytes(body)
    run = subprocess.run(
        ["node", str(READER_DIR / "starts.mjs"), str(feed), UNTIL.isoformat()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    starts: dict[str, list[datetime]] = {}
    for line in run.stdout.splitlines():
        row = json.loads(line)
        starts.setdefault(row["summary"], []).append(datetime.fromisoformat(row["start"].replace("Z", "+00:00")))
    return starts


def _utc(day: date, hour: int) -> datetime:
    return local_dt(day, hour).replace(tzinfo=UTC)


def _series_starts() -> list[datetime]:
    weeks = (UNTIL - SERIES_START).days // 7 + 1
    return [
        _utc(SERIES_START + timedelta(weeks=n), 19) for n in range(weeks) if SERIES_START + timedelta(weeks=n) < UNTIL
    ]


def test_ical_js_reads_every_feed_at_the_time_set_across_both_clock_changes(app, client, make_member, tmp_path):
    organiser = make_member("Olive Organiser", roles=["committee"])
    start = local_dt(SERIES_START, 19)
    series = add_event(
        app,
        organiser.id,
        title="Tuesday group",
        visibility="public",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule="FREQ=WEEKLY;BYDAY=TU",
    )
    one_offs = {}
    for day, hour in ONE_OFFS:
        title = f"Evening {day:%d %B} {hour}:00"
        begins = local_dt(day, hour)
        one_offs[title] = add_event(
            app, organiser.id, title=title, visibility="public", starts_at=begins, ends_at=begins + timedelta(hours=2)
        )
    expected_one_offs = {f"Evening {day:%d %B} {hour}:00": [_utc(day, hour)] for day, hour in ONE_OFFS}
    # The instants themselves, not only agreement with zoneinfo: BST is 18:00Z, GMT 19:00Z.
    assert expected_one_offs["Evening 30 March 19:00"] == [datetime(2027, 3, 30, 18, tzinfo=UTC)]
    assert expected_one_offs["Evening 01 November 19:00"] == [datetime(2027, 11, 1, 19, tzinfo=UTC)]
    series_starts = _series_starts()
    assert datetime(2027, 3, 30, 18, tzinfo=UTC) in series_starts
    assert datetime(2027, 3, 23, 19, tzinfo=UTC) in series_starts
    assert datetime(2027, 10, 26, 18, tzinfo=UTC) in series_starts
    assert datetime(2027, 11, 2, 19, tzinfo=UTC) in series_starts

    member = sign_in(app.test_client(), make_member("Jo Carer"))
    feeds = {"public": _feed(client, "/events.ics").data, "private": _feed(member, _feed_path(member)).data}
    for name, body in feeds.items():
        starts = _ical_js_starts(tmp_path, body)
        assert starts.pop("Tuesday group") == series_starts, name
        assert starts == expected_one_offs, name
    # One event's own feed, for the series and for each one-off.
    assert _ical_js_starts(tmp_path, _feed(client, f"/events/{series}.ics").data) == {"Tuesday group": series_starts}
    for title, event_id in one_offs.items():
        assert _ical_js_starts(tmp_path, _feed(member, f"/events/{event_id}.ics").data) == {
            title: expected_one_offs[title]
        }, title


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/London",
        "Europe/Dublin",
        "America/New_York",
        "Australia/Sydney",
        "America/Santiago",
        "America/Mexico_City",
        "Asia/Tokyo",
    ],
)
def test_ical_js_reads_the_vtimezone_of_other_zones_as_zoneinfo_does(tzid, tmp_path):
    """Another association's zone (ASSOCIATION_TIMEZONE): rules found in its own transitions,
    southern summers, a Sunday on or after the 2nd (Chile), daylight saving that ended (Mexico),
    none at all (Japan). Noon the day before and after every change to 2031, as ical.js reads it."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    from association.events.vtimezone import _changes, vtimezone

    zone = ZoneInfo(tzid)
    days = {date(2026, 1, 15), date(2026, 7, 15)}
    for change in _changes(zone, 2021, 2031):
        days |= {change.local.date() - timedelta(days=1), change.local.date() + timedelta(days=1)}
    calendar = Calendar.new(prodid="-//test//EN")
    expected = {}
    for day in sorted(days):
        local = datetime(day.year, day.month, day.day, 12)
        event = VEvent()
        event.add("UID", f"{day}@test")
        event.add("SUMMARY", f"{day}")
        event.add("DTSTAMP", datetime(2026, 1, 1, tzinfo=UTC))
        event.add("DTSTART", local.replace(tzinfo=zone))
        calendar.add_component(event)
        expected[f"{day}"] = [local.replace(tzinfo=zone).astimezone(UTC)]
    text = calendar.to_ical()
    body = text.replace(b"BEGIN:VEVENT", vtimezone(tzid) + b"BEGIN:VEVENT", 1)
    assert _ical_js_starts(tmp_path, body) == expected
    assert b"RDATE" not in vtimezone(tzid)
