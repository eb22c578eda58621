#!/usr/bin/env bash
# Install the lookatme 2.5.5 ground-truth harness into ./.venv (gitignored).
#
#   ./install.sh            (PYTHON=python3.11 by default; any 3.8+ should do)
#
# requirements.txt pins lookatme and every dependency exactly, with sha256
# hashes (--require-hashes). Two of them are sdists on Python 3.11
# (PyYAML 5.4.1, urwid 2.1.2); PIP_CONSTRAINT=build-constraints.txt pins their
# build environments (PyYAML 5.4.1 does not build with Cython 3). A C compiler
# is needed for urwid's extension (PyYAML falls back to pure Python without
# libyaml headers).
# Idempotent: a stamp records what was installed; a second run with the same
# requirement files and interpreter does nothing. Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
venv=.venv
stamp=$venv/.lookatme-harness-stamp
pyver=$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
want="$(cat requirements.txt build-constraints.txt | sha256sum | cut -d' ' -f1) python=$pyver"

selfcheck() {
  "$venv/bin/python" - <<'PY'
import json, subprocess, sys, tempfile, os
md = "---\ntitle: T\n---\n# a\n\n<!-- stop -->\n\nb\n\n---\n\n# c\n"
with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
    f.write(md)
try:
    out = subprocess.run([sys.executable, "slides.py", f.name], capture_output=True, text=True, check=True).stdout
finally:
    os.unlink(f.name)
r = json.loads(out)
got = [(s["start_line"], s["end_line"], s["progressive_part"]) for s in r["slides"]]
exp = [(4, 5, 0), (4, 9, 1), (11, 12, None)]
if got != exp or r["meta"].get("title") != "T" or r["lookatme_version"] != "2.5.5":
    sys.exit("lookatme harness: self-check failed: %r" % (r,))
PY
}

if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]] && [[ -x $venv/bin/python ]]; then
  selfcheck
  echo "lookatme harness: already installed (lookatme 2.5.5, python $pyver)"
  exit 0
fi

if [[ ! -x $venv/bin/python ]] || [[ "$("$venv/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" != "$pyver" ]]; then
  rm -rf "$venv"
  "$PY" -m venv "$venv"
fi
rm -f "$stamp"
PIP_CONSTRAINT="$PWD/build-constraints.txt" "$venv/bin/python" -m pip install \
  --disable-pip-version-check --no-input -q --require-hashes -r requirements.txt
"$venv/bin/python" -m pip check
selfcheck
echo "$want" >"$stamp"
echo "lookatme harness: installed lookatme 2.5.5 (python $pyver)"
