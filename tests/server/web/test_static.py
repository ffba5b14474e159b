"""The dashboard's files at `/`, and a page that says so when it is not built."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from yarl import URL


async def test_not_built_page(bridge: str, http: aiohttp.ClientSession, dashboard: Path) -> None:
    async with http.get(f"{bridge}/") as response:
        assert response.status == 200 and response.content_type == "text/html"
        page = await response.text()
    assert "dashboard is not built" in page and str(dashboard) in page
    async with http.get(f"{bridge}/app.js") as missing:
        assert missing.status == 404


async def test_built_dashboard_is_served(bridge: str, http: aiohttp.ClientSession, dashboard: Path) -> None:
    (dashboard / "assets").mkdir(parents=True)
    (dashboard / "index.html").write_text("<!doctype html><title>Quantis dashboard</title>")
    (dashboard / "assets" / "app.js").write_text("console.log('quantis')")
    (dashboard.parent / "secret.txt").write_text("outside the dashboard")
    async with http.get(f"{bridge}/") as index:
        assert "Quantis dashboard" in await index.text()
    async with http.get(f"{bridge}/assets/app.js") as script:
        assert script.status == 200 and "javascript" in script.content_type
        assert await script.text() == "console.log('quantis')"
    # Encoded, so the client sends the dots as they are instead of resolving them.
    async with http.get(URL(f"{bridge}/%2E%2E/secret.txt", encoded=True)) as outside:
        assert outside.status == 404
