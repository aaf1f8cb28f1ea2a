"""Callback bodies are capped while they are read, a chunked body (no Content-Length) too.

Reproduction: only Content-Length was checked, so a chunked body was read whole before the
256 KB cap. Here the sender sends a little over the cap and then nothing more, without ending
the body: a server that reads it whole waits forever; one that caps while reading answers
413 at once."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from webapp.callbacks.routes import MAX_BODY


def _connect(live_server: str) -> socket.socket:
    parts = urlsplit(live_server)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.settimeout(5)
    return sock


def _answer(sock: socket.socket) -> bytes:
    received = b""
    try:
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    except TimeoutError:
        pass
    return received


def test_chunked_body_over_the_cap_is_refused_without_waiting_for_the_rest(
        live_server: str) -> None:
    sock = _connect(live_server)
    try:
        sock.sendall(b"POST /callbacks/paymega HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"x" * 16384
        for _ in range(MAX_BODY // len(piece) + 2):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        # The body is not finished (no terminating 0-chunk): a server that waited for the
        # rest would answer nothing before the socket's 5 s timeout.
        answer = _answer(sock)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        sock.close()


def test_declared_length_over_the_cap_is_refused_before_reading(live_server: str) -> None:
    sock = _connect(live_server)
    try:
        sock.sendall(b"POST /callbacks/paymega HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{"
                     % (MAX_BODY + 1))
        assert _answer(sock).startswith(b"HTTP/1.1 413")
    finally:
        sock.close()


@pytest.mark.parametrize("size", [10, MAX_BODY])
def test_small_chunked_bodies_are_still_read(live_server: str, size: int) -> None:
    """Under the cap, a chunked body reaches the signature check (403: unsigned), not 413."""
    sock = _connect(live_server)
    try:
        body = b"x" * size
        sock.sendall(b"POST /callbacks/paymega HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        assert _answer(sock).startswith(b"HTTP/1.1 403")
    finally:
        sock.close()
