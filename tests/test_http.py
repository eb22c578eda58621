"""The pieces of the HTTP client, without a network: parameters, waits, pacing, error
bodies, the SSE parser and answer cleaning."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from email.utils import format_datetime
import heapq
from pathlib import Path
import random
from typing import Any, TypeVar

import httpx
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import (
    AuthenticationFailed,
    BadAnswer,
    CannotConnect,
    EndpointNotFound,
    ProviderError,
    ProviderTimeout,
    ProviderUnreachable,
    RateLimited,
    RequestRejected,
    ServerFailed,
    UsageError,
)
from mdslides_prompts.providers.answers import (
    MAX_CLIP_TOKENS,
    MAX_WORDS,
    clean_answer,
    clip_prompt,
    clip_tokens,
    not_a_prompt,
)
from mdslides_prompts.providers.http import (
    Pacer,
    SSEDecoder,
    _transport_error,
    http_error,
    parse_completion,
    parse_error_body,
    parse_retry_after,
    retry_delay,
)
from mdslides_prompts.providers.options import ClientOptions, Hints, validate_params

FIXTURES = Path(__file__).parent / "fixtures"
T = TypeVar("T")

# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_tokens": 0}, "max_tokens must be between 1 and 5000, not 0"),
        ({"max_tokens": 5001}, "max_tokens must be between 1 and 5000"),
        ({"max_tokens": 12.5}, "max_tokens must be an integer"),
        ({"temperature": 2.5}, "temperature must be between 0 and 2, not 2.5"),
        ({"temperature": -0.1}, "temperature must be between 0 and 2"),
        ({"temperature": True}, "temperature must be a number"),
        ({"temperature": float("nan")}, "temperature must be a number"),
        ({"top_p": 1.5}, "top_p must be between 0 and 1"),
        ({"frequency_penalty": -2.5}, "frequency_penalty must be between -2 and 2"),
        ({"presence_penalty": 3}, "presence_penalty must be between -2 and 2"),
        ({"profile_type": "wild"}, "profile_type must be one of creative, standard, strict"),
    ],
)
def test_parameters_out_of_range_are_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        validate_params(params, profile_type=True)


def test_parameters_in_range_pass_and_profile_type_is_v1_only() -> None:
    validate_params(
        {"max_tokens": 5000, "temperature": 2, "top_p": 0.0, "frequency_penalty": -2,
         "presence_penalty": 2.0, "profile_type": "strict", "seed": 7},
        profile_type=True,
    )  # fmt: skip
    validate_params({"max_tokens": 1, "temperature": 0})
    with pytest.raises(UsageError, match="only accepted by Infomaniak's v1 route"):
        validate_params({"profile_type": "creative"})


def test_client_options_are_checked() -> None:
    assert ClientOptions.from_mapping({"rpm": 30, "max_retries": 2.0}).max_retries == 2
    for bad, message in [
        ({"rpm": -1}, "rpm must be at least 0"),
        ({"timeout": 0}, "timeout must be more than 0"),
        ({"max_retries": 1.5}, "max_retries must be a whole number"),
        ({"deadline": "soon"}, "deadline must be a number"),
    ]:
        with pytest.raises(UsageError, match=message):
            ClientOptions.from_mapping(bad)


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


def _rate_limited(retry_after: float | None = None) -> RateLimited:
    return RateLimited("HTTP 429", 429, retry_after=retry_after)


def test_waits_honour_retry_after_up_to_the_cap() -> None:
    options, rng = ClientOptions(), random.Random(1)
    assert retry_delay(options, 0, _rate_limited(7), rng) == 7
    assert retry_delay(options, 3, _rate_limited(0.25), rng) == 0.25
    assert retry_delay(options, 0, _rate_limited(3600), rng) == 120
    server = ServerFailed("HTTP 503", 503, retry_after=2)
    assert retry_delay(options, 4, server, rng) == 2


def test_429_without_retry_after_backs_off_on_a_per_minute_scale() -> None:
    options, rng = ClientOptions(), random.Random(2)
    waits = [retry_delay(options, n, _rate_limited(), rng) for n in range(6)]
    for wait, nominal in zip(waits, [5, 10, 20, 40, 60, 60], strict=True):
        assert 0.75 * nominal <= wait <= nominal
    assert len(set(waits)) == 6  # jitter


def test_transient_errors_back_off_exponentially_with_jitter() -> None:
    options, rng = ClientOptions(retry_backoff=0.5), random.Random(3)
    error = ProviderTimeout("slow")
    waits = [retry_delay(options, n, error, rng) for n in range(7)]
    for wait, nominal in zip(waits, [0.5, 1, 2, 4, 8, 8, 8], strict=True):
        assert 0.75 * nominal <= wait <= nominal


class FakeTime:
    """Virtual time: sleepers wake in order of their wake-up time, instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + seconds, self._count, future))
        await future

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        async def drive() -> T:
            task = asyncio.ensure_future(main)
            while not task.done():
                for _ in range(20):  # let every runnable task reach its next sleep
                    await asyncio.sleep(0)
                if self._sleepers and not task.done():
                    when, _, future = heapq.heappop(self._sleepers)
                    self.now = max(self.now, when)
                    future.set_result(None)
            return task.result()

        return asyncio.run(drive())


def paced_starts(pacer: Pacer, fake: FakeTime, batches: list[int], pause: float = 0) -> list[float]:
    starts: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        starts.append(fake.now)

    async def main() -> None:
        for number, batch in enumerate(batches):
            if number and pause:
                pacer.pause(pause)
            await asyncio.gather(*(one() for _ in range(batch)))

    fake.run(main())
    return starts


def test_pacer_lets_a_small_batch_go_at_once_and_pauses_everyone() -> None:
    fake = FakeTime()
    pacer = Pacer(60, clock=fake.clock, sleep=fake.sleep)
    assert paced_starts(pacer, fake, [5, 2], pause=10) == [0, 0, 0, 0, 0, 10, 10]


def test_pacer_below_one_per_minute() -> None:
    fake = FakeTime()
    starts = paced_starts(Pacer(0.5, clock=fake.clock, sleep=fake.sleep), fake, [3])
    assert starts == [0, 121, 242]


def test_pacer_at_rpm_zero_does_not_wait() -> None:
    fake = FakeTime()
    assert paced_starts(Pacer(0, clock=fake.clock, sleep=fake.sleep), fake, [100]) == [0] * 100


def test_a_hundred_slides_at_60_rpm_stay_under_the_limit() -> None:
    fake = FakeTime()
    starts = paced_starts(Pacer(60, clock=fake.clock, sleep=fake.sleep), fake, [100])
    assert len(starts) == 100 and starts[59] == 0 and starts[60:] == [61] * 40
    for first in starts:
        assert len([t for t in starts if first - 1 < t < first + 60]) <= 60


# --- errors -------------------------------------------------------------------------------

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
    error = http_error(status, "Reason", b"{}", httpx.Headers(), Hints())
    assert type(error) is cls and error.retryable is retryable and error.status == status


def test_422_names_the_parameter() -> None:
    error = http_error(422, "Unprocessable Entity", INFOMANIAK_422, httpx.Headers(), Hints())
    assert str(error) == (
        "HTTP 422 Unprocessable Entity: Validation failed: The messages.0.content must be a "
        "string. [validation_failed] (the server rejected messages.0.content)"
    )


def test_an_error_page_that_repeats_the_status_line_is_not_repeated() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    assert str(http_error(502, "Bad Gateway", page, httpx.Headers(), Hints())) == (
        "HTTP 502 Bad Gateway"
    )
    plain = b'{"error":{"message":"Service Unavailable"}}'
    assert str(http_error(503, "Service Unavailable", plain, httpx.Headers(), Hints())) == (
        "HTTP 503 Service Unavailable"
    )


def test_every_httpx_error_maps_to_ours() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/x")

    def subclasses(cls: type[Exception]) -> set[type[Exception]]:
        found = set()
        for sub in cls.__subclasses__():
            found |= {sub} | subclasses(sub)
        return found

    for cls in subclasses(httpx.HTTPError):
        if cls is httpx.HTTPStatusError:  # never raised: statuses are read, not raised
            continue
        exc = cls("boom", request=request)  # type: ignore[call-arg]
        mapped = _transport_error(exc, 5)
        assert isinstance(mapped, ProviderError), cls
        if issubclass(cls, httpx.ConnectError | httpx.ConnectTimeout):
            assert isinstance(mapped, CannotConnect) and mapped.retryable, cls
            assert str(mapped).startswith("cannot connect to 127.0.0.1:80 ("), cls
        elif issubclass(cls, httpx.TimeoutException):
            assert isinstance(mapped, ProviderTimeout), cls
        elif issubclass(cls, httpx.NetworkError | httpx.RemoteProtocolError):
            assert isinstance(mapped, ProviderUnreachable) and mapped.retryable, cls


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


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "title", "answer", "expected"), read_fixture_file(FIXTURES / "answers.md")
)
def test_answer_fixtures(line: int, title: str, answer: str, expected: str) -> None:
    assert clean_answer(answer) == expected.rstrip("\n"), title


def test_prompts_are_cut_to_the_flux_budget() -> None:
    long = ", ".join(f"detail number{i} of the scene" for i in range(40))
    cut = clip_prompt(long)
    assert len(cut.split()) <= MAX_WORDS and clip_tokens(cut) <= MAX_CLIP_TOKENS
    assert long.startswith(cut) and not cut.endswith((",", " of", " the"))
    short = "A glacier at dawn"
    assert clip_prompt(short) == short
    words = " ".join(["glacier"] * 80)
    assert len(clean_answer(words).split()) == MAX_WORDS
    assert clip_tokens("photorealistic, 16:9") == 7  # 2 for the long word, comma, 4 for 16:9


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("# # # # # # # #", "no letters"),
        ("... --- !!! 123", "no letters"),
        ("glacier glacier glacier glacier glacier glacier glacier", "over and over"),
        ("ice, ice, water, ice, ice, snow, ice, ice, ice, blue", "mostly one word"),
        ("A glacier at dawn # # # # # # # # # # # #", "one sign over and over"),
        ("A glacier \U0001f9ca \U0001f9ca \U0001f9ca \U0001f9ca \U0001f9ca \U0001f9ca", "sign"),
    ],
)
def test_answers_that_are_no_prompt_are_named(answer: str, why: str) -> None:
    assert why in (not_a_prompt(answer) or "")


@pytest.mark.parametrize(
    "answer",
    [
        "A calm lake at dawn with mist and pines",
        "Red, red, red poppies in a field of green wheat under a blue sky",
        "Eis",
        "A, B, C, D, E, F, G: a row of letter blocks on a shelf",
        "Three dots ... on a page, a pen, an inkwell",
    ],
)
def test_real_prompts_are_prompts(answer: str) -> None:
    assert not_a_prompt(answer) is None
