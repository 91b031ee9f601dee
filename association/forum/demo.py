"""Demo forum: categories, about thirty threads with replies, one held post and one report."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..core.database import utcnow
from ..core.markdown import render_markdown
from ..extensions import db
from ..members.models import MemberStatus
from . import checks, search
from .models import Category, Post, Report, Thread, ThreadWatch
from .posting import refresh_counts

CATEGORIES = [
    ("Peer support", "Ask how others coped, share what worked, or just let off steam.", None),
    ("Family time", "Contact and family time: arrangements, transport, and how children feel after.", None),
    ("Training", "Courses, development standards and what was worth going to.", None),
    ("Allowances and money", "Fostering allowances, mileage, tax and benefits.", None),
    ("Education", "Schools, PEPs, the virtual school and SEN support.", None),
    ("Socials", "Days out, picnics and holiday plans.", None),
    ("Off topic", "Anything else: recipes, recommendations, good news.", None),
    ("Committee", "For committee members only.", "committee"),
]
THREADS = {
    "Peer support": [
        (
            "First placement nerves",
            "We've just had our first placement and I'm finding the evenings hard. "
            "How did you all manage the first month?",
        ),
        (
            "Bedtime routines that helped",
            "What bedtime routines have worked for children who find night times frightening?",
        ),
        (
            "Feeling unheard in reviews",
            "Does anyone else feel their views get lost in looked-after reviews? How do you prepare?",
        ),
        ("Looking after yourself", "What do you do to recharge? I realised I haven't had an evening off in months."),
        (
            "Managing allegations worry",
            "A friend went through an allegation last year. What support is there if it happens?",
        ),
    ],
    "Family time": [
        (
            "Sessions moved at short notice",
            "Family time keeps being moved with a day's notice. How do others handle it with school?",
        ),
        ("After-contact wobbles", "Any tips for the evening after family time? Ours is usually unsettled."),
        (
            "Transport to contact",
            "Are you expected to drive to every session? What has your supervising social worker said?",
        ),
        ("Keeping a memory box", "How do you help a child keep photos and mementos from family time?"),
    ],
    "Training": [
        (
            "Trauma and attachment course",
            "Was the trauma and attachment course worth the full day? Thinking of booking.",
        ),
        ("Online versus in person", "Do you prefer online training or face to face? I learn more in the room."),
        ("Training, Support and Development Standards", "How long did the TSD standards take you to finish?"),
        ("Paediatric first aid", "Recommend a good paediatric first aid refresher near Riverside?"),
    ],
    "Allowances and money": [
        ("Mileage claims", "How often do you put in mileage claims, and is there a deadline?"),
        ("Birthday and holiday allowances", "When do the birthday and holiday allowances get paid?"),
        ("Self-employed tax return", "Any tips for the qualifying care relief on the tax return?"),
    ],
    "Education": [
        ("PEP meeting tips", "What do you bring to a PEP meeting to make sure it's useful?"),
        ("Changing schools mid-year", "How did you manage a school move in the middle of the year?"),
        ("Homework battles", "Homework is a daily battle. What works for children who missed a lot of school?"),
        ("Virtual school support", "Has anyone had help from the virtual school for a tutor?"),
    ],
    "Socials": [
        ("Summer picnic ideas", "Ideas for this year's summer picnic? Games that work for all ages?"),
        ("Half-term meet-up", "Anyone up for a soft play meet-up over half-term?"),
        ("Christmas party volunteers", "We need a few helpers for the Christmas party. Who's in?"),
    ],
    "Off topic": [
        ("Batch cooking recipes", "Share your go-to batch cooking recipes for busy weeks."),
        ("Good news thread", "Share something that went well this week, however small."),
        ("Book recommendations", "Any books about fostering or therapeutic parenting you'd recommend?"),
        ("Car recommendations for big families", "We need a seven-seater. What do you drive?"),
    ],
    "Committee": [
        ("AGM planning", "Draft agenda for the AGM is ready; comments by Friday please."),
        ("Newsletter ideas", "What should go in the next newsletter?"),
    ],
}
REPLIES = [
    "We went through the same. It does get easier; small routines helped us most.",
    "Talk to your supervising social worker early, and write things down as they happen.",
    "Thank you for asking this, I've been wondering the same.",
    "Our support group meets on the first Tuesday. Come along, it really helps to talk.",
    "We keep a notebook by the kettle for anything we need to raise at the next review.",
    "It took us a few months. Be kind to yourself.",
    "Happy to chat this through on the phone if that would help — message me.",
    "We found the training team really helpful when we asked.",
    "A calm half hour after school with a snack made a big difference for us.",
    "I'd raise this with the strategy group too; it sounds like something the service should hear.",
]


def seed_forum(members: dict) -> None:
    rng = random.Random(44)
    active = [m for m in members.values() if m.status == MemberStatus.ACTIVE]
    categories = {}
    for position, (name, description, restricted) in enumerate(CATEGORIES):
        category = Category(name=name, description=description, position=position, restricted_to=restricted)
        db.session.add(category)
        categories[name] = category
    db.session.flush()
    now = utcnow()
    threads = []
    for name, items in THREADS.items():
        for title, opening in items:
            started = now - timedelta(days=rng.randint(2, 90), hours=rng.randint(0, 23))
            author = rng.choice(active)
            thread = Thread(category_id=categories[name].id, title=title, author_id=author.id, created_at=started)
            db.session.add(thread)
            db.session.flush()
            texts = [opening] + rng.sample(REPLIES, rng.randint(1, 6))
            for number, body in enumerate(texts, start=1):
                writer = author if number == 1 else rng.choice(active)
                post = Post(
                    thread_id=thread.id,
                    number=number,
                    author_id=writer.id,
                    body_md=body,
                    body_html=render_markdown(body),
                    created_at=started + timedelta(hours=number * 3),
                )
                db.session.add(post)
                db.session.flush()
                search.index_post(post, thread)
            thread.last_post_number = len(texts)
            db.session.add(ThreadWatch(member_id=author.id, thread_id=thread.id, notified_number=len(texts)))
            threads.append(thread)
    threads[0].pinned = True
    # One post held for the personal-data check, one reported.
    held_thread = threads[1]
    held_body = "My foster son Jamie has started sleeping better since we tried this, thank you!"
    held_thread.last_post_number += 1
    db.session.add(
        Post(
            thread_id=held_thread.id,
            number=held_thread.last_post_number,
            author_id=members["carer@example.org"].id,
            body_md=held_body,
            body_html=render_markdown(held_body),
            status="held",
            held_reason=checks.PERSONAL_DATA,
            held_detail=checks.dump(checks.check(held_body)),
        )
    )
    reported = db.session.scalar(select(Post).where(Post.thread_id == threads[5].id, Post.number == 2))
    assert reported is not None, "every demo thread was given replies above"
    db.session.add(
        Report(
            post_id=reported.id,
            reporter_id=active[3].id,
            reason="This reads a bit harsh to a new carer; could a moderator have a look?",
        )
    )
    for thread in threads:
        refresh_counts(thread)
    db.session.flush()
