#!/usr/bin/env python3
"""Ground-truth harness: the slides pandoc's revealjs writer makes from a Markdown deck.

Usage:
    python slides.py [--slide-level N] [--quarto] FILE...
    echo '[{"path": "a.md", "slide_level": 2, "quarto": false}]' | python slides.py
        ("slide_level" and "quarto" are optional; null/absent = default)

Output: one JSON object per input file, one per line:
    {"file": PATH, "pandoc_version": "3.9", "slide_level_used": N,
     "slide_level_source": "option" | "inferred" | "quarto-default" | "quarto-yaml",
     "verified": true,               # see "Self-check" below
     ["mismatch": [...]], ["warnings": [...]],
     "slides": [{"index": K,          # 0-based, order of the revealjs output
                 "start_line": A, "end_line": B,   # 1-based, inclusive
                 "title": "..." | null, "level": N,
                 "html": "...", "notes": "..." | null}]}
    or {"file": PATH, "error": MESSAGE}.

Everything about WHICH slides exist, their order, level, HTML and notes comes from
pandoc itself: `pandoc -f markdown -t revealjs [--slide-level N]` is run on the file
(no `-s`, so the template's YAML title slide `<section id="title-slide">` is never
produced; only body slides appear). Slides are read from that HTML the way reveal.js
reads its DOM: a top-level `<section>` is a slide, unless it has `<section>` children
(a vertical stack: pandoc's class-less wrapper around a section above the slide
level), then each of its direct `<section>` children is a slide. Any other `<section>`
(pandoc nests one for a heading below the slide level inside a div-section, and it
even emits `class="slide level2"` sections INSIDE a slide for a slide-level heading
inside a non-section `::: div`) is content of the slide that contains it; such cases,
and content pandoc leaves outside every section (a `.columns` div whose first block is
a slide-level heading), are reported in "warnings". In normal decks the slides are
exactly the sections whose class list contains `slide` (`slide levelN`, or
`title-slide slide levelN` for a section above the slide level). `level` is N from
`levelN` (the slide level for untitled/HR slides; 0 with --slide-level 0).
    html  = the inner HTML of that section as pandoc wrote it, minus every
            `<aside class="notes">...</aside>` element, stripped of surrounding
            whitespace.
    notes = the inner HTML of those aside elements (joined by "\n", stripped), or null.
    title = the plain text of the slide's heading (from pandoc's JSON AST, raw HTML left
            out, surrounding spaces stripped), null for
            untitled slides (content before the first heading, slides started by an
            HR, and empty `##` headings: pandoc's heading has no inlines).

Line ranges. pandoc's `markdown` reader has NO sourcepos (pandoc 3.9:
"The extension sourcepos is not supported for markdown"), and `commonmark_x` is a
different parser (no YAML blocks mid-document, different HTML/div/list rules), so it
is not used. Instead the harness runs the SAME markdown reader with `--trace`: for
every block it parses, pandoc logs `[trace] Parsed <show of the block> at line N`,
where N is the reader's position right AFTER the block and the blank lines that
follow it. From this:
  * a heading: its trace entry is found by (level, identifier); identifiers are
    unique in a pandoc document (auto ids are de-duplicated). Its start line is the
    last non-blank line before N (or the line above, when that line is a setext
    underline). The line found is checked to really be that heading (ATX `#` count or
    setext underline kind); otherwise the next entry with that id is tried.
  * a horizontal rule: the k-th `HorizontalRule` entry of the trace is paired with
    the k-th HorizontalRule of the AST in document order (nested ones included); the
    start line is the last non-blank line before N and must look like a rule.
  * a fenced div that pandoc turns into a section (first block is a heading): the
    opening fence line(s) directly above the heading.
  * the untitled first slide (content before the first heading): the first
    non-blank line after the leading YAML metadata block(s), taken from the trace
    (the end position of the leading `Parsed []` entries).
Which top-level block starts which slide is computed by a Python model of pandoc's
Text.Pandoc.Slides (getSlideLevel/prepSlides) + makeSections (see slide_starts()),
and is CHECKED against the revealjs output (count, level and id of every slide).
  start_line = first line of the block that starts the slide: the heading line (the
    text line of a setext heading), the HR line when an HR starts the slide (also
    when the HR is merged with a following slide-level heading), the `:::` line of a
    div-section, or the first content line of an implicit first slide.
  end_line   = the last non-blank line before the next slide's start_line (or
    before EOF). Ranges therefore partition the body; lines before the first slide
    (front matter) belong to no slide. YAML blocks in the middle of a deck fall in
    the range of the slide they sit in.
Lines are the lines of the file after CRLF -> LF (pandoc does the same); a UTF-8
BOM is stripped (pandoc ignores it).

Environment: SLIDES_NO_HIGHLIGHT=1 adds --syntax-highlighting=none to the revealjs
runs (much faster on decks with code; code blocks are then plain <pre><code>).

Self-check: "verified" is true when the model's slide list equals the revealjs output
(same count; same level per slide; same id for titled slides) and, for an inferred
slide level, an explicit `--slide-level=<inferred>` run gives byte-identical HTML.
When false, "mismatch" explains, and line ranges must not be trusted.

--quarto emulates what Quarto does before pandoc that matters for splitting:
  * slide level 2 (Quarto's revealjs default) unless --slide-level is given or the
    YAML sets `slide-level:` (top level or under format: revealjs:);
  * executable-cell fences ```{r} / ```{python echo=false} / ~~~{ojs} are rewritten
    to plain fences (```r) on the same line, so line numbers do not move. Without
    this pandoc reads ```{r} ... ``` as an INLINE code span;
  * shortcodes {{< ... >}} are left as text (pandoc reads them as text), so
    `{{< include >}}` is NOT expanded and cell OUTPUT (e.g. `output: asis`) is not
    produced.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))


def find_pandoc() -> str:
    env = os.environ.get("PANDOC")
    if env:
        return env
    try:
        import pypandoc  # type: ignore

        return pypandoc.get_pandoc_path()
    except Exception:
        pass
    import glob

    cands = glob.glob(os.path.join(HERE, ".venv/lib/python*/site-packages/pypandoc/files/pandoc"))
    if cands:
        return cands[0]
    raise SystemExit("pandoc not found: run install.sh and use .venv/bin/python")


PANDOC = None


def pandoc(args, text: str):
    r = subprocess.run([PANDOC, *args], input=text.encode("utf-8"), capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("pandoc %s failed: %s" % (" ".join(args), r.stderr.decode("utf-8", "replace")))
    return r.stdout.decode("utf-8"), r.stderr.decode("utf-8", "replace")


def pandoc_version() -> str:
    out, _ = pandoc(["--version"], "")
    return out.split("\n", 1)[0].split()[-1]


# ---------------------------------------------------------------- Quarto preprocessing

CELL_RE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*\{([A-Za-z][A-Za-z0-9_+-]*)(?:[\s,][^}]*)?\}\s*$")


def quarto_preprocess(text: str) -> str:
    out = []
    for line in text.split("\n"):
        m = CELL_RE.match(line)
        out.append(m.group(1) + m.group(2) + m.group(3) if m else line)
    return "\n".join(out)


# ---------------------------------------------------------------- AST helpers

def stringify(inls) -> str:
    parts = []
    for x in inls:
        t, c = x.get("t"), x.get("c")
        if t == "Str":
            parts.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif t in ("Code", "Math"):
            parts.append(c[1])
        elif t in ("Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Underline"):
            parts.append(stringify(c))
        elif t in ("Span", "Link", "Image"):
            parts.append(stringify(c[1]))
        elif t == "Quoted":
            q = '"' if c[0]["t"] == "DoubleQuote" else "'"
            parts.append(q + stringify(c[1]) + q)
        elif t == "Cite":
            parts.append(stringify(c[1]))
    return "".join(parts)


def is_header(b, maxlevel=None):
    return b.get("t") == "Header" and (maxlevel is None or b["c"][0] <= maxlevel)


def header_lteq(level, b):
    # makeSections' headerLtEq: a header <= level, or a Div whose first block is one
    if b["t"] == "Header":
        return b["c"][0] <= level
    if b["t"] == "Div" and b["c"][1]:
        return header_lteq(level, b["c"][1][0])
    return False


def get_slide_level(blocks) -> int:
    """Model of Text.Pandoc.Slides.getSlideLevel (pandoc 3.x: descends into Divs)."""
    def go(least, bs):
        i = 0
        while i < len(bs):
            b = bs[i]
            if b["t"] == "Header" and i + 1 < len(bs):
                n = b["c"][0]
                nxt = bs[i + 1]
                if n < least and nxt["t"] not in ("Header", "HorizontalRule"):
                    least = n
                    i += 2
                    continue
                i += 1
                continue
            if b["t"] == "Div":
                return min(go(least, b["c"][1]), go(least, bs[i + 1:]))
            i += 1
        return least
    return go(6, blocks)


def div_is_section(b):
    """makeSections treats Div(Header n : ys) as a section when every Header in ys is
    deeper than n and the div is not .column/.columns."""
    if b["t"] != "Div" or not b["c"][1]:
        return None
    first = b["c"][1][0]
    classes = b["c"][0][1]
    if first["t"] != "Header" or "column" in classes or "columns" in classes:
        return None
    n = first["c"][0]
    if all(not (y["t"] == "Header" and y["c"][0] <= n) for y in b["c"][1][1:]):
        return first
    return None


def slide_starts(blocks, L):
    """Model of prepSlides (splitHrule, ensureStartWithH) + makeSections + the revealjs
    writer: returns [(kind, ref, header_or_None, level)] in output order, where kind is
    'implicit' (ref = block index), 'hr' (ref = block index of the HR), 'header' or
    'div' (ref = block index, or a path tuple for headers nested in a div-section)."""
    starts = []
    # extractRefsHeader: last block Div#refs starting with a Header -> header pulled out
    i = 0
    n = len(blocks)
    while i < n:
        b = blocks[i]
        t = b["t"]
        if t == "HorizontalRule":
            if i + 1 < n and blocks[i + 1]["t"] == "Header" and blocks[i + 1]["c"][0] == L:
                starts.append(("hr", i, blocks[i + 1], L))
                i += 2
                continue
            starts.append(("hr", i, None, L))
        elif t == "Header" and 1 <= b["c"][0] <= L:
            starts.append(("header", i, b, b["c"][0]))
        elif t == "Div" and L >= 1:
            h = div_is_section(b)
            if h is not None and h["c"][0] <= L:
                starts.append(("div", i, h, h["c"][0]))
                # nested slide-starting headers inside the section div
                for j, y in enumerate(b["c"][1][1:], 1):
                    if y["t"] == "Header" and y["c"][0] <= L:
                        starts.append(("nested", (i, j), y, y["c"][0]))
        if not starts:
            # ensureStartWithH: content before the first slide heading
            starts.append(("implicit", i, None, L))
        i += 1
    return starts


def walk_hrs(blocks):
    """All HorizontalRule blocks in document order (pre-order), as id()s."""
    out = []

    def go(x):
        if isinstance(x, dict):
            if x.get("t") == "HorizontalRule":
                out.append(id(x))
            for v in x.values():
                go(v)
        elif isinstance(x, list):
            for v in x:
                go(v)
    go(blocks)
    return out


# ---------------------------------------------------------------- trace -> lines

TRACE_RE = re.compile(r"^\[trace\] Parsed (.*) at line (\d+)$")
BLANK_RE = re.compile(r"^[ \t]*$")
ATX_RE = re.compile(r"^(#{1,6})(\s|$)")
SETEXT_RE = re.compile(r"^[ \t]*(=+|-+)[ \t]*$")
HR_RE = re.compile(r"^ {0,3}((\*[ \t]*){3,}|(-[ \t]*){3,}|(_[ \t]*){3,})$")
FENCE_OPEN_RE = re.compile(r"^ {0,3}(:{3,}|<div[\s>])", re.I)


def parse_trace(stderr: str):
    entries = []
    for line in stderr.split("\n"):
        m = TRACE_RE.match(line)
        if m:
            entries.append((m.group(1), int(m.group(2))))
    return entries


class Lines:
    def __init__(self, lines):
        self.lines = lines

    def get(self, ln):  # 1-based, blank beyond EOF
        return self.lines[ln - 1] if 1 <= ln <= len(self.lines) else ""

    def last_nonblank_before(self, end):
        ln = end - 1
        while ln >= 1 and BLANK_RE.match(self.get(ln)):
            ln -= 1
        return ln


def header_start(lines: Lines, entries, header, used=None):
    """Start line of *header*. Explicit ids need not be unique (`{#x}` twice), so each
    trace entry is used once (*used*: indices already taken, in document order)."""
    level = header["c"][0]
    key = "[Header %d (%s," % (level, _show_text(header["c"][1][0]))
    for index, (text, end) in enumerate(entries):
        if used is not None and index in used:
            continue
        # the trace shows only the first 60 characters of the block
        if not (text.startswith(key) or (len(text) >= 55 and key.startswith(text))):
            continue
        ln = lines.last_nonblank_before(end)
        if ln < 1:
            continue
        s = lines.get(ln)
        m = ATX_RE.match(s)
        ms = SETEXT_RE.match(s)
        if m and len(m.group(1)) == level:
            pass
        elif ms and ln >= 2 and level <= 2 and ((ms.group(1)[0] == "=") == (level == 1)):
            # the text is one line, unless a raw HTML comment in it runs over several
            ln -= 1 + _raw_newlines(header["c"][2])
        else:
            continue
        if used is not None:
            used.add(index)
        return ln
    return None


def _raw_newlines(inls) -> int:
    """Line breaks inside the raw HTML (comments) of a heading's inlines."""
    count = 0
    for x in inls:
        if x.get("t") == "RawInline":
            count += x["c"][1].count("\n")
        elif isinstance(x.get("c"), list) and x["c"] and isinstance(x["c"][-1], list):
            count += _raw_newlines([y for y in x["c"][-1] if isinstance(y, dict)])
    return count


def _show_text(s: str) -> str:
    """Haskell `show` of a Text (as used in pandoc's trace): printable ASCII kept,
    other characters as decimal escapes, "\\&" between an escape and a digit."""
    out = ['"']
    prev_num = False
    for ch in s:
        o = ord(ch)
        if prev_num and ch.isdigit() and o < 128:
            out.append("\\&")
        prev_num = False
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 32 <= o < 127:
            out.append(ch)
        else:
            out.append("\\%d" % o)
            prev_num = True
    out.append('"')
    return "".join(out)


# ---------------------------------------------------------------- revealjs HTML

VOID = {"br", "hr", "img", "meta", "link", "col", "input", "source", "wbr", "area", "embed", "track", "param", "base"}


class SectionParser(HTMLParser):
    """Finds the slides the way reveal.js does: a <section> that is a direct child of
    the slides container (top level of pandoc's fragment output) is a slide unless it
    has <section> children (then it is a vertical stack and each direct <section>
    child is a slide). Sections nested deeper, or under any other element, are content."""

    def __init__(self, src):
        super().__init__(convert_charrefs=False)
        self.src = src
        self.line_off = [0]
        for ln in src.split("\n")[:-1]:
            self.line_off.append(self.line_off[-1] + len(ln) + 1)
        self.stack = []  # [tag, info]
        self.top = []  # top-level sections: info dicts
        self.stray = []  # top-level non-section elements / text

    def off(self):
        ln, col = self.getpos()
        return self.line_off[ln - 1] + col

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        start = self.off()
        info = {"tag": tag, "attrs": a, "start": start,
                "inner": start + len(self.get_starttag_text() or ""), "children": [], "notes": []}
        if not self.stack:
            if tag == "section":
                self.top.append(info)
            else:
                self.stray.append("<%s>" % tag)
        elif tag == "section" and len(self.stack) == 1 and self.stack[0]["tag"] == "section":
            self.stack[0]["children"].append(info)
        if tag not in VOID:
            self.stack.append(info)

    def handle_startendtag(self, tag, attrs):
        if not self.stack:
            self.stray.append("<%s/>" % tag)

    def handle_data(self, data):
        if not self.stack and data.strip():
            self.stray.append(data.strip()[:40])

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k]["tag"] == tag:
                info = self.stack[k]
                del self.stack[k:]
                info["close"] = self.off()
                if tag == "aside" and "notes" in (info["attrs"].get("class") or "").split():
                    info["end"] = info["close"] + len("</aside>")
                    # owner: the innermost enclosing slide-or-stack section at depth <= 2
                    if self.stack and self.stack[0]["tag"] == "section":
                        s0 = self.stack[0]
                        owner = s0
                        if s0["children"] and len(self.stack) > 1 and self.stack[1] in s0["children"]:
                            owner = self.stack[1]
                        owner["notes"].append(info)
                return


def html_slides(html: str):
    p = SectionParser(html)
    p.feed(html)
    p.close()
    secs = []
    for t in p.top:
        if t["children"]:
            secs.extend(t["children"])
            # content of a stack wrapper outside its child sections is not on any slide
        else:
            secs.append(t)
    out = []
    for s in secs:
        a, b = s["inner"], s["close"]
        pieces, notes, pos = [], [], a
        for n in sorted(s["notes"], key=lambda n: n["start"]):
            if n["start"] < pos:
                continue
            pieces.append(html[pos:n["start"]])
            notes.append(html[n["inner"]:n["close"]].strip())
            pos = n["end"]
        pieces.append(html[pos:b])
        classes = (s["attrs"].get("class") or "").split()
        lvl = next((int(c[5:]) for c in classes if re.fullmatch(r"level\d+", c)), None)
        out.append({"id": s["attrs"].get("id"), "level": lvl, "html": "".join(pieces).strip(),
                    "notes": "\n".join(notes) if notes else None})
    return out, p.stray


# ---------------------------------------------------------------- main per file

def meta_slide_level(meta):
    def val(m):
        if not m:
            return None
        if m["t"] == "MetaString":
            s = m["c"]
        elif m["t"] in ("MetaInlines", "MetaBlocks"):
            s = stringify(m["c"] if m["t"] == "MetaInlines" else sum((b["c"] for b in m["c"] if b["t"] in ("Plain", "Para")), []))
        else:
            return None
        return int(s) if s.strip().isdigit() else None
    lvl = val(meta.get("slide-level"))
    fmt = meta.get("format")
    if fmt and fmt["t"] == "MetaMap":
        rj = fmt["c"].get("revealjs")
        if rj and rj["t"] == "MetaMap":
            v = val(rj["c"].get("slide-level"))
            if v is not None:
                lvl = v
    return lvl


def is_metadata(lines, start, close, ast):
    """Whether the `---` block at lines start..close became metadata: it holds only blank
    and comment lines, or its top-level keys are in the document's metadata. (Blank lines
    are traced as `Parsed []` too, so `---` / text / `---` read as a table looks the same
    in the trace.)"""
    body = [lines.get(k) for k in range(start + 1, close)]
    keys = [m.group(1) for m in (re.match(r"^([^\s#:][^:]*):(\s|$)", ln) for ln in body) if m]
    if not keys:
        return all(not ln.strip() or ln.lstrip().startswith("#") for ln in body)
    return all(k.strip().strip("'\"") in ast.get("meta", {}) for k in keys)


def process(path, slide_level=None, quarto=False):
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    if quarto:
        text = quarto_preprocess(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    L_lines = Lines(lines)

    ast_json, trace = pandoc(["--trace", "-f", "markdown", "-t", "json"], text)
    ast = json.loads(ast_json)
    blocks = ast["blocks"]
    entries = parse_trace(trace)

    source = "option"
    if slide_level is None and quarto:
        ml = meta_slide_level(ast.get("meta", {}))
        slide_level, source = (ml, "quarto-yaml") if ml is not None else (2, "quarto-default")
    inferred = get_slide_level(blocks)
    L = slide_level if slide_level is not None else inferred
    if slide_level is None:
        source = "inferred"

    # --wrap=none: where pandoc breaks a long line of HTML is no part of the slides (a
    # comment written inside a heading would otherwise move a break into its text).
    args = ["-f", "markdown", "-t", "revealjs", "--wrap=none"]
    if os.environ.get("SLIDES_NO_HIGHLIGHT"):
        # Loading skylighting's syntax definitions costs ~0.3 s a call; highlighting only
        # changes what is inside a code block, never which slides there are.
        args.append("--syntax-highlighting=none")
    html, _ = pandoc(args + ([] if slide_level is None else ["--slide-level=%d" % slide_level]), text)
    mismatch = []
    if slide_level is None:
        html2, _ = pandoc(args + ["--slide-level=%d" % L], text)
        if html2 != html:
            mismatch.append("inferred slide level %d does not reproduce pandoc's default output" % L)

    hs, stray = html_slides(html)
    warnings = []
    if stray:
        warnings.append("output has content outside any <section> (not shown by reveal.js as a slide): %s" % stray[:5])
    n_pandoc = len(re.findall(r'<section[^>]*class="[^"]*\bslide\b', html))
    if n_pandoc != len(hs):
        warnings.append("pandoc marked %d sections as slide, reveal.js structure has %d" % (n_pandoc, len(hs)))
    model = slide_starts(blocks, L)
    if len(model) != len(hs):
        mismatch.append("model has %d slides, revealjs output %d" % (len(model), len(hs)))
    else:
        for k, ((kind, ref, h, lvl), s) in enumerate(zip(model, hs)):
            if lvl != s["level"]:
                mismatch.append("slide %d: level %s vs output %s" % (k, lvl, s["level"]))
            elif kind in ("header", "nested") and h["c"][1][0] and s["id"] != h["c"][1][0]:
                mismatch.append("slide %d: id %r vs output %r" % (k, h["c"][1][0], s["id"]))
            elif h is None and s["id"]:
                mismatch.append("slide %d: untitled in model, output id %r" % (k, s["id"]))

    # ---- line numbers of slide starts
    hr_ids = walk_hrs(blocks)
    hr_entries = [end for t, end in entries if t.startswith("[HorizontalRule")]
    hr_line = {}
    if len(hr_ids) == len(hr_entries):
        for hid, end in zip(hr_ids, hr_entries):
            ln = L_lines.last_nonblank_before(end)
            if HR_RE.match(L_lines.get(ln)):
                hr_line[hid] = ln
    else:
        mismatch.append("trace has %d HRs, AST %d" % (len(hr_entries), len(hr_ids)))

    # body start: skip blank lines and leading YAML metadata blocks. A candidate block
    # (a `---` line followed by a non-blank line, closed by `---` or `...`) is only
    # skipped when pandoc's trace has an empty (`Parsed []`) entry ending right there.
    empty_ends = {L_lines.last_nonblank_before(end) for t, end in entries if t == "[]"}
    body_start = 1
    while True:
        while body_start <= len(lines) and BLANK_RE.match(L_lines.get(body_start)):
            body_start += 1
        if re.match(r"^---[ \t]*$", L_lines.get(body_start)) and not BLANK_RE.match(L_lines.get(body_start + 1)):
            c = next((k for k in range(body_start + 1, len(lines) + 1)
                      if re.match(r"^(---|\.\.\.)[ \t]*$", L_lines.get(k))), None)
            if c is not None and c in empty_ends and is_metadata(L_lines, body_start, c, ast):
                body_start = c + 1
                continue
        break

    starts = []
    used = set()  # trace entries already matched to a heading
    for kind, ref, h, lvl in model:
        ln = None
        if kind == "implicit":
            ln = body_start
        elif kind == "hr":
            ln = hr_line.get(id(blocks[ref]))
            if h is not None:  # the merged heading's trace entry is taken, too
                header_start(L_lines, entries, h, used)
        elif kind in ("header", "nested"):
            ln = header_start(L_lines, entries, h, used)
        elif kind == "div":
            hl = header_start(L_lines, entries, h, used)
            if hl is not None:
                ln = L_lines.last_nonblank_before(hl)
                if not FENCE_OPEN_RE.match(L_lines.get(ln)):
                    ln = None
        if ln is None:
            mismatch.append("no source line for slide %d (%s)" % (len(starts), kind))
        starts.append(ln)
    for a, b in zip(starts, starts[1:]):
        if a is not None and b is not None and b <= a:
            mismatch.append("slide start lines not increasing: %d then %d" % (a, b))

    slides = []
    for k, s in enumerate(hs):
        st = starts[k] if k < len(starts) else None
        nxt = next((x for x in starts[k + 1:] if x is not None), len(lines) + 1)
        end = L_lines.last_nonblank_before(nxt) if st is not None else None
        if st is not None and end < st:
            end = st  # slide whose only line is its start line(s)
        h = model[k][2] if k < len(model) else None
        title = stringify(h["c"][2]).strip() if h is not None else None
        slides.append({"index": k, "start_line": st, "end_line": end,
                       "title": title if title else None, "level": s["level"],
                       "html": s["html"], "notes": s["notes"]})
    res = {"file": path, "pandoc_version": PANDOC_VERSION, "slide_level_used": L,
           "slide_level_source": source, "verified": not mismatch, "slides": slides}
    if mismatch:
        res["mismatch"] = mismatch
    if warnings:
        res["warnings"] = warnings
    return res


PANDOC_VERSION = None


def main(argv=None):
    global PANDOC, PANDOC_VERSION
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slide-level", type=int, default=None)
    ap.add_argument("--quarto", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args(argv)
    PANDOC = find_pandoc()
    PANDOC_VERSION = pandoc_version()
    if a.files:
        jobs = [{"path": p, "slide_level": a.slide_level, "quarto": a.quarto} for p in a.files]
    else:
        jobs = json.load(sys.stdin)
        jobs = [{"path": j} if isinstance(j, str) else j for j in jobs]
    rc = 0
    for j in jobs:
        try:
            res = process(j["path"], j.get("slide_level", a.slide_level), bool(j.get("quarto", a.quarto)))
        except Exception as e:  # noqa: BLE001
            res = {"file": j["path"], "error": "%s: %s" % (type(e).__name__, e)}
            rc = 1
        print(json.dumps(res, ensure_ascii=False), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
