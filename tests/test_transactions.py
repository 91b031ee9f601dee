"""The rule for who commits (core/database.py's docstring), checked on the source with ast.

Rule functions flush; the view, CLI command or job that owns the request commits. A function outside
those that commits anyway must own its transaction and say "Commits" in its docstring. A module
named queries.py only reads, and never commits.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "association"

# Modules that own a request, a command or a job, where commits belong:
#   …views.py   the pages (views.py, auth_views.py, campaign_views.py, pack_views.py, …)
#   …cli.py     flask commands (cli.py, backup_cli.py)
#   jobs.py     the daily-job runner, which commits each job's claim
#   worker.py   the outbox worker: each message's step is committed at once (its docstring says why)
#   demo.py     the seeders of `flask seed-demo`
#   serve.py    `make run`'s server with its worker
# Every other module holds rules (posting.py, scheduling.py, queries.py, feeds.py's functions …).
CALLER_SUFFIXES = ("views.py", "cli.py")
CALLER_MODULES = {"jobs.py", "worker.py", "demo.py", "serve.py"}
# A function routed by a blueprint is a view wherever it lives (events/feeds.py serves the feeds).
ROUTE_DECORATORS = {"route", "get", "post"}
SAYS_IT_COMMITS = re.compile(r"\bCommits\b")


def _is_caller_module(path: Path) -> bool:
    return path.name.endswith(CALLER_SUFFIXES) or path.name in CALLER_MODULES


def _is_route(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def _commits(tree: ast.AST):
    """(line, the innermost function around it or None) for every ``….commit()`` call."""

    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from walk(child, child)
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "commit":
                yield child.lineno, function
            yield from walk(child, function)

    yield from walk(tree, None)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.relative_to(PACKAGE.parent), ast.parse(path.read_text(encoding="utf-8"))


def test_no_queries_module_commits():
    found = [
        f"{name}:{line}" for path, name, tree in _modules() if path.name == "queries.py" for line, _ in _commits(tree)
    ]
    assert found == [], "a queries.py module only reads: return what was written and let the caller commit"


def test_a_rule_function_that_commits_says_so():
    unsaid = [
        f"{name}:{line} {function.name if function else '(module level)'}"
        for path, name, tree in _modules()
        if not _is_caller_module(path)
        for line, function in _commits(tree)
        if function is None or not (_is_route(function) or SAYS_IT_COMMITS.search(ast.get_docstring(function) or ""))
    ]
    assert unsaid == [], (
        "rule functions flush and their caller commits; one that must own its transaction says "
        "'Commits' (and why) in its docstring"
    )


def test_the_check_sees_what_it_is_meant_to():
    """The walk itself: a commit in a nested function belongs to that function; routes are views."""
    tree = ast.parse(
        "@bp.get('/x')\n"
        "def page():\n"
        "    db.session.commit()\n"
        "def rule():\n"
        "    '''Does a thing. Commits.'''\n"
        "    def step():\n"
        "        db.session.commit()\n"
        "    db.session.commit()\n"
    )
    found = {(line, function.name) for line, function in _commits(tree)}
    assert found == {(3, "page"), (7, "step"), (8, "rule")}
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    assert _is_route(functions["page"]) and not _is_route(functions["rule"])
    assert SAYS_IT_COMMITS.search(ast.get_docstring(functions["rule"]))
    assert not SAYS_IT_COMMITS.search("The caller commits.")
