"""The image request (issue 18): what decides a picture names it in the image cache."""

from __future__ import annotations

from dataclasses import replace

from mdslides_prompts.providers.pictures import SIZES, ImageRequest


def test_everything_that_decides_a_picture_is_in_its_key() -> None:
    request = ImageRequest("A tide pool at dawn. Flat vector illustration")
    key = request.key("offline")
    assert key == ImageRequest("A tide pool at dawn. Flat vector illustration").key("offline")
    changed = [
        replace(request, prompt="A tide pool at dusk. Flat vector illustration"),
        replace(request, model="sdxl_lightning"),
        replace(request, size="1024x1792"),
        replace(request, style="photo"),
        replace(request, seed=7),
    ]
    keys = {key, request.key("infomaniak"), *(r.key("offline") for r in changed)}
    assert len(keys) == 2 + len(changed)


def test_sizes_read_as_pixels() -> None:
    assert [(ImageRequest("x", size=s).width, ImageRequest("x", size=s).height) for s in SIZES] == [
        (1792, 1024), (1024, 1024), (1024, 1792)
    ]  # fmt: skip


def test_the_art_direction_is_no_part_of_the_key() -> None:
    # It is the prompt's end already; a run that cannot look it up (check, without the
    # prompt provider's credentials) must name the same picture.
    known = ImageRequest("A harbour. Gouache, navy palette", art_direction="Gouache, navy palette")
    assert known.key("offline") == ImageRequest("A harbour. Gouache, navy palette").key("offline")
    assert known.key("offline") != known.key("infomaniak")
