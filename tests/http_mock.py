"""The scripts of :mod:`tests.http_server`, answered in process by ``httpx.MockTransport``.

For tests of what a request becomes (route, headers, body) and what a response becomes
(status → error, body → answer): no socket, no thread, no wait. Whatever needs a real
connection (a hang, a dropped connection, a delay, timing, connect failures) stays on
the loopback server, and a script that asks for one here fails the test at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager

import httpx

from .http_server import Recorded, Script


class MockServer:
    """Like :class:`~tests.http_server.ScriptedServer`: ``url``, ``requests``, ``posts``;
    and ``transport``, to pass to the provider instead of the network."""

    url = "http://127.0.0.1:9"
    """An address no test server listens on: a request that bypassed the transport fails."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[Recorded] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        recorded = Recorded(
            request.method,
            request.url.raw_path.decode("ascii"),
            {name.lower(): value for name, value in request.headers.items()},
            request.content,
        )
        self.requests.append(recorded)
        reply = self.script(recorded)
        if reply.hang or reply.drop or reply.delay:
            raise AssertionError("a hang, a drop or a delay needs tests/http_server.py")
        if reply.pieces is None:
            return httpx.Response(reply.status, headers=reply.headers, content=reply.payload())
        return httpx.Response(reply.status, headers=reply.headers, content=_each(reply.pieces))

    @property
    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]


async def _each(pieces: Sequence[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@contextmanager
def mock_serve(script: Script) -> Iterator[MockServer]:
    """A :class:`MockServer` for the duration of a ``with`` block (as ``serve`` does)."""
    yield MockServer(script)
