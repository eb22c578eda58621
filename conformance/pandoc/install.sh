#!/usr/bin/env bash
# Install the pandoc ground-truth harness: a venv in conformance/pandoc/.venv with the
# exact packages of requirements.txt (pypandoc-binary, which bundles a pandoc binary).
# Idempotent: a stamp file records the installed requirements; a second run with the
# same requirements.txt only re-checks pandoc. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
stamp=.venv/.pandoc-harness-stamp

if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
fi

# self-check: the bundled pandoc runs, has the expected version, and splits a tiny deck
version=$(.venv/bin/python -c 'import pypandoc; print(pypandoc.get_pandoc_version())')
if [[ "$version" != "3.9" ]]; then
  echo "pandoc harness: expected pandoc 3.9, got '$version'" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '# a\n\ntext\n\n# b\n\ntext\n' >"$tmp/t.md"
n=$(.venv/bin/python slides.py "$tmp/t.md" | .venv/bin/python -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(len(d["slides"]) if d.get("verified") else -1)')
if [[ "$n" != "2" ]]; then
  echo "pandoc harness: self-check failed (got $n slides, want 2)" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "pandoc harness: ready (pandoc $version, $(.venv/bin/python -m pip freeze | grep -i pypandoc))"
