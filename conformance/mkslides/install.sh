#!/usr/bin/env bash
# Install the MkSlides harness: MkSlides' own wheel and the two packages its deck reading
# uses, unpacked into ./.lib (gitignored) for ``mkslides_preprocess.py``. No dependencies
# are resolved (--no-deps): the modules used need only the standard library and PyYAML,
# which the test environment has. Idempotent (a stamp of requirements.txt). Exits
# non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
stamp=.lib/.mkslides-harness-stamp
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  rm -rf .lib
  "$PY" -m pip install --disable-pip-version-check -q --no-deps --require-hashes \
    --only-binary=:all: --ignore-requires-python --target .lib -r requirements.txt
  echo "$want" >"$stamp"
fi

# self-check: MkSlides' loader loads a script, and the deck reading runs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'def preprocess(markdown):\n    return markdown.upper()\n' >"$tmp/p.py"
printf -- '---\nslides:\n  theme: black\n---\n# a :smile:\n' >"$tmp/d.md"
got=$("$PY" mkslides_preprocess.py "$tmp/d.md" "$tmp/p.py")
if [[ "$got" != "# A 😄" ]]; then
  echo "mkslides harness: self-check failed: '$got'" >&2
  exit 1
fi
