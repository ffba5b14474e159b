"""Alembic revisions, oldest first by their numeric prefix. Alembic skips this file."""
