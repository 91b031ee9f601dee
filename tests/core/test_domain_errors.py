"""DomainError: the one root of the refusals rules raise for people, and how a view shows one."""

from __future__ import annotations

import ast
from pathlib import Path

from wtforms import Form, StringField

from association.core.errors import DomainError
from association.core.forms import show_domain_error

PACKAGE = Path(__file__).resolve().parents[2] / "association"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_every_refusal_for_people_derives_from_domain_error():
    """A new ``class XError(ValueError)`` would be a refusal views can't show the usual way."""
    direct = [
        f"{path.relative_to(PACKAGE.parent)}: {node.name}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and node.name != "DomainError"
        and any(isinstance(base, ast.Name) and base.id == "ValueError" for base in node.bases)
    ]
    assert direct == [], "derive these from association.core.errors.DomainError"


def test_no_view_chooses_a_field_by_the_words_of_a_message():
    """``"places" in str(error)`` breaks as soon as the wording changes: the rule names the field."""
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for path, tree in _modules()
        if path.name.endswith("views.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        and any(
            isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id == "str"
            for part in ast.walk(node.comparators[0])
        )
    ]
    assert found == []


class _Form(Form):
    name = StringField("Name")
    notes = StringField("Notes")


def test_a_refusal_naming_a_field_goes_beside_it():
    form = _Form()
    show_domain_error(form, DomainError("There is already one called that.", field="name"))
    assert form.name.errors == ["There is already one called that."]
    assert form.notes.errors == () and form.form_errors == []
    show_domain_error(form, DomainError("And another thing.", field="name"))
    assert form.name.errors == ["There is already one called that.", "And another thing."]


def test_a_refusal_about_the_whole_form_goes_at_its_top():
    form = _Form()
    show_domain_error(form, DomainError("This thread is locked."))
    show_domain_error(form, DomainError("About a field this form doesn't have.", field="elsewhere"))
    assert form.form_errors == ["This thread is locked.", "About a field this form doesn't have."]
    assert list(form.errors.values()) == [form.form_errors]  # so forms.form_errors draws its summary
