"""What a browser loads: the admin web UI at /admin and the OpenAPI docs at
/docs, both from files shipped in the package (no CDN: they work offline).

The admin UI is a static app that signs in with the admin key and talks to the
documented /v1 API only, like any other client (docs/admin.md).
"""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

HERE = Path(__file__).parent
ADMIN_DIR = HERE / "admin"
STATIC_DIR = HERE / "static"
SWAGGER = "/static/swagger-ui"
# The UI runs only its own files and talks only to this server: a script
# injected by some future bug could not load code or send data elsewhere.
ADMIN_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class AdminFiles(StaticFiles):
    """The admin UI's files, each with ADMIN_HEADERS."""

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(ADMIN_HEADERS)
        return response


def install_pages(app: FastAPI) -> None:
    """Mount /admin and /static, and serve /docs from the vendored Swagger UI."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/admin", AdminFiles(directory=ADMIN_DIR, html=True), name="admin")

    @app.get("/admin", include_in_schema=False)
    def admin() -> RedirectResponse:
        # The seed's address is /admin; the app's relative asset paths need the slash.
        return RedirectResponse("/admin/")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="persona-memory API",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
