"""The dashboard's static files, served at ``/`` next to the gRPC-web paths.

Without a built dashboard, ``/`` answers a short page saying so, rather than a bare 404 that
would leave someone who opened the bridge in a browser guessing.
"""

from __future__ import annotations

import html
from pathlib import Path

from aiohttp import web

# Where `npm run build` in clients/web writes the dashboard, in a source checkout.
BUILT_DASHBOARD = Path(__file__).resolve().parents[2] / "clients" / "web" / "dist"

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quantis</title></head>
<body><h1>Quantis</h1>
<p>The gRPC-web bridge is running, but the dashboard is not built: there is no
<code>index.html</code> in <code>{directory}</code>.</p>
<p>Build it (<code>npm run build</code> in <code>clients/web</code>) or point
<code>QUANTIS_WEB_STATIC_DIR</code> at a built copy, then reload this page.</p>
</body></html>
"""


def dashboard_dir(configured: Path | None) -> Path:
    """The configured directory, else the dashboard's build output in this checkout."""
    return configured if configured is not None else BUILT_DASHBOARD


class Dashboard:
    def __init__(self, root: Path):
        self._root = root.resolve()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        relative = request.match_info.get("path", "")
        target = (self._root / relative).resolve()
        if not target.is_relative_to(self._root):
            raise web.HTTPNotFound()
        if target == self._root or target.is_dir():
            target = target / "index.html"
        if target.is_file():
            return web.FileResponse(target)
        if target == self._root / "index.html":
            page = _NOT_BUILT.format(directory=html.escape(str(self._root)))
            return web.Response(text=page, content_type="text/html")
        raise web.HTTPNotFound()
