"""The image store (issue 18, point 2): pictures named by their request's key, in a
folder next to the deck, written atomically, never over anything, never through a link."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdslides_prompts.errors import DeckError
from mdslides_prompts.imagestore import DEFAULT_FOLDER, ImageStore
from mdslides_prompts.providers.pictures import ImageRequest, Picture

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
KEY = ImageRequest("A tide pool at dawn").key("offline")


def test_a_picture_is_stored_once_by_its_key_and_named_from_the_deck(tmp_path: Path) -> None:
    deck = tmp_path / "talks" / "tides.md"
    deck.parent.mkdir()
    store = ImageStore.beside(deck)
    assert store.folder == deck.parent / DEFAULT_FOLDER and store.find(KEY) is None
    first = store.put(KEY, Picture(PNG))
    assert first.created and first.path.read_bytes() == PNG
    assert first.path.name == f"{KEY[:24]}.png"
    again = store.put(KEY, Picture(b"other bytes"))
    assert not again.created and again.path == first.path and first.path.read_bytes() == PNG
    assert store.find(KEY) == first.path
    assert store.relative(first.path, deck) == f"{DEFAULT_FOLDER}/{KEY[:24]}.png"
    assert sorted(p.name for p in store.folder.iterdir()) == [first.path.name]  # no temp left


def test_each_type_gets_its_ending_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "pictures")
    assert store.put(KEY, Picture(b"\xff\xd8\xff", "image/jpeg")).path.suffix == ".jpg"
    other = ImageRequest("A dune").key("offline")
    with pytest.raises(DeckError, match="cannot store a picture of type 'image/gif'"):
        store.put(other, Picture(b"GIF89a", "image/gif"))
    assert store.find(other) is None


def test_links_in_the_way_are_refused_and_left_alone(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "linked").symlink_to(elsewhere)
    with pytest.raises(DeckError, match="not a folder"):
        ImageStore(tmp_path / "linked").put(KEY, Picture(PNG))
    assert list(elsewhere.iterdir()) == []
    store = ImageStore(tmp_path / "pictures")
    store.folder.mkdir()
    target = tmp_path / "precious.txt"
    target.write_text("mine")
    (store.folder / f"{KEY[:24]}.png").symlink_to(target)
    with pytest.raises(DeckError, match="in the way of a picture"):
        store.put(KEY, Picture(PNG))
    assert target.read_text() == "mine"
