"""The moderation log written for people: "Maya Moderator hid Jo Carer's post in “Bedtime
routines”", with links to the member, the thread and the post. Entries keep their action codes for
filtering; names are read for a whole page at once (one query each for members, threads, posts)."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from ..core.log_sentences import LogLine, Named, humanise, sentence
from ..extensions import db
from ..members.models import FORMER_MEMBER, Member
from .models import Post, Thread

# Moderation action code -> (filter label, sentence); {member}, {post} and {thread} are filled in.
MODERATION_ACTIONS = {
    "approve": ("Posts approved", "approved {post} in {thread}"),
    "hide": ("Posts hidden", "hid {post} in {thread}"),
    "restore": ("Posts restored", "restored {post} in {thread}"),
    "lock": ("Threads locked", "locked {thread}"),
    "unlock": ("Threads unlocked", "unlocked {thread}"),
    "pin": ("Threads pinned", "pinned {thread}"),
    "unpin": ("Threads unpinned", "unpinned {thread}"),
    "move": ("Threads moved", "moved {thread}"),
    "warn": ("Warnings", "warned {member}"),
    "suspend": ("Suspensions", "suspended {member}"),
}


def _members(ids: set[int]) -> dict[int, Named]:
    if not ids:
        return {}
    rows = db.session.execute(select(Member.id, Member.name, Member.erased_at).where(Member.id.in_(ids)))
    return {
        i: Named(FORMER_MEMBER) if erased or not name else Named(name, url_for("members.profile", member_id=i))
        for i, name, erased in rows
    }


def moderation_lines(entries) -> list[LogLine]:
    """A page of moderation entries as sentences: one query each for members, threads and posts."""
    members = _members({i for e in entries for i in (e.member_id, e.moderator_id) if i is not None})
    thread_ids = {e.thread_id for e in entries if e.thread_id is not None}
    threads = (
        dict(db.session.execute(select(Thread.id, Thread.title).where(Thread.id.in_(thread_ids))).all())
        if thread_ids
        else {}
    )
    post_ids = {e.post_id for e in entries if e.post_id is not None}
    numbers = (
        dict(db.session.execute(select(Post.id, Post.number).where(Post.id.in_(post_ids))).all()) if post_ids else {}
    )
    size = current_app.config["FORUM_PAGE_SIZE"]
    lines = []
    for e in entries:
        names: dict[str, Named] = {}
        author = members.get(e.member_id) if e.member_id is not None else None
        names["member"] = author or Named(FORMER_MEMBER)
        if e.thread_id in threads:
            names["thread"] = Named(f"“{threads[e.thread_id]}”", url_for("forum.thread", thread_id=e.thread_id))
        number = numbers.get(e.post_id)
        whose = f"{author.text}'s post" if author else "a post"
        if number is not None and e.thread_id in threads:
            names["post"] = Named(
                whose,
                url_for("forum.thread", thread_id=e.thread_id, page=(number - 1) // size + 1, _anchor=f"post-{number}"),
            )
        else:
            names["post"] = Named(whose)
        pattern = MODERATION_ACTIONS.get(e.action, (None, None))[1] or f"{humanise(e.action)}"
        moderator = members.get(e.moderator_id, Named(FORMER_MEMBER)) if e.moderator_id else Named(FORMER_MEMBER)
        lines.append(LogLine(e.at, moderator, sentence(pattern, names), e.reason, e.action))
    return lines
