"""Where a deck's pictures live: the image store, a folder next to the deck.

A picture is named by its request's key (:meth:`~.providers.pictures.ImageRequest.key`:
the prompt, model, size, style and seed), so the same request never makes a second
picture, and a deck refers to it by a path relative to itself. Files are written
atomically, never over an existing one (a name is its content), and only as regular
files in a folder that is one: a link where a picture or the folder should be is
refused, since writing through it would land elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import stat

from .errors import DeckError
from .fileio import write_atomic
from .providers.pictures import Picture

__all__ = ["DEFAULT_FOLDER", "SUFFIXES", "ImageStore", "StoredImage"]

DEFAULT_FOLDER = "slide-images"
"""The store's folder name, next to the deck, unless the configuration names another."""

SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
"""The file name ending of each picture type a provider may answer with."""

_NAME_LENGTH = 24
"""Hex digits of the key a file is named by (96 bits: no two requests share a name)."""


@dataclass(frozen=True, slots=True)
class StoredImage:
    """A picture in the store."""

    path: Path
    """Where it is."""
    created: bool
    """Whether this call wrote it (``False``: it was there already)."""


class ImageStore:
    """The pictures under *folder* (created, with its parents, on the first picture)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, deck: Path, name: str = DEFAULT_FOLDER) -> ImageStore:
        """The store in the folder *name* (relative to the deck's folder, or absolute)
        for the deck at *deck*."""
        return cls(deck.parent / name)

    def find(self, key: str) -> Path | None:
        """The picture stored for *key*, whatever its type, or ``None``."""
        for suffix in SUFFIXES.values():
            path = self._path(key, suffix)
            if _regular(path):
                return path
        return None

    def put(self, key: str, picture: Picture) -> StoredImage:
        """Store *picture* under *key*, unless a picture is stored for it already.

        :raises DeckError: a type it cannot name, a link or other non-regular file in the
            way, or a write that failed (nothing is left half written)
        """
        found = self.find(key)
        if found is not None:
            return StoredImage(found, created=False)
        suffix = SUFFIXES.get(picture.media_type)
        if suffix is None:
            raise DeckError(f"cannot store a picture of type {picture.media_type!r}", self.folder)
        self._make_folder()
        path = self._path(key, suffix)
        if os.path.lexists(path):  # a link or something else with the picture's name
            raise DeckError("in the way of a picture, not a regular file: left alone", path)
        write_atomic(path, picture.data)
        return StoredImage(path, created=True)

    def relative(self, picture: Path, deck: Path) -> str:
        """How the deck at *deck* names *picture*: a ``/``-separated path from its folder."""
        return Path(os.path.relpath(picture, deck.parent)).as_posix()

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key[:_NAME_LENGTH]}{suffix}"

    def _make_folder(self) -> None:
        try:
            mode = self.folder.lstat().st_mode
        except FileNotFoundError:
            try:
                self.folder.mkdir(parents=True)
            except OSError as exc:
                raise DeckError(f"cannot make it: {exc.strerror or exc}", self.folder) from None
            return
        if not stat.S_ISDIR(mode):
            raise DeckError(
                "not a folder (a link or a file): pictures are not written", self.folder
            )


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False
