"""Where the CLI keeps a login: a JSON file readable by its owner alone.

The file holds the server and the session's tokens. Refresh tokens rotate, so
the file is rewritten on every refresh (through ``Client(on_refresh=...)``);
otherwise the next command would present a spent refresh token and reuse
detection would end the session.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from quantis.credentials import Tokens

FILE_NAME = "credentials.json"


def config_dir() -> Path:
    """``$QUANTIS_CONFIG_DIR``, else ``~/.config/quantis``."""
    configured = os.environ.get("QUANTIS_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".config" / "quantis"


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def save(server: str, tokens: Tokens, username: str) -> None:
    """Writes the login with mode 0600, created so from the start (never readable by others)."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = json.dumps({"server": server, "username": username, "tokens": tokens.to_json()}, indent=2)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(content)
    os.chmod(temporary, 0o600)
    temporary.replace(path)


def load() -> tuple[str, str, Tokens] | None:
    """The stored (server, username, tokens), or None when nobody logged in.

    A file that holds no such login (edited, truncated, another program's) is a ValueError naming it.
    """
    path = credentials_path()
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text())
        return str(stored["server"]), str(stored.get("username", "")), Tokens.from_json(stored["tokens"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"{path} holds no readable login: log in again (quantis login) or remove the file"
        ) from error


def forget() -> bool:
    path = credentials_path()
    if not path.exists():
        return False
    path.unlink()
    return True
