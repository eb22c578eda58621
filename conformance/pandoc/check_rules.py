#!/usr/bin/env python3
"""Re-verify every rule of FINDINGS.md against the real pandoc (via slides.py).

    .venv/bin/python check_rules.py          # prints one line per case, exit 1 on a failure

Each case is a small deck; the observed result is printed as
    [start-end] level "title"  per slide (title "" = untitled)
and compared with the expectation written next to the case. Injection cases compare
the deck with and without the injected line: same slide count, same titles/levels,
same notes, and the same slide HTML once the injected HTML comment is removed
(whitespace-normalised).
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import slides  # noqa: E402

slides.PANDOC = slides.find_pandoc()
slides.PANDOC_VERSION = slides.pandoc_version()

C = "<!-- image-prompt src=1a2b3c4d sum=5e6f7a8b | A watercolor valley at dawn -->"


def run(md, level=None, quarto=False):
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as f:
        f.write(md)
        p = f.name
    try:
        return slides.process(p, level, quarto)
    finally:
        os.unlink(p)


def summary(r):
    s = " | ".join("[%s-%s] %s %s" % (x["start_line"], x["end_line"], x["level"], json.dumps(x["title"] or ""))
                   for x in r["slides"])
    return "L=%s n=%d: %s" % (r["slide_level_used"], len(r["slides"]), s)


FAILS = []


def case(name, md, expect, level=None, quarto=False):
    r = run(md, level, quarto)
    got = summary(r)
    ok = got == expect and r["verified"]
    print(("ok   " if ok else "FAIL ") + name)
    print("     " + json.dumps(md))
    print("     -> " + got + ("" if r["verified"] else "  UNVERIFIED %s" % r.get("mismatch"))
          + ("  warnings: %s" % r["warnings"] if r.get("warnings") else ""))
    if not ok:
        print("     expected " + expect)
        FAILS.append(name)
    return r


def norm(h):
    return re.sub(r"\s+", " ", h.replace(C, "")).strip()


def inject(name, md, expect_same, level=None):
    """md contains the line '@@' where the comment goes."""
    base = run(md.replace("@@\n", ""), level)
    inj = run(md.replace("@@", C), level)
    b, i = base["slides"], inj["slides"]
    why = []
    if inj["slide_level_used"] != base["slide_level_used"]:
        why.append("slide level %s -> %s" % (base["slide_level_used"], inj["slide_level_used"]))
    if len(b) != len(i):
        why.append("%d -> %d slides" % (len(b), len(i)))
    else:
        for x, y in zip(b, i):
            if (x["title"], x["level"]) != (y["title"], y["level"]):
                why.append("slide %d title/level changed" % x["index"])
            if x["notes"] != y["notes"]:
                why.append("slide %d notes changed" % x["index"])
            if norm(x["html"]) != norm(y["html"]):
                why.append("slide %d html: %r vs %r" % (x["index"], x["html"][:80], y["html"][:80]))
    where = [s["index"] for s in i if C in s["html"]]
    ast, _ = slides.pandoc(["-f", "markdown", "-t", "json"], md.replace("@@", C))
    if '"RawBlock","c":["html",%s]' % json.dumps(C) not in ast:
        why.append("comment is not a raw HTML block (inline in a paragraph or swallowed)")
    same = not why
    ok = same == expect_same
    print(("ok   " if ok else "FAIL ") + "inject: " + name)
    print("     " + json.dumps(md.replace("@@", "<!-- image-prompt ... -->")))
    print("     -> " + ("invisible (comment in slide %s)" % where if same else "CHANGES: " + "; ".join(why)))
    if not ok:
        FAILS.append("inject: " + name)


print("pandoc", slides.PANDOC_VERSION)
print("== 1. slide level, splitting")
case("inference: highest level directly followed by content", "# A\n\n## B\n\ntext\n\n# C\n\n## D\n\ntext\n",
     'L=2 n=4: [1-1] 1 "A" | [3-5] 2 "B" | [7-7] 1 "C" | [9-11] 2 "D"')
case("inference: one # with content makes level 1", "# A\n\nintro\n\n## B\n\ntext\n",
     'L=1 n=1: [1-7] 1 "A"')
case("inference: an HR after a heading is not content", "# A\n\n---\n\ntext\n\n## B\n\ntext\n",
     'L=2 n=3: [1-1] 1 "A" | [3-5] 2 "" | [7-9] 2 "B"')
case("inference skips the block right after a counted heading (even a div)", "## A\n\n::: x\ntext\n\n# B\n\nc\n:::\n\n## C\n\ntext\n",
     'L=2 n=2: [1-9] 2 "A" | [11-13] 2 "C"')
case("inference looks into other divs", "## A\n\ntext\n\n::: x\nintro\n\n# B\n\nc\n:::\n",
     'L=1 n=1: [1-11] 1 ""')
case("a div starting with a heading <= level is a section (slide)", "# A\n\n::: x\n# B\n\nc\n:::\n\n## C\n\ntext\n",
     'L=1 n=2: [1-1] 1 "A" | [3-11] 1 "B"')
case("no headings at all: level 6, one implicit slide", "just text\n\nmore\n",
     'L=6 n=1: [1-3] 6 ""')
case("--slide-level 3: # and ## become (nested) title slides", "# A\n\n## B\n\n### C\n\nc\n",
     'L=3 n=3: [1-1] 1 "A" | [3-3] 2 "B" | [5-7] 3 "C"', level=3)
case("--slide-level 1: ## stays inside", "# A\n\n## B\n\ntext\n", 'L=1 n=1: [1-5] 1 "A"', level=1)
case("--slide-level 0: only HRs split, headings are content", "# A\n\ntext\n\n---\n\n## B\n\ntext\n",
     'L=0 n=2: [1-3] 0 "" | [5-9] 0 ""', level=0)
case("section above slide level with content = title slide of a vertical stack",
     "# S\n\nsection text\n\n## A\n\na\n", 'L=2 n=2: [1-3] 1 "S" | [5-7] 2 "A"', level=2)
case("HR variants ---, ***, ___, - - -, ----- all split",
     "## A\n\na\n\n---\n\nb\n\n***\n\nc\n\n___\n\nd\n\n- - -\n\ne\n\n-----\n\nf\n",
     'L=2 n=6: [1-3] 2 "A" | [5-7] 2 "" | [9-11] 2 "" | [13-15] 2 "" | [17-19] 2 "" | [21-23] 2 ""')
case("HR directly followed by slide-level heading is merged (slide starts at HR)",
     "## A\n\na\n\n---\n\n## B\n\nb\n", 'L=2 n=2: [1-3] 2 "A" | [5-9] 2 "B"')
case("HR followed by a DEEPER heading is not merged", "## A\n\na\n\n---\n\n### B\n\nb\n",
     'L=2 n=2: [1-3] 2 "A" | [5-9] 2 ""', level=2)
case("HR followed by a HIGHER heading is not merged (empty slide)", "## A\n\na\n\n---\n\n# B\n\n## C\n\nc\n",
     'L=2 n=4: [1-3] 2 "A" | [5-5] 2 "" | [7-7] 1 "B" | [9-11] 2 "C"', level=2)
case("HR / heading inside ::: div (not first block) do not split (warning: pandoc nests a section)",
     "## A\n\n::: box\ntext\n\n---\n\n## B\n:::\n", 'L=2 n=1: [1-9] 2 "A"', level=2)
case("content after a div-section (until the next heading) is emitted OUTSIDE any slide",
     "## A\n\na\n\n::: x\n## B\n\nb\n:::\n\norphan text\n\n## C\n\nc\n", 'L=2 n=3: [1-3] 2 "A" | [5-11] 2 "B" | [13-15] 2 "C"', level=2)
case("div whose FIRST block is a slide-level heading IS a slide",
     "## A\n\na\n\n::: {.box}\n## B\n\nb\n:::\n", 'L=2 n=2: [1-3] 2 "A" | [5-9] 2 "B"', level=2)
case("...but not .columns/.column divs (warning: content outside any section)", "## A\n\na\n\n:::: {.columns}\n## B\n\nb\n::::\n",
     'L=2 n=1: [1-9] 2 "A"', level=2)
case("HR / heading in a list item do not split", "## A\n\n- item\n\n  ---\n\n  ## B\n", 'L=2 n=1: [1-7] 2 "A"', level=2)
case("HR / heading in a blockquote do not split", "## A\n\n> q\n>\n> ---\n>\n> ## B\n", 'L=2 n=1: [1-7] 2 "A"', level=2)
case("<div> with markdown inside = Div (native_divs): HR inside does not split",
     "## A\n\n<div>\ntext\n\n---\n\n</div>\n", 'L=2 n=1: [1-8] 2 "A"', level=2)
case("<div> whose first block is a heading IS a slide (like :::)",
     "## A\n\na\n\n<div>\n## B\n\nb\n</div>\n", 'L=2 n=2: [1-3] 2 "A" | [5-9] 2 "B"', level=2)
case("--- / # inside ``` and ~~~ fences do not split", "## A\n\n```\n---\n# x\n```\n\n~~~\n---\n~~~\n",
     'L=2 n=1: [1-10] 2 "A"', level=2)
case("--- inside a multi-line HTML comment does not split", "## A\n\n<!--\n---\n## x\n-->\n\ntext\n",
     'L=2 n=1: [1-8] 2 "A"', level=2)
case("setext `Title\\n---` is an H2 (a new slide at level 2)", "## A\n\na\n\nTitle\n---\n\nb\n",
     'L=2 n=2: [1-3] 2 "A" | [5-8] 2 "Title"')
case("setext `Title\\n===` is an H1", "Big\n===\n\n## A\n\na\n", 'L=2 n=2: [1-2] 1 "Big" | [4-6] 2 "A"')
case("paragraph line then `---` (no blank) = setext H2, not HR", "## A\n\ntext\nmore\n---\n\nb\n",
     'L=2 n=1: [1-7] 2 "A"', level=2)
case("`#hashtag` (no space) is not a heading", "## A\n\n#hashtag\n", 'L=2 n=1: [1-3] 2 "A"', level=2)
case("heading with trailing #s and attributes", "## A ## {#x .c}\n\na\n\n## B {data-background=\"red\"}\n\nb\n",
     'L=2 n=2: [1-3] 2 "A" | [5-7] 2 "B"')

print("== 2. YAML metadata blocks")
case("front matter closed by ...", "---\ntitle: T\n...\n\n## A\n\na\n", 'L=2 n=1: [5-7] 2 "A"')
case("YAML block mid-document is metadata, not a rule", "## A\n\na\n\n---\nfoo: bar\n---\n\nb\n",
     'L=2 n=1: [1-9] 2 "A"', level=2)
case("YAML block mid-document closed by ...", "## A\n\na\n\n---\nfoo: bar\n...\n\nb\n",
     'L=2 n=1: [1-9] 2 "A"', level=2)
case("`---` followed by a blank line is an HR", "## A\n\na\n\n---\n\nfoo: bar\n", 'L=2 n=2: [1-3] 2 "A" | [5-7] 2 ""', level=2)
case("`---\\n---` mid-document is an empty YAML block: no split", "## A\n\na\n\n---\n---\n\nb\n",
     'L=2 n=1: [1-8] 2 "A"', level=2)
case("`---` + non-mapping text + `---` is NOT metadata: a (multiline) table, no split",
     "## A\n\na\n\n---\njust text\n---\n\nb\n", 'L=2 n=1: [1-9] 2 "A"', level=2)
case("`---` directly after a paragraph line (no blank) = setext underline", "## A\n\na\n---\nfoo: bar\n---\n",
     'L=2 n=3: [1-1] 2 "A" | [3-4] 2 "a" | [5-6] 2 "foo: bar"', level=2)
case("ATX line directly followed by `---` = ONE setext H2 titled '## A'", "## A\n---\nfoo: bar\n---\n\nb\n",
     'L=2 n=2: [1-2] 2 "## A" | [3-6] 2 "foo: bar"', level=2)

print("== 3. implicit slides, notes, empty headings, attributes")
case("content before the first heading = extra untitled slide", "intro\n\n## A\n\na\n",
     'L=2 n=2: [1-1] 2 "" | [3-5] 2 "A"')
case("a lone comment before the first heading = extra untitled slide", "---\ntitle: T\n---\n\n<!-- x -->\n\n## A\n\na\n",
     'L=2 n=2: [5-5] 2 "" | [7-9] 2 "A"')
case("YAML front matter alone is not a slide", "---\ntitle: T\n---\n\n## A\n\na\n", 'L=2 n=1: [5-7] 2 "A"')
case("::: notes and ::: {.notes} become speaker notes", "## A\n\na\n\n::: notes\nn1\n:::\n\n## B\n\nb\n\n::: {.notes}\nn2\n:::\n",
     'L=2 n=2: [1-7] 2 "A" | [9-15] 2 "B"')
case("empty `##` heading = untitled slide", "## A\n\na\n\n##\n\nb\n", 'L=2 n=2: [1-3] 2 "A" | [5-7] 2 ""')
case("`## {attrs}` heading with only attributes = untitled slide", "## A\n\na\n\n## {background-image=\"x.png\"}\n\nb\n",
     'L=2 n=2: [1-3] 2 "A" | [5-7] 2 ""')
r = run("## A\n\na\n\n::: notes\nn1\n:::\n")
print("     notes of slide A:", json.dumps(r["slides"][0]["notes"]), " html:", json.dumps(r["slides"][0]["html"]))
r = run("## A {#my .big data-x=\"1\"}\n\na\n")
print("     attrs `## A {#my .big data-x=\"1\"}` ->", json.dumps(r["slides"][0]["html"]))

print("== Quarto emulation")
case("quarto: ```{r} cell with `# comment` lines is code", "---\nformat: revealjs\n---\n\n## A\n\n```{r}\n# not a heading\n---\n```\n",
     'L=2 n=1: [5-10] 2 "A"', quarto=True)
case("quarto: slide-level from YAML format.revealjs", "---\nformat:\n  revealjs:\n    slide-level: 1\n---\n\n# A\n\n## B\n\nb\n",
     'L=1 n=1: [7-11] 1 "A"', quarto=True)
r = run("## A\n\n```{r}\n# x\n```\n")
print("     without --quarto, ```{r}...``` is an inline code span:", json.dumps(r["slides"][0]["html"]))

print("== 4. injection of", C)
inject("after the heading, blank line before and after", "## A\n\n@@\n\ntext\n\n## B\n\nb\n", True, level=2)
inject("directly under the heading (no blank before), blank after", "## A\n@@\n\ntext\n\n## B\n\nb\n", True, level=2)
inject("directly under the heading, text directly after (no blanks)", "## A\n@@\ntext\n\n## B\n\nb\n", True, level=2)
inject("after heading with attributes", "## A {#x .c data-background=\"red\"}\n\n@@\n\ntext\n", True, level=2)
inject("after a setext heading", "A\n---\n\n@@\n\ntext\n", True, level=2)
inject("after empty ## heading", "## A\n\na\n\n##\n\n@@\n\nb\n", True, level=2)
inject("at the end of the slide (blank line before)", "## A\n\ntext\n\n@@\n\n## B\n\nb\n", True, level=2)
inject("at the end of the slide, directly after the paragraph (no blank)", "## A\n\ntext\n@@\n\n## B\n\nb\n", False, level=2)
inject("inside a paragraph (inline raw HTML)", "## A\n\nline one\n@@\nline two\n", False, level=2)
inject("before the notes div", "## A\n\ntext\n\n@@\n\n::: notes\nn\n:::\n", True, level=2)
inject("inside the notes div (changes notes)", "## A\n\ntext\n\n::: notes\n@@\n\nn\n:::\n", False, level=2)
inject("before the first heading (extra slide)", "@@\n\n## A\n\ntext\n", False, level=2)
inject("after YAML front matter, before the first heading (extra slide)", "---\ntitle: T\n---\n\n@@\n\n## A\n\ntext\n", False, level=2)
inject("after an HR that starts an untitled slide", "## A\n\na\n\n---\n\n@@\n\nb\n", True, level=2)
inject("between an HR and the heading it merges with (extra slide)", "## A\n\na\n\n---\n\n@@\n\n## B\n\nb\n", False, level=2)
inject("after the heading of an HR-merged slide", "## A\n\na\n\n---\n\n## B\n\n@@\n\nb\n", True, level=2)
inject("after a section heading (# above slide level), explicit level", "# S\n\n@@\n\n## A\n\na\n", True, level=2)
inject("after a section heading, INFERRED level (level 2 -> 1!)", "# S\n\n@@\n\n## A\n\na\n", False)
inject("after a slide heading that has content, inferred level", "# S\n\n## A\n\n@@\n\na\n", True)
inject("in an empty slide (heading directly followed by heading), inferred", "## A\n\n@@\n\n## B\n\nb\n", True)
inject("directly above a setext heading (no blank)", "## A\n\na\n\n@@\nTitle\n---\n", True, level=2)
inject("inside a fenced div slide (:::{.box} ## B)", "## A\n\na\n\n::: {.box}\n## B\n\n@@\n\nb\n:::\n", True, level=2)
inject("quarto-like: after ## with attributes, before a ```{r} cell", "## A {.smaller}\n\n@@\n\n```r\nx\n```\n", True, level=2)

print("== alternatives")
base = run("## A\n\ntext\n", 2)["slides"][0]["html"]
for label, md in [
    ("heading attribute {image-prompt=...}", '## A {image-prompt="A watercolor valley at dawn"}\n\ntext\n'),
    ("::: {.image-prompt} div", "## A\n\n::: {.image-prompt}\nA watercolor valley at dawn\n:::\n\ntext\n"),
    ("empty ::: {.image-prompt prompt=...} div", '## A\n\n::: {.image-prompt prompt="A watercolor valley at dawn"}\n:::\n\ntext\n'),
    ("raw block ```{=image-prompt}", "## A\n\n```{=image-prompt}\nA watercolor valley at dawn\n```\n\ntext\n"),
    ("raw inline `...`{=image-prompt} on its own line", "## A\n\n`A watercolor valley at dawn`{=image-prompt}\n\ntext\n"),
    ("HTML comment", "## A\n\n" + C + "\n\ntext\n"),
]:
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(md)
    out, _ = slides.pandoc(["-f", "markdown", "-t", "revealjs", "--slide-level=2"], md)
    os.unlink(f.name)
    s = run(md, 2)["slides"]
    print("     %-48s n=%d html=%s" % (label, len(s), json.dumps(s[0]["html"])))
    print("     %-48s section tag: %s" % ("", out.split("\n", 1)[0]))
print("     (baseline html=%s)" % json.dumps(base))
for label, md, want in [
    ("inline at end of an empty section heading", "# S <!-- c -->\n\n## A\n\na\n", True),
    ("inline, before the heading's {attrs}", "# S <!-- c --> {data-background=\"red\"}\n\n## A\n\na\n", True),
    ("inline, AFTER the heading's {attrs} (attrs become text)", "# S {data-background=\"red\"} <!-- c -->\n\n## A\n\na\n", False),
]:
    plain = re.sub(r" <!-- c -->", "", md)
    x, y = run(plain), run(md)
    same = (y["slide_level_used"] == x["slide_level_used"] and len(x["slides"]) == len(y["slides"]) and all(
        (p["title"], p["level"], p["notes"], re.sub(r"\s+", "", p["html"])) ==
        (q["title"], q["level"], q["notes"], re.sub(r"\s+", "", q["html"].replace("<!-- c -->", "")))
        for p, q in zip(x["slides"], y["slides"])))
    ids = (slides.html_slides(slides.pandoc(["-t", "revealjs"], plain)[0])[0][0]["id"],
           slides.html_slides(slides.pandoc(["-t", "revealjs"], md)[0])[0][0]["id"])
    ok = same == want and (ids[0] == ids[1]) == want
    print(("ok   " if ok else "FAIL ") + "inject: " + label)
    print("     %s -> %s (L=%s, ids %s -> %s)" % (json.dumps(md), "invisible except whitespace" if same else "CHANGES", y["slide_level_used"], ids[0], ids[1]))
    if not ok:
        FAILS.append("inject: " + label)

print("== 5. corpus (MANIFEST.tsv `slides` = body slides)")
corpus = os.environ.get("CORPUS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/corpus"))
man = os.path.join(corpus, "MANIFEST.tsv")
if os.path.exists(man):
    import csv
    with open(man, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        if row["format"] not in ("pandoc", "quarto"):
            continue
        r = slides.process(os.path.join(corpus, row["file"]), None, row["format"] == "quarto")
        n = len(r["slides"])
        ok = n == int(row["slides"]) and r["verified"] and not r.get("warnings")
        print("%s %s: %d slides (manifest %s), L=%s (%s), verified=%s%s" % (
            "ok  " if ok else "FAIL", row["file"], n, row["slides"], r["slide_level_used"],
            r["slide_level_source"], r["verified"], " warnings=%s" % r["warnings"] if r.get("warnings") else ""))
        if not ok:
            FAILS.append(row["file"])
        # inject one comment into EVERY slide at once, at the recommended place
        path = os.path.join(corpus, row["file"])
        with open(path, encoding="utf-8") as f:
            lines = f.read().replace("\r\n", "\n").split("\n")
        after, inline = {}, {}
        starts = {x["start_line"] for x in r["slides"]}
        for x in r["slides"]:
            ln = x["start_line"]
            if x["title"] is None and not lines[ln - 1].lstrip().startswith("#"):
                after[x["end_line"]] = x["index"]  # untitled slide without a heading: at its end
                continue
            if slides.HR_RE.match(lines[ln - 1]):  # HR merged with a heading
                ln += 1
                while not lines[ln - 1].strip():
                    ln += 1
            hl = ln
            if ln < len(lines) and slides.SETEXT_RE.match(lines[ln]) and not lines[ln - 1].lstrip().startswith("#"):
                ln += 1  # setext underline
            nxt = ln + 1
            while nxt <= len(lines) and not lines[nxt - 1].strip():
                nxt += 1
            if r["slide_level_source"] == "inferred" and x["level"] < r["slide_level_used"] and nxt in starts:
                inline[hl] = x["index"]  # empty section heading: a block would change the inferred level
            else:
                after[ln] = x["index"]
        out = []
        for k, line in enumerate(lines, 1):
            if k in inline:
                cm = C.replace("src=1a2b3c4d", "src=%08d" % inline[k])
                m = re.match(r"^(.*?)(\s*\{[^{}]*\}\s*)$", line)
                line = m.group(1) + " " + cm + m.group(2) if m else line.rstrip() + " " + cm
            out.append(line)
            if k in after:
                out += ["", C.replace("src=1a2b3c4d", "src=%08d" % after[k]), ""]
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as f:
            f.write("\n".join(out))
        r2 = slides.process(f.name, None, row["format"] == "quarto")
        os.unlink(f.name)
        bad = []
        if len(r2["slides"]) != n or r2["slide_level_used"] != r["slide_level_used"]:
            bad.append("%d slides L=%s" % (len(r2["slides"]), r2["slide_level_used"]))
        else:
            for x, y in zip(r["slides"], r2["slides"]):
                cm = C.replace("src=1a2b3c4d", "src=%08d" % x["index"])
                if cm not in y["html"]:
                    bad.append("slide %d lacks its comment" % x["index"])
                h = re.sub(r"\s+", "", y["html"].replace(cm, ""))
                if (x["title"], x["level"], x["notes"]) != (y["title"], y["level"], y["notes"]) or \
                        h != re.sub(r"\s+", "", x["html"]):
                    bad.append("slide %d differs" % x["index"])
        print("%s   injection after every slide heading: %s" % ("ok  " if not bad else "FAIL", bad or "all %d slides unchanged (%d as a block after the heading, %d inline in an empty section heading)" % (n, len(after), len(inline))))
        if bad:
            FAILS.append("inject " + row["file"])
else:
    print("     (no corpus at %s; set CORPUS=...)" % corpus)

print()
print("FAILED:", FAILS if FAILS else "none")
sys.exit(1 if FAILS else 0)
