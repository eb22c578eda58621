"""The infomaniak and openai providers against a real HTTP server on 127.0.0.1.

Every behaviour the Infomaniak API is known for (reference: infomaniak-api.md) is
scripted on the server: routes, error envelopes, rate limits, gateway errors, HTML,
empty or null answers, hangs, streams cut anywhere; plus the provider switch of the CLI.
Tests of what a request or a response becomes, with nothing timed and no connection
fault, run the same scripts in process through ``httpx.MockTransport`` (``mock_serve``).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator, Mapping
from dataclasses import replace
import json
import logging
import os
from pathlib import Path
import re
import socket
import subprocess
import sys
import time
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import pytest

from mdslides_prompts import (
    Action,
    AuthenticationFailed,
    BadAnswer,
    CannotConnect,
    Deck,
    EndpointNotFound,
    Pipeline,
    PromptContext,
    PromptRequest,
    ProviderError,
    ProviderEvent,
    ProviderTimeout,
    RequestRejected,
    ServerFailed,
    Settings,
    UsageError,
    get_plugin_manager,
    hookimpl,
)
from mdslides_prompts.cache import cache_key
from mdslides_prompts.cli import main
from mdslides_prompts.providers.http import _Health
from mdslides_prompts.providers.infomaniak import DEFAULT_MODEL, create_infomaniak
from mdslides_prompts.providers.openai import create_openai
from mdslides_prompts.providers.options import Hints

from .http_mock import MockServer, mock_serve
from .http_server import (
    Recorded,
    Reply,
    Script,
    ScriptedServer,
    asks_art,
    chat,
    each_answer,
    fault_script,
    infomaniak_error,
    queue,
    serve,
    slide_of,
    slide_posts,
    sse_events,
    unanswered_port,
)

TOKEN = "tok-S3CRET-4f9a2c7e1b"
PRODUCT = "105432"
FAST = {"rpm": 0, "retry_backoff": 0.002, "timeout": 3, "max_retries": 3}
"""Connection options that keep tests fast: no pacing, millisecond backoff."""

REQUEST = PromptRequest(
    (
        {"role": "system", "content": "You write prompts."},
        {"role": "user", "content": "Slide title: Glaciers\nSlide content (Markdown):\n# Glaciers"},
    ),
    PromptContext(slide_text="# Glaciers", slide_title="Glaciers"),
)
CHAT_V2 = f"/2/ai/{PRODUCT}/openai/v1/chat/completions"
CHAT_V1 = f"/1/ai/{PRODUCT}/openai/chat/completions"
ART = "watercolour on rough paper, slate blue and ochre, soft morning light, calm mood"
"""The art direction the scripted servers give a deck (:func:`answering_art`)."""
ART_TAIL = ". Watercolour on rough paper, slate blue and ochre, soft morning light, calm mood"
"""What every prompt of such a deck ends with."""


def answering_art(script: Script) -> Script:
    """*script* for the slides' requests; a deck's art-direction request is answered
    with :data:`ART`, so that a test of the slides' requests fails only those."""
    return lambda request: chat(ART) if asks_art(request) else script(request)


def env(server: ScriptedServer | MockServer, **more: str) -> dict[str, str]:
    return {
        "INFOMANIAK_API_TOKEN": TOKEN,
        "INFOMANIAK_PRODUCT_ID": PRODUCT,
        "INFOMANIAK_BASE_URL": server.url,
        **more,
    }


def generate(
    server: ScriptedServer | MockServer,
    *,
    options: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    events: list[ProviderEvent] | None = None,
    calls: int = 1,
) -> list[str | ProviderError]:
    """Run *calls* requests through a fresh infomaniak provider; answers or errors (through
    the mock's transport when *server* is a :class:`MockServer`)."""
    settings = Settings(
        provider="infomaniak",
        provider_options=MappingProxyType({**FAST, **(options or {})}),
        params=MappingProxyType(dict(params or {})),
    )
    sink = events if events is not None else []
    request = replace(REQUEST, params=settings.params)

    transport = server.transport if isinstance(server, MockServer) else None
    return each_answer(
        lambda: create_infomaniak(settings, env(server), sink.append, transport=transport),
        lambda provider, _: provider.generate(request),
        calls,
    )


# --- success and routes -------------------------------------------------------------------


def test_success_on_the_v2_route_with_every_default() -> None:
    with mock_serve(queue(chat('Prompt: "A glacier at dawn, wide view, soft light"'))) as server:
        [answer] = generate(server)
    assert answer == "A glacier at dawn, wide view, soft light"
    [request] = server.posts
    assert request.path == CHAT_V2
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["model"] == DEFAULT_MODEL == "mistralai/Ministral-3-14B-Instruct-2512"
    assert body["messages"] == [dict(m) for m in REQUEST.messages]
    assert (body["max_tokens"], body["temperature"]) == (400, 0.7)
    assert "stream" not in body and "profile_type" not in body


def test_v1_route_sends_profile_type_and_every_parameter() -> None:
    params = {"max_tokens": 120, "temperature": 0.2, "top_p": 0.9, "frequency_penalty": 0.5,
              "presence_penalty": -0.5, "profile_type": "strict"}  # fmt: skip
    with mock_serve(queue()) as server:
        generate(server, options={"api_version": 1}, params=params)
    [request] = server.posts
    assert request.path == CHAT_V1
    assert {k: request.json[k] for k in params} == params


def test_v2_refuses_profile_type_before_sending() -> None:
    with serve(queue()) as server, pytest.raises(UsageError, match="v1 route"):
        generate(server, params={"profile_type": "creative"})
    assert server.requests == []


def test_any_model_name_is_accepted() -> None:
    with serve(queue()) as server:
        settings = Settings(model="moonshotai/Kimi-K2.6", provider_options=MappingProxyType(FAST))

        async def run() -> None:
            provider = create_infomaniak(settings, env(server))
            await provider.generate(REQUEST)
            await provider.aclose()

        asyncio.run(run())
    assert server.posts[0].json["model"] == "moonshotai/Kimi-K2.6"


# --- errors that are not retried ----------------------------------------------------------


def test_401_names_the_token_and_stops_every_later_request() -> None:
    reply = Reply(401, infomaniak_error("not_authorized", "Authorization required"))
    with mock_serve(queue(reply, then=reply)) as server:
        first, second = generate(server, calls=2)
    assert isinstance(first, AuthenticationFailed) and first.status == 401
    assert str(first) == (
        "HTTP 401 Unauthorized: Authorization required [not_authorized] (check "
        "INFOMANIAK_API_TOKEN: the token needs the AI-tools scope, and tokens unused for a "
        "year are deactivated)"
    )
    # Not sent, and said in the same words, so the CLI names both slides in one line.
    assert isinstance(second, AuthenticationFailed) and second.attempts == 0
    assert str(second) == str(first) and len(server.posts) == 1


def test_404_names_the_product_id_and_base_url() -> None:
    reply = Reply(404, infomaniak_error("method_not_found", "Method not found"))
    with mock_serve(queue(reply)) as server:
        [error] = generate(server)
    assert isinstance(error, EndpointNotFound)
    assert "HTTP 404 Not Found: Method not found [method_not_found]" in str(error)
    assert "check INFOMANIAK_PRODUCT_ID" in str(error) and "INFOMANIAK_BASE_URL" in str(error)
    assert len(server.posts) == 1


def test_422_names_the_parameter() -> None:
    errors = [{"code": "validation_rule_between", "description": "The top p must be between 0 "
               "and 1.", "context": {"attribute": "top_p"}}]  # fmt: skip
    reply = Reply(422, infomaniak_error("validation_failed", "Validation failed", errors=errors))
    with mock_serve(queue(reply)) as server:
        [error] = generate(server)
    assert isinstance(error, RequestRejected) and error.code == "validation_failed"
    assert str(error).endswith("The top p must be between 0 and 1. [validation_failed] "
                               "(the server rejected top_p)")  # fmt: skip
    assert len(server.posts) == 1


def test_openai_shaped_error_envelope() -> None:
    body = {"error": {"message": "model 'x' not found", "type": "NotFoundError", "code": 404}}
    with mock_serve(queue(Reply(404, body))) as server:
        [error] = generate(server)
    assert "HTTP 404 Not Found: model 'x' not found [NotFoundError]" in str(error)


def test_html_with_status_200_is_retried_then_names_the_base_url() -> None:
    page = "<!DOCTYPE html><html><head><title>Page introuvable</title></head><body/></html>"
    reply = Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})
    with mock_serve(queue(reply, then=reply)) as server:
        [error] = generate(server)
    assert isinstance(error, BadAnswer)
    port = server.url.rsplit(":", 1)[1]
    assert str(error) == (
        f"4 answers from 127.0.0.1:{port}{CHAT_V2} and none usable (last: HTTP 200 with a "
        "body that is not JSON (text/html): 'Page introuvable'): the base URL is probably "
        "wrong; check INFOMANIAK_BASE_URL"
    )
    assert len(server.posts) == 4


def test_an_answer_that_is_no_prompt_is_asked_again_once() -> None:
    loop = chat("glacier " * 12)
    with mock_serve(queue(chat("# # # # # #"), chat("A glacier at dawn"))) as server:
        [answer] = generate(server)
    assert answer == "A glacier at dawn" and len(server.posts) == 2
    with mock_serve(queue(then=loop)) as server:
        [error] = generate(server)
    assert isinstance(error, BadAnswer) and len(server.posts) == 2
    assert "repeats one word over and over, twice" in str(error)


def test_empty_answers_the_model_explains_are_not_retried() -> None:
    null = chat(None, "length", reasoning="The slide shows ...")
    with mock_serve(queue(null, chat("<think>only thoughts</think>"))) as s:
        results = generate(s, calls=2)
    assert all(isinstance(r, BadAnswer) for r in results)
    assert "finish_reason: length: it spent the max_tokens budget reasoning" in str(results[0])
    assert "raise --max-tokens" in str(results[0])
    assert "no prompt once reasoning" in str(results[1])
    assert len(s.posts) == 2  # none retried


def test_empty_choices_and_blank_content_are_retried_and_report_why() -> None:
    empty = Reply(200, {"object": "chat.completion", "choices": []})
    with mock_serve(queue(empty, chat("  ", "stop"), then=chat("A glacier"))) as s:
        [answer] = generate(s)
    assert answer == "A glacier" and len(s.posts) == 3
    events: list[ProviderEvent] = []
    with mock_serve(queue(then=chat("  ", "stop"))) as s:
        [error] = generate(s, options={"max_retries": 1}, events=events)
    assert isinstance(error, BadAnswer) and "finish_reason: stop" in str(error)
    assert len(s.posts) == 2 and [e.kind for e in events] == ["retry"]


# --- errors that are retried --------------------------------------------------------------


def test_429_with_retry_after_waits_as_told() -> None:
    events: list[ProviderEvent] = []
    replies = (
        Reply(429, infomaniak_error("too_many", "Too many requests"), {"Retry-After": "0.05"}),
        Reply(429, b"", {"retry-after-ms": "30"}),
    )
    with serve(queue(*replies)) as server:
        [answer] = generate(server, events=events)
    assert isinstance(answer, str) and len(server.posts) == 3
    assert [(e.kind, e.reason, e.delay, e.attempt) for e in events] == [
        ("retry", "HTTP 429", 0.05, 1), ("retry", "HTTP 429", 0.03, 2)
    ]  # fmt: skip
    assert events[0].message.startswith("slide 'Glaciers': HTTP 429 Too Many Requests")
    assert "retrying in 50 ms (attempt 2 of 4)" in events[0].message
    gaps = [b - a for a, b in zip(server_times(server), server_times(server)[1:], strict=False)]
    assert gaps[0] >= 0.045 and gaps[1] >= 0.025


def server_times(server: ScriptedServer) -> list[float]:
    return [r.time for r in server.posts]


def test_429_without_retry_after_backs_off_per_minute_scale() -> None:
    events: list[ProviderEvent] = []
    with serve(queue(Reply(429), Reply(429))) as server:
        [answer] = generate(server, events=events, options={"retry_backoff": 0.01})
    assert isinstance(answer, str)
    # 5 and 10 times the backoff, minus up to 25 % jitter
    assert 0.0375 <= events[0].delay <= 0.05 and 0.075 <= events[1].delay <= 0.1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 409])
def test_server_errors_are_retried(status: int) -> None:
    html = f"<html><head><title>{status} Bad Gateway</title></head></html>"
    with mock_serve(queue(Reply(status, html), Reply(status, {"error": "busy"}))) as server:
        events: list[ProviderEvent] = []
        [answer] = generate(server, events=events)
    assert isinstance(answer, str) and len(server.posts) == 3
    assert [e.reason for e in events] == [f"HTTP {status}"] * 2
    assert f"{status} Bad Gateway" in events[0].message


def test_retries_run_out_with_the_last_error() -> None:
    reply = Reply(503, infomaniak_error("unavailable", "Service Unavailable"))
    with mock_serve(queue(then=reply)) as server:
        [error] = generate(server)
    assert isinstance(error, ServerFailed) and len(server.posts) == 4
    assert re.fullmatch(
        r"HTTP 503 Service Unavailable \[unavailable\] \(gave up after 4 attempts\)",
        str(error),
    )


def test_a_timeout_left_by_the_deadline_is_rounded_and_explained() -> None:
    with serve(queue(then=Reply(hang=True))) as server:
        [error] = generate(server, options={"timeout": 60, "deadline": 0.4375, "max_retries": 0})
    assert isinstance(error, ProviderTimeout)
    assert str(error).startswith("no answer within 0.4 s (gave up after 1 attempt")
    assert "time queued on the server counts" in str(error) and "--concurrency" in str(error)


def test_a_slide_is_timed_from_its_request_not_from_its_wait_for_a_slot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    reply = chat("A glacier at dawn")
    server_env.script = lambda request: replace(reply, delay=0.4)
    deck = make_deck(tmp_path, 3)
    code, out, _ = cli(capsys, "run", str(deck), "--concurrency", "1", "--rpm", "0", "--json")
    assert code == 0
    seconds = [s["seconds"] for s in json.loads(out)["decks"][0]["slides"]]
    # One at a time: the third slide waited 0.8 s for its turn, which is not its time.
    assert len(seconds) == 3 and all(0.35 < t < 0.75 for t in seconds), seconds


def test_a_slide_held_back_by_the_pacer_is_timed_from_its_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    # Slide 1's 429 pauses every request for 1 s; slide 3 gets its slot when slide 2 is
    # answered (0.3 s) and then waits for the pacer: queued, not slow.
    limited = Reply(429, b"", {"Retry-After": "1"})
    first = queue(limited, then=chat("A glacier at dawn"))

    def script(request: Recorded) -> Reply:
        slide = slide_of(request)
        if slide == "Slide 1":
            return first(request)
        return replace(chat("A glacier at dawn"), delay=0.3 if slide == "Slide 2" else 0)

    server_env.script = script
    deck = make_deck(tmp_path, 3)
    code, out, err = cli(capsys, "run", str(deck), "--concurrency", "2", "--json", "-v")
    assert code == 0, err
    third = json.loads(out)["decks"][0]["slides"][2]
    assert third["seconds"] < 0.3 and third["queued"] > 0.5, third
    verbose = r"slide 3 'Slide 3' generated in 0\.\d\d s \(queued \d\.\d\d s; 1 request"
    assert re.search(verbose, err), err


def test_the_deadline_stops_retries() -> None:
    with serve(queue(then=Reply(429, b"", {"Retry-After": "30"}))) as server:
        started = time.monotonic()
        [error] = generate(server, options={"deadline": 5})
    assert time.monotonic() - started < 2 and len(server.posts) == 1
    assert "waiting 30.0 s more would pass the 5 s deadline" in str(error)


def test_a_hanging_response_is_cut_by_the_timeout() -> None:
    with serve(queue(Reply(hang=True), Reply(hang=True))) as server:
        started = time.monotonic()
        [error] = generate(server, options={"timeout": 0.3, "max_retries": 1})
    assert isinstance(error, ProviderTimeout) and len(server.posts) == 2
    assert str(error).startswith("no answer within 0.3 s")
    assert "gave up after 2 attempts" in str(error)
    assert time.monotonic() - started < 2


def test_dropped_connections_are_retried() -> None:
    with serve(queue(Reply(drop=True))) as server:
        events: list[ProviderEvent] = []
        [answer] = generate(server, events=events)
    assert isinstance(answer, str) and [e.reason for e in events] == ["connection"]


# --- streaming ----------------------------------------------------------------------------


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_sse_stream_split_mid_event_and_mid_character() -> None:
    stream = sse_events(["Gla", "cier caf\u00e9 ", "\u6c37\u6cb3 ", "at dawn"])
    reply = Reply(200, stream, {"Content-Type": "text/event-stream"}, pieces=split_every(stream, 7))
    with serve(queue(reply)) as server:
        [answer] = generate(server, options={"stream": True})
    assert answer == "Glacier caf\u00e9 \u6c37\u6cb3 at dawn"
    [request] = server.posts
    assert request.json["stream"] is True
    assert request.headers["accept"] == "text/event-stream"


def test_a_stream_cut_short_is_retried_and_a_stream_error_is_reported() -> None:
    stream = sse_events(["A glacier at dawn"])
    cut = Reply(200, stream, {"Content-Type": "text/event-stream"}, pieces=[stream[:60]])
    whole = Reply(200, stream, {"Content-Type": "text/event-stream"}, pieces=[stream])
    error = b'data: {"error":{"message":"model overloaded"}}\n\n'
    broken = Reply(200, error, {"Content-Type": "text/event-stream"}, pieces=[error])
    events: list[ProviderEvent] = []
    with serve(queue(cut, whole, broken, whole)) as server:
        first, second = generate(server, options={"stream": True}, calls=2, events=events)
    assert first == "A glacier at dawn" == second and len(server.posts) == 4
    assert any("model overloaded" in e.message for e in events)


def test_an_empty_stream_is_retried_like_a_cut_one() -> None:
    # The role chunk, then [DONE]: what llama-cpp-python sends for a stream it interrupts.
    empty = b'data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\ndata: [DONE]\n\n'
    whole = sse_events(["A glacier at dawn"])
    replies = (Reply(200, b, {"Content-Type": "text/event-stream"}) for b in (empty, whole))
    with serve(queue(*replies)) as server:
        [answer] = generate(server, options={"stream": True})
    assert answer == "A glacier at dawn" and len(server.posts) == 2


def test_stream_null_content_with_length_reports_finish_reason() -> None:
    stream = sse_events([], finish_reason="length")
    reply = Reply(200, stream, {"Content-Type": "text/event-stream"}, pieces=split_every(stream, 5))
    with serve(queue(reply)) as server:
        [error] = generate(server, options={"stream": True})
    assert isinstance(error, BadAnswer) and "finish_reason: length" in str(error)


def streams_like_llama_cpp(request: Recorded) -> Reply:
    """A streamed answer with the token counts in a last chunk with no choices, sent only
    when the request asks for them, as llama.cpp's server and OpenAI do (a deck's art
    direction: :data:`ART`, with counts of its own)."""
    options = request.json.get("stream_options") or {}
    art = asks_art(request)
    counts = (12, 9) if art else (31, 7)
    usage = counts if options.get("include_usage") is True else None
    parts = [ART] if art else [f"A glacier for {slide_of(request)}", ", soft light"]
    stream = sse_events(parts, usage=usage)
    return Reply(200, stream, {"Content-Type": "text/event-stream"}, pieces=split_every(stream, 50))


def test_a_streamed_run_asks_for_the_tokens_and_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = make_deck(tmp_path, 3)
    with serve(streams_like_llama_cpp) as server:
        base = f"{server.url}/v1"
        args = ["run", str(deck), "--provider", "openai", "--base-url", base, "--model", "m"]
        code, out, err = cli(capsys, *args, "--rpm", "0", "--stream", "--json")
    assert code == 0, err
    # The deck's art direction is asked first, streamed like the slides.
    assert asks_art(server.posts[0]) and len(slide_posts(server.posts)) == 3
    assert [r.json["stream_options"] for r in server.posts] == [{"include_usage": True}] * 4
    slides = json.loads(out)["decks"][0]["slides"]
    # Slide 1 asked for the art direction, so its tokens are counted with slide 1's.
    assert [s["tokens"] for s in slides] == [{"prompt": 43, "completion": 16}] + [
        {"prompt": 31, "completion": 7}
    ] * 2
    assert [(s["requests"], s["art_requests"]) for s in slides] == [(2, 1), (1, 0), (1, 0)]
    assert [s["prompt"] for s in slides] == [
        f"A glacier for Slide {n}, soft light{ART_TAIL}" for n in "123"
    ]
    last = err.splitlines()[-1]
    assert "4 requests (1 for art direction), 105 prompt + 30 completion tokens" in last


def test_infomaniak_asks_for_stream_usage_on_v2_only() -> None:
    with mock_serve(streams_like_llama_cpp) as server:
        [v2] = generate(server, options={"stream": True})
        [v1] = generate(server, options={"stream": True, "api_version": 1})
    assert v1 == v2 == "A glacier for Glaciers, soft light"
    first, second = server.posts
    assert (first.path, first.json["stream_options"]) == (CHAT_V2, {"include_usage": True})
    assert second.path == CHAT_V1 and "stream_options" not in second.json


# --- the CLI: switch, faults, partial failure, secrecy ------------------------------------


def make_deck(folder: Path, slides: int) -> Path:
    head = "---\nmarp: true\ntitle: Fault drill\ntheme: gaia\n---\n"
    parts = [f"\n# Slide {n}\n\nPoint {n} about rivers.\n" for n in range(1, slides + 1)]
    path = folder / "deck.md"
    path.write_text(head + "\n---\n".join(parts), encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy set in the environment must not catch requests to the local server."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """A server answering every chat request (a deck's art direction with :data:`ART`),
    with the Infomaniak variables pointing at it."""
    with serve(answering_art(lambda r: chat(f"An illustration for {slide_of(r)}"))) as server:
        for name, value in env(server).items():
            monkeypatch.setenv(name, value)
        yield server


def test_no_credentials_means_offline_with_one_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = make_deck(tmp_path, 2)
    code, _, err = cli(capsys, "run", str(deck))
    assert code == 0
    assert err.splitlines()[0].startswith(
        "mdslides-prompts: no credentials are set, so the built-in offline provider writes "
        "placeholder prompts"
    )


def test_credentials_mean_infomaniak(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    deck = make_deck(tmp_path, 3)
    answer = answering_art(lambda r: chat(f"An illustration for {slide_of(r)}"))
    server_env.script = lambda r: replace(answer(r), delay=0.3)
    code, _, err = cli(capsys, "run", str(deck), "--rpm", "0")
    assert code == 0 and "offline" not in err and len(server_env.posts) == 4
    # The deck's art direction first (once), then the slides' requests, which carry it.
    art, *slides = server_env.posts
    assert asks_art(art) and slide_posts(slides) == slides
    art_line = f"Art direction for every slide: {ART}\n"
    assert all(art_line in r.json["messages"][-1]["content"] for r in slides)
    times = [r.time for r in slides]
    # --rpm 0: no pacing, so the 3 requests go out at once; one after another they would
    # arrive 0.3 s (the server's latency) apart.
    assert max(times) - min(times) < 0.2
    assert f"An illustration for Slide 2{ART_TAIL}" in deck.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("variables", "args", "message"),
    [
        ({}, ["--provider", "infomaniak"], "the infomaniak provider needs INFOMANIAK_API_TOKEN "
         "and INFOMANIAK_PRODUCT_ID in the environment"),
        ({"INFOMANIAK_API_TOKEN": TOKEN}, [], "INFOMANIAK_API_TOKEN is set but "
         "INFOMANIAK_PRODUCT_ID is not: set it to use Infomaniak, or pass --provider offline"),
        ({"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": TOKEN}, [],
         "INFOMANIAK_PRODUCT_ID must be the digits of your AI product id"),
        ({"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": "1",
          "INFOMANIAK_BASE_URL": "https://api.infomaniak.com/2/ai/1/openai/v1"}, [],
         "INFOMANIAK_BASE_URL must be the API root such as https://api.infomaniak.com"),
        ({}, ["--temperature", "3"], "--temperature: must be between 0 and 2, not 3"),
        ({}, ["--max-tokens", "9000"], "--max-tokens: must be between 1 and 5000, not 9000"),
        ({}, ["--provider", "openai"], "the openai provider needs --model"),
        ({}, ["--provider", "openai", "--model", "m", "--api-key-env", "NOPE_KEY"],
         "NOPE_KEY (named by --api-key-env) is not set or empty"),
        ({"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": "1"},
         ["--profile-type", "creative"], "profile_type is only accepted by Infomaniak's v1"),
        ({"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": "1"},
         ["--base-url", "http://x"], "the infomaniak provider does not take base_url"),
        ({}, ["--prompt-language", "klingon"], "--prompt-language: must be one of en, fr"),
        ({}, ["--provider", "openai", "--model", "m", "--rpm", "-1"],
         "--rpm: must be at least 0, not -1"),
        ({"INFOMANIAK_API_TOKEN": f"{TOKEN}\nmore", "INFOMANIAK_PRODUCT_ID": "1"}, [],
         "INFOMANIAK_API_TOKEN holds a line break or a character other than ASCII"),
        ({"LOCAL_KEY": f"{TOKEN}é"}, ["--provider", "openai", "--model", "m",
         "--api-key-env", "LOCAL_KEY"], "LOCAL_KEY holds a line break or a character other"),
        ({}, ["--provider", "openai", "--model", "m", "--base-url", "http://127.0.0.1:99999/v1"],
         "--base-url must be an http:// or https:// URL such as http://localhost:11434/v1"),
        ({"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": "1",
          "INFOMANIAK_BASE_URL": "http://[::1"}, [],
         "INFOMANIAK_BASE_URL must be an http:// or https:// URL"),
    ],
)  # fmt: skip
def test_provider_usage_errors_exit_2_in_one_line_without_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str], args: list[str], message: str,
) -> None:  # fmt: skip
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    deck = make_deck(tmp_path, 1)
    code, out, err = cli(capsys, "run", str(deck), *args)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1 and TOKEN not in err
    assert "image-prompt" not in deck.read_text(encoding="utf-8")


def test_openai_provider_keyless_and_with_a_named_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = make_deck(tmp_path, 2)
    with serve(answering_art(lambda r: chat(f"An illustration for {slide_of(r)}"))) as server:
        base = f"{server.url}/v1"
        args = ["run", str(deck), "--provider", "openai", "--base-url", base, "--model", "llama3"]
        args += ["--rpm", "0"]
        assert cli(capsys, *args, "--no-cache")[0] == 0
        keyless = server.posts
        monkeypatch.setenv("LOCAL_LLM_KEY", "local-key-123")
        assert cli(capsys, *args, "--force", "--api-key-env", "LOCAL_LLM_KEY")[0] == 0
        keyed = server.posts[len(keyless) :]
    # Each run: the deck's art direction, then the two slides; every request alike.
    assert [asks_art(r) for r in keyless] == [asks_art(r) for r in keyed] == [True, False, False]
    for request in keyless + keyed:
        assert request.path == "/v1/chat/completions" and request.json["model"] == "llama3"
    assert all("authorization" not in r.headers for r in keyless)
    assert all(r.headers["authorization"] == "Bearer local-key-123" for r in keyed)


def test_models_lists_the_llm_catalogue(
    capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    catalogue = {"result": "success", "data": [
        {"id": 1, "name": "google/gemma-4-31B-it", "type": "llm", "description": "Gemma 4",
         "info_status": "coming_soon", "max_token_input": 100000, "meta": {"is_beta": True}},
        {"id": 2, "name": DEFAULT_MODEL, "type": "llm", "info_status": "ready"},
        {"id": 3, "name": "flux", "type": "image", "info_status": "ready"},
    ]}  # fmt: skip
    server_env.script = lambda r: Reply(200, catalogue)
    code, out, _ = cli(capsys, "models")
    assert code == 0
    assert out.splitlines() == [
        "google/gemma-4-31B-it  (100000 input tokens; coming_soon, beta; Gemma 4)",
        f"{DEFAULT_MODEL}  (default; ready)",
    ]
    assert server_env.requests[-1].path == "/1/ai/models"
    assert server_env.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"
    code, out, _ = cli(capsys, "models", "--json")
    assert [m["name"] for m in json.loads(out) if m["default"]] == [DEFAULT_MODEL]
    server_env.script = lambda r: Reply(200, {"object": "list", "data": [{"id": "qwen3:8b"}]})
    code, out, _ = cli(capsys, "models", "--provider", "openai", "--base-url", server_env.url)
    assert (code, out) == (0, "qwen3:8b\n") and server_env.requests[-1].path == "/models"
    server_env.script = lambda r: Reply(401, infomaniak_error("not_authorized", "Unauthorized"))
    code, out, err = cli(capsys, "models")
    assert code == 1 and "check INFOMANIAK_API_TOKEN" in err


def test_partial_failure_writes_the_others_and_names_the_failed_slides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    deck = make_deck(tmp_path, 4)
    rejected = Reply(422, infomaniak_error("validation_failed", "Validation failed"))
    server_env.script = lambda r: rejected if slide_of(r) == "Slide 3" else chat("A river delta")
    code, _, err = cli(capsys, "run", str(deck), "--rpm", "0")
    assert code == 1
    assert "deck.md: 4 slides (3 generated, 1 failed); written to" in err
    assert "deck.md: slide 3 failed and kept its previous state: HTTP 422" in err
    _, out, _ = cli(capsys, "check", str(deck))
    assert out.count(": missing") == 1 and ": slide 3: missing" in out


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_thirty_percent_faults_over_sixty_slides_complete_every_slide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer, seed: int
) -> None:
    deck = make_deck(tmp_path, 60)
    script, faults = fault_script(seed=seed, rate=0.3)
    server_env.script = answering_art(script)  # the faults hit the slides' requests
    args = ["--rpm", "6000", "--retry-backoff", "0.005", "--timeout", "1",
            "--max-retries", "8", "--concurrency", "8"]  # fmt: skip
    code, _, err = cli(capsys, "run", str(deck), *args)
    assert code == 0, err
    assert "60 slides (60 generated); written to" in err
    slides = slide_posts(server_env.posts)
    assert len(server_env.posts) - len(slides) == 1  # the deck's art direction, once
    served = len(slides) - 60
    assert sum(faults.values()) == served >= 12 and len(faults) >= 6
    assert faults.get("200 malformed", 0) >= 1  # a success status with no answer, retried
    # On a loaded machine a request may also time out before the server reads it: the
    # client then counts a retry the server never saw.
    match = re.search(r"mdslides-prompts: (\d+) requests? retried \(", err)
    assert match and int(match.group(1)) == err.count("retrying in") >= served
    assert cli(capsys, "check", str(deck))[0] == 0
    assert all(f"A calm illustration for Slide {n}," in deck.read_text() for n in (1, 30, 60))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _subprocess_cli(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, float]:
    environ = {**os.environ, "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "cache"), **env}
    environ.pop("MDSLIDES_PROMPTS_DEBUG", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", *args],
        capture_output=True, text=True, timeout=60, env=environ, check=False,
    )  # fmt: skip
    return done.returncode, done.stderr, time.monotonic() - started


def test_a_server_that_cannot_be_reached_stops_the_run_at_once(tmp_path: Path) -> None:
    port = _closed_port()
    deck = make_deck(tmp_path, 40)
    before = deck.read_bytes()
    env = {"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": PRODUCT,
           "INFOMANIAK_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    code, err, seconds = _subprocess_cli(tmp_path, "run", str(deck), **env)
    # The deck's art direction is the first request: without the breaker, its 6 attempts
    # with backoff would take half a minute, then each slide's as many (~90 lines).
    assert code == 1 and seconds < 5, (seconds, err)
    assert (
        f"the deck's art direction: cannot connect to 127.0.0.1:{port} (connection refused): "
        "check INFOMANIAK_BASE_URL" in err
    )
    assert len(err.splitlines()) <= 8, err
    assert "40 failed" in err and deck.read_bytes() == before
    assert "slide 1 failed and 2, 3, 4, 5," in err and "39, 40 were not sent" in err
    # One request's attempts, stopped at the third refusal; no slide's request was sent.
    assert "3 requests (3 for art direction, 2 retried)" in err
    code, err, seconds = _subprocess_cli(tmp_path, "models", **env)
    assert code == 1 and seconds < 5 and len(err.splitlines()) == 1, err
    assert f"cannot connect to 127.0.0.1:{port} (connection refused)" in err


def test_slides_that_fail_alike_after_their_retries_are_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    down = Reply(503, "<html><title>503 Service Unavailable</title></html>")

    def script(request: Recorded) -> Reply:  # each slide takes its own time to fail
        return replace(down, delay=0.05 * int(slide_of(request).split()[-1]))

    server_env.script = answering_art(script)
    deck = make_deck(tmp_path, 6)
    args = ["--rpm", "0", "--retry-backoff", "0.01", "--max-retries", "2", "--concurrency", "6"]
    code, _, err = cli(capsys, "run", str(deck), *args)
    assert code == 1
    assert err.count("failed and kept") == 1, err
    assert "slides 1, 2, 3, 4, 5, 6 failed and kept their previous state: HTTP 503" in err
    assert len(slide_posts(server_env.posts)) == 6 * 3 == len(server_env.posts) - 1


def test_a_400_for_the_model_stops_the_other_slides_but_one_for_a_slide_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    deck = make_deck(tmp_path, 12)
    unknown = {"error": {"message": "The model `mistral9` does not exist", "type": "invalid"}}
    server_env.script = lambda request: Reply(400, unknown)
    args = ["run", str(deck), "--concurrency", "1", "--model", "mistral9"]
    not_sent = "slide 1 failed and 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 were not sent; all kept"
    # The deck's art direction is the first request the model refuses: it stops the deck.
    code, out, err = cli(capsys, *args, "--json")
    assert code == 1 and len(server_env.posts) == 1 and asks_art(server_env.posts[0])
    assert f"{not_sent} their previous state: the deck's art direction: HTTP 400" in err
    assert "does not exist" in err
    slides = json.loads(out)["decks"][0]["slides"]
    assert [(s["not_sent"], s["requests"], s["art_requests"]) for s in slides] == [
        (False, 1, 1)
    ] + [(True, 0, 0)] * 11
    # With the art direction from --style, the first slide's refusal stops the others.
    server_env.requests.clear()
    code, out, err = cli(capsys, *args, "--style", "linocut print", "--json")
    assert code == 1 and len(slide_posts(server_env.posts)) == len(server_env.posts) == 1
    assert f"{not_sent} their previous state: HTTP 400" in err and "does not exist" in err
    slides = json.loads(out)["decks"][0]["slides"]
    assert [(s["not_sent"], s["requests"]) for s in slides] == [(False, 1)] + [(True, 0)] * 11
    server_env.requests.clear()
    too_long = {"error": {"message": "This model's maximum context length is 8192 tokens"}}

    def script(request: Recorded) -> Reply:
        return Reply(400, too_long) if slide_of(request) == "Slide 2" else chat("A glacier")

    server_env.script = answering_art(script)
    code, _, err = cli(capsys, "run", str(deck), "--concurrency", "1", "--model", "mistral9")
    assert code == 1 and "11 generated, 1 failed" in err
    assert len(slide_posts(server_env.posts)) == 12 and len(server_env.posts) == 13  # + the art


def test_a_400_for_one_slide_that_names_the_model_stops_nothing_once_the_model_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    # LiteLLM names the model group in every error, whatever its cause.
    grammar = {"error": {"message": "BadRequestError: failed to parse grammar. "
                                    "Received Model Group=m"}}  # fmt: skip

    def script(request: Recorded) -> Reply:
        return Reply(400, grammar) if slide_of(request) == "Slide 2" else chat("A glacier")

    server_env.script = answering_art(script)
    deck = make_deck(tmp_path, 5)
    code, _, err = cli(capsys, "run", str(deck), "--concurrency", "1", "--model", "m", "-q")
    assert code == 1 and len(slide_posts(server_env.posts)) == 5, err
    assert len(server_env.posts) == 6  # and the deck's art direction, once
    assert "slide 2 failed and kept its previous state" in err


def test_an_answer_with_no_text_proves_the_base_url_right(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    def script(request: Recorded) -> Reply:
        return chat("", "stop") if slide_of(request) == "Slide 1" else chat("A glacier")

    server_env.script = script
    deck = make_deck(tmp_path, 5)
    # --style: no art-direction request, whose usable answer would vouch for the base URL
    # before slide 1's empty ones.
    args = ["--concurrency", "1", "--retry-backoff", "0.01", "-q", "--style", "watercolour"]
    code, _, err = cli(capsys, "run", str(deck), *args)
    assert code == 1 and "probably wrong" not in err, err
    assert slide_posts(server_env.posts) == server_env.posts
    assert "slide 1 failed" in err and deck.read_text(encoding="utf-8").count("A glacier") == 4
    assert "A glacier. Watercolour -->" in deck.read_text(encoding="utf-8")


def test_a_connect_timeout_after_a_connection_was_made_does_not_stop_the_run() -> None:
    hints = Hints()
    timed_out = CannotConnect("cannot connect to 127.0.0.1:1 (no connection within ...)")
    timed_out.timed_out = True
    busy = _Health(connected=True)
    assert all(busy.failed(timed_out, hints) is None for _ in range(10))
    assert isinstance(_Health().failed(timed_out, hints), CannotConnect)
    refused = CannotConnect("cannot connect to 127.0.0.1:1 (connection refused)")
    never = _Health()
    verdicts = [never.failed(refused, hints) for _ in range(3)]
    assert verdicts[:2] == [None, None] and isinstance(verdicts[2], CannotConnect)


def test_an_address_that_never_answers_stops_the_run_within_the_connect_timeout(
    tmp_path: Path,
) -> None:
    deck = make_deck(tmp_path, 12)
    with unanswered_port() as port:
        base = ["--provider", "openai", "--base-url", f"http://127.0.0.1:{port}/v1"]
        # --timeout 4: a connection gets 2 s. Before: each attempt was cut at 4 s as
        # 'no answer within 4 s', retried 5 times per slide, a minute and a line per slide.
        run = ["run", str(deck), *base, "--model", "m", "--timeout", "4", "--concurrency", "1"]
        code, err, seconds = _subprocess_cli(tmp_path, *run)
        assert code == 1 and seconds < 6, (seconds, err)
        assert f"cannot connect to 127.0.0.1:{port} (no connection within the connect " in err
        assert "check --base-url" in err and len(err.splitlines()) <= 4, err
        code, err, seconds = _subprocess_cli(tmp_path, "models", *base, "--timeout", "4")
        assert code == 1 and seconds < 6 and len(err.splitlines()) == 1, (seconds, err)
        assert f"cannot connect to 127.0.0.1:{port} (no connection" in err


def test_quiet_still_names_every_failed_slide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    server_env.script = lambda request: Reply(401, {"error": {"message": "bad key"}})
    deck = make_deck(tmp_path, 4)
    code, _, err = cli(capsys, "run", str(deck), "-q")
    # The deck's art direction meets the 401 first: slide 1 fails, the others wait unsent.
    assert code == 1 and len(server_env.posts) == 1, err
    assert "slide 1 failed and 2, 3, 4 were not sent; all kept their previous state: " in err
    assert "the deck's art direction: HTTP 401 Unauthorized: bad key" in err


def test_a_malformed_success_is_retried() -> None:
    html = Reply(200, "<html><body>Welcome to nginx</body></html>", {"Content-Type": "text/html"})
    replies = [html, Reply(200, {"choices": []}), chat(None), chat("A glacier at dawn")]
    with serve(queue(*replies)) as server:
        [answer] = generate(server)
    assert answer == "A glacier at dawn" and len(server.posts) == 4


def test_a_server_whose_every_answer_is_malformed_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server_env: ScriptedServer
) -> None:
    page = Reply(200, "<html><body>Sign in</body></html>", {"Content-Type": "text/html"})
    server_env.script = lambda request: page
    deck = make_deck(tmp_path, 30)
    code, _, err = cli(capsys, "run", str(deck), "--concurrency", "2")
    assert code == 1 and len(server_env.posts) <= 6
    where = f"{server_env.url.removeprefix('http://')}{CHAT_V2}"
    assert f"answers from {where} and none usable" in err
    assert "the base URL is probably wrong; check INFOMANIAK_BASE_URL" in err
    assert "30 failed" in err
    options = {**FAST, "base_url": f"{server_env.url}/v1"}
    settings = Settings(provider_options=MappingProxyType(options))
    provider = create_openai(settings, {}, need_model=False)

    async def models() -> None:
        try:
            await provider.list_models()
        finally:
            await provider.aclose()

    with pytest.raises(BadAnswer, match=r"answers from 127\.0\.0\.1:\d+/v1/models and none"):
        asyncio.run(models())


def test_the_token_appears_nowhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    server_env: ScriptedServer, _isolated_cache: Path,
) -> None:  # fmt: skip
    """The server echoes the token in errors and retries; nothing of ours repeats it."""
    deck = make_deck(tmp_path, 4)
    seen: dict[str, int] = {}

    def script(request: Recorded) -> Reply:
        slide = slide_of(request)
        seen[slide] = seen.get(slide, 0) + 1
        echo = request.headers["authorization"]
        if slide == "Slide 1":
            return Reply(422, {"error": {"message": f"bad header {echo}", "param": echo}})
        if slide == "Slide 2" and seen[slide] == 1:
            return Reply(503, f"<html><title>{echo} overloaded</title></html>")
        if slide == "Slide 3" and seen[slide] == 1:
            return Reply(200, f"not json {echo}", {"Content-Type": "text/plain"})
        if slide == "Slide 4":  # the token where the message is cut short for display
            return Reply(422, {"error": {"message": f"{'x' * 265} got header {echo}"}})
        return chat(f"An illustration for {slide}")

    server_env.script = script
    caplog.set_level(logging.DEBUG)
    args = ["--rpm", "0", "--retry-backoff", "0.01", "--json", "-v"]
    code, out, err = cli(capsys, "run", str(deck), *args)
    assert code == 1 and "Bearer ***" in err and "retrying in" in err
    summary = json.loads(out)
    errors = [s["error"] for s in summary["decks"][0]["slides"] if s["error"]]
    # Slide 3's page with status 200 is retried; slides 1 and 4 fail with the echo masked.
    assert len(errors) == 2 and all("***" in e for e in errors)
    captured = [out, err, caplog.text, deck.read_text(encoding="utf-8"), *errors]
    captured += [
        p.read_bytes().decode("latin-1") for p in _isolated_cache.rglob("*") if p.is_file()
    ]
    server_env.script = lambda r: Reply(401, {"error": r.headers["authorization"]})
    [exc] = generate(server_env)
    assert isinstance(exc, AuthenticationFailed)
    captured += [str(exc), repr(exc.args)]
    assert len(captured) > 8
    for text in captured:
        assert TOKEN[:12] not in text


def _leak_windows() -> set[str]:
    """Every 8 characters of the token and of the forms it may be echoed in."""
    forms = [TOKEN, quote(TOKEN, safe="")]
    for text in (TOKEN, f"Bearer {TOKEN}"):
        for shift in range(3):
            forms.append(base64.b64encode(text[shift:].encode()).decode().rstrip("="))
            forms.append(base64.urlsafe_b64encode(text[shift:].encode()).decode().rstrip("="))
    return {form[i : i + 8] for form in forms for i in range(len(form) - 7)}


def test_no_part_of_the_token_appears_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    server_env: ScriptedServer, _isolated_cache: Path,
) -> None:  # fmt: skip
    """Echoed fragments and encodings of the token are masked in every output."""
    deck = make_deck(tmp_path, 6)
    bearer64 = base64.b64encode(f"Bearer {TOKEN}".encode()).decode()

    def script(request: Recorded) -> Reply:
        slide = slide_of(request)
        if slide == "Slide 1":  # an error echoing the token's first 16 characters
            return Reply(422, {"error": {"message": f"bad key {TOKEN[:16]}..."}})
        if slide == "Slide 2":  # an answer holding its first 12
            return chat(f"A lighthouse at dusk, serial {TOKEN[:12]} painted on the hull")
        if slide == "Slide 3":  # 9 characters from its middle
            return chat(f"A quiet harbour with a sign reading {TOKEN[5:14]} in neon")
        if slide == "Slide 4":  # base64 of the whole Authorization header
            return chat(f"A glacier under a sky, code {bearer64} carved in ice")
        if slide == "Slide 5":  # the token percent-encoded in an error page
            return Reply(400, f"<html><body>key={quote(TOKEN, safe='')}</body></html>")
        return chat(f"An illustration for {slide}")

    server_env.script = script
    caplog.set_level(logging.DEBUG)
    code, out, err = cli(capsys, "run", str(deck), "--rpm", "0", "--json", "-v")
    assert code == 1
    text = deck.read_text(encoding="utf-8")
    assert "A lighthouse at dusk, serial *** painted" in text and "sign reading *** in" in text
    assert "***" in err
    captured = [out, err, caplog.text, text]
    captured += [
        p.read_bytes().decode("latin-1") for p in _isolated_cache.rglob("*") if p.is_file()
    ]
    windows = _leak_windows()
    for blob in captured:
        leaks = [blob[i : i + 8] for i in range(len(blob) - 7) if blob[i : i + 8] in windows]
        assert not leaks, leaks


# --- events through the pipeline, messages and the cache key ------------------------------


class EventLog:
    def __init__(self) -> None:
        self.events: list[ProviderEvent] = []

    @hookimpl
    def mdslides_on_provider_event(self, event: ProviderEvent) -> None:
        self.events.append(event)


def test_retries_reach_the_provider_event_hook(tmp_path: Path, server_env: ScriptedServer) -> None:
    server_env.script = answering_art(queue(Reply(503), then=chat("A glacier")))
    log = EventLog()
    settings = Settings(provider="infomaniak", provider_options=MappingProxyType(FAST))
    pipeline = Pipeline(settings, get_plugin_manager(load_entrypoints=False, extra=[log]))
    deck = make_deck(tmp_path, 1)
    [report] = pipeline.run([pipeline.load(deck)])
    assert report.count(Action.GENERATED) == 1
    assert [(e.kind, e.reason, e.subject) for e in log.events] == [
        ("retry", "HTTP 503", "slide 'Slide 1'")
    ]
    # The deck's art direction is retried alike, and says so (--force asks it again).
    server_env.script = queue(Reply(503), then=chat("A glacier"))
    log.events.clear()
    pipeline = Pipeline(replace(settings, force=True), pipeline.pm)
    [report] = pipeline.run([pipeline.load(deck)])
    assert report.count(Action.GENERATED) == 1
    assert [(e.kind, e.reason, e.subject) for e in log.events] == [
        ("retry", "HTTP 503", "the deck's art direction")
    ]


FRENCH = """---
marp: true
title: Les glaciers alpins
theme: gaia
---

# Pourquoi les glaciers reculent

Le climat se réchauffe.

---

# Mesurer la fonte

Des balises dans la glace.

---

# Et demain ?
"""


def test_messages_carry_deck_context_and_the_language_policy() -> None:
    pipeline = Pipeline(Settings(style="linocut print"), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_text(FRENCH))
    art = pipeline.art_direction(deck)  # the style setting is the deck's art direction
    assert (art.text, art.source) == ("linocut print", "style")
    request = pipeline.request(deck, deck.slides[1], art.text)
    system, user = (m["content"] for m in request.messages)
    assert "in English" in system and "in your own words" in system and "25 to 40 words" in system
    assert "Visual style" not in user
    assert user.splitlines()[:6] == [
        "Deck title: Les glaciers alpins", "Deck theme: gaia",
        "Art direction for every slide: linocut print",
        "Previous slide: Pourquoi les glaciers reculent", "Next slide: Et demain ?",
        "Slide title: Mesurer la fonte",
    ]  # fmt: skip
    ctx = request.context
    assert (ctx.previous_title, ctx.next_title, ctx.language) == (
        "Pourquoi les glaciers reculent", "Et demain ?", "en"
    )  # fmt: skip
    french = Pipeline(Settings(language="fr"), get_plugin_manager(load_entrypoints=False))
    request_fr = french.request(deck, deck.slides[1])
    assert "in French" in request_fr.messages[0]["content"]
    assert cache_key("p", "m", request_fr) != cache_key("p", "m", request)


def test_provider_objects_do_not_show_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {"INFOMANIAK_API_TOKEN": TOKEN, "INFOMANIAK_PRODUCT_ID": PRODUCT}

    async def run() -> str:
        provider = create_infomaniak(Settings(), environ)
        other = create_openai(Settings(model="m"), {"OPENAI_API_KEY": TOKEN})
        shown = " ".join([repr(provider), repr(provider.client), str(vars(provider)), repr(other)])
        await provider.aclose()
        await other.aclose()
        return shown

    assert TOKEN not in asyncio.run(run())


@pytest.mark.parametrize(
    ("base_url", "environ", "plain"),
    [
        ("http://127.0.0.1:8080/v1", {}, True),
        ("HTTP://localhost/v1", {"NO_PROXY": "*"}, True),
        ("https://api.infomaniak.com", {}, False),
        ("http://127.0.0.1:8080/v1", {"HTTPS_PROXY": "https://proxy:3128"}, False),
        ("http://127.0.0.1:8080/v1", {"all_proxy": "socks5://proxy"}, False),
        ("http://127.0.0.1:8080/v1", {"HTTP_PROXY": ""}, True),
    ],
)
def test_a_client_skips_tls_set_up_only_where_no_request_can_use_tls(
    base_url: str, environ: dict[str, str], plain: bool
) -> None:
    from mdslides_prompts.providers.openai import plain_http

    assert plain_http(base_url, environ) is plain
