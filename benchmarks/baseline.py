"""The hand-written script the benchmark compares with: what a user would write in 20 lines.

python benchmarks/baseline.py DECK BASE_URL MODEL
"""

from pathlib import Path
import sys

from openai import OpenAI

deck, base_url, model = sys.argv[1:4]
client = OpenAI(base_url=base_url, api_key="sk-baseline")
text = Path(deck).read_text(encoding="utf-8")
out = []
for slide in text.split("\n---\n"):
    answer = client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "Write one image-generation prompt for this slide."},
            {"role": "user", "content": slide},
        ],
    )
    prompt = (answer.choices[0].message.content or "").strip().replace("--", "- -")
    out.append(f"<!-- image-prompt: {prompt} -->\n{slide}")
Path(deck).write_text("\n---\n".join(out), encoding="utf-8")
