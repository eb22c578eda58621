"""A real HTTP server on 127.0.0.1 for provider tests: scripted replies, recorded requests.

Each request is recorded, then answered by the server's ``script`` (a function from the
recorded request to a :class:`Reply`): a status with headers and body, a delay, a body
sent in pieces (for server-sent events cut at arbitrary bytes), a hang, or a dropped
connection. No mock of httpx: the providers talk to this server over TCP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import random
import re
import socket
import threading
import time
from typing import Any, Protocol, TypeVar

from mdslides_prompts.errors import ProviderError


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    time: float = field(default_factory=time.monotonic)
    """When it arrived (monotonic clock)."""

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """How to answer one request."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""
    pieces: Sequence[bytes] | None = None
    """Send the body as these pieces, flushed one by one (closes the connection after)."""
    hang: bool = False
    """Send nothing until the server stops."""
    drop: bool = False
    """Close the connection without answering."""

    def payload(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


def chat(content: str | None, finish_reason: str | None = "stop", **extra: Any) -> Reply:
    """A ``chat.completion`` answer."""
    message: dict[str, Any] = {"role": "assistant", "content": content, **extra}
    return Reply(
        body={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "test-model",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        },
        headers={"Content-Type": "application/json"},
    )


def sse_events(
    parts: Sequence[str], finish_reason: str = "stop", usage: tuple[int, int] | None = None
) -> bytes:
    """A whole SSE stream of ``chat.completion.chunk`` events ending with ``[DONE]``.

    :param usage: (prompt, completion) tokens, sent as OpenAI and llama.cpp's server do
        when asked for them: a last chunk with no choices
    """
    chunks: list[dict[str, Any]] = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
    chunks += [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in parts]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]})
    if usage is not None:
        prompt, completion = usage
        counts = {"prompt_tokens": prompt, "completion_tokens": completion}
        chunks.append({"choices": [], "usage": {**counts, "total_tokens": prompt + completion}})
    events = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return "".join(events).encode()


Script = Callable[[Recorded], Reply]


class ScriptedServer:
    """The server: ``url``, ``requests`` (recorded, in arrival order) and ``script``."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with outer.lock:
                    outer.requests.append(recorded)
                outer.answer(self, outer.script(recorded))

            do_GET = do_POST = _handle

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default, 5, delays bursts of new connections

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.delay:
            self.stopping.wait(reply.delay)
        if self.stopping.is_set():
            # Stopping: the client is gone (a cancelled request), and writing to its
            # socket would print a BrokenPipeError from this thread after the tests.
            handler.close_connection = True
            return
        if reply.hang:
            self.stopping.wait(30)
            handler.close_connection = True
            return
        if reply.drop:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = reply.payload()
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if reply.pieces is None:
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        # No length: the body runs until the connection closes, piece by piece.
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        for piece in reply.pieces:
            handler.wfile.write(piece)
            handler.wfile.flush()
            time.sleep(0.002)

    @property
    def posts(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@contextmanager
def serve(script: Script) -> Iterator[ScriptedServer]:
    """Run a :class:`ScriptedServer` for the duration of a ``with`` block."""
    server = ScriptedServer(script)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def queue(*replies: Reply, then: Reply | None = None) -> Script:
    """A script that answers with *replies* in order, then *then* (default: a chat answer)."""
    pending = list(replies)
    lock = threading.Lock()

    def script(request: Recorded) -> Reply:
        with lock:
            if pending:
                return pending.pop(0)
        return then or chat("A glacier at dawn, wide view, soft light")

    return script


def infomaniak_error(code: str, description: str, **more: Any) -> dict[str, Any]:
    """Infomaniak's error envelope."""
    return {"result": "error", "error": {"code": code, "description": description, **more}}


def slide_of(request: Recorded) -> str:
    """The slide title a chat request is about (from the default user message)."""
    user = request.json["messages"][-1]["content"]
    found = re.search(r"^Slide title: (.*)$", user, re.M)
    return found.group(1) if found else "?"


HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
HTML_WELCOME = "<html><head><title>Welcome to nginx!</title></head><body>nginx</body></html>"


def fault_script(seed: int, rate: float) -> tuple[Script, dict[str, int]]:
    """A chat server that fails *rate* of the attempts, in every retryable way, seeded per
    (slide, attempt) so a run is reproducible whatever the order requests arrive in.

    :return: the script, and a count of the faults it served by kind (filled as it runs)
    """
    attempts: dict[str, int] = {}
    faults: dict[str, int] = {}
    lock = threading.Lock()

    def script(request: Recorded) -> Reply:
        slide = slide_of(request)
        with lock:
            attempt = attempts[slide] = attempts.get(slide, 0) + 1
        rng = random.Random(f"{seed}:{slide}:{attempt}")
        if rng.random() >= rate:
            return chat(f"A calm illustration for {slide}, soft light")
        fault = rng.choice([
            Reply(500, b"Internal Server Error"),
            Reply(502, HTML_502, {"Content-Type": "text/html"}),
            Reply(503, infomaniak_error("service_unavailable", "Service Unavailable")),
            Reply(504, b""),
            Reply(429, infomaniak_error("too_many_requests", "Too many requests")),
            Reply(429, b"", {"retry-after-ms": "20"}),
            Reply(408, b""),
            Reply(drop=True),
            Reply(hang=True),
            # Malformed answers with a success status: a proxy's page, no choices, no text.
            Reply(200, HTML_WELCOME, {"Content-Type": "text/html"}),
            Reply(200, {"object": "chat.completion", "choices": []}),
            chat(None),
            Reply(200, b"", {"Content-Type": "application/json"}),
        ])  # fmt: skip
        kind = "hang" if fault.hang else "drop" if fault.drop else str(fault.status)
        if fault.status == 200 and not (fault.hang or fault.drop):
            kind = "200 malformed"
        with lock:
            faults[kind] = faults.get(kind, 0) + 1
        return fault

    return script, faults


@contextmanager
def unanswered_port() -> Iterator[int]:
    """A port on 127.0.0.1 where a connection is never made: it listens with a full
    backlog and never accepts, so the kernel drops every new SYN (as a firewall or a host
    that is down does) and a connect attempt waits until it times out."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(4):  # more than the backlog holds
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.05)
        yield port
    finally:
        for sock in (*fillers, listener):
            sock.close()


def asks_art(request: Recorded) -> bool:
    """Whether *request* asks for a deck's art direction (its user message holds the
    deck between ``<deck>`` lines), not for a slide's prompt."""
    body = request.json
    messages = body.get("messages", []) if isinstance(body, dict) else []
    return any("<deck>" in str(m.get("content", "")) for m in messages)


def slide_posts(posts: Sequence[Recorded]) -> list[Recorded]:
    """The requests of *posts* that ask for a slide's prompt (not an art direction)."""
    return [p for p in posts if not asks_art(p)]


class Closable(Protocol):
    """A provider of either kind: it closes."""

    async def aclose(self) -> None: ...


P = TypeVar("P", bound=Closable)
T = TypeVar("T")


def each_answer(
    make: Callable[[], P], ask: Callable[[P, int], Awaitable[T]], count: int
) -> list[T | ProviderError]:
    """Make a provider in an event loop, ask it *count* times in turn (*ask* gets the
    provider and the call's number), close it: each answer or error, in order."""

    async def run() -> list[T | ProviderError]:
        provider = make()
        results: list[T | ProviderError] = []
        try:
            for index in range(count):
                try:
                    results.append(await ask(provider, index))
                except ProviderError as exc:
                    results.append(exc)
        finally:
            await provider.aclose()
        return results

    return asyncio.run(run())
