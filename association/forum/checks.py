"""The personal-data check in the forum: what it found in a post (and in an opening post's title),
kept with the post while it waits, and told kindly to its author and plainly to a moderator.

The forum is the "community" place of ``core.personal_data``: no child's or birth-family member's
name, no address, school, date of birth or contact details of anyone.

Findings are stored when the post is held (as JSON in ``Post.held_detail``) rather than found again
on every page: a moderator sees what held the post even if the check changes later, and the queue
costs no check (nor whatever the check reads) per post, so it stays a fixed number of queries and
a few milliseconds however long it grows. Highlighting works on the stored Markdown source with
``highlight()``, which escapes; rendered HTML is never marked up by pasting strings into it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

from markupsafe import Markup

from ..core.personal_data import Finding, check_personal_data, explain, highlight

PLACE = "community"

# Why a post waits (Post.held_reason). The codes stay in the database; pages use the words below.
PERSONAL_DATA, NEW_MEMBER, CHANGED = "personal_data", "new_member", "changed_after_hold"
HOLD_LABELS = {
    PERSONAL_DATA: "It may identify someone",
    NEW_MEMBER: "A new member's first posts",
    CHANGED: "Changed by its author after it was held",
}
WAITING = "Waiting for a check"
# What the author reads when there is nothing found to explain.
AUTHOR_NOTES = {
    NEW_MEMBER: "As you're new to the forum, your first few posts are read by a moderator before others "
    "see them. This usually happens within a day.",
    CHANGED: "You've changed it since it was held, so a moderator will read the new version before others see it.",
}
MODERATOR_NOTES = {
    CHANGED: "It was held because it may have identified someone, and has been changed since. Check the new "
    "version before approving it.",
}
MARKED = "The words to look at are marked below."


@dataclass(frozen=True)
class Found:
    """What the check found in a post's text and, for an opening post, in its thread's title."""

    title: tuple[Finding, ...] = ()
    body: tuple[Finding, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.title or self.body)

    @property
    def everything(self) -> list[Finding]:
        return [*self.title, *self.body]


def check(body: str, title: str | None = None) -> Found:
    """Check a post's text, and ``title`` when it is an opening post's, each on its own (so each
    finding's position is in the text it was found in)."""
    return Found(tuple(check_personal_data(title, PLACE)) if title else (), tuple(check_personal_data(body, PLACE)))


def dump(found: Found) -> str:
    """``found`` as stored in ``Post.held_detail``."""
    return json.dumps({"title": [asdict(f) for f in found.title], "body": [asdict(f) for f in found.body]})


_FINDING_FIELDS = {f.name for f in fields(Finding)}


def load(detail: str | None) -> Found | None:
    """The findings stored by ``dump``; None when there are none (or the detail is an older plain sentence)."""
    if not detail or not detail.startswith("{"):
        return None
    try:
        stored = json.loads(detail)
        return Found(
            *(
                tuple(
                    Finding(**{k: v for k, v in item.items() if k in _FINDING_FIELDS}) for item in stored.get(part, ())
                )
                for part in ("title", "body")
            )
        )
    except (ValueError, TypeError, AttributeError):
        return None


def _in(text: str, findings) -> list[Finding]:
    # Only findings that still point at their words: a stale one is never marked in the wrong place.
    return [f for f in findings if text[f.start : f.end] == f.text]


def _seems(subject: str, findings: list[Finding]) -> str:
    return f"{subject} seems to include " + "; ".join(dict.fromkeys(f.summary for f in findings)) + "."


@dataclass(frozen=True)
class HeldNote:
    """What a page says about a held post to the person reading it, said once.

    ``text``: the advice (to its author) or a third-person summary (to a moderator); ``title`` and
    ``body``: the title and the Markdown source, escaped, with the findings in <mark>, when found there
    (a page shows ``body`` instead of the rendered post)."""

    label: str
    text: str | None
    title: Markup | None = None
    body: Markup | None = None


def held_note(
    reason: str | None, detail: str | None, body_md: str | None, title: str | None, *, to_author: bool
) -> HeldNote:
    """The note for a held post: ``title`` only for an opening post; ``to_author`` picks the kind
    second-person advice over the moderator's summary."""
    label = HOLD_LABELS.get(reason or "", WAITING)
    found = load(detail)
    if found is None and reason == PERSONAL_DATA and body_md is not None:
        found = check(body_md, title)  # held before findings were stored with the post
    if not found:
        if to_author:
            # An older post keeps the sentence it was held with.
            return HeldNote(label, AUTHOR_NOTES.get(reason or "") or (detail if reason == PERSONAL_DATA else None))
        return HeldNote(label, MODERATOR_NOTES.get(reason or ""))
    title_text, body_text = title or "", body_md or ""
    in_title = _in(title_text, found.title)
    in_body = _in(body_text, found.body)
    if to_author:
        text = explain(found.everything) + " " + MARKED
    else:
        text = " ".join(
            part
            for part in (
                _seems("This post", list(found.body)) if found.body else "",
                _seems("The thread's title", list(found.title)) if found.title else "",
            )
            if part
        )
    return HeldNote(
        label,
        text,
        highlight(title_text, in_title) if in_title else None,
        highlight(body_text, in_body) if in_body else None,
    )


def held_notes(posts, thread_title: str, viewer_id: int) -> dict[int, HeldNote]:
    """Notes for the held posts on a thread page that the viewer may read (``posts``: queries.PostRow)."""
    return {
        p.id: held_note(
            p.held_reason,
            p.held_detail,
            p.body_md,
            thread_title if p.number == 1 else None,
            to_author=p.author_id == viewer_id,
        )
        for p in posts
        if p.status == "held" and p.readable
    }


def shown_revisions(revisions, *, everything: bool) -> list[tuple[object, bool]]:
    """Earlier versions of a post, each with whether its text may be shown: its author and the
    moderators see all; others never see a version that seems to identify someone (it may be the
    very text a moderator held back)."""
    return [(r, everything or not check_personal_data(r.body_md, PLACE)) for r in revisions]
