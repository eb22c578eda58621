"""Edit-to-write latency of `mdslides-prompts watch` against a local server.

The real CLI watches a Marp deck whose prompts are all fresh; the local fake Infomaniak
server (tests/http_server.py) answers every chat request after a fixed latency (300 ms by
default). Each round saves an edit of one slide (in place, as most editors do), then
polls the file every millisecond until the watcher's write lands. The latency is the
time from the end of the author's save to our write: filesystem event, the quiet period
the watcher waits for (200 ms), one request, inject, check and atomic write.

    python3 benchmarks/watch_latency.py                  # 10 edits, 300 ms API latency
    python3 benchmarks/watch_latency.py --latency 1 --edits 5
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mdslides_prompts import Pipeline, Settings, Status  # noqa: E402
from tests.http_server import Recorded, Reply, chat, serve, slide_of  # noqa: E402


def make_deck(path: Path, slides: int) -> None:
    """A Marp deck of *slides* slides, every prompt fresh, written by the provider the
    watcher uses (so they end with its art direction: none is remade to match it)."""
    head = "---\nmarp: true\ntitle: Latency drill\n---\n"
    parts = [f"\n# Slide {n}\n\nPoint {n} about glaciers.\n" for n in range(1, slides + 1)]
    path.write_text(head + "\n---\n".join(parts), encoding="utf-8")
    pipeline = Pipeline(Settings(provider="infomaniak", provider_options={"rpm": 0}))
    pipeline.run([pipeline.load(path)], lambda d: d.path)


def wait_for(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3, help="API latency in seconds")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--slides", type=int, default=10)
    args = parser.parse_args()

    def script(request: Recorded) -> Reply:
        reply = chat(f"A calm illustration for {slide_of(request)}, soft light")
        reply.delay = args.latency
        return reply

    with tempfile.TemporaryDirectory() as tmp, serve(script) as server:
        deck = Path(tmp) / "deck.md"
        env = {
            **os.environ,
            "INFOMANIAK_API_TOKEN": "tok-latency",
            "INFOMANIAK_PRODUCT_ID": "105432",
            "INFOMANIAK_BASE_URL": server.url,
            "MDSLIDES_PROMPTS_CACHE_DIR": str(Path(tmp) / "cache"),
            "NO_PROXY": "127.0.0.1",
        }
        os.environ.update(env)
        make_deck(deck, args.slides)
        made = len(server.posts)  # the deck's own prompts, before the watcher starts
        command = [sys.executable, "-m", "mdslides_prompts", "watch", str(deck),
                   "--provider", "infomaniak", "--rpm", "0"]  # fmt: skip
        print("$ mdslides-prompts " + " ".join([command[3], "deck.md", *command[5:]]))
        lines: list[str] = []
        with subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # A shell without job control starts background jobs with SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        ) as process:
            reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()))
            reader.start()
            wait_for(lambda: any("watching" in line for line in lines), "the watcher to start")
            latencies = []
            for n in range(args.edits):
                slide = n % args.slides + 1
                text = deck.read_text(encoding="utf-8")
                edited = re.sub(
                    rf"^Point {slide} about glaciers.*$",
                    f"Point {slide} about glaciers, revision {n}.",
                    text,
                    flags=re.M,
                ).encode("utf-8")
                deck.write_bytes(edited)
                saved = time.perf_counter()
                while deck.read_bytes() == edited:
                    time.sleep(0.001)
                latencies.append(time.perf_counter() - saved)
                time.sleep(0.5)  # let the event of our own write come back and be ignored
            process.send_signal(signal.SIGINT)
            code = process.wait(10)
            reader.join(10)
        statuses = [s.status for s in Pipeline(Settings()).load(deck).slides]
        posts = len(server.posts) - made
    runs = [float(m.group(1)) for line in lines if (m := re.search(r"\((\d+\.\d+) s\)$", line))]
    print()
    print(f"API latency         {args.latency * 1000:.0f} ms")
    print(f"edits               {args.edits} (one slide each, saved in place)")
    print(f"requests made       {posts}")
    print(f"slides fresh        {statuses.count(Status.FRESH)} of {len(statuses)}")
    print(
        f"edit -> write       median {statistics.median(latencies) * 1000:.0f} ms, "
        f"min {min(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    if runs[1:]:
        print(f"run (read -> write) median {statistics.median(runs[1:]) * 1000:.0f} ms")
    print(f"exit code on Ctrl-C {code}")
    return 0 if code == 0 and posts == args.edits else 1


if __name__ == "__main__":
    raise SystemExit(run())
