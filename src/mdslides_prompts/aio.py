"""Running a coroutine to completion from synchronous code."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run"]

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """:func:`asyncio.run` of *main*, its result handed back outside the event loop's task.

    Python 3.11's runner, putting Ctrl-C's handler back at the end, asks
    :func:`signal.getsignal`, which builds an error message it then drops from the
    ``repr`` of its own handler: a partial holding the main task, whose ``repr`` holds
    the task's result. A run's result holds every deck's text and slides: 65 MB and a
    second of that ``repr`` on a 10,000-slide deck. The task here returns nothing.
    """
    import asyncio  # an event loop only where one is run

    box: list[T] = []

    async def task() -> None:
        box.append(await main)

    asyncio.run(task())
    return box[0]
