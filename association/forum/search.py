"""Forum search: SQLite FTS5 or PostgreSQL full text behind one function.

Only visible posts are in the index (``index_post`` / ``remove_post`` keep it so), and results are
filtered again by what the searcher may see. Snippets come back with the matches marked; the text
around them is escaped here, so a snippet can never carry markup from a post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import DDL, bindparam, event, select, text
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Category, Post, Thread

START, STOP = "\x02", "\x03"
SQLITE_DDL = DDL(
    "CREATE VIRTUAL TABLE IF NOT EXISTS forum_search USING fts5("
    "post_id UNINDEXED, title, body, tokenize='porter unicode61')"
)
# The document is stored (a generated column): ranking thousands of matches must not parse every
# post again, which cost ~370 ms for a common word over 50,000 posts.
POSTGRES_DDL = [
    DDL(
        "CREATE TABLE IF NOT EXISTS forum_search (post_id INTEGER PRIMARY KEY "
        "REFERENCES forum_posts(id) ON DELETE CASCADE, title TEXT NOT NULL, body TEXT NOT NULL, "
        "document tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED)"
    ),
    DDL("CREATE INDEX IF NOT EXISTS ix_forum_search_vector ON forum_search USING gin (document)"),
]


def create_search_index(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(SQLITE_DDL)
    elif connection.dialect.name == "postgresql":
        for ddl in POSTGRES_DDL:
            connection.execute(ddl)


def _create(target, connection, **kw):
    create_search_index(connection)


def _drop(target, connection, **kw):
    connection.execute(DDL("DROP TABLE IF EXISTS forum_search"))


# Tests build the schema with create_all; migrations run the same DDL.
event.listen(Post.__table__, "after_create", _create)
event.listen(Post.__table__, "before_drop", _drop)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def index_post(post: Post, thread: Thread) -> None:
    remove_post(post)
    title = thread.title if post.number == 1 else ""
    db.session.execute(
        text("INSERT INTO forum_search (post_id, title, body) VALUES (:id, :title, :body)"),
        {"id": post.id, "title": title, "body": post.body_md},
    )


def remove_post(post: Post) -> None:
    db.session.execute(text("DELETE FROM forum_search WHERE post_id = :id"), {"id": post.id})


def reindex_thread_title(thread: Thread) -> None:
    db.session.execute(
        text(
            "UPDATE forum_search SET title = :title WHERE post_id = "
            "(SELECT id FROM forum_posts WHERE thread_id = :thread AND number = 1)"
        ),
        {"title": thread.title, "thread": thread.id},
    )


@dataclass
class Hit:
    post: Post
    thread: Thread
    category: Category
    snippet: Markup


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())[:12]


def _ranked_and_snippets(words: list[str]):
    """(matches with their rank, snippets for given post ids) for this database's full text."""
    if _dialect() == "sqlite":
        match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        ranked = (
            text("SELECT post_id, rank FROM forum_search WHERE forum_search MATCH :match")
            .bindparams(match=match)
            .columns(post_id=db.Integer, rank=db.Float)
        )
        snippets = text(
            "SELECT post_id, snippet(forum_search, -1, :start, :stop, '…', 16) FROM forum_search "
            "WHERE forum_search MATCH :match AND post_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True), match=match, start=START, stop=STOP)
        return ranked, snippets
    query = " & ".join(words[:-1] + [words[-1] + ":*"])
    ranked = (
        text(
            "SELECT post_id, -ts_rank(document, q) AS rank FROM forum_search, to_tsquery('english', :q) q "
            "WHERE document @@ q"
        )
        .bindparams(q=query)
        .columns(post_id=db.Integer, rank=db.Float)
    )
    snippets = text(
        "SELECT post_id, ts_headline('english', title || ' ' || body, q, "
        "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=10') "
        "FROM forum_search, to_tsquery('english', :q) q WHERE post_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True), q=query)
    return ranked, snippets


def search(viewer, query: str, limit: int = 20, offset: int = 0) -> list[Hit]:
    """Posts matching ``query`` that ``viewer`` may see, best first, with marked snippets.

    Three statements whatever the number of matches: the page of ranked ids the viewer may see,
    snippets for that page only (making one is far dearer than ranking), then the posts.
    """
    from .access import category_filter

    words = _words(query)
    if not words:
        return []
    ranked, snippets = _ranked_and_snippets(words)
    found = ranked.subquery("found")
    ids = list(
        db.session.scalars(
            select(Post.id)
            .join(found, found.c.post_id == Post.id)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Category, Category.id == Thread.category_id)
            .where(Post.status == "visible", Thread.held.is_(False), category_filter(viewer))
            .order_by(found.c.rank, Post.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    if not ids:
        return []
    marked = {post_id: snippet for post_id, snippet in db.session.execute(snippets, {"ids": ids})}
    rows = {
        post.id: (post, thread, category)
        for post, thread, category in db.session.execute(
            select(Post, Thread, Category)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Category, Category.id == Thread.category_id)
            .where(Post.id.in_(ids))
            .options(selectinload(Post.author))
        )
    }
    return [Hit(*rows[i], _mark(marked.get(i) or "")) for i in ids if i in rows]


def _mark(snippet: str) -> Markup:
    return Markup(str(escape(snippet)).replace(START, "<mark>").replace(STOP, "</mark>"))


def outside_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic include_object: the search index is built by DDL above, not described by models."""
    return not (name or "").startswith(("forum_search", "ix_forum_search"))
