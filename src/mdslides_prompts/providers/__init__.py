"""Built-in providers: offline, and the OpenAI-compatible infomaniak and openai."""
