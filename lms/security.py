"""HTTP hardening shared by every feature: security headers and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["ENV"] == "production" and request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static" and "Cache-Control" not in headers:
            # Pages may hold personal data: shared office computers must not cache them.
            headers["Cache-Control"] = "no-store"
        return response
