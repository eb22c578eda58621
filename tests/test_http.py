"""The pieces of the HTTP client, without a network: parameters, waits, pacing, httpx's
errors and answer cleaning (what the bodies say: test_wire.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import heapq
from pathlib import Path
import random
from typing import Any, TypeVar

import httpx
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import (
    CannotConnect,
    ProviderError,
    ProviderTimeout,
    ProviderUnreachable,
    RateLimited,
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
from mdslides_prompts.providers.http import Pacer, _transport_error, retry_delay
from mdslides_prompts.providers.options import ClientOptions, validate_params

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
