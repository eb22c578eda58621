"""A loopback stand-in of an OpenAI-compatible chat API, for the benchmarks.

One asyncio server on its own thread (so that, like a real API, answering costs the
client nothing but the latency): every ``POST …/chat/completions`` is answered after
``latency`` seconds with a prompt naming the slide's title; with ``limit`` set, a request
beyond ``limit`` starts in any ``window`` seconds gets an immediate 429 carrying the wait
in ``Retry-After`` and ``retry-after-ms``. HTTP/1.1 with keep-alive, nothing more.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
import json
import math
import re
import threading
import time


@dataclass
class StandIn:
    """The running server: its ``url`` and what it saw."""

    latency: float
    limit: int | None = None
    window: float = 0.0
    url: str = ""
    answered: int = 0
    """Requests answered with a prompt."""
    rejected: int = 0
    """Requests answered with 429."""
    first_request: float | None = None
    """``time.perf_counter()`` when the first request had arrived whole."""
    last_answer: float | None = None
    """``time.perf_counter()`` when the last answer was written."""
    arrivals: list[float] = field(default_factory=list)
    """``time.perf_counter()`` of every request's arrival, in order."""
    _starts: deque[float] = field(default_factory=deque)

    def _admit(self) -> float:
        """0 if the request may go on, else the seconds until it could."""
        if self.limit is None:
            return 0.0
        now = time.monotonic()
        while self._starts and self._starts[0] <= now - self.window:
            self._starts.popleft()
        if len(self._starts) >= self.limit:
            return self._starts[0] + self.window - now
        self._starts.append(now)
        return 0.0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(length.group(1))) if length else b""
                self.arrivals.append(time.perf_counter())
                if self.first_request is None:
                    self.first_request = self.arrivals[-1]
                wait = self._admit()
                if wait:
                    self.rejected += 1
                    status, headers = (
                        "429 Too Many Requests",
                        {
                            "Retry-After": str(math.ceil(wait)),
                            "retry-after-ms": str(int(wait * 1000) + 1),
                        },
                    )
                    payload = json.dumps({"error": {"message": "rate limit reached"}})
                else:
                    await asyncio.sleep(self.latency)
                    self.answered += 1
                    status, headers, payload = "200 OK", {}, _answer(body)
                data = payload.encode()
                lines = [f"HTTP/1.1 {status}", "Content-Type: application/json",
                         f"Content-Length: {len(data)}"]  # fmt: skip
                lines += [f"{k}: {v}" for k, v in headers.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
                await writer.drain()
                self.last_answer = time.perf_counter()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _answer(body: bytes) -> str:
    try:
        messages = json.loads(body)["messages"]
        text = messages[-1]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        text = ""
    title = re.search(r"^#+\s*(.+)$", text, re.M)
    subject = title.group(1).strip() if title else "a slide"
    prompt = f"A watercolor illustration of {subject}, soft morning light, no text"
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": prompt},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    })  # fmt: skip


@contextmanager
def stand_in(latency: float, limit: int | None = None, window: float = 0.0) -> Iterator[StandIn]:
    """Run a :class:`StandIn` on a background thread for the duration of a ``with`` block."""
    api = StandIn(latency, limit, window)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    server: asyncio.Server | None = None

    async def start() -> None:
        nonlocal server
        server = await asyncio.start_server(api._serve, "127.0.0.1", 0, backlog=256)
        api.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    ready.wait(5)
    try:
        yield api
    finally:

        async def stop() -> None:
            if server is not None:
                server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:  # open keep-alive connections: close their sockets too
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        if not thread.is_alive():
            loop.close()
