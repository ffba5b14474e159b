"""Alembic environment and revisions; run them through `server.db.migrate`."""
