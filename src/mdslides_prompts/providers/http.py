"""The HTTP side of OpenAI-compatible providers: pacing, retries, errors, streaming.

One :class:`ChatClient` per run holds one ``httpx.AsyncClient`` and one :class:`Pacer`
shared by every concurrent request. Each call goes::

    pacer slot → POST (JSON or SSE) → answer
                  ↳ 408/409/429/5xx, timeout, connection error: wait, then again
                    (Retry-After if the server sent one, else exponential backoff with
                    jitter; a 429 also pauses every other request), until the retries
                    or the deadline run out
                  ↳ 400/401/403/404/422: raised at once, with a hint
                  ↳ no connection, a wrong key or model, or only bodies that are no
                    chat answer, before any answer came: the run stops sending (_Health)

Errors are always ours (:mod:`mdslides_prompts.errors`): httpx exceptions are mapped
at this boundary and never chained, and the secret (the token) is scrubbed from every
message, so it can only ever travel in the ``Authorization`` header. What the bodies
say (errors, answers, streams) is read by :mod:`.wire`, which needs no httpx.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
import errno
import json
import logging
import math
import random
import re
import socket
import time
from typing import Any, Generic, TypeVar

import httpx

from ..about import __version__
from ..errors import (
    AuthenticationFailed,
    CannotConnect,
    EndpointNotFound,
    MalformedAnswer,
    ProviderError,
    ProviderHTTPError,
    ProviderTimeout,
    ProviderUnreachable,
    RateLimited,
    RequestRejected,
)
from .base import Notify, ProviderEvent
from .options import ClientOptions, Hints
from .secret import Scrubber
from .wire import (
    ChunkStream,
    Completion,
    NoAnswerBody,
    SSEDecoder,
    one_line,
    parse_completion,
    read_json,
)

__all__ = [
    "QUEUED_HINT",
    "ChatClient",
    "Pacer",
    "Posted",
    "retry_delay",
    "timeout_message",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


def retry_delay(
    options: ClientOptions, retries_done: int, error: ProviderError, rng: random.Random
) -> float:
    """Seconds to wait before the next attempt, after *retries_done* retries.

    ``Retry-After`` wins (capped at ``options.retry_after_cap``); otherwise exponential
    backoff with up to 25 % jitter downwards, on a per-minute scale for 429.
    """
    if isinstance(error, ProviderHTTPError) and error.retry_after is not None:
        return min(error.retry_after, options.retry_after_cap)
    base = options.retry_backoff
    if isinstance(error, RateLimited):
        delay = min(5 * base * 2.0**retries_done, 60 * base)
    else:
        delay = min(base * 2.0**retries_done, 16 * base)
    return delay * (1 - 0.25 * rng.random())


class Pacer:
    """At most *rpm* request starts in any one-minute window, shared by all callers.

    A sliding window, not a strict interval: a small deck goes out at full concurrency,
    and a large one waits only once the last minute's budget is spent, so it never trips
    a per-minute limit by itself. The window is a little longer than a minute
    (:data:`MARGIN`), so that requests arriving late never crowd into the server's
    minute. :meth:`pause` holds every caller back, e.g. after a 429.

    :param rpm: requests per minute; 0 turns pacing off (pauses still apply)
    :param clock: monotonic clock in seconds
    :param sleep: how to wait (``asyncio.sleep``)
    """

    MARGIN = 1.0
    """Seconds added to the window, for network delays."""

    def __init__(
        self,
        rpm: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        # Below one per minute: one request per 60/rpm seconds.
        self.limit = max(1, math.floor(rpm)) if rpm > 0 else 0
        self.window = 60.0 * self.limit / rpm + self.MARGIN if rpm > 0 else 0.0
        self._starts: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep
        self._resume = -math.inf

    async def acquire(self) -> float:
        """Wait for this caller's turn; return how long it waited."""
        began = self._clock()
        while True:
            now = self._clock()
            if self._resume > now:
                await self._sleep(self._resume - now)
                continue
            if not self.limit:
                return now - began
            while self._starts and self._starts[0] <= now - self.window:
                self._starts.popleft()
            if len(self._starts) < self.limit:
                self._starts.append(now)
                return now - began
            await self._sleep(self._starts[0] + self.window - now)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for *seconds* from now."""
        self._resume = max(self._resume, self._clock() + seconds)


def timeout_message(limit: float, what: str | None = None) -> str:
    """``no answer within 47.4 s`` (and the exception's name, if given)."""
    shown = f"{limit:.0f}" if abs(limit - round(limit)) < 0.05 else f"{limit:.1f}"
    return f"no answer within {shown} s" + (f" ({what})" if what else "")


QUEUED_HINT = (
    "time queued on the server counts: keep --concurrency at or under its parallel "
    "slots, or raise --timeout"
)
"""Said when a slide gives up after timeouts: a local server queues what it cannot run."""


def _gave_up(error: ProviderError, note: str) -> ProviderError:
    hint = f"; {QUEUED_HINT}" if isinstance(error, ProviderTimeout) else ""
    return _with_message(error, f"{error} ({note}{hint})")


def _transport_error(exc: Exception, limit: float) -> ProviderError:
    """Map an httpx exception to ours, keeping only its class name and a short text."""
    detail = one_line(str(exc), 160).rstrip(".") or type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        error = CannotConnect(f"cannot connect to {_host(exc)} ({_connect_reason(exc)})")
        error.timed_out = isinstance(exc, httpx.ConnectTimeout)
        return error
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeout(timeout_message(limit, type(exc).__name__))
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError):
        return ProviderUnreachable(f"connection failed: {detail}")
    return ProviderError(f"the request failed: {type(exc).__name__}: {detail}")


BREAKER = 3
"""Connection failures in a row, with no answer yet in the run, that stop every request
(a connect timeout while no connection was ever made in the run stops them at once)."""
CONNECT_TIMEOUT = 10.0
"""Longest wait for a connection (TCP and TLS), in seconds; at most half of the request
timeout, so that an address that never answers is told from a slow answer."""
MALFORMED = 4
"""Malformed answers, with no usable one yet in the run, that stop every request."""


@dataclass(frozen=True, slots=True)
class Posted(Generic[T]):
    """An answer of :meth:`ChatClient.post_json`, with what it cost."""

    value: T
    """The answer, as the caller's parser read it."""
    attempts: int
    """Requests sent, retries included."""
    waited: float
    """Seconds held back by client-side pacing."""


@dataclass(slots=True)
class _Tally:
    """What one call has cost so far."""

    attempts: int = 0
    """Requests sent."""
    waited: float = 0.0
    """Seconds held back by client-side pacing."""


@dataclass(slots=True)
class _Health:
    """What the run's requests have met so far, to stop early when the server is wrong."""

    connect_failures: int = 0
    """Connection failures since the last answer of any kind."""
    responses: int = 0
    """HTTP answers of any status (or streams begun)."""
    usable: int = 0
    """Answers that held a prompt."""
    malformed: int = 0
    """Success statuses whose body is no chat answer at all (not JSON, no choices)."""
    connected: bool = False
    """Whether any connection to the server was made in this run."""

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's ``trace`` extension: note that a connection was made."""
        if event.endswith(("connect_tcp.complete", "connect_unix_socket.complete")):
            self.connected = True

    def answered(self) -> None:
        self.connect_failures = 0
        self.responses += 1
        self.usable += 1

    def failed(self, error: ProviderError, hints: Hints) -> ProviderError | None:
        """Count *error*; the error that should stop the run, if it is one."""
        if isinstance(error, CannotConnect):
            if error.timed_out and self.connected:
                return None  # a busy server that stopped accepting for a while, not a wrong one
            self.connect_failures += 1
            # A connect timeout has already cost the whole connect timeout: with no
            # connection ever made in the run, a second one would only double the wait.
            if not self.responses and (error.timed_out or self.connect_failures >= BREAKER):
                return CannotConnect(f"{error}: {hints.not_json}")
            return None
        if isinstance(error, ProviderTimeout | ProviderUnreachable):
            return None  # a timeout or a dropped connection says nothing of the address
        self.connect_failures = 0
        self.responses += 1
        if isinstance(error, NoAnswerBody):
            self.malformed += 1
            if self.malformed >= MALFORMED and not self.usable:
                last = str(error).removesuffix(f" ({hints.not_json})")
                return MalformedAnswer(
                    f"{self.malformed} answers from {error.where or 'the server'} and none "
                    f"usable (last: {last}): the base URL is probably wrong; {hints.not_json}"
                )
        return None


def _names_the_model(message: str) -> bool:
    """Whether a 400's message is about the model itself (unknown, not served), not about
    this one request (its length, a parameter): then every request would fail alike."""
    text = message.lower()
    if re.search(r"context|too long|too many tokens|maximum|length", text):
        return False
    return bool(
        re.search(r"(unknown|invalid|unsupported|no such) model|model\b[^.]{0,40}\b"
                  r"(not found|does not exist|doesn't exist|unknown|invalid|not supported|"
                  r"not available|unavailable)", text)
    )  # fmt: skip


def _host(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:  # an exception raised with no request
        return "the server"
    return _address(url)


def _address(url: httpx.URL, *, path: bool = False) -> str:
    """``host:port`` of *url* (and its path): never its credentials or its query."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{port}" + (url.path if path else "")


_CONNECT_REASONS = (
    ("refused", "connection refused"),
    ("name or service not known", "unknown host"),
    ("nodename nor servname", "unknown host"),
    ("name resolution", "unknown host"),
    ("no address associated", "unknown host"),
    ("getaddrinfo", "unknown host"),
    ("network is unreachable", "network unreachable"),
    ("no route to host", "no route to host"),
    ("certificate", "TLS certificate rejected"),
    ("ssl", "TLS handshake failed"),
)


def _connect_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "no connection within the connect timeout"
    # httpx says "All connection attempts failed"; the OS error under it says why.
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 8:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            return "unknown host"
        if isinstance(cause, OSError) and cause.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[cause.errno]
    text = " ".join(str(c) for c in causes).lower()
    return next((why for key, why in _CONNECT_REASONS if key in text), one_line(str(exc), 80))


_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
    errno.ECONNRESET: "connection reset",
    errno.ETIMEDOUT: "connection timed out",
}


def _as_is(data: Any) -> Any:
    return data


def _with_message(error: ProviderError, message: str) -> ProviderError:
    if isinstance(error, ProviderHTTPError):
        return type(error)(message, error.status, code=error.code, retry_after=error.retry_after)
    return type(error)(message)


def _seconds(delay: float) -> str:
    return f"{delay * 1000:.0f} ms" if delay < 0.1 else f"{delay:.1f} s"


def _short_reason(error: ProviderError) -> str:
    if isinstance(error, ProviderHTTPError):
        return f"HTTP {error.status}"
    if isinstance(error, ProviderTimeout):
        return "timeout"
    if isinstance(error, MalformedAnswer):
        return "malformed answer"
    if isinstance(error, ProviderUnreachable):
        return "connection"
    return type(error).__name__


class ChatClient:
    """One run's connection to an OpenAI-compatible server.

    :param headers: headers for every request (``Authorization`` among them)
    :param options: pacing, timeouts and retries
    :param hints: what to tell the user after each kind of error
    :param notify: called with each retry or wait, for progress output
    :param secret: a value that must never appear in an error or answer (the token)
    :param rng: randomness for the jitter (seed it for reproducible waits)
    :param transport: what sends the requests (default: httpx's own, over the network;
        tests pass an ``httpx.MockTransport``)
    :param tls: whether it may open a TLS connection; ``False`` only for a client whose
        every request goes to a plain ``http://`` address with no proxy (see
        :func:`plain_http`)
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        options: ClientOptions,
        hints: Hints,
        notify: Notify | None = None,
        secret: str | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
        tls: bool = True,
    ) -> None:
        self.options = options
        self.hints = hints
        self._notify = notify
        self._scrub = Scrubber(secret)
        self._rng = rng or random.Random()
        self._clock = clock
        self._sleep = sleep
        self._pacer = Pacer(options.rpm, clock=clock, sleep=sleep)
        self._fatal: ProviderError | None = None
        self._health = _Health()
        self._traced = {"trace": self._health.trace}
        self._http = httpx.AsyncClient(
            headers={"User-Agent": f"mdslides-prompts/{__version__}", **headers},
            timeout=httpx.Timeout(
                options.timeout, connect=min(CONNECT_TIMEOUT, options.timeout / 2)
            ),
            limits=httpx.Limits(
                max_connections=options.concurrency, max_keepalive_connections=options.concurrency
            ),
            follow_redirects=False,
            trust_env=True,
            transport=transport,
            # Building the default SSL context (loading every CA) costs 30-40 ms before
            # the first request; a client that never opens a TLS connection skips it.
            verify=tls,
        )

    def __repr__(self) -> str:
        return f"<ChatClient rpm={self.options.rpm:g} timeout={self.options.timeout:g}>"

    def scrub(self, text: str) -> str:
        """*text* with every leak of the secret replaced by ``***`` (see :class:`Scrubber`)."""
        return self._scrub(text)

    def _scrub_bytes(self, data: bytes) -> bytes:
        # Before anything is parsed or cut short: an excerpt could hold part of the secret.
        return self._scrub.scrub_bytes(data)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def complete(self, url: str, body: Mapping[str, Any], subject: str) -> Completion:
        """POST a chat-completions *body* to *url* (paced, retried); return the answer.

        :param subject: what the request is for, in retry messages (a slide title)
        """
        tally = _Tally()
        completion = await self._guarded(lambda limit: self._post(url, body, limit), subject, tally)
        return replace(completion, attempts=tally.attempts, waited=tally.waited)

    async def post_json(
        self, url: str, body: Mapping[str, Any], subject: str, parse: Callable[[Any], T]
    ) -> Posted[T]:
        """POST a JSON *body* to *url* with the rules of :meth:`complete` (pacing, retries,
        deadline, fail-fast); return the answer read by *parse*.

        A success body is parsed as it came, unscrubbed (a picture's megabytes of base64
        are never shown): *parse* must keep the server's text out of its errors, and the
        caller scrubs what it keeps (:meth:`scrub`).
        """

        tally = _Tally()
        value = await self._guarded(
            lambda limit: self._exchange(url, limit, parse, body), subject, tally
        )
        return Posted(value, tally.attempts, tally.waited)

    async def _guarded(
        self, send: Callable[[float], Awaitable[T]], subject: str, tally: _Tally
    ) -> T:
        """:meth:`_call`; an error that every later request would meet stops them all."""
        try:
            return await self._call(send, subject, tally)
        except (AuthenticationFailed, EndpointNotFound) as exc:
            # Every later request would fail the same way: do not send them.
            self._fatal = self._fatal or exc
            raise
        except RequestRejected as exc:
            # Only before any answer: once the model has answered, a 400 is about a slide.
            if not self._health.usable and _names_the_model(str(exc)):
                self._fatal = self._fatal or exc
            raise

    def _stop_if_fatal(self, attempt: int) -> None:
        """Send nothing more once a request showed that every other would fail too."""
        if self._fatal is None:
            return
        # The same words as the request that failed, so that the slides it stopped are
        # reported with it in one line.
        error = _with_message(self._fatal, str(self._fatal))
        error.retryable = False
        error.sent = attempt > 0
        raise error

    async def get_json(self, url: str, subject: str) -> Any:
        """GET *url* (paced, retried) and return its JSON."""
        return await self._call(lambda limit: self._exchange(url, limit, _as_is), subject)

    async def _exchange(
        self, url: str, limit: float, parse: Callable[[Any], T], body: Any = None
    ) -> T:
        """GET *url*, or POST the JSON *body* to it, and read the answer with *parse* (a
        success answer to a POST unscrubbed: see :meth:`post_json`)."""
        try:
            response = await self._http.request(
                "GET" if body is None else "POST", url, json=body,
                headers={"Accept": "application/json"}, extensions=self._traced,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            raise _transport_error(exc, limit) from None
        return self._read(response, parse, raw=body is not None)

    async def _call(
        self, send: Callable[[float], Awaitable[T]], subject: str, tally: _Tally | None = None
    ) -> T:
        """Send until an answer, a final error, or the retries or deadline run out; count
        the attempts and pacing waits in *tally* and on the error raised (``error.attempts``,
        ``error.waited``)."""
        tally = tally if tally is not None else _Tally()
        try:
            return await self._attempts(send, subject, tally)
        except ProviderError as exc:
            exc.attempts, exc.waited = tally.attempts, tally.waited
            raise

    async def _attempts(
        self, send: Callable[[float], Awaitable[T]], subject: str, tally: _Tally
    ) -> T:
        started: float | None = None
        attempt = 0
        opts = self.options
        error: ProviderError | None = None
        while True:
            self._stop_if_fatal(attempt)
            waited = await self._pacer.acquire()
            tally.waited += waited
            if waited >= 1.0:
                self._event(
                    ProviderEvent(
                        "wait", f"{subject}: waited {waited:.1f} s for a request slot",
                        subject=subject, delay=waited, reason="pacing",
                    )
                )  # fmt: skip
            now = self._clock()
            started = now if started is None else started
            remaining = opts.deadline - (now - started)
            if error is not None and remaining <= 0:
                raise _gave_up(
                    error, f"gave up after {attempt} attempts: {opts.deadline:g} s deadline"
                )
            limit = min(opts.timeout, remaining)
            attempt += 1
            tally.attempts = attempt
            try:
                async with asyncio.timeout(limit):
                    answer = await send(limit)
                self._health.answered()
                return answer
            except TimeoutError:
                error = ProviderTimeout(timeout_message(limit))
            except ProviderError as exc:
                error = exc
            if self._scrub.spans(str(error)):
                error = _with_message(error, self.scrub(str(error)))
            verdict = self._health.failed(error, self.hints)
            if verdict is not None:
                self._fatal = self._fatal or verdict
                raise verdict
            elapsed = self._clock() - started
            if not error.retryable:
                raise error
            if attempt > opts.max_retries:
                tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                # No time in the words: slides failing alike are then reported in one line.
                raise _gave_up(error, f"gave up after {tries}")
            delay = retry_delay(opts, attempt - 1, error, self._rng)
            if elapsed + delay >= opts.deadline:
                raise _gave_up(
                    error,
                    f"gave up after {attempt} attempts: waiting {delay:.1f} s more "
                    f"would pass the {opts.deadline:g} s deadline",
                )
            if isinstance(error, RateLimited):
                self._pacer.pause(delay)
            total = opts.max_retries + 1
            self._event(
                ProviderEvent(
                    "retry",
                    f"{subject}: {one_line(str(error), 160)}; retrying in {_seconds(delay)} "
                    f"(attempt {attempt + 1} of {total})",
                    subject=subject, delay=delay, attempt=attempt, reason=_short_reason(error),
                )
            )  # fmt: skip
            await self._sleep(delay)

    def _event(self, event: ProviderEvent) -> None:
        log.info("%s", event.message)
        if self._notify is not None:
            self._notify(event)

    async def _post(self, url: str, body: Mapping[str, Any], limit: float) -> Completion:
        try:
            if not body.get("stream"):
                response = await self._http.post(
                    url, json=body, headers={"Accept": "application/json"}, extensions=self._traced
                )
                return self._completion(response)
            headers = {"Accept": "text/event-stream"}
            async with self._http.stream(
                "POST", url, json=body, headers=headers, extensions=self._traced
            ) as response:
                content_type = response.headers.get("content-type", "")
                if not response.is_success or "text/event-stream" not in content_type:
                    await response.aread()
                    return self._completion(response)
                decoder = SSEDecoder()
                stream = ChunkStream()
                async for chunk in response.aiter_bytes():
                    for data in decoder.feed(chunk):
                        stream.add(self.scrub(data))
                    if stream.done:
                        break
                decoder.close()
                return stream.result()
        except httpx.HTTPError as exc:
            raise _transport_error(exc, limit) from None

    def _completion(self, response: httpx.Response) -> Completion:
        return self._read(response, parse_completion)

    def _read(self, response: httpx.Response, parse: Callable[[Any], T], *, raw: bool = False) -> T:
        """*response*'s JSON read by *parse*; a body that is no answer names its address.

        :param raw: parse a success body that is JSON without scrubbing it first
        """
        try:
            return parse(self._json(response, raw=raw))
        except NoAnswerBody as exc:
            exc.where = self.scrub(_address(response.request.url, path=True))
            raise

    def _json(self, response: httpx.Response, *, raw: bool = False) -> Any:
        if raw and response.is_success:
            try:
                return json.loads(response.content)
            except ValueError:
                pass  # read below, scrubbed, into a one-line error
        return read_json(
            response.status_code,
            response.reason_phrase,
            response.headers,
            self._scrub_bytes(response.content),
            self.hints,
        )
