"""One `mdslides-prompts run` against a local fake Infomaniak server that fails on purpose.

The server (tests/http_server.py) answers the v2 chat route and fails a share of the
attempts in every retryable way: 500, 502 (HTML), 503, 504, 429 with and without
Retry-After, 408, dropped connections and hangs. The run goes through the real CLI with
the token and product id in the environment; at the end this prints the requests made,
the retries, the slides completed and the time taken.

    python3 benchmarks/fault_run.py                  # 60 slides, 30 % faults, default pacing
    python3 benchmarks/fault_run.py --fast           # the same without pacing or long waits
    python3 benchmarks/fault_run.py --fast --seed 1,2,3,4,5   # one run per seed, then totals
"""

from __future__ import annotations

import argparse
from collections import Counter
import os
from pathlib import Path
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mdslides_prompts import Pipeline, Settings, Status  # noqa: E402
from mdslides_prompts.cli import main  # noqa: E402
from tests.http_server import fault_script, serve  # noqa: E402


def make_deck(path: Path, slides: int) -> None:
    head = "---\nmarp: true\ntitle: Fault drill\ntheme: gaia\n---\n"
    parts = [f"\n# Slide {n}\n\nPoint {n} about glaciers.\n" for n in range(1, slides + 1)]
    path.write_text(head + "\n---\n".join(parts), encoding="utf-8")


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slides", type=int, default=60)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--seed", default="5", help="a seed, or several: 1,2,3,4,5")
    parser.add_argument("--timeout", default="5", help="--timeout for the run (hangs cost this)")
    parser.add_argument("--fast", action="store_true", help="no pacing, millisecond backoff")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seed.split(",")]
    results = [one_run(args, seed) for seed in seeds]
    if len(seeds) > 1:
        done = sum(r[0] for r in results)
        print(f"\n{len(seeds)} seeds: {done} of {args.slides * len(seeds)} slides, exit codes "
              f"{', '.join(str(r[1]) for r in results)}")  # fmt: skip
    return max(r[1] for r in results)


def one_run(args: argparse.Namespace, seed: int) -> tuple[int, int]:
    """One run against a server seeded with *seed*: (slides completed, exit code)."""
    script, faults = fault_script(seed, args.fault_rate)
    with tempfile.TemporaryDirectory() as tmp, serve(script) as server:
        deck = Path(tmp) / "deck.md"
        make_deck(deck, args.slides)
        os.environ.update(
            INFOMANIAK_API_TOKEN="tok-fault-run",
            INFOMANIAK_PRODUCT_ID="105432",
            INFOMANIAK_BASE_URL=server.url,
            MDSLIDES_PROMPTS_CACHE_DIR=str(Path(tmp) / "cache"),
            NO_PROXY="127.0.0.1",
        )
        cli_args = ["run", str(deck), "--max-retries", "8", "--timeout", args.timeout]
        if args.fast:
            cli_args += ["--rpm", "0", "--retry-backoff", "0.005", "--concurrency", "8"]
        print("$ mdslides-prompts " + " ".join([*cli_args[:1], "deck.md", *cli_args[2:]]))
        started = time.monotonic()
        code = main(cli_args)
        elapsed = time.monotonic() - started
        pipeline = Pipeline(Settings())
        statuses = Counter(s.status for s in pipeline.load(deck).slides)
        posts = len(server.posts)
    print()
    print(f"seed               {seed}")
    print(f"exit code          {code}")
    print(f"slides completed   {statuses[Status.FRESH]} of {args.slides}")
    print(f"requests made      {posts}")
    print(f"retries            {posts - args.slides}")
    print(f"faults served      {sum(faults.values())}: " + ", ".join(
        f"{kind} x{n}" for kind, n in sorted(faults.items())
    ))  # fmt: skip
    print(f"time               {elapsed:.1f} s")
    return statuses[Status.FRESH], code


if __name__ == "__main__":
    raise SystemExit(run())
