"""aio.run: a coroutine's result is not rendered by the event loop's runner."""

from __future__ import annotations

import asyncio

from mdslides_prompts import aio


class _Counted:
    """A result that counts how often its ``repr`` is built."""

    def __init__(self) -> None:
        self.reprs = 0

    def __repr__(self) -> str:
        self.reprs += 1
        return "counted"


async def _give(value: _Counted) -> list[_Counted]:
    await asyncio.sleep(0)
    return [value]


def test_asyncio_run_renders_the_result_of_its_main_task() -> None:
    # Why aio exists: Python 3.11's runner builds the main task's repr, result included,
    # when it puts Ctrl-C's handler back (in the main thread, where tests run).
    value = _Counted()
    assert asyncio.run(_give(value)) == [value]
    assert value.reprs >= 1


def test_aio_run_returns_the_result_without_rendering_it() -> None:
    value = _Counted()
    assert aio.run(_give(value)) == [value]
    assert value.reprs == 0


def test_aio_run_raises_what_the_coroutine_raises() -> None:
    async def fail() -> None:
        raise LookupError("gone")

    try:
        aio.run(fail())
    except LookupError as exc:
        assert str(exc) == "gone"
    else:
        raise AssertionError("no error")
