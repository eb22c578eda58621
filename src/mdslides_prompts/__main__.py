"""``python -m mdslides_prompts``."""

from .cli import run_and_exit

run_and_exit()
