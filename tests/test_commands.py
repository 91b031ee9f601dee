"""The command-line contract: create-admin, seed-demo and worker."""

from __future__ import annotations

from sqlalchemy import func, select

from association.extensions import db
from association.members.models import Household, Member


def test_create_admin_with_options_and_bad_input(app):
    runner = app.test_cli_runner()
    bad_email = runner.invoke(args=["create-admin", "--email", "nope", "--password", "kettle-lantern-orchard"])
    assert bad_email.exit_code != 0 and "email" in bad_email.output.lower()
    weak = runner.invoke(args=["create-admin", "--email", "boss@example.org", "--password", "password123"])
    assert weak.exit_code != 0 and "common" in weak.output
    ok = runner.invoke(args=["create-admin", "--email", "Boss@Example.org", "--password", "kettle-lantern-orchard"])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        boss = db.session.scalar(select(Member).where(Member.email == "boss@example.org"))
        assert boss.has_role("admin") and boss.status == "active"
    client = app.test_client()
    assert (
        client.post("/login", data={"email": "boss@example.org", "password": "kettle-lantern-orchard"}).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin"], input="p@example.org\nkettle-lantern-orchard\nkettle-lantern-orchard\n"
    )
    assert result.exit_code == 0, result.output


def test_seed_demo_loads_the_named_accounts_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", "demo-pass-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        members = {m.email: m for m in db.session.scalars(select(Member))}
        assert 38 <= len(members) <= 45
        assert members["admin@example.org"].has_role("admin")
        assert members["moderator@example.org"].roles == {"moderator"}
        assert members["strategy@example.org"].roles == {"strategy"}
        assert members["carer@example.org"].roles == set() and members["carer@example.org"].household_id
        assert members["applicant@example.org"].status == "applicant"
        assert db.session.scalar(select(func.count()).select_from(Household)) >= 3
        assert len({m.approval_category for m in members.values()}) >= 4
    client = app.test_client()
    assert client.post("/login", data={"email": "carer@example.org", "password": "demo-pass-2026"}).status_code == 302
    assert b"Jo Fletcher" in client.get("/members/", query_string={"q": "fletcher"}).data
    assert runner.invoke(args=["seed-demo"]).exit_code != 0
    assert "not loaded" in runner.invoke(args=["seed-demo", "--if-empty"]).output


def test_worker_once_drains_the_outbox(app, smtp):
    app.test_client().post("/password/reset", data={"email": "nobody@example.org"})
    runner = app.test_cli_runner()
    from tests.support import add_member

    member = add_member(app, "Jo Carer")
    app.test_client().post("/password/reset", data={"email": member.email})
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert smtp.wait_for(member.email)


def test_serve_refuses_a_busy_port_in_words_before_touching_the_database(app, monkeypatch):
    """`make run` is one `flask serve`: a second copy must not start (and poll the first one's outbox)."""
    import socket

    from association import serve

    upgraded = []
    monkeypatch.setattr("flask_migrate.upgrade", lambda *a, **k: upgraded.append(True))
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert "already in use" in serve.port_problem("127.0.0.1", port)
        result = app.test_cli_runner().invoke(args=["serve", "--port", str(port)])
    assert result.exit_code != 0 and f"Port {port} is already in use" in result.output
    assert f"make run PORT={port + 1}" in result.output and upgraded == []
    assert serve.port_problem("127.0.0.1", port) is None  # free again once released


def test_serve_migrates_seeds_once_and_starts_the_worker_in_one_process(app, monkeypatch):
    from association import serve
    from association.mail.worker import STOP

    steps = []
    monkeypatch.setattr("flask_migrate.upgrade", lambda *a, **k: steps.append("migrate"))
    monkeypatch.setattr(serve, "_send_mail_in_background", lambda app: steps.append("worker"))
    monkeypatch.setattr(serve, "run_simple", lambda host, port, app, **kw: steps.append(f"serve {host}:{port}"))
    result = app.test_cli_runner().invoke(args=["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert steps == ["migrate", "worker", "serve 127.0.0.1:0"] and "Demo data loaded" in result.output
    again = app.test_cli_runner().invoke(args=["serve", "--port", "0"])
    stopped = STOP.is_set()  # serving ended: the worker thread is told to stop
    STOP.clear()  # the rest of the session delivers mail with deliver_due
    assert "demo data not loaded" in again.output and stopped
