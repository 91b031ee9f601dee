"""What stored text may contain: one line without control characters, or lines without NUL.

A name, a subject or a title ends up in email headers, CSV cells, iCalendar lines and log lines,
where a line break starts a new header or record: a CR/LF in an applicant's name once made every
outgoing email fail. PostgreSQL refuses a NUL byte in any text. The same rule is applied at three
levels: the forms (``core/forms.py``), the CSV import (``members/csv_io.py``), and here, for every
``String`` column of every table, so that no code path can store such a value: at flush for the
ORM's objects (before any statement of the flush runs), and before execution for INSERT and UPDATE
statements written directly (``insert_or_ignore``, counters, the outbox worker, bulk updates).

A ``String`` column holds one line; ``Text`` holds several. A ``String`` column that is meant to
hold several lines says so with ``info={"multiline": True}`` (no schema change: ``info`` is not DDL).
"""

from __future__ import annotations

import re

from sqlalchemy import Insert, String, Table, Text, Update, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.sql.elements import BindParameter

from .errors import DomainError

# C0 controls (NUL, TAB, LF, CR …), DEL, C1 controls (NEL U+0085 among them), and the Unicode line
# and paragraph separators, which str.splitlines() and many mail and CSV readers take as line ends.
NOT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def breaks_the_line(value: str) -> bool:
    """True when ``value`` holds anything a one-line field may not: line breaks, tabs, controls."""
    return NOT_ON_ONE_LINE.search(value) is not None


def has_nul(value: str) -> bool:
    return "\x00" in value  # a plain scan: mail bodies are long and checked on every insert


def one_line(value: str) -> str:
    """``value`` with every run of control characters made one space: for text put on one line."""
    return NOT_ON_ONE_LINE.sub(" ", value).strip()


class UnsafeTextError(DomainError):
    """A value with control characters was about to be stored in a column that cannot hold it."""

    def __init__(self, table: str, column: str, multiline: bool):
        self.table, self.column, self.multiline = table, column, multiline
        label = column.replace("_", " ")
        if multiline:
            super().__init__(f"Please remove special characters (a NUL byte) from the {label}.")
        else:
            super().__init__(f"Please remove line breaks or special characters from the {label}.")


_columns_by_mapper: dict[Mapper, tuple[tuple[str, str, bool], ...]] = {}


def _text_columns(mapper: Mapper) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, column name, multi-line?) for every String or Text column of a model."""
    known = _columns_by_mapper.get(mapper)
    if known is not None:
        return known
    found = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if isinstance(column.type, String):
            multiline = isinstance(column.type, Text) or bool(column.info.get("multiline"))
            found.append((prop.key, column.name, multiline))
    known = _columns_by_mapper[mapper] = tuple(found)
    return known


def _check(value, table: str, column: str, multiline: bool) -> None:
    if isinstance(value, str) and (has_nul(value) if multiline else breaks_the_line(value)):
        raise UnsafeTextError(table, column, multiline)


def check_text_before_flush(session: Session, _context, _instances) -> None:
    """Refuse the whole flush when any new or changed text value breaks the rule above.

    Raised before any statement of the flush runs; the caller's transaction is then rolled back by
    whoever owns it (the error handler for a request), so nothing is half-written.
    """
    for obj in session.new:
        state = inspect(obj)
        for key, column, multiline in _text_columns(state.mapper):
            _check(state.dict.get(key), state.mapper.local_table.name, column, multiline)
    for obj in session.dirty:
        state = inspect(obj)
        for key, column, multiline in _text_columns(state.mapper):
            if key in state.committed_state:  # changed since it was loaded: check what was set
                for value in state.attrs[key].history.added:
                    _check(value, state.mapper.local_table.name, column, multiline)


_columns_by_table: dict[Table, dict[str, bool]] = {}


def _table_rules(table: Table) -> dict[str, bool]:
    """{column key: multi-line?} for the String and Text columns of a table."""
    rules = _columns_by_table.get(table)
    if rules is None:
        rules = _columns_by_table[table] = {
            column.key: isinstance(column.type, Text) or bool(column.info.get("multiline"))
            for column in table.columns
            if isinstance(column.type, String)
        }
    return rules


def _check_values(values, table: Table, rules: dict[str, bool]) -> None:
    if not isinstance(values, dict):
        return  # positional rows: none in this app
    for key, value in values.items():
        key = getattr(key, "key", key)  # a Column or an ORM attribute, or its name
        if key in rules:
            if isinstance(value, BindParameter):
                value = value.value
            _check(value, table.name, key, rules[key])


def check_text_in_statement(_conn, statement, multiparams, params, _options):
    """The same rule for INSERT and UPDATE statements, whoever builds them."""
    if not isinstance(statement, (Insert, Update)) or not isinstance(statement.table, Table):
        return
    table = statement.table
    rules = _table_rules(table)
    if not rules:
        return
    _check_values(statement._values or {}, table, rules)
    for rows in getattr(statement, "_multi_values", None) or ():
        for row in rows:
            _check_values(row, table, rules)
    for values in multiparams or ():
        for row in values if isinstance(values, (list, tuple)) else [values]:
            _check_values(row, table, rules)
    _check_values(params or {}, table, rules)


def install(app) -> None:
    """Check every session's flushes (listened once per process, however many apps are made), and
    answer a request that reached this check with a 400 and the message, after a rollback."""
    if not event.contains(Session, "before_flush", check_text_before_flush):
        event.listen(Session, "before_flush", check_text_before_flush)
    if not event.contains(Engine, "before_execute", check_text_in_statement):
        event.listen(Engine, "before_execute", check_text_in_statement)

    @app.errorhandler(UnsafeTextError)
    def _unsafe_text(error: UnsafeTextError):
        from flask import jsonify, render_template, request

        from ..extensions import db

        db.session.rollback()
        title = "Something in that request was not right"
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=title, detail=str(error)), 400
        return render_template("core/error.html", status=400, title=title, detail=str(error)), 400
