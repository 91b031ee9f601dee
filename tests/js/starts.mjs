// Print when each event of an iCalendar feed starts, in UTC, as ical.js reads it (the library
// behind Thunderbird, Nextcloud and many web calendars): one JSON line per occurrence,
// {"uid", "summary", "start"}, with a series expanded up to the date given.
// Run: node starts.mjs FEED.ics UNTIL(YYYY-MM-DD)
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [feedPath, untilText] = process.argv.slice(2);
const calendar = new ICAL.Component(ICAL.parse(readFileSync(feedPath, "utf8")));
const until = ICAL.Time.fromDateString(untilText);

for (const component of calendar.getAllSubcomponents("vevent")) {
  if (component.hasProperty("recurrence-id")) continue; // read through its series below
  const event = new ICAL.Event(component);
  const print = (start) => console.log(JSON.stringify({
    uid: event.uid, summary: event.summary, start: start.toJSDate().toISOString(),
  }));
  if (!event.isRecurring()) {
    print(event.startDate);
    continue;
  }
  const occurrences = event.iterator();
  for (let next = occurrences.next(); next && next.compare(until) < 0; next = occurrences.next()) {
    print(event.getOccurrenceDetails(next).startDate);
  }
}
