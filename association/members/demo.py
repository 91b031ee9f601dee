"""Demo data: a believable association of about forty carers, some in households."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..core.database import utcnow
from ..core.timefmt import local_today
from ..extensions import db
from .directory import set_skills
from .models import APPROVAL_CATEGORIES, ApplicationState, Household, Member, MemberRole, MemberStatus
from .passwords import hash_password

AREAS = ["Riverside", "Northgate", "Millbrook", "Eastfield", "Hadley", "Westmoor", "LS6", "LS12", "Otley", "Pudsey"]
SERVICES = [
    ("Riverside County Council Fostering", "local_authority"),
    ("Brightpath Fostering", "independent_agency"),
    ("Northgate Family Placements", "local_authority"),
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
]
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
]

NAMED_ACCOUNTS = [
    ("admin@example.org", "Alex Morgan", ["admin", "committee"]),
    ("moderator@example.org", "Maya Robinson", ["moderator"]),
    ("strategy@example.org", "Sam Okafor", ["strategy"]),
    ("carer@example.org", "Jo Fletcher", []),
]


def has_members() -> bool:
    return db.session.scalar(select(Member.id).limit(1)) is not None


def seed_members(password: str) -> dict[str, Member]:
    """Add the named demo sign-ins and about 35 other members; returns them by email."""
    rng = random.Random(2026)
    today = local_today()
    password_hash = hash_password(password)  # one hash for all: argon2 is deliberately slow
    members: dict[str, Member] = {}
    grace = current_app.config["RENEWAL_GRACE_DAYS"]

    def renewal_for(status: str):
        """A date that agrees with the status: a lapsed member's passed more than the grace period
        ago (that is what lapsing means); an active member's is ahead, or only just passed."""
        if status == MemberStatus.APPLICANT:
            return None
        if status == MemberStatus.LAPSED:
            return today - timedelta(days=grace + rng.randint(3, 200))
        return today + timedelta(days=rng.randint(-(grace // 2), 330))

    def make(email: str, name: str, status: str = MemberStatus.ACTIVE, roles=()) -> Member:
        service, kind = rng.choice(SERVICES)
        member = Member(
            name=name,
            email=email,
            phone=f"07700 900{rng.randint(100, 999)}",
            area=rng.choice(AREAS),
            service_name=service,
            service_type=kind,
            approval_category=rng.choice(list(APPROVAL_CATEGORIES)),
            years_fostering=rng.randint(0, 25),
            how_heard=rng.choice(["Social worker", "Another carer", "Facebook", ""]),
            status=status,
            application_state=ApplicationState.APPROVED
            if status != MemberStatus.APPLICANT
            else ApplicationState.WAITING,
            consent_at=utcnow(),
            email_confirmed_at=utcnow(),
            joined_on=today - timedelta(days=rng.randint(30, 3000)) if status != MemberStatus.APPLICANT else None,
            renewal_date=renewal_for(status),
            password_hash=password_hash if status != MemberStatus.APPLICANT else None,
            buddy_willing=rng.random() < 0.4,
            share_email=rng.random() < 0.5,
            share_phone=rng.random() < 0.3,
            share_service=rng.random() < 0.6,
            share_category=rng.random() < 0.5,
            role_rows=[MemberRole(role=r) for r in roles],
        )
        db.session.add(member)
        set_skills(member, rng.sample(SKILLS, rng.randint(0, 3)))
        members[email] = member
        return member

    for email, name, roles in NAMED_ACCOUNTS:
        make(email, name, roles=roles).renewal_date = today + timedelta(days=200)
    applicant = make("applicant@example.org", "Pat Newcombe", status=MemberStatus.APPLICANT)
    applicant.application_state = ApplicationState.WAITING

    used = {name for _, name, _ in NAMED_ACCOUNTS}
    while len(members) < 40:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in used:
            continue
        used.add(name)
        slug = name.lower().replace(" ", ".").replace("'", "")
        status = rng.choices([MemberStatus.ACTIVE, MemberStatus.LAPSED, MemberStatus.SUSPENDED], weights=[90, 7, 3])[0]
        make(f"{slug}@example.net", name, status=status)

    # Households: pairs of active members who foster together, sharing a surname.
    singles = [m for email, m in members.items() if m.status == MemberStatus.ACTIVE and email.endswith("@example.net")]
    carer = members["carer@example.org"]
    partner = make("chris.fletcher@example.net", "Chris Fletcher")
    for pair in [(carer, partner), *zip(singles[0:8:2], singles[1:8:2], strict=False)]:
        surname = pair[0].name.split()[-1]
        pair[1].name = f"{pair[1].name.split()[0]} {surname}"
        household = Household(name=f"{surname} household")
        db.session.add(household)
        for person in pair:
            person.household = household
            person.area = pair[0].area
    db.session.flush()
    return members
