"""The concurrent script the benchmark compares with: the hand-written baseline made
asynchronous with the official SDK's ``AsyncOpenAI``, at most CONCURRENCY requests at a
time (what a user who knows asyncio would write).

python benchmarks/baseline_async.py DECK BASE_URL MODEL CONCURRENCY
"""

import asyncio
from pathlib import Path
import sys

from openai import AsyncOpenAI

deck, base_url, model, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SYSTEM = "Write one image-generation prompt for this slide."


async def main() -> None:
    client = AsyncOpenAI(base_url=base_url, api_key="sk-baseline")
    limit = asyncio.Semaphore(concurrency)
    slides = Path(deck).read_text(encoding="utf-8").split("\n---\n")

    async def one(slide: str) -> str:
        async with limit:
            answer = await client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": slide},
                ],
            )
        prompt = (answer.choices[0].message.content or "").strip().replace("--", "- -")
        return f"<!-- image-prompt: {prompt} -->\n{slide}"

    out = await asyncio.gather(*(one(slide) for slide in slides))
    Path(deck).write_text("\n---\n".join(out), encoding="utf-8")
    await client.close()


asyncio.run(main())
