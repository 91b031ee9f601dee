"""Demo email: a newsletter already sent to every member, and a draft to a role waiting to go."""

from __future__ import annotations

from ..extensions import db
from ..members.models import Member
from .models import Campaign
from .queueing import queue_campaign

NEWSLETTER = """Hello {{ first_name }},

Thank you to everyone who came to the **holiday picnic**: over forty of us, and not one lost shoe.

- Peer support carries on on the first Tuesday of each month.
- The strategy group meets the service again soon: raise anything you'd like taken to them
  under *Strategy group* on the site.

Take care of yourselves,
The committee"""

DRAFT = """Hello {{ first_name }},

Here is the agenda for our next committee meeting. Please add anything by Friday."""


def seed_mail(people: dict[str, Member]) -> None:
    author = next((m for m in people.values() if m.has_role("admin")), None)
    newsletter = Campaign(
        subject="News from the association",
        body_markdown=NEWSLETTER,
        topic="news",
        audience="active",
        created_by_id=author.id if author else None,
    )
    draft = Campaign(
        subject="Committee agenda",
        body_markdown=DRAFT,
        topic="news",
        audience="role",
        audience_value="committee",
        created_by_id=author.id if author else None,
    )
    db.session.add_all([newsletter, draft])
    db.session.commit()
    queue_campaign(newsletter, actor=author)
