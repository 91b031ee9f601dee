"""``flask backup`` and ``flask restore``: the whole database to one file and back."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from .backup import BackupError, backup_database, check_backup, default_backup_path, describe_database, restore_database


def _size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path | None) -> None:
    """Back up the whole database to PATH (default: instance/backups/association-<UTC time>)."""
    try:
        path = path or default_backup_path(current_app.instance_path, db.engine)
        backup = backup_database(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {backup.path} ({_size(backup.size)}).")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace everything in the database with the backup at PATH."""
    try:
        # Check before asking, so nobody confirms a restore that was never going to work.
        check_backup(db.engine, path)
        if not yes:
            click.confirm(f"Replace everything in {describe_database(db.engine)} with {path}?", abort=True)
        backup = restore_database(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {backup.path} ({_size(backup.size)}) into {describe_database(db.engine)}.")
