"""Benchmark data: a large association, the same every time for the same seed.

5,000 members (most in two-carer households), 3,000 events (series with moved and cancelled
meetings, some series ended, one-off events) with RSVPs, 200 forum threads of 250 posts each
(50,000 posts, rendered and in the search index), 2,000 strategy feedback items over 20 service
meetings with issued packs and outcomes, and 50,000 outbox rows.

The schema comes from the app's migrations (``flask_migrate.upgrade()``); rows go in with
SQLAlchemy Core ``insert()`` executemany in big chunks. Derived data comes from the app's own
functions: Markdown through ``render_markdown``, series dates through ``recurrence.expand``,
thread and category counters through ``posting.refresh_counts``, packs through ``compile_pack``,
``render_pack_html``, ``pack_csv`` and WeasyPrint, as ``issue_pack`` does.

Run: .venv/bin/python bench/generate.py --database sqlite:////tmp/bench.sqlite [--seed 42]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-pass-2026-quiet-harbour"
ACCOUNTS = {
    "admin": ("bench-admin@example.org", "Alex Bench", ["admin", "committee"]),
    "strategy": ("bench-strategy@example.org", "Sam Bench", ["strategy"]),
    "moderator": ("bench-moderator@example.org", "Maya Bench", ["moderator"]),
    "carer": ("bench-carer@example.org", "Jo Bench", []),
}
SIZES = {
    "members": 5000,
    "events": 3000,
    "threads": 200,
    "posts_per_thread": 250,
    "items": 2000,
    "meetings": 20,
    "outbox": 50000,
}
CHUNK = 5000
# Bumped whenever the shape of the data changes, so cached databases are made again.
DATA_VERSION = 1


def fingerprint(seed: int) -> str:
    """What a cached database must match: this generator, the migrations, the seed."""
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(f"seed={seed};version={DATA_VERSION}".encode())
    return digest.hexdigest()[:20]


# --- vocabulary ----------------------------------------------------------------------------

FIRST = [
    "Amira",
    "Ben",
    "Claire",
    "Dev",
    "Eleanor",
    "Femi",
    "Grace",
    "Harpreet",
    "Ian",
    "Joanna",
    "Kwame",
    "Laura",
    "Marek",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Sian",
    "Tom",
    "Una",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Alan",
    "Bethan",
    "Chris",
    "Dina",
    "Ed",
    "Fiona",
    "Gareth",
    "Hannah",
    "Imran",
    "Jade",
    "Kieran",
    "Leanne",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Paula",
    "Rachel",
    "Sunita",
    "Tariq",
    "Vicky",
    "Will",
    "Aisha",
    "Bradley",
    "Carmen",
    "Darren",
    "Emma",
    "Farah",
    "George",
    "Helen",
    "Isla",
    "Jamal",
    "Karen",
    "Liam",
    "Megan",
    "Nathan",
    "Olga",
    "Pete",
    "Rosa",
    "Steve",
    "Tanya",
    "Usman",
    "Vanessa",
    "Wayne",
    "Yasmin",
    "Adam",
    "Bronwen",
    "Craig",
    "Deborah",
    "Eilidh",
    "Frank",
    "Gemma",
    "Hassan",
    "Irene",
    "Jason",
    "Kate",
    "Lorraine",
    "Martin",
    "Nicola",
    "Patrick",
    "Ruth",
    "Sharon",
    "Tony",
    "Angela",
    "Barry",
    "Catherine",
    "Donna",
    "Elaine",
    "Gary",
    "Heather",
    "Julie",
    "Keith",
    "Louise",
    "Mark",
    "Natalie",
    "Paul",
    "Sarah",
]
LAST = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Dlamini",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Novak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Walker",
    "Wright",
    "Thompson",
    "White",
    "Hall",
    "Wood",
    "Harris",
    "Martin",
    "Jackson",
    "Clark",
    "Turner",
    "Hill",
    "Cooper",
    "Ward",
    "Morris",
    "Moore",
    "King",
    "Watson",
    "Young",
    "Allen",
    "Mitchell",
    "Kelly",
    "Campbell",
    "Murphy",
    "Scott",
    "Price",
    "Bennett",
    "Griffiths",
    "Edwards",
    "Robinson",
    "Khan",
    "Hussain",
    "Begum",
    "Ali",
    "Shah",
    "Kaur",
    "Gill",
    "Okafor",
    "Adeyemi",
    "Nowak",
    "Murray",
    "Stewart",
    "Davies",
    "Owen",
    "Powell",
    "Reid",
    "Shaw",
    "Lloyd",
    "Ellis",
    "Chapman",
    "Mason",
    "Webb",
    "Rogers",
    "Gray",
    "Russell",
    "Marshall",
    "Fox",
    "Rose",
    "Palmer",
    "Holmes",
    "Knight",
    "Barnes",
    "Hunt",
    "Wells",
    "Hart",
    "Ford",
    "Burns",
    "Dixon",
    "Fisher",
    "Grant",
    "Lawson",
    "Pearce",
    "Saunders",
]
AREAS = [
    "Riverside",
    "Northgate",
    "Millbrook",
    "Eastfield",
    "Hadley",
    "Westmoor",
    "LS6",
    "LS12",
    "Otley",
    "Pudsey",
    "Horsforth",
    "Bramley",
    "Armley",
    "Garforth",
    "Morley",
    "Rothwell",
    "Wetherby",
    "Yeadon",
    "Guiseley",
    "Kirkstall",
    "Headingley",
    "Roundhay",
    "Seacroft",
    "Beeston",
]
SERVICES = [
    ("Riverside County Council Fostering", "local_authority"),
    ("Brightpath Fostering", "independent_agency"),
    ("Northgate Family Placements", "local_authority"),
    ("Harbour Fostering", "independent_agency"),
    ("Westmoor Children's Services", "local_authority"),
]
SKILLS = [
    "First aid trainer",
    "Speaks Polish",
    "Speaks Urdu",
    "Experienced with teenagers",
    "Therapeutic parenting",
    "SEN and EHCP know-how",
    "Short breaks for disabled children",
    "Parent and child placements",
    "Family time transport",
    "Life story work",
    "Cooking on a budget",
    "Speaks British Sign Language",
    "Speaks Punjabi",
    "Speaks Arabic",
    "Speaks Welsh",
    "Unaccompanied asylum-seeking children",
    "Sibling groups",
    "Autism and ADHD",
    "Babies and toddlers",
    "Staying put and leaving care",
    "Attachment and trauma",
    "Court reports and statements",
    "Allegations support",
    "Kinship care",
    "Emergency placements",
    "Mentoring new carers",
    "Craft and play sessions",
    "Sports coaching",
    "Tax returns for carers",
    "Managing contact",
]
APPROVALS = ["mainstream", "short_breaks", "kinship", "parent_and_child", "emergency", "supported_lodgings", "other"]
VENUES = [
    ("Riverside Community Centre", "Mill Street, Riverside"),
    ("Hadley Park bandstand", "Park Road, Hadley"),
    ("County Hall, Room 4", "County Hall, Northgate"),
    ("Riverside Library", "High Street, Riverside"),
    ("The Old Mill Café", "Canal Wharf, Millbrook"),
    ("Eastfield Family Hub", "Station Road, Eastfield"),
    ("St Anne's Church Hall", "Church Lane, Westmoor"),
    ("Otley Leisure Centre", "Bridge Street, Otley"),
]
# The demo forum's categories (one of them restricted to the committee), so both look alike.
from association.forum.demo import CATEGORIES  # noqa: E402

TOPICS = {
    "Peer support": [
        "the first placement",
        "bedtime routines",
        "looked-after reviews",
        "a difficult week",
        "self-care",
        "an allegation",
        "respite",
        "our supervising social worker",
        "a disruption",
        "night waking",
        "anxious children",
        "settling in",
    ],
    "Family time": [
        "family time",
        "contact sessions",
        "transport to contact",
        "the evening after contact",
        "a memory box",
        "letterbox contact",
        "supervised sessions",
        "sibling contact",
    ],
    "Training": [
        "the trauma and attachment course",
        "online training",
        "the development standards",
        "paediatric first aid",
        "safer caring",
        "the skills to foster course",
        "de-escalation training",
    ],
    "Allowances and money": [
        "mileage claims",
        "the birthday allowance",
        "the holiday allowance",
        "qualifying care relief",
        "the fostering allowance",
        "pocket money",
        "savings",
    ],
    "Education": [
        "the PEP meeting",
        "a school move",
        "homework",
        "the virtual school",
        "an EHCP assessment",
        "exclusions",
        "the designated teacher",
        "tutoring",
    ],
    "Socials": [
        "the summer picnic",
        "the half-term meet-up",
        "the Christmas party",
        "a day at the seaside",
        "the pantomime trip",
        "the bowling night",
    ],
    "Off topic": [
        "batch cooking",
        "a seven-seater car",
        "book recommendations",
        "good news",
        "the garden",
        "holiday ideas",
    ],
    "Committee": ["the AGM", "the newsletter", "the budget", "the constitution", "new volunteers"],
}
OPENERS = [
    "Has anyone had experience with {t}?",
    "I wanted to ask about {t}.",
    "We've been struggling with {t} lately.",
    "Quick question about {t} for those who've been fostering a while.",
    "Following on from last month, {t} came up again.",
    "Can anyone share what worked for {t}?",
    "I'd love some advice on {t}.",
]
SENTENCES = [
    "We went through the same and it does get easier with time.",
    "Small routines helped us more than anything else.",
    "Talk to your supervising social worker early and write things down as they happen.",
    "Thank you for asking this, I've been wondering the same thing.",
    "Our support group meets on the first Tuesday of the month, come along if you can.",
    "We keep a notebook by the kettle for anything we need to raise at the next review.",
    "It took us a few months to find our feet, so be kind to yourself.",
    "The training team were really helpful when we asked them directly.",
    "A calm half hour after school with a snack made a big difference for us.",
    "I'd raise this with the strategy group too, it sounds like something the service should hear.",
    "Our social worker said the policy changed in the spring, but nobody told us.",
    "We found that being consistent mattered far more than being perfect.",
    "The out-of-hours line was no help at all the last time we rang it.",
    "The duty team did call back eventually, but it took three days.",
    "Mileage is paid monthly for us, as long as the form is in by the twentieth.",
    "The virtual school paid for a tutor for two terms, which really helped with reading.",
    "Respite was hard to arrange at short notice, so plan ahead if you can.",
    "We asked for a meeting with the team manager and things moved quickly after that.",
    "Keeping a memory box with photos from family time has been lovely for the children.",
    "The allowance went up in April but the back pay took ages to arrive.",
    "I would book the course again, the trainer had fostered for twenty years.",
    "Honestly, a cup of tea with another carer helps more than most of the formal support.",
    "It is worth asking the designated teacher to join the PEP meeting from the start.",
    "We always allow a quiet evening after contact, with a favourite film and an early night.",
    "Don't be afraid to say no to a placement that doesn't feel right for your household.",
    "Our reviewing officer was brilliant and really listened to the young person.",
    "The paperwork never seems to end, but the daily log gets quicker with practice.",
    "The school were understanding once we explained a little about trauma and attachment.",
    "Batch cooking on a Sunday saves us every single week.",
    "We've had good and bad experiences, and it mostly depends on the worker you get.",
    "If in doubt, ask for it in writing so there is a record.",
    "Respite carers who already know the children make a huge difference.",
    "The association's buddy scheme paired us with someone local and it was a lifeline.",
    "Transport to contact is shared between us and the service, which works most weeks.",
    "We kept the bedroom simple at first and let them choose posters and a duvet cover later.",
    "Claiming qualifying care relief made our tax return much simpler than expected.",
    "It's normal to feel exhausted in the first few weeks, you are not doing it wrong.",
    "Our fostering panel asked about support networks, so it's worth thinking about in advance.",
]
EMPHASES = [
    "**Please** do ask for help early.",
    "_Nobody_ expects you to have every answer.",
    "The key thing is to **keep records**.",
    "It's *really* worth going to the support group.",
]
LINKS = [
    "The [government guidance on fostering](https://www.gov.uk/foster-carers) is a good start.",
    "There's a useful summary at https://www.thefosteringnetwork.org.uk for anyone new.",
    "The [association's handbook](https://example.org/handbook) covers this in chapter three.",
]
LISTS = [
    "What helped us:\n\n- a visual timetable on the fridge\n- the same bedtime story each night\n- a night light",
    "Things to bring to the meeting:\n\n1. your daily logs\n2. the school report\n3. questions written down",
    "- check the form is signed\n- keep a copy\n- chase after two weeks",
    "Our list for a first week:\n\n- spare toothbrushes\n- a welcome box of snacks\n"
    "- photos of the house for the bedroom door",
]
EVENT_DESCRIPTIONS = [
    "A relaxed evening to talk through the month with carers who understand. Tea, coffee and biscuits; "
    "newer carers are very welcome.\n\n*What's said in the group stays in the group.*",
    "Bring a blanket and a dish to share. Games for all ages, and a quiet corner.",
    "Run with the fostering service's training team; counts towards your development standards.",
    "A virtual school head talks about Personal Education Plans and how carers can help.",
    "Drop in for a coffee and a chat. Children under five welcome; there's a play corner.",
    "An evening for carers of teenagers: what's working, what isn't, and who can help.",
    "**Committee business:** minutes, treasurer's report and plans for the next quarter.",
    "The strategy group prepares the feedback pack for the next meeting with the service.",
    "A practical session on **keeping records**: daily logs, incidents and what social workers need.",
    "Our annual day out. Coach leaves at 9am sharp; packed lunches recommended.\n\n- Wear comfy shoes\n- Bring a coat",
]
OUTBOX_TEMPLATES = [
    ("event_reminder", "event_reminder", "Reminder: {x} this week"),
    ("forum_reply", "forum", "New reply in “{x}”"),
    ("forum_digest", "forum", "Forum digest: 12 new posts"),
    ("renewal_reminder", "service", "Your membership renews soon"),
    ("strategy_raise_reminder", "strategy", "Anything to raise with the fostering service?"),
    ("event_changed", "event_update", "Changed: {x}"),
    ("password_reset", "service", "Reset your password"),
    ("campaign", "news", "News from the association: {x}"),
]
ITEM_TEXTS = [
    "Calls to the duty team go unanswered after three in the afternoon, so carers wait days for answers.",
    "Mileage claims take over two months to be paid, which is hard for carers on low incomes.",
    "The trauma-informed training day was excellent and practical.",
    "An out-of-hours line staffed by someone who knows fostering would help in a crisis.",
    "Family time is moved at less than a day's notice, which unsettles children.",
    "PEP meetings are booked in school hours without asking carers first.",
    "Placement planning meetings now happen before moves, which really helps.",
    "CAMHS waiting times are over a year and carers get no interim support.",
    "Respite is hard to book for sibling groups.",
    "Carers are not told when a child's social worker changes.",
    "Delegated authority forms are not in place when placements start.",
    "The new allowance statement is much clearer than the old one.",
    "Supervising social workers rarely visit within the expected timescales.",
    "Carers are not invited to reviews for children who have moved on.",
    "Transport to contact falls on carers even when it is a long way.",
    "Training dates clash with school holidays every year.",
    "The emergency duty team does not have up-to-date placement information.",
    "Support after an allegation was kind and quick this time.",
]
THEMES = [
    "Communication with social workers",
    "Family time",
    "Allowances and finance",
    "Training",
    "Short breaks",
    "Support out of hours",
    "Education",
    "Health and CAMHS",
    "Allegations",
    "Placement planning",
    "Peer support",
]


class Paragraphs:
    """Post bodies made of paragraphs; each paragraph rendered once through the app's Markdown.

    CommonMark renders blank-line separated blocks independently (and bleach cleans fragments),
    so a body's HTML is the join of its paragraphs' HTML. That holds for the pool below (no two
    lists side by side); a sample of bodies is checked against a full render to be sure.
    """

    def __init__(self, render):
        self.render = render
        self.cache: dict[str, str] = {}

    def html(self, parts: list[str]) -> str:
        out = []
        for part in parts:
            text = self.cache.get(part)
            if text is None:
                text = self.cache[part] = self.render(part)
            out.append(text)
        return "".join(out)


def render_pdf(html: str) -> bytes:
    """A pack's PDF, as issue_pack renders it (run in a worker process)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class Generator:
    def __init__(self, app, seed: int, now: datetime, log):
        from association.extensions import db

        self.app, self.db, self.seed, self.now, self.log = app, db, seed, now, log
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(app.config["TIMEZONE"])
        self.counts: dict[str, int] = {}
        self.pdf_pool = None
        self.pdf_futures: dict = {}
        self.timings: dict[str, float] = {}
        self.info: dict = {}

    # -- helpers ------------------------------------------------------------------------------
    def insert(self, table, rows: list[dict]) -> None:
        session = self.db.session
        for chunk in _chunks(rows):
            session.execute(table.insert(), chunk)
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def token(self, nbytes: int = 24) -> str:
        return f"{self.rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"

    def uid(self) -> str:
        value = f"{self.rng.getrandbits(128):032x}"
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}@association"

    def utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)

    def stage(self, name: str, started: float) -> None:
        self.timings[name] = round(time.perf_counter() - started, 2)
        self.log(f"  {name}: {self.timings[name]:.1f} s")

    # -- members ------------------------------------------------------------------------------
    def members(self) -> None:
        from association.members.models import Household, Member, MemberRole, Skill, member_skills
        from association.members.passwords import hash_password

        started = time.perf_counter()
        rng, now, n = self.rng, self.now, SIZES["members"]
        today = now.date()
        password_hash = hash_password(BENCH_PASSWORD)  # one hash for all: argon2 is slow on purpose
        rows, roles = [], []
        named = list(ACCOUNTS.values())
        for i in range(1, n + 1):
            if i <= len(named):
                email, name, member_roles = named[i - 1]
                status = "active"
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                name = f"{first} {last}"
                email = f"{first}.{last}.{i}@example.net".lower().replace("'", "")
                member_roles = []
                status = rng.choices(["active", "lapsed", "suspended", "applicant", "left"], weights=[88, 5, 1, 4, 2])[
                    0
                ]
            service, kind = rng.choice(SERVICES)
            applied = now - timedelta(days=rng.randint(20, 3650))
            joined = (applied + timedelta(days=rng.randint(3, 20))).date()
            erased = status == "left" and rng.random() < 0.5
            rows.append(
                {
                    "id": i,
                    "name": "Former member" if erased else name,
                    "email": None if erased else email,
                    "phone": None if erased else f"07700 900{rng.randint(100, 999)}",
                    "area": rng.choice(AREAS),
                    "service_name": service,
                    "service_type": kind,
                    "approval_category": rng.choice(APPROVALS),
                    "years_fostering": rng.randint(0, 30),
                    "how_heard": rng.choice(["Social worker", "Another carer", "Facebook", ""]),
                    "status": status,
                    "application_state": {"applicant": rng.choice(["unconfirmed", "waiting"])}.get(status, "approved"),
                    "applied_at": applied,
                    "consent_at": applied,
                    "email_confirmed_at": applied + timedelta(hours=2),
                    "decided_at": None if status == "applicant" else applied + timedelta(days=3),
                    "joined_on": None if status == "applicant" else joined,
                    "renewal_date": None if status == "applicant" else today + timedelta(days=rng.randint(-60, 330)),
                    "password_hash": None if status in ("applicant", "left") else password_hash,
                    "login_version": 1,
                    "last_login_at": now - timedelta(days=rng.randint(0, 120)) if status == "active" else None,
                    "calendar_token": self.token()
                    if status == "active" and (i <= len(named) or rng.random() < 0.5)
                    else None,
                    "erased_at": now - timedelta(days=rng.randint(1, 300)) if erased else None,
                    "household_id": None,
                    "buddy_willing": rng.random() < 0.35,
                    "share_email": rng.random() < 0.5,
                    "share_phone": rng.random() < 0.3,
                    "share_service": rng.random() < 0.6,
                    "share_category": rng.random() < 0.5,
                }
            )
            roles.extend({"member_id": i, "role": r} for r in member_roles)
        # A few more people with roles, as a large association would have.
        active_ids = [r["id"] for r in rows if r["status"] == "active" and r["id"] > len(named)]
        for role, count in (("committee", 8), ("moderator", 8), ("strategy", 2), ("admin", 2)):
            for member_id in rng.sample(active_ids, count):
                roles.append({"member_id": member_id, "role": role})
        roles = list({(r["member_id"], r["role"]): r for r in roles}.values())

        # Households: about 60% of members foster with a partner; they share a surname and an area.
        households, pool = [], [r for r in rows if r["status"] in ("active", "lapsed") and r["id"] > len(named)]
        rng.shuffle(pool)
        pairs = [pool[k : k + 2] for k in range(0, int(len(pool) * 0.6) // 2 * 2, 2)]
        carer = rows[3]
        pairs.append([carer, pool[-1]])  # the benchmark carer has a partner too
        for number, pair in enumerate(pairs, start=1):
            surname = pair[0]["name"].split()[-1]
            households.append({"id": number, "name": f"{surname} household", "created_at": now})
            for person in pair:
                person["household_id"] = number
                person["area"] = pair[0]["area"]
            if pair[1]["email"]:
                pair[1]["name"] = f"{pair[1]['name'].split()[0]} {surname}"

        skills = [{"id": k, "name": name} for k, name in enumerate(SKILLS, start=1)]
        links = [
            {"member_id": r["id"], "skill_id": s}
            for r in rows
            if r["status"] == "active"
            for s in rng.sample(range(1, len(SKILLS) + 1), rng.choice([0, 0, 1, 1, 2, 3]))
        ]
        self.insert(Household.__table__, households)
        self.insert(Skill.__table__, skills)
        self.insert(Member.__table__, rows)
        self.insert(MemberRole.__table__, roles)
        self.insert(member_skills, links)
        self.members_rows = rows
        self.active = [r["id"] for r in rows if r["status"] == "active"]
        self.role_of = {}
        for r in roles:
            self.role_of.setdefault(r["role"], []).append(r["member_id"])
        self.db.session.commit()
        self.stage("members", started)

    # -- events -------------------------------------------------------------------------------
    def events(self) -> None:
        from association.core.markdown import render_markdown
        from association.events.models import RSVP, Event
        from association.events.recurrence import build_rule, expand

        started = time.perf_counter()
        rng, now = self.rng, self.now
        target = SIZES["events"]
        descriptions = [(md, render_markdown(md)) for md in EVENT_DESCRIPTIONS]
        organisers = self.role_of["committee"] + self.role_of["admin"]
        rows: list[dict] = []

        def base(kind: str, title: str, start: datetime, hours: float, visibility: str) -> dict:
            md, html = rng.choice(descriptions)
            venue, address = rng.choice(VENUES)
            online = "https://meet.example.org/" + self.token(4) if rng.random() < 0.2 else ""
            created = min(start, now) - timedelta(days=rng.randint(5, 60))
            return {
                "uid": self.uid(),
                "kind": kind,
                "title": title,
                "description_md": md,
                "description_html": html,
                "starts_at": start,
                "ends_at": start + timedelta(hours=hours),
                "all_day": False,
                "venue_name": venue,
                "venue_address": address,
                "map_url": "https://www.openstreetmap.org/" if rng.random() < 0.3 else "",
                "online_url": online,
                "organiser_id": rng.choice(organisers),
                "visibility": visibility,
                "children_welcome": kind == "social" and rng.random() < 0.7,
                "age_bands": "0-4,5-10,11-15" if kind == "social" and rng.random() < 0.5 else "",
                "bring_a_dish": kind == "social" and rng.random() < 0.4,
                "accessibility_notes": "Step-free entrance; hearing loop in the main hall."
                if rng.random() < 0.5
                else "",
                "capacity": rng.choice([None, 12, 20, 25, 30, 60]),
                "rsvp_deadline": None,
                "takes_register": kind == "training",
                "status": "scheduled",
                "rrule": None,
                "series_id": None,
                "recurrence_id": None,
                "detached": False,
                "series_ended_at": None,
                "sequence": 0,
                "rsvp_version": 0,
                "created_at": created,
                "updated_at": created,
                "reminders_sent_at": None,
            }

        # Series: each a first row with the RRULE plus one row per later meeting, as create_event makes.
        series_kinds = [
            ("peer_support", "Peer support evening", "members", 19, 2, "monthly_weekday"),
            ("peer_support", "Coffee morning", "public", 10, 1.5, "fortnightly"),
            ("social", "Stay and play", "members", 10, 2, "weekly"),
            ("training", "Skills refresher", "members", 13, 3, "monthly_date"),
            ("committee", "Committee meeting", "members", 19, 1.5, "monthly_weekday"),
            ("strategy", "Strategy group working session", "strategy", 18, 1.5, "monthly_weekday"),
            ("peer_support", "Carers of teenagers", "members", 19, 2, "fortnightly"),
            ("social", "Walk and talk", "public", 10, 2, "fortnightly"),
        ]
        series_budget = int(target * 0.62)
        series_count = 0
        while len(rows) < series_budget:
            kind, title, visibility, hour, hours, choice = series_kinds[series_count % len(series_kinds)]
            area = AREAS[series_count % len(AREAS)]
            day = now.date() - timedelta(days=rng.randint(20, 420))
            local_start = datetime.combine(day, clock(hour, 0))
            rule = build_rule(choice, local_start)
            starts = expand(rule, local_start, self.zone, horizon_from=now)
            starts = starts[: series_budget - len(rows)]
            master = base(kind, f"{title} ({area})", starts[0], hours, visibility)
            master.update(rrule=rule, recurrence_id=starts[0], id=len(rows) + 1)
            master_index = len(rows)
            rows.append(master)
            ended = series_count % 9 == 4
            ended_at = now - timedelta(days=rng.randint(20, 80)) if ended else None
            for start in starts[1:]:
                row = dict(
                    master,
                    id=len(rows) + 1,
                    starts_at=start,
                    ends_at=start + timedelta(hours=hours),
                    rrule=None,
                    series_id=master["id"],
                    recurrence_id=start,
                    uid=f"{master['uid']}#{start:%Y%m%dT%H%M%S}",
                )
                roll = rng.random()
                if ended_at is not None and start > ended_at:
                    row.update(status="cancelled", sequence=1, updated_at=ended_at)
                elif roll < 0.03:  # one meeting cancelled on its own
                    row.update(
                        status="cancelled", sequence=1, updated_at=min(now, start - timedelta(days=rng.randint(1, 10)))
                    )
                elif roll < 0.08:  # one meeting moved or changed on its own: detached from the series
                    shift = timedelta(minutes=rng.choice([30, 60, -60]))
                    venue, address = rng.choice(VENUES)
                    change = rng.choice(["time", "venue", "title"])
                    row.update(
                        detached=True, sequence=1, updated_at=min(now, start - timedelta(days=rng.randint(1, 10)))
                    )
                    if change == "time":
                        row.update(starts_at=start + shift, ends_at=start + shift + timedelta(hours=hours))
                    elif change == "venue":
                        row.update(venue_name=venue, venue_address=address)
                    else:
                        row.update(title=f"{row['title']}: guest speaker")
                rows.append(row)
            if ended_at is not None:
                rows[master_index].update(series_ended_at=ended_at, sequence=1, updated_at=ended_at)
            series_count += 1

        # One-off events: two years back and a year ahead.
        one_off = [
            ("social", "Family fun day"),
            ("training", "Understanding trauma and attachment"),
            ("guest_speaker", "Guest speaker: education and PEPs"),
            ("social", "Summer picnic"),
            ("training", "Safer caring workshop"),
            ("guest_speaker", "Guest speaker: life story work"),
            ("other", "Open evening for new carers"),
            ("social", "Christmas party"),
            ("peer_support", "Drop-in for kinship carers"),
            ("training", "Paediatric first aid"),
        ]
        while len(rows) < target:
            kind, title = rng.choice(one_off)
            offset = rng.randint(-730, 365)
            day = now.date() + timedelta(days=offset)
            start = self.utc(datetime.combine(day, clock(rng.choice([10, 12, 14, 18, 19]), 0)))
            visibility = rng.choices(["public", "members", "strategy"], weights=[35, 60, 5])[0]
            row = base(kind, title, start, rng.choice([1.5, 2, 3, 6]), visibility)
            row["id"] = len(rows) + 1
            if kind == "training" and rng.random() < 0.3:
                row["rsvp_deadline"] = start - timedelta(days=5)
            if rng.random() < 0.03:
                row.update(status="cancelled", sequence=1)
            rows.append(row)
        self.insert(Event.__table__, rows)

        # RSVPs: numbers only. Places over capacity go to the waiting list.
        rsvps, seen = [], set()
        carer_id = 4
        for row in rows:
            if row["status"] == "cancelled":
                continue
            n = rng.choices([0, rng.randint(1, 8), rng.randint(9, 20), rng.randint(21, 40)], weights=[20, 50, 25, 5])[0]
            taken = 0
            for member_id in rng.sample(self.active, n):
                adults, children = rng.choice([1, 1, 2]), rng.choice([0, 0, 1, 2, 3]) if row["children_welcome"] else 0
                response = "going" if rng.random() < 0.9 else "not_going"
                waitlisted_at = None
                if response == "going" and row["capacity"] and taken + adults + children > row["capacity"]:
                    response, waitlisted_at = "waitlisted", row["created_at"] + timedelta(days=2)
                elif response == "going":
                    taken += adults + children
                at = row["created_at"] + timedelta(hours=rng.randint(1, 200))
                rsvps.append(
                    {
                        "event_id": row["id"],
                        "member_id": member_id,
                        "response": response,
                        "adults": adults,
                        "children": children,
                        "note": "",
                        "waitlisted_at": waitlisted_at,
                        "attended": (response == "going") if row["takes_register"] and row["ends_at"] < now else None,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                seen.add((row["id"], member_id))
        # The benchmark carer goes to things: about 25 replies in the feed's window (recent and coming).
        window = [
            r
            for r in rows
            if r["status"] == "scheduled"
            and r["visibility"] != "strategy"
            and now - timedelta(days=80) < r["starts_at"] < now + timedelta(days=200)
        ]
        for row in rng.sample(window, 25):
            if (row["id"], carer_id) not in seen:
                seen.add((row["id"], carer_id))
                rsvps.append(
                    {
                        "event_id": row["id"],
                        "member_id": carer_id,
                        "response": "going",
                        "adults": 2,
                        "children": 1,
                        "note": "",
                        "waitlisted_at": None,
                        "attended": None,
                        "created_at": row["created_at"],
                        "updated_at": row["created_at"],
                    }
                )
        for number, rsvp in enumerate(rsvps, start=1):
            rsvp["id"] = number
        self.insert(RSVP.__table__, rsvps)
        self.db.session.commit()
        self.events_rows = rows
        self.info["series"] = series_count
        self.stage("events", started)

    # -- forum --------------------------------------------------------------------------------
    def forum(self) -> None:
        from sqlalchemy import select, text

        from association.core.markdown import render_markdown
        from association.core.personal_data import check_personal_data
        from association.forum.models import (
            Category,
            CategoryWatch,
            ForumVisit,
            ModerationEntry,
            Post,
            PostRevision,
            Report,
            Thread,
            ThreadRead,
            ThreadWatch,
        )
        from association.forum.posting import refresh_counts
        from association.forum.search import create_search_index

        started = time.perf_counter()
        rng, now = self.rng, self.now
        categories = [
            {
                "id": k,
                "name": name,
                "description": description,
                "position": k,
                "restricted_to": restricted,
                "thread_count": 0,
                "post_count": 0,
                "last_post_at": None,
                "last_thread_id": None,
            }
            for k, (name, description, restricted) in enumerate(CATEGORIES, start=1)
        ]

        # A pool of paragraphs in members' voices, none of which the personal-data check would hold.
        paragraphs = []
        while len(paragraphs) < 1500:
            sentences = rng.sample(SENTENCES, rng.randint(2, 4))
            if rng.random() < 0.15:
                sentences.insert(rng.randint(0, len(sentences)), rng.choice(EMPHASES))
            if rng.random() < 0.08:
                sentences.append(rng.choice(LINKS))
            paragraph = " ".join(sentences)
            if not check_personal_data(paragraph):
                paragraphs.append(paragraph)
        pool = Paragraphs(render_markdown)

        threads, posts, index, revisions = [], [], [], []
        posters = self.active
        per_thread = SIZES["posts_per_thread"]
        weights = [8 if c["restricted_to"] is None else 1 for c in categories]
        post_id = 0
        checked = 0
        for thread_id in range(1, SIZES["threads"] + 1):
            category = rng.choices(categories, weights=weights)[0]
            topic = rng.choice(TOPICS[category["name"]])
            title = rng.choice(
                [
                    "{t}: any advice?",
                    "Question about {t}",
                    "{t}",
                    "Thoughts on {t}",
                    "{t} — how do you manage?",
                    "Help with {t}",
                ]
            ).format(t=topic)
            title = title[0].upper() + title[1:]
            created = now - timedelta(days=rng.randint(30, 720), hours=rng.randint(0, 23))
            span = (now - created) * rng.uniform(0.3, 1.0)
            author = rng.choice(posters)
            last_visible = created
            for number in range(1, per_thread + 1):
                post_id += 1
                at = created + span * ((number - 1) / per_thread)
                parts = rng.sample(paragraphs, rng.choice([1, 1, 2, 2, 3]))
                if number == 1:
                    parts[0] = rng.choice(OPENERS).format(t=topic) + " " + parts[0]
                if rng.random() < 0.05:
                    parts.append(rng.choice(LISTS))
                body = "\n\n".join(parts)
                html = pool.html(parts)
                if checked < 300 and rng.random() < 0.01:
                    checked += 1
                    if render_markdown(body) != html:
                        raise AssertionError(f"paragraph-wise HTML differs for post {post_id}")
                status, held_reason = "visible", None
                if number > 1:
                    roll = rng.random()
                    if roll < 0.004:
                        status = "hidden"
                    elif roll < 0.007:
                        status = "deleted"
                    elif roll < 0.009:
                        status, held_reason = "held", "new_member"
                edited = rng.random() < 0.02
                posts.append(
                    {
                        "id": post_id,
                        "thread_id": thread_id,
                        "number": number,
                        "author_id": author if number == 1 else rng.choice(posters),
                        "body_md": body,
                        "body_html": html,
                        "status": status,
                        "held_reason": held_reason,
                        "held_detail": "As you're new to the forum, your first few posts are read by a moderator "
                        "before others see them."
                        if held_reason
                        else None,
                        "hidden_reason": "Not kind to another carer." if status == "hidden" else None,
                        "created_at": at,
                        "edited_at": at + timedelta(hours=1) if edited else None,
                        "edit_count": 1 if edited else 0,
                    }
                )
                if edited:
                    revisions.append(
                        {
                            "post_id": post_id,
                            "body_md": parts[0],
                            "replaced_at": at + timedelta(hours=1),
                            "editor_id": posts[-1]["author_id"],
                        }
                    )
                if status == "visible":
                    # As search.index_post does: the thread title goes with the opening post only.
                    index.append({"id": post_id, "title": title if number == 1 else "", "body": body})
                    last_visible = at
            threads.append(
                {
                    "id": thread_id,
                    "category_id": category["id"],
                    "title": title,
                    "author_id": author,
                    "created_at": created,
                    "last_post_at": last_visible,
                    "last_post_number": per_thread,
                    "visible_posts": 0,
                    "held": False,
                    "pinned": thread_id % 50 == 1,
                    "locked": thread_id % 40 == 7,
                }
            )
        self.count(threads, categories, posts)
        self.insert(Category.__table__, categories)
        self.insert(Thread.__table__, threads)
        self.insert(Post.__table__, posts)
        self.insert(PostRevision.__table__, revisions)
        self.info["paragraphs_rendered"] = len(pool.cache)
        self.info["paragraph_html_checked"] = checked
        self.stage("forum posts", started)

        started = time.perf_counter()
        statement = text("INSERT INTO forum_search (post_id, title, body) VALUES (:id, :title, :body)")
        postgres = self.db.engine.dialect.name == "postgresql"
        if postgres:
            # Building the GIN index once is much faster than updating it row by row; the app's
            # own DDL (search.create_search_index, as the migration runs it) makes it again.
            self.db.session.execute(text("DROP INDEX IF EXISTS ix_forum_search_vector"))
        for chunk in _chunks(index):
            self.db.session.execute(statement, chunk)
        if postgres:
            create_search_index(self.db.session.connection())
        self.counts["forum_search"] = len(index)
        self.db.session.commit()
        self.stage("forum search index", started)

        started = time.perf_counter()
        self.check_counters(threads, categories, refresh_counts, Thread, Category, select)

        # Who watches, has read, and visits; reports and the moderation log.
        moderators = self.role_of["moderator"]
        watches, reads, seen = [], [], set()
        for t in threads:
            for member_id in {t["author_id"], *rng.sample(posters, rng.randint(5, 25))}:
                watches.append(
                    {
                        "member_id": member_id,
                        "thread_id": t["id"],
                        "created_at": t["created_at"],
                        "notified_number": rng.randint(1, per_thread),
                    }
                )
        for member_id in rng.sample(posters, 2500):
            for t in rng.sample(threads, rng.randint(1, 8)):
                if (member_id, t["id"]) not in seen:
                    seen.add((member_id, t["id"]))
                    reads.append(
                        {
                            "member_id": member_id,
                            "thread_id": t["id"],
                            "last_read_number": rng.randint(1, per_thread),
                            "read_at": now - timedelta(days=rng.randint(0, 90)),
                        }
                    )
        for t in rng.sample(threads, 30):
            if (4, t["id"]) not in seen:
                seen.add((4, t["id"]))
                reads.append(
                    {
                        "member_id": 4,
                        "thread_id": t["id"],
                        "last_read_number": rng.randint(1, per_thread),
                        "read_at": now - timedelta(days=3),
                    }
                )
        visits = [
            {
                "member_id": m,
                "previous_visit_at": now - timedelta(days=rng.randint(3, 30)),
                "last_seen_at": now - timedelta(days=rng.randint(1, 2)),
            }
            for m in sorted(set(rng.sample(posters, 3000)) | {1, 2, 3, 4})
        ]
        category_watches = [
            {"member_id": m, "category_id": c["id"], "created_at": now - timedelta(days=100)}
            for m in rng.sample(posters, 300)
            for c in rng.sample(categories[:7], 2)
        ]
        visible_posts = [p for p in posts if p["status"] == "visible" and p["number"] > 1]
        reports = []
        for k, p in enumerate(rng.sample(visible_posts, 80)):
            resolved = k % 4 != 0
            reports.append(
                {
                    "post_id": p["id"],
                    "reporter_id": rng.choice(posters),
                    "reason": "This reads a bit harsh to a new carer; could a moderator have a look?",
                    "created_at": p["created_at"] + timedelta(days=1),
                    "resolved_at": p["created_at"] + timedelta(days=2) if resolved else None,
                    "resolved_by_id": rng.choice(moderators) if resolved else None,
                }
            )
        log = [
            {
                "at": p["created_at"] + timedelta(hours=5),
                "moderator_id": rng.choice(moderators),
                "action": "hide" if p["status"] == "hidden" else "approve",
                "post_id": p["id"],
                "thread_id": p["thread_id"],
                "member_id": p["author_id"],
                "reason": p["hidden_reason"] or "",
            }
            for p in posts
            if p["status"] == "hidden" or (p["number"] > 1 and p["id"] % 500 == 0)
        ]
        self.insert(ThreadWatch.__table__, watches)
        self.insert(ThreadRead.__table__, reads)
        self.insert(ForumVisit.__table__, visits)
        self.insert(CategoryWatch.__table__, category_watches)
        self.insert(Report.__table__, reports)
        self.insert(ModerationEntry.__table__, log)
        self.db.session.commit()
        self.threads_rows, self.categories_rows = threads, categories
        self.stage("forum counters, watches, reads", started)

    @staticmethod
    def count(threads: list[dict], categories: list[dict], posts: list[dict]) -> None:
        """The counters posting.refresh_counts keeps, worked out here in one pass (it takes ~0.1-0.3 s
        a thread at this size on SQLite); check_counters then runs the real thing on a sample."""
        by_thread = {t["id"]: t for t in threads}
        visible: dict[int, list] = {}
        for p in posts:
            if p["status"] == "visible":
                visible.setdefault(p["thread_id"], []).append(p["created_at"])
        for t in threads:
            times = visible.get(t["id"], [])
            t["visible_posts"], t["last_post_at"] = len(times), max(times, default=None) or t["created_at"]
        for c in categories:
            mine = [t for t in threads if t["category_id"] == c["id"] and not t["held"]]
            with_posts = [t for t in mine if visible.get(t["id"])]
            c["thread_count"] = len(with_posts)
            c["post_count"] = sum(len(visible[t["id"]]) for t in with_posts)
            c["last_post_at"] = max((max(visible[t["id"]]) for t in with_posts), default=None)
            if c["last_post_at"] is not None:
                c["last_thread_id"] = max(mine, key=lambda t: t["last_post_at"])["id"]
        assert len(by_thread) == len(threads)

    def check_counters(self, threads, categories, refresh_counts, Thread, Category, select) -> None:
        session = self.db.session
        for thread_id in self.rng.sample([t["id"] for t in threads], 3):
            thread = session.get(Thread, thread_id)
            category = session.get(Category, thread.category_id)
            before = (
                thread.visible_posts,
                thread.last_post_at,
                category.thread_count,
                category.post_count,
                category.last_post_at,
                category.last_thread_id,
            )
            refresh_counts(thread)
            after = (
                thread.visible_posts,
                thread.last_post_at,
                category.thread_count,
                category.post_count,
                category.last_post_at,
                category.last_thread_id,
            )
            if before != after:
                raise AssertionError(f"counters differ from posting.refresh_counts: {before} != {after}")
        session.rollback()

    # -- strategy -----------------------------------------------------------------------------
    def strategy(self, pdf: bool) -> None:
        from sqlalchemy import bindparam, update

        from association.strategy.models import (
            FeedbackItem,
            ItemOutcome,
            ItemSupport,
            PackVersion,
            ServiceAttendee,
            ServiceMeeting,
            Theme,
        )
        from association.strategy.packs import compile_pack, pack_csv, render_pack_html

        started = time.perf_counter()
        rng, now, db = self.rng, self.now, self.db
        self.insert(Theme.__table__, [{"id": k, "name": name, "position": k} for k, name in enumerate(THEMES, start=1)])
        # Every seven weeks; the next one about three weeks away.
        count = SIZES["meetings"]
        next_at = self.utc(datetime.combine(now.date() + timedelta(days=20), clock(10, 0)))
        meetings, attendees = [], []
        for k in range(count):
            held = next_at - timedelta(weeks=7 * (count - 1 - k))
            past = held < now
            meetings.append(
                {
                    "id": k + 1,
                    "held_at": held,
                    "place": "County Hall, Room 2",
                    "cutoff_at": held - timedelta(days=7),
                    "date_reason": "",
                    "notes": "",
                    "created_at": held - timedelta(weeks=7),
                    "cutoff_reminded_at": held - timedelta(days=7) if past else None,
                    "members_reminded_at": held - timedelta(days=14) if past else None,
                }
            )
            for name, role in (("Helen Price", "Team manager, fostering"), ("Raj Mistry", "Head of service")):
                attendees.append(
                    {
                        "meeting_id": k + 1,
                        "name": name,
                        "role": role,
                        "email": f"{name.split()[0].lower()}.{name.split()[1].lower()}@service.example.org",
                    }
                )
        self.insert(ServiceMeeting.__table__, meetings)
        self.insert(ServiceAttendee.__table__, attendees)

        # 2,000 items: ~85 for each past meeting, 150 in the coming pack, 120 waiting for triage,
        # the rest merged into open items or declined.
        past_meetings = meetings[:-1]
        coming = meetings[-1]
        plan: list[tuple[str, dict | None]] = []
        for m in past_meetings:
            plan += [("past", m)] * 85
        plan += [("coming", coming)] * 150
        plan += [("triage", None)] * 120
        plan += [("merged", None)] * 60
        plan += [("declined", None)] * (SIZES["items"] - len(plan))
        items, supports = [], []
        for number, (fate, meeting) in enumerate(plan, start=1):
            if meeting is not None:
                raised_at = meeting["cutoff_at"] - timedelta(days=rng.randint(1, 45))
            else:
                raised_at = now - timedelta(days=rng.randint(1, 40))
            kind = rng.choices(["issue", "good_practice", "suggestion"], weights=[70, 15, 15])[0]
            what = rng.choice(ITEM_TEXTS)
            wording = f"{what} (raised by carers in {rng.choice(AREAS)})"
            reviewed = None
            if fate == "coming" and number % 25 == 0:
                wording += " Please call me on 07700 900123."  # the personal-data check flags it
            elif fate == "past" and number % 40 == 0:
                reviewed = meeting["cutoff_at"]
            status = {
                "past": "in_pack",
                "coming": "in_pack",
                "triage": rng.choice(["new", "under_review"]),
                "merged": "merged",
                "declined": "declined",
            }[fate]
            items.append(
                {
                    "id": number,
                    "kind": kind,
                    "theme_id": rng.randint(1, len(THEMES)) if fate != "triage" or rng.random() < 0.5 else None,
                    "what_happened": what,
                    "what_would_help": "A named person to call back the same day." if rng.random() < 0.5 else "",
                    "author_id": rng.choice(self.active),
                    "anonymous": rng.random() < 0.7,
                    "status": status,
                    "decline_reason": "Raised at the regional forum instead." if fate == "declined" else "",
                    "merged_into_id": None,
                    "pack_wording": wording,
                    "wording_reviewed_by_id": self.role_of["strategy"][0] if reviewed else None,
                    "wording_reviewed_at": reviewed,
                    "meeting_id": meeting["id"] if meeting else None,
                    "source_post_id": None,
                    "support_count": 0,
                    "created_at": raised_at,
                    "updated_at": raised_at,
                }
            )
        open_ids = [
            i["id"] for i in items if i["status"] in ("new", "under_review") or (i["meeting_id"] == coming["id"])
        ]
        for item in items:
            if item["status"] == "merged":
                item["merged_into_id"] = rng.choice(open_ids)
        supporters: dict[int, set[int]] = {}
        for item in items:
            if item["status"] == "merged":
                continue
            chosen = set(rng.sample(self.active, min(int(rng.expovariate(1 / 3)), 40))) - {item["author_id"]}
            supporters[item["id"]] = chosen
            for member_id in chosen:
                supports.append({"item_id": item["id"], "member_id": member_id, "created_at": item["created_at"]})
        # support_count as the app keeps it: distinct supporters, plus merged items' authors once merged.
        merged_authors: dict[int, set[int]] = {}
        for item in items:
            if item["merged_into_id"]:
                merged_authors.setdefault(item["merged_into_id"], set()).add(item["author_id"])
        for item in items:
            people = supporters.get(item["id"], set()) | merged_authors.get(item["id"], set())
            item["support_count"] = len(people - {item["author_id"]})
        self.insert(FeedbackItem.__table__, items)
        self.insert(ItemSupport.__table__, supports)
        db.session.commit()
        self.stage("strategy items", started)

        # Each past meeting in turn, as it happened: compile and issue the pack, then record what
        # the service said; open actions carry forward into later packs.
        started = time.perf_counter()
        versions = []
        table = FeedbackItem.__table__
        outcome_rows = []
        open_actions: dict[int, int] = {}  # item id -> meeting id of its open outcome
        version_id = 0
        for meeting in past_meetings:
            with self.app.test_request_context():
                pack = compile_pack(db.session.get(ServiceMeeting, meeting["id"]))
                html = render_pack_html(pack)
                csv_text = pack_csv(pack)
            # The PDF as issue_pack makes it (WeasyPrint from the same HTML), rendered in other
            # processes while the rest is generated: it takes ~2.5 s a pack.
            document = b"%PDF-1.7\n% not rendered: generated with --no-pdf\n"
            if pdf:
                if self.pdf_pool is None:
                    from concurrent.futures import ProcessPoolExecutor
                    from multiprocessing import get_context

                    self.pdf_pool = ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn"))
                future = self.pdf_pool.submit(render_pdf, html)
            for number in range(1, 3 if meeting["id"] % 6 == 0 else 2):  # a few packs were issued twice
                version_id += 1
                versions.append(
                    {
                        "id": version_id,
                        "meeting_id": meeting["id"],
                        "version": number,
                        "issued_at": meeting["held_at"] - timedelta(days=5 - number),
                        "issued_by_id": self.role_of["strategy"][0],
                        "html": html,
                        "pdf": document,
                        "csv": csv_text,
                        "token": self.token(24),
                        "revoked_at": None,
                    }
                )
                if pdf:
                    self.pdf_futures[version_id] = future
            in_pack = [p.item.id for p in pack.items]
            db.session.execute(
                update(FeedbackItem.__table__).where(FeedbackItem.__table__.c.id.in_(in_pack)).values(status="raised")
            )
            recorded = meeting["held_at"] + timedelta(days=2)
            changes, item_changes, leaving = [], [], []
            for item_id in in_pack:
                if rng.random() < 0.8:
                    status = rng.choices(["done", "not_agreed", "open", "in_progress"], weights=[50, 10, 25, 15])[0]
                    changes.append((item_id, status))
            for item_id in list(open_actions):
                if rng.random() < 0.4:
                    changes.append((item_id, rng.choice(["done", "done", "in_progress"])))
            for item_id, status in changes:
                outcome_rows.append(
                    {
                        "item_id": item_id,
                        "meeting_id": meeting["id"],
                        "response": "The service agreed to look into this and report back.",
                        "action": "Team manager to write to all carers with the new arrangements.",
                        "owner": rng.choice(["service", "service", "association"]),
                        "due_on": (meeting["held_at"] + timedelta(weeks=6)).date(),
                        "status": status,
                        "recorded_at": recorded,
                    }
                )
                # As record_outcome does: an open action leaves the meeting and comes back as carried.
                new_status = {"done": "resolved", "not_agreed": "responded"}.get(status, "carried_forward")
                item_changes.append({"item_id": item_id, "new_status": new_status, "at": recorded})
                if status in ("open", "in_progress"):
                    open_actions[item_id] = meeting["id"]
                    leaving.append(item_id)
                else:
                    open_actions.pop(item_id, None)
            if item_changes:
                db.session.execute(
                    table.update()
                    .where(table.c.id == bindparam("item_id"))
                    .values(status=bindparam("new_status"), updated_at=bindparam("at")),
                    item_changes,
                )
            if leaving:
                db.session.execute(table.update().where(table.c.id.in_(leaving)).values(meeting_id=None))
            self.insert(ItemOutcome.__table__, outcome_rows[len(outcome_rows) - len(changes) :])
            db.session.commit()
            db.session.expire_all()
        self.insert(PackVersion.__table__, versions)
        db.session.commit()
        self.info["open_actions"] = len(open_actions)
        self.coming_meeting = coming["id"]
        self.stage("strategy packs and outcomes", started)

    # -- mail and the rest --------------------------------------------------------------------
    def mail(self) -> None:
        from association.campaigns.models import Campaign
        from association.core.audit import AuditEntry
        from association.mail.models import JobRun, OutboxMessage
        from association.mail.preferences import MailPreferences

        started = time.perf_counter()
        rng, now = self.rng, self.now
        campaigns = [
            {
                "id": k,
                "subject": f"Association news, issue {k}",
                "body_markdown": "News from the committee.",
                "topic": "news",
                "audience": "active",
                "audience_value": "",
                "chosen_member_ids": None,
                "status": "queued",
                "scheduled_for": None,
                "queued_at": now - timedelta(days=12 * k),
                "recipient_count": 1200,
                "left_out_count": 40,
                "created_by_id": 1,
                "created_at": now - timedelta(days=12 * k + 1),
                "updated_at": now - timedelta(days=12 * k),
            }
            for k in range(1, 31)
        ]
        self.insert(Campaign.__table__, campaigns)
        by_id = {r["id"]: r for r in self.members_rows}
        titles = [r["title"] for r in self.events_rows[:200]] + [t["title"] for t in self.threads_rows]
        rows = []
        for number in range(1, SIZES["outbox"] + 1):
            template, kind, subject = rng.choice(OUTBOX_TEMPLATES)
            subject = subject.format(x=rng.choice(titles))[:200]
            member = by_id[rng.choice(self.active)]
            created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            status = rng.choices(["sent", "queued", "failed"], weights=[96, 2, 2])[0]
            if created > now - timedelta(minutes=30) and status == "sent":
                status = "queued"
            text_body = (
                f"Hello {member['name'].split()[0]},\n\n{subject}.\n\n"
                + " ".join(rng.sample(SENTENCES, 4))
                + "\n\nRiverside Foster Carers Association\nChange what we email you: "
                "http://127.0.0.1:5000/mail/preferences\n"
            )
            rows.append(
                {
                    "id": number,
                    "member_id": member["id"],
                    "to_address": member["email"],
                    "to_name": member["name"],
                    "kind": kind,
                    "template": template,
                    "subject": subject,
                    "text_body": text_body,
                    "html_body": "<!doctype html><html><body><p>"
                    + text_body.replace("\n\n", "</p><p>")
                    + "</p></body></html>",
                    "message_id": f"<{self.token(10)}.{number}@example.org>",
                    "attachment_key": None,
                    "campaign_id": rng.randint(1, 30) if template == "campaign" else None,
                    "status": status,
                    "attempts": 0 if status == "queued" else (6 if status == "failed" else 1),
                    "next_attempt_at": created,
                    "lease_until": None,
                    "unconfirmed_sends": 0,
                    "last_error": "550 mailbox unavailable" if status == "failed" else None,
                    "delivered_via": "smtp" if status == "sent" else None,
                    "created_at": created,
                    "sent_at": created + timedelta(seconds=rng.randint(1, 300)) if status == "sent" else None,
                }
            )
        self.insert(OutboxMessage.__table__, rows)
        preferences = [
            {
                "member_id": m,
                "association_news": rng.random() < 0.8,
                "event_reminders": rng.random() < 0.9,
                "forum_notifications": rng.choice(["each", "digest", "none"]),
                "strategy_updates": rng.random() < 0.85,
                "weekly_digest": rng.random() < 0.2,
                "updated_at": now - timedelta(days=rng.randint(1, 300)),
            }
            for m in sorted(rng.sample(self.active, 1200))
        ]
        self.insert(MailPreferences.__table__, preferences)
        actions = [
            "member.approved",
            "member.updated",
            "event.updated",
            "event.cancelled",
            "pack.issued",
            "member.role_added",
            "forum.post_hidden",
        ]
        audit = [
            {
                "at": now - timedelta(minutes=rng.randint(0, 700 * 24 * 60)),
                "actor_id": rng.choice(self.role_of["admin"]),
                "action": rng.choice(actions),
                "subject_type": "member",
                "subject_id": rng.choice(self.active),
                "detail": "by the committee",
            }
            for _ in range(3000)
        ]
        self.insert(AuditEntry.__table__, audit)
        self.insert(
            JobRun.__table__,
            [
                {"name": name, "last_run_on": now.date(), "last_run_at": now}
                for name in ("renewals", "event-reminders", "forum-digest")
            ],
        )
        self.db.session.commit()
        self.stage("outbox, preferences, audit", started)

    def pack_pdfs(self) -> None:
        """Wait for the packs' PDFs and store them on their versions."""
        from sqlalchemy import bindparam

        from association.strategy.models import PackVersion

        if self.pdf_pool is None:
            return
        started = time.perf_counter()
        table = PackVersion.__table__
        rows = [
            {"version_id": version_id, "document": future.result()} for version_id, future in self.pdf_futures.items()
        ]
        self.pdf_pool.shutdown()
        self.db.session.execute(
            table.update().where(table.c.id == bindparam("version_id")).values(pdf=bindparam("document")), rows
        )
        self.db.session.commit()
        self.info["pack_pdf_bytes"] = sum(len(r["document"]) for r in rows)
        self.stage("waiting for pack PDFs", started)

    def finish(self) -> None:
        from sqlalchemy import text

        started = time.perf_counter()
        engine = self.db.engine
        if engine.dialect.name == "postgresql":
            # Ids were given explicitly: move every sequence past them, as if rows came one by one.
            with engine.begin() as conn:
                for table in self.db.metadata.sorted_tables:
                    if "id" in table.c and table.c.id.primary_key:
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"
                            )
                        )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # what autovacuum would have done by now
        else:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.stage("finish", started)


def _reset_database(database_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def generate(database_url: str, seed: int = 42, *, now: datetime | None = None, pdf: bool = True, log=print) -> dict:
    """Build the benchmark association in ``database_url`` (emptied first). Returns a summary.

    ``now`` anchors every date (default: today at noon UTC, so a day's runs agree); the same seed
    and ``now`` give the same rows.
    """
    import logging

    from flask_migrate import upgrade

    from association import create_app

    started = time.perf_counter()
    if now is None:
        now = datetime.combine(datetime.now(UTC).date(), clock(12, 0))
    _reset_database(database_url)
    app = create_app(
        "testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": "http://127.0.0.1:5000"}
    )
    log(f"generating seed {seed} into {database_url.split('@')[-1]}")
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        generator = Generator(app, seed, now, log)
        generator.stage("schema (flask db upgrade)", t0)
        generator.members()
        generator.events()
        generator.strategy(pdf)
        generator.forum()
        generator.mail()
        generator.pack_pdfs()
        generator.finish()
        from association.extensions import db

        db.session.remove()
        db.engine.dispose()
    summary = {
        "seed": seed,
        "now": now.isoformat(),
        "fingerprint": fingerprint(seed),
        "seconds": round(time.perf_counter() - started, 1),
        "stages": generator.timings,
        "rows": generator.counts,
        "info": generator.info,
        "accounts": {role: email for role, (email, _, _) in ACCOUNTS.items()},
        "password": BENCH_PASSWORD,
    }
    log(f"generated in {summary['seconds']} s: {sum(generator.counts.values()):,} rows")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL; the database is emptied first")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--now", help="anchor date-time in UTC, ISO format (default: today 12:00)")
    parser.add_argument("--no-pdf", action="store_true", help="skip WeasyPrint for issued packs")
    args = parser.parse_args()
    summary = generate(
        args.database, args.seed, now=datetime.fromisoformat(args.now) if args.now else None, pdf=not args.no_pdf
    )
    print(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
