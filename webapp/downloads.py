"""File downloads: one way to answer with an attachment that no cache keeps."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response


def attachment(body: bytes | Iterable[str] | Iterable[bytes], mimetype: str,
               filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
