"""What servers send, read as text: error bodies, answers, usage and server-sent events
in, our data or our errors out (:mod:`mdslides_prompts.providers.wire`, no network).

The fixtures ``wire_errors.md`` and ``wire_streams.md`` hold real shapes seen from
Infomaniak, OpenAI, vLLM, llama.cpp, FastAPI servers and proxies; each case's input is
what came over the wire and its expectation the result, rendered as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
import random

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import (
    AuthenticationFailed,
    BadAnswer,
    EndpointNotFound,
    ProviderError,
    ProviderHTTPError,
    RateLimited,
    RequestRejected,
    ServerFailed,
)
from mdslides_prompts.providers.base import Usage
from mdslides_prompts.providers.options import Hints
from mdslides_prompts.providers.wire import (
    ChunkStream,
    NoAnswerBody,
    SSEDecoder,
    http_error,
    parse_completion,
    parse_error_body,
    parse_retry_after,
    parse_usage,
    read_json,
)

from .cli_tools import python_output

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_wire_module_imports_no_httpx() -> None:
    code = (
        "import sys, mdslides_prompts.providers.wire\n"
        "assert 'httpx' not in sys.modules, 'httpx imported'"
    )
    python_output(code)


# --- fixtures -----------------------------------------------------------------------------


def render_error(response: str) -> str:
    """The error :func:`http_error` makes of a *response* (its status line, header lines
    and body), as the fixtures write it."""
    status_line, _, body = response.partition("\n")
    status, _, reason = status_line.partition(" ")
    headers = {}
    while body.startswith(("retry-after", "location")):  # header lines before the body
        line, _, body = body.partition("\n")
        name, _, value = line.partition(": ")
        headers[name] = value
    error = http_error(int(status), reason, body.rstrip("\n").encode(), headers, Hints())
    lines = [f"{type(error).__name__}: {error}"]
    if error.code is not None:
        lines.append(f"code: {error.code}")
    if error.retry_after is not None:
        lines.append(f"retry_after: {error.retry_after:g}")
    return "\n".join(lines)


def render_stream(stream: str) -> str:
    """What a whole SSE *stream* reads as: the answer, or the error it raises."""
    decoder, chunks = SSEDecoder(), ChunkStream()
    try:
        for data in decoder.feed(stream.encode()):
            chunks.add(data)
            if chunks.done:
                break
        decoder.close()
        answer = chunks.result()
    except ProviderError as exc:
        return f"{type(exc).__name__}: {exc}"
    lines = [f"content: {answer.content}", f"finish_reason: {answer.finish_reason}"]
    if answer.usage is not None:
        lines.append(f"usage: {answer.usage.prompt_tokens} + {answer.usage.completion_tokens}")
    return "\n".join(lines)


CASES = [
    pytest.param(render, given, expected, id=f"{name}:{line}")
    for name, render in (("wire_errors", render_error), ("wire_streams", render_stream))
    for line, _title, given, expected in read_fixture_file(FIXTURES / f"{name}.md")
]


@pytest.mark.parametrize(("render", "given", "expected"), CASES)
def test_wire_fixtures(render: Callable[[str], str], given: str, expected: str) -> None:
    assert render(given) == expected.rstrip("\n")


# --- waits --------------------------------------------------------------------------------


def test_retry_after_headers() -> None:
    now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after({"retry-after": "7"}) == 7
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": later}, now=now) == 30
    assert parse_retry_after({"retry-after": later}, now=now + 60) == 0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after": "-3"}) is None
    assert parse_retry_after({}) is None


# --- error bodies -------------------------------------------------------------------------


INFOMANIAK_422 = (
    b'{"result":"error","error":{"code":"validation_failed","description":"Validation failed",'
    b'"errors":[{"code":"validation_rule_string","description":"The messages.0.content must '
    b'be a string.","context":{"attribute":"messages.0.content"}}]}}'
)


def test_error_bodies_of_every_shape() -> None:
    info = parse_error_body(INFOMANIAK_422)
    assert info.code == "validation_failed" and info.fields == ("messages.0.content",)
    assert info.message == "Validation failed: The messages.0.content must be a string."
    openai = (
        b'{"error":{"message":"Bad temp","type":"invalid_request_error","param":"temperature"}}'
    )
    info = parse_error_body(openai)
    assert (info.message, info.code, info.fields) == (
        "Bad temp", "invalid_request_error", ("temperature",)
    )  # fmt: skip
    assert parse_error_body(b'{"object":"error","message":"no such model"}').message == (
        "no such model"
    )
    assert parse_error_body(b'{"error":"model \\"x\\" not found"}').message == 'model "x" not found'
    fastapi = b'{"detail":[{"loc":["body","top_p"],"msg":"too big"}]}'
    assert parse_error_body(fastapi).fields == ("top_p",)
    html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>x</h1></body></html>"
    assert parse_error_body(html).message == "502 Bad Gateway"
    assert parse_error_body(b"upstream connect error\n\nor disconnect").message == (
        "upstream connect error or disconnect"
    )
    assert len(parse_error_body(b"x" * 5000).message) <= 300


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, RequestRejected, False), (401, AuthenticationFailed, False),
        (403, AuthenticationFailed, False), (404, EndpointNotFound, False),
        (408, ServerFailed, True), (409, ServerFailed, True), (422, RequestRejected, False),
        (429, RateLimited, True), (500, ServerFailed, True), (502, ServerFailed, True),
        (503, ServerFailed, True), (504, ServerFailed, True),
    ],
)  # fmt: skip
def test_statuses_map_to_one_error_each(
    status: int, cls: type[ProviderError], retryable: bool
) -> None:
    error = http_error(status, "Reason", b"{}", {}, Hints())
    assert type(error) is cls and error.retryable is retryable and error.status == status


def test_422_names_the_parameter() -> None:
    error = http_error(422, "Unprocessable Entity", INFOMANIAK_422, {}, Hints())
    assert str(error) == (
        "HTTP 422 Unprocessable Entity: Validation failed: The messages.0.content must be a "
        "string. [validation_failed] (the server rejected messages.0.content)"
    )


def test_an_error_page_that_repeats_the_status_line_is_not_repeated() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    assert str(http_error(502, "Bad Gateway", page, {}, Hints())) == ("HTTP 502 Bad Gateway")
    plain = b'{"error":{"message":"Service Unavailable"}}'
    assert str(http_error(503, "Service Unavailable", plain, {}, Hints())) == (
        "HTTP 503 Service Unavailable"
    )


def test_json_bodies_and_bodies_that_are_not_json() -> None:
    assert read_json(200, "OK", {}, b'{"a": 1}', Hints()) == {"a": 1}
    with pytest.raises(NoAnswerBody) as caught:
        read_json(200, "OK", {"content-type": "text/html; charset=utf-8"},
                  b"<title>Welcome to nginx!</title>", Hints(not_json="check the URL"))  # fmt: skip
    assert str(caught.value) == (
        "HTTP 200 with a body that is not JSON (text/html): 'Welcome to nginx!' (check the URL)"
    )
    with pytest.raises(ProviderHTTPError, match=r"^HTTP 500 Internal Server Error: boom"):
        read_json(500, "Internal Server Error", {}, b"boom", Hints())


def test_usage_is_read_when_it_holds_counts() -> None:
    assert parse_usage({"usage": {"prompt_tokens": 3, "completion_tokens": 4}}) == Usage(3, 4)
    assert parse_usage({"usage": {"prompt_tokens": 3}}) == Usage(3, 0)
    assert parse_usage({"usage": {"prompt_tokens": True}}) is None
    assert parse_usage({"usage": {"completion_tokens": -1, "prompt_tokens": 2}}) == Usage(2, 0)
    assert parse_usage({"usage": None}) is None and parse_usage([]) is None


# --- answers ------------------------------------------------------------------------------


def test_answers_without_text_report_why() -> None:
    def answer(content: object, finish: str | None = "stop", **message: object) -> object:
        return {"choices": [{"message": {"content": content, **message}, "finish_reason": finish}]}

    assert parse_completion(answer("A prompt")).content == "A prompt"
    parts = [{"type": "text", "text": "A "}, {"type": "text", "text": "prompt"}]
    assert parse_completion(answer(parts)).content == "A prompt"
    with pytest.raises(BadAnswer, match=r"finish_reason: length: it spent .* reasoning"):
        parse_completion(answer(None, "length", reasoning="hmm"))
    with pytest.raises(BadAnswer, match=r"finish_reason: length: it ran out of max_tokens"):
        parse_completion(answer("", "length"))
    with pytest.raises(BadAnswer, match="no choices"):
        parse_completion({"choices": []})
    with pytest.raises(BadAnswer, match="answered with an error: nope"):
        parse_completion({"result": "error", "error": {"code": "x", "description": "nope"}})


# --- server-sent events -------------------------------------------------------------------

STREAM = (
    ": keep-alive comment\r\n"
    'data: {"choices":[{"delta":{"content":"Glacier "}}]}\r\n\r\n'
    'data: {"choices":[{"delta":{"content":"caf\u00e9 \u6c37\u6cb3 "}}]}\n\n'
    'event: message\rdata: {"choices":[{"delta":{"content":"at dawn"}}]}\r\r'
    "data: [DONE]\n\n"
).encode()


def decode(pieces: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    events = [e for piece in pieces for e in decoder.feed(piece)]
    decoder.close()
    return events


def test_sse_split_at_every_byte_gives_the_same_events() -> None:
    whole = decode([STREAM])
    assert len(whole) == 4 and whole[-1] == "[DONE]" and "caf\u00e9 \u6c37\u6cb3" in whole[1]
    for cut in range(1, len(STREAM)):
        assert decode([STREAM[:cut], STREAM[cut:]]) == whole, cut
    assert decode([bytes([b]) for b in STREAM]) == whole
    rng = random.Random(4)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(STREAM)), 6))
        pieces = [STREAM[a:b] for a, b in zip([0, *cuts], [*cuts, len(STREAM)], strict=True)]
        assert decode(pieces) == whole


def test_sse_multi_line_data_bom_and_a_last_event_cut_short() -> None:
    assert decode([b"\xef\xbb", b"\xbfdata: a\ndata:b\n\ndata: c\n"]) == ["a\nb"]
