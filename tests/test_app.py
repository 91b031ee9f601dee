"""The app as a whole: health check, configuration, headers and error pages."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from association import create_app
from association.extensions import db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_production_refuses_to_start_without_secret_key_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production")


def test_production_sets_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SECURE"] and not app.debug


def test_unknown_configuration_is_refused():
    with pytest.raises(RuntimeError, match="Unknown configuration"):
        create_app("staging")


def test_development_keeps_one_generated_secret_key(tmp_path):
    from config import development_secret_key

    first = development_secret_key(tmp_path)
    assert len(first) == 64
    assert development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"We can&#39;t find that page" in response.data or b"We can't find that page" in response.data
    assert b"<nav" in response.data


def test_404_as_json_for_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_expired_csrf_token_gets_a_kind_page(database_url):
    from tests.support import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert b"expired" in response.data.lower()
    assert b"nothing was saved" in response.data.lower() or b"not saved" in response.data.lower()


def test_server_error_page_hides_details(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Sorry, something went wrong" in response.data


def test_sqlite_runs_with_foreign_keys_on(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fk.sqlite'}"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_trusted_proxies_come_from_the_environment_and_give_the_real_address():
    import subprocess
    import sys

    code = "import config; print(config.Config.TRUSTED_PROXIES)"
    env = {"TRUSTED_PROXIES": "1", "PATH": "/usr/bin:/bin"}
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    assert (
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root, check=True
        ).stdout.strip()
        == "1"
    )
    from association import create_app

    app = create_app("testing", {"TRUSTED_PROXIES": 1})

    @app.get("/_address")
    def _address():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    answer = app.test_client().get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert answer.get_data(as_text=True) == "203.0.113.7 https"


def test_production_warns_when_sign_in_limits_live_in_one_process(monkeypatch, caplog):
    from association import create_app

    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with caplog.at_level("WARNING"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"})
    assert "each keeps its own sign-in limits" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        create_app(
            "production", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14"}
        )
    assert "sign-in limits" not in caplog.text
