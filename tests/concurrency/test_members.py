"""Rows members create under 30 simultaneous requests: one application per email address, one
skill per name, and a profile saved twice at once keeps each skill once."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from association.extensions import db
from association.members.models import APPROVAL_CATEGORIES, SERVICE_TYPES, Member, Skill, member_skills

from .support import CROWD, at_once, no_server_errors


def test_thirty_applications_with_one_email_at_once_make_one_applicant(live):
    email = f"sam.jones.{uuid.uuid4().hex[:6]}@example.org"
    form = {
        "name": "Sam Jones",
        "email": email,
        "area": "Riverside",
        "service_name": "Riverside Council",
        "service_type": next(iter(SERVICE_TYPES)),
        "approval_category": next(iter(APPROVAL_CATEGORIES)),
        "years_fostering": 2,
        "consent": "y",
    }
    replies = at_once(*[lambda: live.browser().post("/apply", form)] * CROWD)
    no_server_errors(replies)
    assert all(r.status == 200 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member).where(Member.email == email)) == 1


def _profile(skills: str) -> dict:
    return {"area": "Riverside", "service_name": "Riverside Council", "skills": skills}


def _skills_of(member_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Skill.name)
            .join(member_skills, member_skills.c.skill_id == Skill.id)
            .where(member_skills.c.member_id == member_id)
        )
    )


def test_thirty_members_adding_one_new_skill_at_once_share_one_skill(live):
    skill = f"Sign language {uuid.uuid4().hex[:4]}"
    replies = at_once(*[lambda p=p: p.browser.post("/account/", _profile(skill)) for p in live.crowd])
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Skill).where(Skill.name == skill)) == 1
        assert all(_skills_of(p.id) == [skill] for p in live.crowd)


def test_a_profile_saved_thirty_times_at_once_keeps_each_skill_once(live):
    jo = live.crowd[0]
    skills = f"Cooking {uuid.uuid4().hex[:4]}, Respite"
    replies = at_once(*[lambda: jo.browser.post("/account/", _profile(skills))] * CROWD)
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        assert sorted(_skills_of(jo.id)) == sorted(s.strip() for s in skills.split(","))


def test_thirty_password_changes_at_once_each_move_the_sign_in_version(live, monkeypatch):
    """Each change must end the sessions made before it, so every bump counts."""
    from association.members import accounts

    monkeypatch.setattr(accounts, "hash_password", lambda password: "not-a-real-hash")  # argon2 is not under test
    with live.app.app_context():
        # Not one of the crowd: their sessions, which the other tests use, would end.
        kim = Member(
            name="Kim Lee",
            email=f"kim.lee.{uuid.uuid4().hex[:6]}@example.org",
            status="active",
            application_state="approved",
            area="Riverside",
            password_hash="not-a-real-hash",
        )
        db.session.add(kim)
        db.session.commit()
        before = kim.login_version

    def change():
        with live.app.app_context():
            try:
                accounts.set_password(db.session.get(Member, kim.id), "a new password")
            finally:
                db.session.remove()

    at_once(*[change] * CROWD)
    with live.app.app_context():
        assert db.session.get(Member, kim.id).login_version == before + CROWD
