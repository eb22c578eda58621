#!/usr/bin/env python3
"""Ground-truth harness: how lookatme 2.5.5 splits a Markdown deck into slides.

It only CALLS lookatme's own ``lookatme.parser.Parser().parse(text)`` (the same
call ``lookatme.pres.Presentation.reload`` makes). Splitting, meta parsing,
smart splitting and ``<!-- stop -->`` handling are all done by lookatme and
mistune 0.8.4; this script only observes them and reports source lines.

Usage (inside the venv made by install.sh):
    .venv/bin/python slides.py [--single] [--tokens] FILE [FILE...]
    .venv/bin/python slides.py [--single] [--tokens] -  < list of files, one a line
    --single   same as `lookatme --single` (Parser(single_slide=True))
    --tokens   also give each slide's "tokens": the mistune tokens lookatme's
               Slide holds, which are all its renderer reads (as JSON)

Output: one JSON object per file, one per line:
  {"file": PATH, "line_count": N, "lookatme_version": "2.5.5",
   "mode": "hrule" | "smart" | "single",
   "meta": {...}, "meta_range": [1, K] | null,
   "slides": [{"index": I,                 # lookatme's Slide.number (0-based)
               "start_line": A, "end_line": B,
               "title": STR | null,
               "progressive_part": k | null,
               "group": G, "reveal_start_line": R}]}
  or {"file": PATH, "error": MESSAGE} when lookatme's parser raises
  (e.g. a meta block that is not a YAML mapping).

How the text is read: like lookatme's CLI (click.File("r") = Python text
mode): UTF-8, universal newlines ("\\r\\n" and "\\r" become "\\n"), a BOM is
kept (U+FEFF; lookatme then does not see a meta block on line 1). Tabs are NOT
expanded: lookatme calls mistune's BlockLexer directly and skips mistune's
preprocessing().

Line numbers (1-based, inclusive; "a\\n" and "a" both have 1 line):
* mistune 0.8.4 tokens carry no positions. The harness wraps (at class level,
  delegating to the originals) mistune.BlockLexer.parse and every
  BlockLexer.parse_<rule> method. Each rule match is a regex match on the
  remaining text, so its offset is len(text) - len(m.string); offsets are
  turned into lines. Nested parses (block quotes, list items, footnotes) keep
  the line structure of their parent block (only per-line prefixes are
  removed), so a nested token's line = the line where its nested text starts
  + the newlines before the match. Each token gets the line of the match that
  created it (innermost wins).
* The harness also wraps Parser._split_tokens_into_slides and
  Parser._create_slides (delegating to them). lookatme passes its own
  split predicate (hrule / heading-level closure) to the first; the harness
  calls that predicate on each token to find the separators, and checks that
  its groups equal the token groups lookatme passes to _create_slides.
* meta_range: the lines parse_meta() consumed: line 1 through the closing
  "----*" line (through the last line if there is no closing marker).
* A group ("source slide") in hrule mode starts on the line after the previous
  separator's line (the first one right after the meta block, or line 1) and
  ends on the line before the next separator's line; the last one ends on
  line_count. The hrule line itself belongs to no slide. Empty groups have
  end_line = start_line - 1.
* In smart mode (no hrule token in the body) the split heading is KEPT: a group
  starts on the first line of its heading (the text line of a setext heading).
  If the very first token of the body is a split heading, no empty group is
  made: group 0 then starts right after the meta block.
* Progressive parts: lookatme makes one Slide per "<!-- stop -->" (+1); part
  k shows the group's tokens before the (k+1)-th stop. Part k covers
  [group start, line before that stop comment]; the last part covers the whole
  group. reveal_start_line is where the newly revealed part starts (the line
  after the previous stop comment, or the group start). progressive_part is
  null for a group without stops.
* title: the text of the first heading token in the Slide's tokens (lookatme
  itself shows only the deck title from meta, not a per-slide title).
* meta: what lookatme loaded, limited to the keys written in the YAML plus
  "title" (which smart splitting may fill); "styles" is replaced by true when
  present (the parsed style tree is huge). "date" defaults to today in
  lookatme and is therefore omitted when not written.
"""

import json
import re
import sys

import mistune
import yaml

import lookatme
import lookatme.parser as lparser

_REC = {"frames": [], "pos": {}, "providers": [], "lexers": []}


def _line_of(frame, m):
    text, base = frame
    off = len(text) - len(m.string)
    return base + text.count("\n", 0, off)


def _wrap_rule(name, orig):
    def wrapper(self, m):
        frame = _REC["frames"][-1]
        start = _line_of(frame, m)
        end = start + m.group(0).rstrip("\n").count("\n")
        before = len(self.tokens)
        provider = None
        if name == "list_block":
            # bases for the nested parse() of each item, via mistune's own
            # list_item regex (same findall mistune runs in _process_list_item)
            cap = m.group(0)
            provider = [start + cap.count("\n", 0, it.start())
                        for it in self.rules.list_item.finditer(cap)]
        elif name in ("block_quote", "def_footnotes"):
            provider = [start]
        if provider is not None:
            _REC["providers"].append(provider)
        try:
            return orig(self, m)
        finally:
            if provider is not None:
                _REC["providers"].pop()
            for tok in self.tokens[before:]:
                _REC["pos"].setdefault(id(tok), (start, end))
    return wrapper


def _install_hooks():
    lexer = mistune.BlockLexer
    if getattr(lexer, "_harness_hooked", False):
        return
    orig_parse = lexer.parse

    def parse(self, text, rules=None):
        stripped = text.rstrip("\n")
        if not _REC["frames"]:
            base = _REC["body_base"]
            _REC["lexers"].append(self)
        else:
            prov = _REC["providers"][-1] if _REC["providers"] else None
            if prov and len(prov) > 1:
                base = prov.pop(0)
            elif prov:
                base = prov[0]
            else:  # not expected with mistune 0.8.4
                base = _REC["frames"][-1][1]
        _REC["frames"].append((stripped, base))
        try:
            return orig_parse(self, text, rules)
        finally:
            _REC["frames"].pop()

    lexer.parse = parse
    for attr in list(vars(lexer)):
        if attr.startswith("parse_") and callable(getattr(lexer, attr)):
            setattr(lexer, attr, _wrap_rule(attr[len("parse_"):], getattr(lexer, attr)))
    lexer._harness_hooked = True

    P = lparser.Parser
    orig_split = P._split_tokens_into_slides
    orig_create = P._create_slides

    def split(self, tokens, slide_split_check, heading_mod, keep_split_token):
        _REC["split_flags"] = [bool(slide_split_check(t)) for t in tokens]
        _REC["keep"] = keep_split_token
        _REC["all_tokens"] = list(tokens)
        return orig_split(self, tokens, slide_split_check, heading_mod, keep_split_token)

    def create(self, tokens, number):
        _REC["groups"].append(list(tokens))
        return orig_create(self, tokens, number)

    P._split_tokens_into_slides = split
    P._create_slides = create


def _meta_out(meta, yaml_text):
    given = set()
    if yaml_text is not None:
        try:
            raw = yaml.safe_load(yaml_text)
            if isinstance(raw, dict):
                given = set(raw)
        except Exception:
            pass
    out = {}
    for k, v in meta.items():
        if k == "title" or k in given:
            out[k] = True if k == "styles" else v
    return json.loads(json.dumps(out, default=str))


def analyse(path, single=False, with_tokens=False):
    with open(path, "r", encoding="utf-8") as f:  # universal newlines, like click.File("r")
        text = f.read()
    lines = text.split("\n")
    line_count = len(lines) - (1 if text.endswith("\n") else 0) if text else 0

    parser = lparser.Parser(single_slide=single)
    body, _meta_probe = parser.parse_meta(text)  # side-effect free; only to locate the body
    prefix_len = len(text) - len(body)
    prefix = text[:prefix_len]
    if prefix_len:
        meta_end = prefix.count("\n") + (0 if prefix.endswith("\n") else 1)
        meta_range = [1, meta_end]
        # the YAML lookatme loaded: the lines after the first marker, minus a
        # closing marker (only used to know which meta keys were written)
        plines = text.split("\n")[:meta_end]
        first = next(i for i, l in enumerate(plines) if l.strip() != "")
        ylines = plines[first + 1:]
        if ylines and re.match(r"----*", ylines[-1].strip()):
            ylines = ylines[:-1]
        yaml_text = "\n".join(ylines)
    else:
        meta_end = 0
        meta_range = None
        yaml_text = None

    _REC.update(frames=[], pos={}, providers=[], lexers=[], groups=[],
                body_base=meta_end + 1, split_flags=None, keep=None, all_tokens=None)
    meta, slides = parser.parse(text)  # lookatme's own entry point
    slides = list(slides)
    mode = "single" if single else ("hrule" if not _REC["keep"] else "smart")

    tokens = _REC["all_tokens"]
    flags = _REC["split_flags"]
    pos = _REC["pos"]
    keep = _REC["keep"]

    # groups from the separators found by lookatme's own predicate
    groups = []  # (start_line, end_line, token list)
    start = meta_end + 1
    cur = []
    for tok, is_split in zip(tokens, flags):
        if is_split:
            sline, eline = pos[id(tok)]
            if keep and not groups and not cur:
                pass  # no empty group; group 0 keeps starting right after the meta
            else:
                groups.append((start, sline - 1, cur))
                start = sline if keep else eline + 1
            cur = []
            if keep:
                cur.append(tok)
        else:
            cur.append(tok)
    groups.append((start, max(line_count, start - 1), cur))

    got = [[id(t) for t in g] for g in _REC["groups"]]
    want = [[id(t) for t in g[2]] for g in groups]
    if got != want:
        raise RuntimeError("harness group reconstruction differs from lookatme's")

    out = []
    si = 0
    for gi, (gs, ge, gtoks) in enumerate(groups):
        stops = [t for t in gtoks if lparser.is_progressive_slide_delimiter_token(t)]
        nparts = len(stops) + 1
        reveal = gs
        for k in range(nparts):
            slide = slides[si]
            if k < len(stops):
                sl = pos[id(stops[k])][0]
                end = sl - 1
            else:
                end = ge
            title = next((t["text"] for t in slide.tokens if t["type"] == "heading"), None)
            out.append({
                "index": slide.number,
                "start_line": gs,
                "end_line": end,
                "title": title,
                "progressive_part": k if stops else None,
                "group": gi,
                "reveal_start_line": reveal,
            })
            if with_tokens:
                out[-1]["tokens"] = json.loads(json.dumps(slide.tokens, default=repr))
            if k < len(stops):
                reveal = pos[id(stops[k])][1] + 1
            si += 1
    if si != len(slides):
        raise RuntimeError("slide count mismatch %d != %d" % (si, len(slides)))

    return {
        "file": path,
        "line_count": line_count,
        "lookatme_version": getattr(lookatme, "__version__", None),
        "mode": mode,
        "meta": _meta_out(meta, yaml_text),
        "meta_range": meta_range,
        "slides": out,
    }


def main(argv):
    single = tokens = False
    files = []
    for a in argv:
        if a in ("--single", "--one"):
            single = True
        elif a == "--tokens":
            tokens = True
        elif a == "-":
            files.extend(line.rstrip("\n") for line in sys.stdin if line.strip())
        else:
            files.append(a)
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    _install_hooks()
    rc = 0
    for path in files:
        try:
            res = analyse(path, single, tokens)
        except Exception as e:  # report, keep going
            res = {"file": path, "error": "%s: %s" % (type(e).__name__, e)}
            rc = 1
        print(json.dumps(res, ensure_ascii=False), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
