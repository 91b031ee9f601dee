"""``flask create-admin`` and ``flask seed-demo``."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext

from ..core import hooks
from ..core.audit import record
from ..core.timefmt import local_today
from ..extensions import db
from .applications import find_by_email
from .models import ApplicationState, Member, MemberRole, MemberStatus
from .passwords import hash_password, password_problem

DEMO_PASSWORD = "demo-pass-2026"


@click.command("create-admin")
@click.option("--email", prompt="Admin email address")
@click.option("--name", default="Association admin", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Make the first admin (or give an existing member the admin role)."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from error
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    member = find_by_email(email)
    if member is None:
        today = local_today()
        member = Member(
            name=name,
            email=email,
            area="",
            status=MemberStatus.ACTIVE,
            application_state=ApplicationState.APPROVED,
            joined_on=today,
            renewal_date=today.replace(year=today.year + 1, day=min(today.day, 28)),
        )
        db.session.add(member)
    member.password_hash = hash_password(password)
    member.status = MemberStatus.ACTIVE
    if not member.has_role("admin"):
        member.role_rows.append(MemberRole(role="admin"))
    db.session.flush()
    record("member.roles", member, "admin role given from the command line", actor=None)
    db.session.commit()
    click.echo(f"{email} is an admin and can sign in.")


@click.command("seed-demo")
@click.option("--password", default=DEMO_PASSWORD, show_default=True, help="Password for every demo account.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has members.")
@with_appcontext
def seed_demo_command(password: str, if_empty: bool) -> None:
    """Load realistic demo data: members, households, and each part's own examples."""
    from .demo import has_members, seed_members

    if has_members():
        if if_empty:
            click.echo("The database already has members; demo data not loaded.")
            return
        if find_by_email("admin@example.org") is not None:
            raise click.ClickException("Demo data is already loaded.")
    current_app.logger.info("loading demo data")
    members = seed_members(password)
    hooks.seeding_demo.send_in_app(members=members)  # the other parts, in their order
    db.session.commit()
    click.echo(f"Demo data loaded: {len(members)} members. Sign in as admin@example.org with password {password}.")
