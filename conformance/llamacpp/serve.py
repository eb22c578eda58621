"""llama.cpp's own HTTP server (the xllamacpp wheel) on 127.0.0.1, for the conformance tests.

    .venv/bin/python serve.py MODEL.gguf [--port 0] [--threads 1] [--ctx 2048] [--parallel 2]

Port 0 picks a free port. An API key, if wanted, comes from $LLAMACPP_API_KEY (not from
the command line, which any user can read). Once the server listens, this prints
``ready: http://127.0.0.1:PORT`` on stdout; it then serves until killed. llama.cpp logs
to stderr, a line for each request it starts (``launch_slot_``) and finishes
(``release``) and for each key it refuses (``unauthorized``): the tests count them.
"""

from __future__ import annotations

import argparse
import os
import threading

import xllamacpp

ALIAS = "smollm2"
"""The model's name in /v1/models."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="the GGUF file")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ctx", type=int, default=2048, help="context, shared by the slots")
    parser.add_argument("--parallel", type=int, default=2, help="slots (requests at once)")
    args = parser.parse_args()

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {ALIAS}
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    key = os.environ.get("LLAMACPP_API_KEY")
    if key:
        params.api_keys = [key]
    server = xllamacpp.Server(params)
    # One write: llama.cpp's log threads share the file, and a line written in parts
    # (as print does when Python's output is unbuffered) can have theirs in its middle.
    os.write(1, f"ready: {server.listening_address}\n".encode())
    threading.Event().wait()


if __name__ == "__main__":
    main()
