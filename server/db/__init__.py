"""Persistence: SQLAlchemy models, engines and Alembic migrations.

- `server.db.models`: every table (import from the package, not the modules);
- `server.db.enums`: the string enums the tables store;
- `server.db.engine`: `create_engine(url)` and `session_factory(engine)`;
- `server.db.migrate`: `upgrade_to_head(url)`, run at start-up.

Nothing here imports grpc or generated protobuf code.
"""

from server.db.base import Base
from server.db.engine import create_engine, session_factory

__all__ = ["Base", "create_engine", "session_factory"]
