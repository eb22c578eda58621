"""Benchmarks: mdslides-prompts against hand-written scripts, the API bound and a bare parse.

Starts a loopback stand-in of the chat API (benchmarks/stand_in.py) with a set latency and,
for one measure, a request limit per time window (429 with ``Retry-After`` beyond it),
then times whole processes, as a user would run them, and prints one table of ratios,
every one measured in this run:

1. cold run, 60 slides, 300 ms latency, ``--rpm 0`` (the stand-in has no limit; the
   default 60 a minute would hold the 61st request for a minute): vs the hand-written
   baseline (``benchmarks/baseline.py``: split on ``---``, one request after another
   with the official ``openai`` SDK), vs the bound ``(1 + ceil(60 / concurrency)) x
   latency`` plus an interpreter's start (the deck's art direction is one request that
   every slide's request waits for), and, with the art direction off (the same requests
   as the scripts), vs the asynchronous SDK script at the same concurrency
   (``benchmarks/baseline_async.py``) and vs ``ceil(60 / concurrency) x latency`` plus
   the start; when the first request arrives, for reference;
2. a server limit of 20 requests per 5 s window, 120 slides: slides completed and time vs
   the rate bound (121 requests: the art direction's too), the baseline's outcome beside it;
3. warm rerun of 1,000-slide realistic decks (``benchmarks/decks.py``: mixed kinds of
   slides in seven languages; Marp, Slidev, reveal-md, pandoc), all prompts fresh,
   nothing to write, vs a process that only imports markdown-it-py and parses the deck;
4. 1,000 vs 10,000 slides of a realistic Marp deck on the offline provider: time ratio,
   and peak memory vs 15 times the deck's size plus the program's own (its peak on a
   one-slide deck);
5. watch mode: a one-slide edit until the file is written, 300 ms latency
   (``benchmarks/watch_latency.py``);
6. ``mdslides-prompts --help`` start-up vs ``python -c pass``, with the smallest click
   program's ``--help`` beside it for reference (the floor of the CLI library);
7. (not run by default: about a minute) peak memory of ``check`` on a 100,000-slide
   Marp deck (the plain one of measure 1: realistic slides would pass the 20 MiB a deck
   may hold) vs 15 times its size plus the program's own.

    python3 -m pip install '.[bench]'      # adds the openai SDK for the baselines
    python3 benchmarks/bench.py            # about two minutes
    python3 benchmarks/bench.py --only 3,6 # some of them
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
import math
import os
from pathlib import Path
import re
import subprocess
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.decks import FORMATS, write_deck  # noqa: E402
from benchmarks.stand_in import StandIn, stand_in  # noqa: E402

LATENCY = 0.3
PRODUCT = "105432"
MODEL = "bench-model"
PY = sys.executable


@dataclass
class Row:
    measure: str
    ours: str
    other: str
    ratio: float
    target: str
    met: bool | None
    """``None``: a reference row, shown for context, with no target of its own."""


def make_deck(path: Path, slides: int) -> Path:
    """A Marp deck of *slides* varied slides."""
    parts = []
    for n in range(1, slides + 1):
        body = [f"\n# Slide {n}: {('glaciers', 'rivers', 'forests', 'cities')[n % 4]}\n"]
        body.append(
            f"Point {n} about the topic, with **bold** words and a [link](https://x/{n}).\n"
        )
        if n % 3 == 0:
            body.append("- first item\n- second item\n- third item\n")
        if n % 5 == 0:
            body.append(f"```python\nprint({n})\n```\n")
        parts.append("\n".join(body))
    front = "---\nmarp: true\ntitle: Benchmark deck\ntheme: gaia\n---\n"
    path.write_text(front + "\n---\n".join(parts), encoding="utf-8")
    return path


def env(server: StandIn, cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "INFOMANIAK_API_TOKEN": "tok-bench",
        "INFOMANIAK_PRODUCT_ID": PRODUCT,
        "INFOMANIAK_BASE_URL": server.url,
        "MDSLIDES_PROMPTS_CACHE_DIR": str(cache),
        "NO_PROXY": "127.0.0.1",
    }


def timed(cmd: Sequence[str], environ: dict[str, str] | None = None) -> tuple[float, int, str]:
    began = time.perf_counter()
    done = subprocess.run(cmd, env=environ, capture_output=True, text=True)
    return time.perf_counter() - began, done.returncode, done.stderr


def best(cmd: Sequence[str], runs: int, environ: dict[str, str] | None = None) -> float:
    return min(timed(cmd, environ)[0] for _ in range(runs))


def ours(*args: str) -> list[str]:
    return [PY, "-m", "mdslides_prompts", *args]


def baseline(deck: Path, server: StandIn) -> list[str]:
    url = f"{server.url}/2/ai/{PRODUCT}/openai/v1"
    return [PY, str(ROOT / "benchmarks" / "baseline.py"), str(deck), url, MODEL]


def baseline_async(deck: Path, server: StandIn, concurrency: int) -> list[str]:
    url = f"{server.url}/2/ai/{PRODUCT}/openai/v1"
    script = str(ROOT / "benchmarks" / "baseline_async.py")
    return [PY, script, str(deck), url, MODEL, str(concurrency)]


@contextmanager
def workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mdslides-bench-") as tmp:
        yield Path(tmp)


# --- the measures ---------------------------------------------------------------------


def cold_run(concurrency: int) -> list[Row]:
    start = best([PY, "-c", "pass"], 11)
    with workspace() as tmp, stand_in(LATENCY) as server:
        theirs = make_deck(tmp / "baseline.md", 60)
        base, code, err = timed(baseline(theirs, server), env(server, tmp / "c0"))
        if code:
            raise SystemExit(f"baseline failed: {err.strip().splitlines()[-1]}")
        peer = make_deck(tmp / "async.md", 60)
        base_async, code, err = timed(
            baseline_async(peer, server, concurrency), env(server, tmp / "c1")
        )
        if code:
            raise SystemExit(f"async baseline failed: {err.strip().splitlines()[-1]}")
        rows = []
        for c in sorted({4, concurrency}):
            deck = make_deck(tmp / f"ours-{c}.md", 60)
            args = ["run", str(deck), "-q", "--model", MODEL, "--concurrency", str(c)]
            server.first_request = None
            began = time.perf_counter()
            took, code, err = timed(ours(*args, "--rpm", "0"), env(server, tmp / f"cache-{c}"))
            if code:
                raise SystemExit(f"our run failed: {err.strip()}")
            first = (server.first_request or began) - began
            bound = (1 + math.ceil(60 / c)) * LATENCY + start
            # Where the bound itself is over an eighth of the baseline, 8x cannot be reached
            # at that concurrency: the row is shown for reference only.
            reachable = bound * 8 <= base
            rows.append(Row(
                f"1. cold, 60 slides, --concurrency {c}: vs baseline", f"{took:.2f} s",
                f"{base:.2f} s", base / took,
                "≥ 8x" if reachable else f"— (bound {bound:.1f} s > baseline / 8)",
                base / took >= 8 if reachable else None,
            ))  # fmt: skip
            rows.append(Row(
                f"1. cold, 60 slides, --concurrency {c}: vs bound (art direction + "
                f"{math.ceil(60 / c)} waves + start)", f"{took:.2f} s", f"{bound:.2f} s",
                took / bound, "≤ 1.2x", took / bound <= 1.2,
            ))  # fmt: skip
            if c == concurrency:
                rows.append(Row(
                    f"1'. reference: first request sent, --concurrency {c}",
                    f"{first * 1000:.0f} ms", f"start {start * 1000:.0f} ms", first / start,
                    "—", None,
                ))  # fmt: skip
        deck = make_deck(tmp / "ours-plain.md", 60)
        args = ["run", str(deck), "-q", "--model", MODEL, "--concurrency", str(concurrency)]
        plain = {**env(server, tmp / "cache-plain"), "MDSLIDES_PROMPTS_ART_DIRECTION": "false"}
        took, code, err = timed(ours(*args, "--rpm", "0"), plain)
        if code:
            raise SystemExit(f"our run failed: {err.strip()}")
        bound = math.ceil(60 / concurrency) * LATENCY + start
        rows.append(Row(
            f"1. cold, art direction off, --concurrency {concurrency}: vs async SDK script",
            f"{took:.2f} s", f"{base_async:.2f} s", base_async / took, "≥ 1x",
            base_async / took >= 1,
        ))  # fmt: skip
        rows.append(Row(
            f"1. cold, art direction off, --concurrency {concurrency}: vs bound "
            f"({math.ceil(60 / concurrency)} waves + start)", f"{took:.2f} s",
            f"{bound:.2f} s", took / bound, "≤ 1.2x", took / bound <= 1.2,
        ))  # fmt: skip
        return rows


def rate_limited(concurrency: int) -> list[Row]:
    slides, limit, window = 120, 20, 5.0
    # The slides' requests and the deck's art direction's.
    bound = (math.ceil((slides + 1) / limit) - 1) * window + LATENCY
    with workspace() as tmp, stand_in(LATENCY, limit, window) as server:
        deck = make_deck(tmp / "ours.md", slides)
        args = [
            "run",
            str(deck),
            "--model",
            MODEL,
            "--concurrency",
            str(concurrency),
            "--rpm",
            "0",
            "--json",
        ]
        took, code, _ = timed(ours(*args), env(server, tmp / "cache"))
        done = sum(1 for line in deck.read_text().splitlines() if "image-prompt src=" in line)
        theirs = make_deck(tmp / "baseline.md", slides)
        chunks = len(theirs.read_text().split("\n---\n"))  # what the baseline sends
        base, base_code, _ = timed(baseline(theirs, server), env(server, tmp / "c0"))
        base_done = theirs.read_text().count("<!-- image-prompt:")
        return [
            Row(
                f"2. 20 req / 5 s limit, {slides} slides: completed",
                f"{done}/{slides}",
                f"baseline {base_done}/{chunks} chunks (exit {base_code})",
                done / slides,
                "100 %",
                done == slides and code == 0,
            ),
            Row(
                f"2. 20 req / 5 s limit, {slides} slides: vs rate bound",
                f"{took:.1f} s",
                f"{bound:.1f} s (baseline {base:.1f} s)",
                took / bound,
                "≤ 1.3x",
                took / bound <= 1.3,
            ),
        ]


BARE_PARSE = (
    "import sys, markdown_it; "
    "markdown_it.MarkdownIt('commonmark').parse(open(sys.argv[1], encoding='utf-8').read())"
)
"""A process that only imports markdown-it-py and parses a file (measure 3's floor)."""


def warm_rerun() -> list[Row]:
    rows = []
    with workspace() as tmp:
        for fmt in FORMATS:
            deck = write_deck(tmp / f"{fmt}.md", 1000, fmt)
            environ = {**os.environ, "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp / "cache")}
            args = ["run", str(deck), "-q", "--provider", "offline"]
            subprocess.run(ours(*args), env=environ, check=True, capture_output=True)
            before = deck.read_bytes()
            took = best(ours(*args), 5, environ)
            assert deck.read_bytes() == before
            bare = best([PY, "-c", BARE_PARSE, str(deck)], 5)
            rows.append(Row(
                f"3. warm rerun, 1,000 realistic {fmt} slides: vs bare markdown-it parse",
                f"{took:.2f} s", f"{bare:.2f} s", took / bare, "≤ 1.5x", took / bare <= 1.5,
            ))  # fmt: skip
    return rows


_MEASURE = (
    "import resource, sys, time\n"
    "began = time.perf_counter()\n"
    "from mdslides_prompts.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr)\n"
    "sys.exit(code)\n"
)
"""A run of the command line that reports its time and peak memory (measure 4)."""


def _measured(command: str, deck: Path, cache: Path, *extra: str) -> tuple[float, float, int]:
    """*command* of the program on *deck*: seconds, peak memory in MB, exit code."""
    environ = {**os.environ, "MDSLIDES_PROMPTS_CACHE_DIR": str(cache)}
    cmd = [PY, "-c", _MEASURE, command, str(deck), *extra]
    done = subprocess.run(cmd, env=environ, capture_output=True, text=True)
    seconds, rss = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(rss) / 1024, done.returncode


def _own_memory(tmp: Path) -> float:
    """The program's peak memory on a one-slide deck: the interpreter and its modules."""
    deck = write_deck(tmp / "one.md", 1, "marp")
    return _measured("run", deck, tmp / "cache-one", "-q", "--provider", "offline")[1]


def scaling() -> list[Row]:
    results = {}
    with workspace() as tmp:
        own = _own_memory(tmp)
        for n in (1000, 10000):
            deck = write_deck(tmp / f"deck-{n}.md", n, "marp")
            size = deck.stat().st_size / 1e6  # as given: the run adds its prompts
            seconds, peak, code = _measured(
                "run", deck, tmp / f"cache-{n}", "-q", "--provider", "offline"
            )
            assert code == 0
            results[n] = (seconds, peak, size)
    (t1, _, _), (t10, m10, size10) = results[1000], results[10000]
    allowed = 15 * size10 + own
    return [
        Row("4. offline, 10,000 vs 1,000 realistic slides: time", f"{t10:.2f} s",
            f"{t1:.2f} s", t10 / t1, "≤ 12x", t10 / t1 <= 12),
        Row(f"4. offline, 10,000 slides ({size10:.1f} MB): peak memory vs 15x deck + own",
            f"{m10:.0f} MB", f"{allowed:.0f} MB (own {own:.0f} MB)", m10 / allowed, "≤ 1x",
            m10 <= allowed),
    ]  # fmt: skip


def memory_100k() -> list[Row]:
    with workspace() as tmp:
        own = _own_memory(tmp)
        # The benchmark's plain deck: 100,000 realistic slides are over the 20 MiB a deck
        # may hold.
        deck = make_deck(tmp / "deck-100k.md", 100_000)
        size = deck.stat().st_size / 1e6
        _, peak, code = _measured("check", deck, tmp / "cache")
        assert code == 1  # every slide's prompt is missing
    allowed = 15 * size + own
    return [
        Row(f"7. check, 100,000 slides ({size:.0f} MB): peak memory vs 15x deck + own",
            f"{peak:.0f} MB", f"{allowed:.0f} MB (own {own:.0f} MB)", peak / allowed, "≤ 1x",
            peak <= allowed),
    ]  # fmt: skip


def watch_latency() -> list[Row]:
    edits = 5
    done = subprocess.run(
        [PY, str(ROOT / "benchmarks" / "watch_latency.py"), "--latency", str(LATENCY),
         "--edits", str(edits)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    median = re.search(r"edit -> write\s+median (\d+) ms", done.stdout)
    requests = re.search(r"requests made\s+(\d+)", done.stdout)
    assert median and requests, done.stdout
    took, per_edit = int(median.group(1)) / 1000, int(requests.group(1)) / edits
    target = LATENCY + 0.3
    return [
        Row(f"5. watch, one-slide edit -> written (median of {edits}; requests per edit)",
            f"{took:.2f} s ({per_edit:g})", f"{target:.2f} s (1)", took / target,
            "<= latency + 0.3 s, 1 request", took <= target and per_edit == 1),
    ]  # fmt: skip


CLICK_HELLO = "import click\n@click.command()\ndef hello():\n    'Say hello.'\nhello(['--help'])\n"
"""The smallest click program: one command printing its help (the floor for measure 6)."""


def startup() -> list[Row]:
    # The installed console script, as users start it; ``python -m`` where there is none.
    script = Path(PY).parent / "mdslides-prompts"
    command = [str(script), "--help"] if script.exists() else ours("--help")
    ours_help = best(command, 21)
    bare = best([PY, "-c", "pass"], 21)
    hello = best([PY, "-c", CLICK_HELLO], 21)
    return [
        Row(
            "6. --help start-up vs python -c pass",
            f"{ours_help * 1000:.0f} ms",
            f"{bare * 1000:.0f} ms",
            ours_help / bare,
            "≤ 4x",
            ours_help / bare <= 4,
        ),
        Row(
            "6'. reference: a one-command click program's --help vs python -c pass",
            f"{hello * 1000:.0f} ms",
            f"{bare * 1000:.0f} ms",
            hello / bare,
            "—",
            None,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="1,2,3,4,5,6", help="measures to run, e.g. 3,6,7")
    parser.add_argument("--concurrency", type=int, default=12, help="for measures 1 and 2")
    args = parser.parse_args()
    wanted = {int(x) for x in args.only.split(",")}
    measures: dict[int, Callable[[], list[Row]]] = {
        1: lambda: cold_run(args.concurrency),
        2: lambda: rate_limited(args.concurrency),
        3: warm_rerun,
        4: scaling,
        5: watch_latency,
        6: startup,
        7: memory_100k,
    }
    rows = [row for number, run in measures.items() if number in wanted for row in run()]
    print("| measure | mdslides-prompts | compared with | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ratio = "—" if math.isnan(r.ratio) else f"{r.ratio:.2f}x"
        met = "—" if r.met is None else "yes" if r.met else "NO"
        print(f"| {r.measure} | {r.ours} | {r.other} | {ratio} | {r.target} | {met} |")
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
