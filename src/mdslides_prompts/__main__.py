"""``python -m mdslides_prompts``."""

from .cli import main

raise SystemExit(main())
