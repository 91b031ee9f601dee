"""Entry point for gunicorn (``wsgi:app``) and the ``flask --app wsgi`` commands."""

from association import create_app

app = create_app()
