"""Built-in providers: the offline one (and, later, OpenAI-compatible APIs)."""
