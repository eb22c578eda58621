"""What OpenAI-compatible servers send, read into our data: no network, no httpx.

Bytes, text and decoded JSON in; :class:`Completion`, :class:`ErrorInfo`, :class:`Usage`
or one of our errors out. The client (:mod:`.http`) sends the requests and hands each
response's status, headers and (scrubbed) body to the functions here, so that every shape
of answer can be tested as text, and read again without the client's import cost.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
import json
import math
import re
import time
from typing import Any

from ..errors import (
    AuthenticationFailed,
    BadAnswer,
    EndpointNotFound,
    MalformedAnswer,
    ProviderHTTPError,
    ProviderUnreachable,
    RateLimited,
    RequestRejected,
    ServerFailed,
)
from .base import Usage
from .options import Hints
from .pictures import Picture

__all__ = [
    "ChunkStream",
    "Completion",
    "ErrorInfo",
    "NoAnswerBody",
    "SSEDecoder",
    "http_error",
    "image_type",
    "one_line",
    "parse_completion",
    "parse_error_body",
    "parse_picture",
    "parse_retry_after",
    "parse_usage",
    "read_json",
    "text_excerpt",
]

_RETRY_STATUSES = frozenset({408, 409, 429})
_ERROR_EXCERPT = 300


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, else ``Retry-After`` as
    seconds or as an HTTP date; ``None`` when there is no usable header.

    :param headers: response headers (case-insensitive mapping)
    :param now: the current time as a Unix timestamp (default: now)
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return ms / 1000
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        import email.utils  # only for an HTTP date, which few servers send

        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(0.0, seconds)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What an error body says, whatever its shape."""

    message: str = ""
    """The server's explanation, one line."""
    code: str | None = None
    """Its error code (``validation_failed``, ``invalid_request_error``, ...)."""
    fields: tuple[str, ...] = ()
    """The request fields it blames (``temperature``, ``messages.0.content``, ...)."""


def one_line(text: str, limit: int = _ERROR_EXCERPT) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_excerpt(text: str) -> str:
    if re.search(r"(?i)<(!doctype|html|head|body|title)\b", text):
        title = re.search(r"(?is)<title[^>]*>(.*?)</title>", text)
        h1 = re.search(r"(?is)<h1[^>]*>(.*?)</h1>", text)
        found = title or h1
        text = found.group(1) if found else re.sub(r"(?s)<[^>]*>", " ", text)
        text = re.sub(r"(?s)<[^>]*>", " ", text)
    return one_line(text, 200)


def parse_error_body(body: bytes) -> ErrorInfo:
    """Read an error body: Infomaniak's ``{"result":"error","error":{"code",
    "description","errors"}}``, OpenAI's ``{"error":{"message","type","param"}}``,
    vLLM's ``{"object":"error","message"}``, FastAPI's ``{"detail"}``, or any text."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return ErrorInfo(text_excerpt(text))
    if not isinstance(data, dict):
        return ErrorInfo(one_line(text))
    error = data.get("error")
    fields: list[str] = []
    code: Any = None
    if isinstance(error, dict):
        message = str(error.get("description") or error.get("message") or "")
        code = next((c for c in (error.get("code"), error.get("type")) if isinstance(c, str)), None)
        details = []
        for item in error.get("errors") or ():
            if not isinstance(item, dict):
                continue
            context = item.get("context")
            attribute = context.get("attribute") if isinstance(context, dict) else None
            if attribute:
                fields.append(str(attribute))
            detail = item.get("description") or item.get("message")
            if detail:
                details.append(str(detail))
        if error.get("param"):
            fields.append(str(error["param"]))
        if details:
            message = f"{message}: {'; '.join(details)}" if message else "; ".join(details)
        if not message:
            message = json.dumps(error, ensure_ascii=False)
    elif isinstance(error, str):
        message = error
        code = data.get("code") or data.get("type")
    elif isinstance(data.get("message"), str):
        message = data["message"]
        code = data.get("code") or data.get("type")
        if data.get("param"):
            fields.append(str(data["param"]))
    elif "detail" in data:
        detail = data["detail"]
        if isinstance(detail, list):
            parts = []
            for item in detail:
                if isinstance(item, dict):
                    loc = item.get("loc")
                    if isinstance(loc, list) and loc:
                        fields.append(str(loc[-1]))
                    parts.append(str(item.get("msg", item)))
            message = "; ".join(parts)
        else:
            message = str(detail)
    else:
        message = json.dumps(data, ensure_ascii=False)
    return ErrorInfo(
        one_line(message), str(code) if code not in (None, "") else None, tuple(fields)
    )


def http_error(
    status: int,
    reason: str,
    body: bytes,
    headers: Mapping[str, str],
    hints: Hints,
) -> ProviderHTTPError:
    """The error for an HTTP error *status*, with the server's words and a hint."""
    info = parse_error_body(body)
    head = f"HTTP {status}" + (f" {reason}" if reason else "")
    # An HTML error page titled "502 Bad Gateway" only repeats the status line.
    bare = re.sub(rf"^(HTTP\s*)?{status}\b\W*", "", info.message).casefold()
    said = info.message if bare != reason.casefold() else ""
    text = head + (f": {said}" if said else "")
    if info.code and info.code not in text:
        text += f" [{info.code}]"
    retry_after = parse_retry_after(headers)
    cls: type[ProviderHTTPError]
    if status in (401, 403):
        cls, hint = AuthenticationFailed, hints.auth
    elif status == 404:
        cls, hint = EndpointNotFound, hints.not_found
    elif status == 429:
        cls, hint = RateLimited, hints.rate_limited
    elif status in _RETRY_STATUSES or status >= 500:
        cls, hint = ServerFailed, ""
    elif 300 <= status < 400:
        where = headers.get("location", "")
        cls, hint = RequestRejected, f"unexpected redirect to {where or '?'}; {hints.not_json}"
    elif info.fields:
        cls, hint = RequestRejected, "the server rejected " + ", ".join(dict.fromkeys(info.fields))
    else:
        cls, hint = RequestRejected, hints.rejected
    message = f"{text} ({hint})" if hint else text
    return cls(message, status, code=info.code, retry_after=retry_after)


@dataclass(frozen=True, slots=True)
class Completion:
    """A chat answer as received, before cleaning."""

    content: str
    """The answer's text."""
    finish_reason: str | None = None
    """Why the model stopped (``stop``, ``length``, ...)."""
    usage: Usage | None = None
    """Tokens, if the answer has a ``usage`` object."""
    attempts: int = 1
    """Requests it took, retries included."""
    waited: float = 0.0
    """Seconds its requests were held back by client-side pacing (``--rpm``)."""


def parse_usage(data: Any) -> Usage | None:
    """Read the ``usage`` object of an answer or of a stream's last chunk, if it has one."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return None
    counts = [usage.get("prompt_tokens"), usage.get("completion_tokens")]
    if not any(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        return None
    prompt, completion = (c if isinstance(c, int) and c >= 0 else 0 for c in counts)
    return Usage(prompt, completion)


def _why_empty(finish_reason: str | None, reasoning: bool) -> str:
    if finish_reason == "length":
        spent = "spent the max_tokens budget reasoning" if reasoning else "ran out of max_tokens"
        return (
            f"the model returned no text (finish_reason: length: it {spent}; raise "
            "--max-tokens or choose a model that does not reason)"
        )
    if finish_reason == "content_filter":
        return "the model returned no text (finish_reason: content_filter: the answer was blocked)"
    return f"the model returned no text (finish_reason: {finish_reason or 'none given'})"


def _content_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        texts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(t for t in texts if isinstance(t, str))
    return None


def _first_item(data: Any, key: str, missing: str) -> dict[str, Any]:
    """The first object of the list under *key* of an answer; :class:`NoAnswerBody`
    saying *missing* when there is none."""
    _check_envelope(data, key)
    items = data.get(key)
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise NoAnswerBody(missing)
    return items[0]


def parse_completion(data: Any) -> Completion:
    """Read a ``chat.completion`` object; raise :class:`BadAnswer` if it holds no text."""
    choice = _first_item(data, "choices", "the answer has no choices")
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    finish = choice.get("finish_reason")
    finish = str(finish) if finish is not None else None
    content = _content_text(message.get("content"))
    if content is None or not content.strip():
        reasoning = bool(message.get("reasoning") or message.get("reasoning_content"))
        raise _empty(finish, reasoning)
    return Completion(content, finish, parse_usage(data))


def _check_envelope(data: Any, field: str) -> None:
    """Refuse an answer that is no JSON object, or an error sent with a success status."""
    if not isinstance(data, dict):
        raise NoAnswerBody("the answer is not a JSON object")
    if data.get("result") == "error" or ("error" in data and field not in data):
        info = parse_error_body(json.dumps(data).encode())
        raise MalformedAnswer(f"the server answered with an error: {info.message}")


_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_OTHER_FILES = (
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF file"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)


def image_type(data: bytes) -> str:
    """The media type of a PNG, JPEG or WebP file, from its first bytes (its magic
    number); :class:`BadAnswer` naming what *data* is for anything else."""
    for magic, media_type in _IMAGE_TYPES:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:64].lstrip()
    what = next((name for magic, name in _OTHER_FILES if head.startswith(magic)), None)
    if what is None and head[:1] == b"<":
        what = "an SVG image" if b"<svg" in data[:512].lower() else "HTML or XML text"
    if what is None and head[:1] in (b"{", b"["):
        what = "JSON text"
    what = what or "unknown data starting with " + (data[:4].hex(" ") or "nothing")
    raise BadAnswer(f"the picture is {what}, not a PNG, JPEG or WebP image")


def parse_picture(data: Any) -> Picture:
    """Read an images answer, ``{"data": [{"b64_json": ..., "revised_prompt": ...}]}``,
    into a :class:`~.pictures.Picture` (its type read from the bytes)."""
    item = _first_item(data, "data", "the answer has no data list of pictures")
    encoded = item.get("b64_json")
    if not isinstance(encoded, str):
        given = "a URL" if item.get("url") else "no picture"
        raise NoAnswerBody(f"the answer has no b64_json picture ({given} instead)")
    try:
        image = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedAnswer("the answer's b64_json is not valid base64") from None
    if not image:
        raise MalformedAnswer("the answer's b64_json holds an empty picture")
    revised = item.get("revised_prompt")
    revised = revised.strip() if isinstance(revised, str) and revised.strip() else None
    return Picture(image, image_type(image), revised)


def _empty(finish_reason: str | None, reasoning: bool) -> BadAnswer:
    """No text: the model's own doing when it says why (a spent budget, a filter), else a
    glitch worth another try."""
    model_decided = finish_reason in ("length", "content_filter") or reasoning
    error = BadAnswer if model_decided else MalformedAnswer
    return error(_why_empty(finish_reason, reasoning))


class SSEDecoder:
    """Incremental ``text/event-stream`` parser: bytes in, each event's data out.

    Chunks may split the stream anywhere (inside a line, a CRLF or a UTF-8 sequence):
    only complete lines are decoded.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._started = False

    def feed(self, chunk: bytes) -> list[str]:
        """Add *chunk*; return the data of every event it completes."""
        self._buffer += chunk
        if not self._started:
            if len(self._buffer) < 3 and b"\xef\xbb\xbf".startswith(self._buffer):
                return []
            self._buffer = self._buffer.removeprefix(b"\xef\xbb\xbf")
            self._started = True
        events: list[str] = []
        start = 0
        while True:
            cr = self._buffer.find(b"\r", start)
            lf = self._buffer.find(b"\n", start)
            if cr == lf == -1:
                break
            end = lf if cr == -1 or (lf != -1 and lf < cr) else cr
            if end == cr and end + 1 == len(self._buffer):
                break  # a CR at the end may be the first half of a CRLF
            after = end + 2 if end == cr and self._buffer[end + 1 : end + 2] == b"\n" else end + 1
            self._line(self._buffer[start:end].decode("utf-8", "replace"), events)
            start = after
        self._buffer = self._buffer[start:]
        return events

    def close(self) -> None:
        """End of stream: an event cut short (no blank line after it) is dropped, as the
        SSE standard says; the caller sees an unfinished answer and may retry."""
        self._buffer = b""
        self._data = []

    def _line(self, line: str, events: list[str]) -> None:
        if not line:
            if self._data:
                events.append("\n".join(self._data))
                self._data = []
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))


@dataclass(slots=True)
class ChunkStream:
    """Accumulates ``chat.completion.chunk`` deltas."""

    parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    reasoning: bool = False
    done: bool = False
    usage: Usage | None = None

    def add(self, data: str) -> None:
        if data.strip() == "[DONE]":
            self.done = True
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            raise MalformedAnswer(
                f"the stream sent an event that is not JSON: {one_line(data, 80)}"
            ) from None
        if not isinstance(chunk, dict):
            return
        if "error" in chunk:
            info = parse_error_body(data.encode())
            raise MalformedAnswer(f"the stream reported an error: {info.message}")
        self.usage = parse_usage(chunk) or self.usage
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                text = _content_text(delta.get("content"))
                if text:
                    self.parts.append(text)
                if delta.get("reasoning") or delta.get("reasoning_content"):
                    self.reasoning = True
            if choice.get("finish_reason") is not None:
                self.finish_reason = str(choice["finish_reason"])

    def result(self) -> Completion:
        if not self.done and self.finish_reason is None:
            raise ProviderUnreachable("the stream ended before the answer was complete")
        content = "".join(self.parts)
        if not content.strip() and self.finish_reason is None and not self.reasoning:
            # A server may end a stream it interrupted (llama-cpp-python does when a new
            # request arrives) with the role chunk and [DONE] only: cut short, not an answer.
            raise ProviderUnreachable("the stream ended with no answer and no finish_reason")
        if not content.strip():
            raise _empty(self.finish_reason, self.reasoning)
        return Completion(content, self.finish_reason, self.usage)


class NoAnswerBody(MalformedAnswer):
    """A success status whose body is no chat answer at all (not JSON, not an object, no
    choices): what a wrong base URL gets; a chat answer with no text proves the URL right."""

    where = ""
    """The address that answered (``host:port/path``), once known."""


def read_json(
    status: int, reason: str, headers: Mapping[str, str], body: bytes, hints: Hints
) -> Any:
    """The JSON of a response: :func:`http_error` for an error *status*,
    :class:`NoAnswerBody` for a success whose *body* is not JSON."""
    if not 200 <= status < 300:
        raise http_error(status, reason, body, headers, hints)
    try:
        return json.loads(body)
    except ValueError:
        kind = headers.get("content-type", "no content type").split(";")[0]
        excerpt = text_excerpt(body.decode("utf-8", "replace"))
        raise NoAnswerBody(
            f"HTTP {status} with a body that is not JSON ({kind}): {excerpt!r} ({hints.not_json})"
        ) from None
