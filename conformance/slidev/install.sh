#!/usr/bin/env bash
# Install the Slidev ground-truth harness with nothing but node + npm.
#
# `npm install @slidev/parser` does not work here: its dependency
# @slidev/types drags in a tree that does not resolve. The parser itself only
# needs yaml and @antfu/utils at run time (pathe for its ./fs entry), so:
#   1. `npm ci` installs those runtime deps at the exact versions of
#      package-lock.json;
#   2. `npm pack @slidev/parser@<version>` fetches the parser tarball (npm checks
#      it against the registry's integrity; we check it against the pinned one
#      in package.json "slidevParser"), and it is unpacked into
#      node_modules/@slidev/parser.
# Idempotent: a stamp file records what was installed; a second run with the
# same package.json/package-lock.json does nothing. Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"

version=$(node -p 'require("./package.json").slidevParser.version')
integrity=$(node -p 'require("./package.json").slidevParser.integrity')
stamp=node_modules/.slidev-harness-stamp
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) parser=$version"

if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]] \
   && [[ "$(node -p 'require("./node_modules/@slidev/parser/package.json").version' 2>/dev/null)" == "$version" ]]; then
  echo "slidev harness: already installed (@slidev/parser $version)"
  exit 0
fi

npm ci --no-audit --no-fund --loglevel=error

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm pack "@slidev/parser@$version" --pack-destination "$tmp" --json --loglevel=error >"$tmp/pack.json"
got=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(j[0].integrity)' "$tmp/pack.json")
tgz=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(j[0].filename)' "$tmp/pack.json")
if [[ "$got" != "$integrity" ]]; then
  echo "slidev harness: integrity mismatch for @slidev/parser@$version: $got != $integrity" >&2
  exit 1
fi
rm -rf node_modules/@slidev/parser
mkdir -p node_modules/@slidev/parser
tar -xzf "$tmp/$tgz" -C node_modules/@slidev/parser --strip-components=1

node --input-type=module -e '
import { parseSync } from "@slidev/parser"
const r = parseSync("# a\n\n---\n\n# b\n", "t.md")
if (r.slides.length !== 2) { console.error("slidev harness: self-check failed"); process.exit(1) }
'
echo "$want" >"$stamp"
echo "slidev harness: installed @slidev/parser $version"
