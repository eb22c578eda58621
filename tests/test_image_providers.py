"""The infomaniak and openai image providers against a real images endpoint on 127.0.0.1.

The loopback server (:mod:`tests.http_server`) plays Infomaniak's
``/1/ai/{product_id}/openai/images/generations`` and an OpenAI-compatible
``/v1/images/generations``: pictures as base64, latency, hangs, 429s, errors and bodies
that hold no picture.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from dataclasses import replace
import json
import logging
from types import MappingProxyType
from typing import Any

import pytest

from mdslides_prompts import (
    AuthenticationFailed,
    BadAnswer,
    ProviderError,
    ProviderEvent,
    ProviderTimeout,
    Settings,
    get_plugin_manager,
)
from mdslides_prompts.configfile import cli_layer, defaults, resolve
from mdslides_prompts.errors import MalformedAnswer, UsageError
from mdslides_prompts.providers.images_http import HTTPImageProvider, create_image_provider
from mdslides_prompts.providers.infomaniak import create_infomaniak
from mdslides_prompts.providers.options import ClientOptions
from mdslides_prompts.providers.pictures import ImageRequest, Picture
from mdslides_prompts.providers.wire import NoAnswerBody, image_type

from .http_server import Reply, ScriptedServer, each_answer, infomaniak_error, queue, serve

TOKEN = "tok-S3CRET-4f9a2c7e1b"
PRODUCT = "105432"
IMAGES = f"/1/ai/{PRODUCT}/openai/images/generations"
FAST = {"rpm": 0, "image_rpm": 0, "retry_backoff": 0.002, "timeout": 3, "max_retries": 3}
"""Connection options that keep tests fast: no pacing, millisecond backoff."""
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(40))
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(range(40))
REQUEST = ImageRequest("A glacier at dawn, wide view, soft light", size="1024x1792")


def picture(data: bytes = PNG, revised: str | None = "A glacier at dawn") -> Reply:
    """An images answer holding *data*."""
    item: dict[str, Any] = {"b64_json": base64.b64encode(data).decode()}
    if revised is not None:
        item["revised_prompt"] = revised
    return Reply(body={"data": [item], "created": 1767225600})


def environ(server: ScriptedServer, **more: str) -> dict[str, str]:
    return {
        "INFOMANIAK_API_TOKEN": TOKEN,
        "INFOMANIAK_PRODUCT_ID": PRODUCT,
        "INFOMANIAK_BASE_URL": server.url,
        **more,
    }


def settings(**options: Any) -> Settings:
    return Settings(provider_options=MappingProxyType({**FAST, **options}))


def make(
    server: ScriptedServer,
    name: str = "infomaniak",
    options: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    events: list[ProviderEvent] | None = None,
) -> HTTPImageProvider:
    sink = events if events is not None else []
    provider = create_image_provider(
        name, settings(**(options or {})), env or environ(server), sink.append
    )
    assert provider is not None
    return provider


def draw(provider: HTTPImageProvider, *requests: ImageRequest) -> list[Picture | ProviderError]:
    """Ask *provider* for each of *requests* in turn; the pictures or errors."""
    asked = requests or (REQUEST,)
    return each_answer(lambda: provider, lambda p, n: p.generate_image(asked[n]), len(asked))


def fails(server: ScriptedServer, reply: Reply, **options: Any) -> ProviderError:
    """The error one request meets when the server answers *reply*, without retries."""
    server.script = queue(then=reply)
    [error] = draw(make(server, options={"max_retries": 0, **options}))
    assert isinstance(error, ProviderError)
    return error


# --- success --------------------------------------------------------------------------------


def test_infomaniak_sends_one_b64_request_and_reads_the_png() -> None:
    styled = replace(REQUEST, style="line_art", seed=7)
    with serve(queue(then=picture())) as server:
        [result] = draw(make(server), styled)
    assert isinstance(result, Picture) and result.waited < 0.1
    assert replace(result, waited=0) == Picture(PNG, "image/png", "A glacier at dawn", requests=1)
    [request] = server.posts
    assert request.path == IMAGES
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    # Infomaniak documents no seed: it is not sent.
    assert request.json == {
        "model": "flux", "prompt": "A glacier at dawn, wide view, soft light",
        "size": "1024x1792", "n": 1, "response_format": "b64_json", "style": "line_art",
    }  # fmt: skip


def test_no_style_no_field_and_the_size_is_the_requests() -> None:
    with serve(queue(then=picture(revised=None))) as server:
        [result] = draw(make(server), replace(REQUEST, size="1792x1024"))
    assert isinstance(result, Picture) and result.revised_prompt is None
    body = server.posts[0].json
    assert "style" not in body and "seed" not in body
    assert (body["size"], body["n"]) == ("1792x1024", 1)


def test_openai_goes_to_the_base_urls_images_route_with_its_key() -> None:
    env = {"OPENAI_API_KEY": "sk-local-0123456789"}
    with serve(queue(then=picture(JPEG))) as server:
        provider = make(server, "openai", {"base_url": f"{server.url}/v1/"}, env)
        [result] = draw(provider, replace(REQUEST, model="dall-e-3", style="vivid", seed=42))
    assert isinstance(result, Picture) and result.media_type == "image/jpeg"
    assert result.data == JPEG
    [request] = server.posts
    assert request.path == "/v1/images/generations"
    assert request.headers["authorization"] == "Bearer sk-local-0123456789"
    assert request.json == {
        "model": "dall-e-3", "prompt": REQUEST.prompt, "size": "1024x1792", "n": 1,
        "response_format": "b64_json", "style": "vivid", "seed": 42,
    }  # fmt: skip


def test_openai_reads_the_key_from_the_variable_it_is_told() -> None:
    env = {"IMAGES_KEY": "sk-other-0123456789", "OPENAI_API_KEY": "sk-unused-987654321"}
    options = {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "IMAGES_KEY"}
    with serve(queue(then=picture())) as server:
        options["base_url"] = f"{server.url}/v1"
        draw(make(server, "openai", options, env))
    assert server.posts[0].headers["authorization"] == "Bearer sk-other-0123456789"


@pytest.mark.parametrize(("data", "media_type"), [(PNG, "image/png"), (JPEG, "image/jpeg"),
                                                  (WEBP, "image/webp")])  # fmt: skip
def test_the_media_type_comes_from_the_bytes(data: bytes, media_type: str) -> None:
    with serve(queue(then=picture(data))) as server:
        [result] = draw(make(server))
    assert isinstance(result, Picture) and (result.data, result.media_type) == (data, media_type)


def test_a_slow_answer_arrives_within_the_timeout() -> None:
    with serve(queue(then=replace(picture(), delay=0.3))) as server:
        [result] = draw(make(server, options={"timeout": 2}))
    assert isinstance(result, Picture) and result.requests == 1


# --- retries and failures -------------------------------------------------------------------


def test_a_hang_times_out_in_one_line() -> None:
    with serve(queue(then=Reply(hang=True))) as server:
        error = fails(server, Reply(hang=True), timeout=0.3)
    assert isinstance(error, ProviderTimeout)
    assert str(error).startswith("no answer within 0.3 s") and "\n" not in str(error)


def test_429_waits_retry_after_then_succeeds_and_counts_the_requests() -> None:
    events: list[ProviderEvent] = []
    limited = Reply(429, infomaniak_error("too_many_requests", "Too many"), {"Retry-After": "0.2"})
    with serve(queue(limited, then=picture())) as server:
        [result] = draw(make(server, events=events))
    assert isinstance(result, Picture) and result.requests == 2
    first, second = server.posts
    assert second.time - first.time >= 0.2
    [retry] = [e for e in events if e.kind == "retry"]
    assert retry.reason == "HTTP 429" and retry.message.startswith("picture 'A glacier at dawn,")


def test_401_fails_fast_naming_the_variable_never_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = Reply(401, infomaniak_error("not_authorized", f"Bad token Bearer {TOKEN}"))
    with serve(queue(then=echo)) as server:
        first, second = draw(make(server), REQUEST, replace(REQUEST, prompt="A harbour"))
    assert isinstance(first, AuthenticationFailed) and first.status == 401
    assert "INFOMANIAK_API_TOKEN" in str(first) and "\n" not in str(first)
    assert isinstance(second, AuthenticationFailed) and second.attempts == 0
    assert len(server.posts) == 1
    for text in (str(first), str(second), repr(first.args), caplog.text):
        assert TOKEN[:8] not in text and TOKEN[-8:] not in text


def test_openai_401_names_its_key_variable() -> None:
    with serve(queue(then=Reply(401, {"error": {"message": "bad key"}}))) as server:
        provider = make(server, "openai", {"base_url": server.url}, {"OPENAI_API_KEY": TOKEN})
        [error] = draw(provider)
    assert isinstance(error, AuthenticationFailed) and "$OPENAI_API_KEY" in str(error)
    assert TOKEN[:8] not in str(error)


def test_a_revised_prompt_echoing_the_token_is_masked() -> None:
    with serve(queue(then=picture(revised=f"A glacier, key {TOKEN}"))) as server:
        [result] = draw(make(server))
    assert isinstance(result, Picture) and result.revised_prompt == "A glacier, key ***"


def test_a_page_echoing_the_token_is_masked_in_the_error() -> None:
    page = Reply(200, f"<html><title>Login {TOKEN}</title></html>", {"Content-Type": "text/html"})
    with serve(queue()) as server:
        error = fails(server, page)
    assert isinstance(error, NoAnswerBody) and "'Login ***'" in str(error)
    assert TOKEN[:8] not in str(error)


def test_the_provider_does_not_show_the_token() -> None:
    with serve(queue()) as server:
        provider = make(server)
        shown = f"{provider!r} {provider.client!r} {vars(provider)}"
        asyncio.run(provider.aclose())
    assert TOKEN[:8] not in shown


@pytest.mark.parametrize(
    ("reply", "kind", "message"),
    [
        (Reply(200, "<html><title>Welcome</title></html>", {"Content-Type": "text/html"}),
         NoAnswerBody, "HTTP 200 with a body that is not JSON (text/html): 'Welcome'"),
        (Reply(body={"data": [{"url": "https://cdn.example/p.png"}]}), NoAnswerBody,
         "the answer has no b64_json picture (a URL instead)"),
        (Reply(body={"data": []}), NoAnswerBody, "the answer has no data list of pictures"),
        (Reply(body={"data": [{"b64_json": "iVBOR%%%not base64"}]}), MalformedAnswer,
         "the answer's b64_json is not valid base64"),
        (Reply(body={"data": [{"b64_json": ""}]}), MalformedAnswer,
         "the answer's b64_json holds an empty picture"),
        (picture(b"GIF89a" + bytes(20)), BadAnswer,
         "the picture is a GIF image, not a PNG, JPEG or WebP image"),
        (picture(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), BadAnswer,
         "the picture is an SVG image, not a PNG, JPEG or WebP image"),
        (picture(b"\x00\x01\x02\x03\x04"), BadAnswer,
         "the picture is unknown data starting with 00 01 02 03, not a PNG, JPEG or WebP image"),
        (Reply(body=infomaniak_error("model_busy", "The model is busy")), MalformedAnswer,
         "the server answered with an error: The model is busy"),
    ],
)  # fmt: skip
def test_an_answer_with_no_usable_picture_is_one_clear_line(
    reply: Reply, kind: type[ProviderError], message: str
) -> None:
    with serve(queue()) as server:
        error = fails(server, reply)
    assert type(error) is kind and message in str(error) and "\n" not in str(error)


def test_malformed_answers_are_retried_then_stop_the_run() -> None:
    broken = Reply(body={"data": [{"url": "https://cdn.example/p.png"}]})
    with serve(queue(then=broken)) as server:
        first, second = draw(make(server), REQUEST, REQUEST)
    assert isinstance(first, MalformedAnswer) and "base URL is probably wrong" in str(first)
    assert isinstance(second, MalformedAnswer) and second.attempts == 0
    assert len(server.posts) == 4


def test_image_type_reads_magic_numbers_only() -> None:
    assert image_type(PNG) == "image/png" and image_type(WEBP) == "image/webp"
    with pytest.raises(BadAnswer, match="unknown data starting with 52 49 46 46"):
        image_type(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    with pytest.raises(BadAnswer, match="is JSON text"):
        image_type(b'{"error": "x"}')


# --- pacing and plumbing --------------------------------------------------------------------


def test_pictures_are_paced_by_image_rpm_and_prompts_by_rpm() -> None:
    assert defaults(Settings())["image-rpm"] == 10
    layer = cli_layer({"rpm": 90, "image_rpm": 4})
    chosen = resolve([layer], Settings(concurrency=2))
    assert chosen.provider_options == {"rpm": 90, "image_rpm": 4}
    with serve(queue()) as server:
        images = create_image_provider("infomaniak", chosen, environ(server))
        chat = create_infomaniak(chosen, environ(server))
        assert images is not None
        assert (images.client.options.rpm, chat.client.options.rpm) == (4, 90)
        asyncio.run(images.aclose())
        asyncio.run(chat.aclose())


def test_default_image_pacing_is_lower_than_chat() -> None:
    with serve(queue()) as server:
        provider = create_image_provider("infomaniak", Settings(), environ(server))
        assert provider is not None
        assert provider.client.options.rpm == 10 < ClientOptions().rpm
        asyncio.run(provider.aclose())


def test_a_wrong_image_rpm_is_refused_before_anything_is_sent() -> None:
    with serve(queue()) as server, pytest.raises(UsageError, match="image_rpm must be"):
        make(server, options={"image_rpm": -1})
    assert server.requests == []


def test_missing_credentials_are_refused_in_one_line() -> None:
    with pytest.raises(UsageError, match="needs INFOMANIAK_API_TOKEN and INFOMANIAK_PRODUCT_ID"):
        create_image_provider("infomaniak", settings(), {})


def test_the_hooks_name_and_create_both_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    names = [n for names in pm.hook.mdslides_image_provider_names() for n in names]
    assert {"infomaniak", "openai"} <= set(names)
    with serve(queue(then=picture())) as server:
        for name, value in environ(server).items():
            monkeypatch.setenv(name, value)
        provider = pm.hook.mdslides_get_image_provider(
            name="infomaniak", settings=settings(), notify=lambda event: None
        )
        assert isinstance(provider, HTTPImageProvider) and provider.name == "infomaniak"
        [result] = draw(provider)
        assert (
            pm.hook.mdslides_get_image_provider(
                name="no-such", settings=settings(), notify=lambda event: None
            )
            is None
        )
    assert isinstance(result, Picture) and json.loads(server.posts[0].body)["model"] == "flux"
