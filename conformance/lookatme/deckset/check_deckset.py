#!/usr/bin/env python3
"""Throwaway check of the Deckset splitting rules in FINDINGS.md (part 2).

Usage: python3 check_deckset.py FILE...   -> prints the slide count and ranges,
plus near-miss lines ("---"-like lines that are NOT separators) with the reason.
This is NOT Deckset (closed source); it applies the documented rules only.
"""
import re
import sys

GLOBAL_KEYS = {
    "autoscale", "build-lists", "slidenumbers", "slidecount", "footer", "theme",
    "slide-dividers", "slide-transition", "background-color", "background-image",
    "text", "text-strong", "text-emphasis", "header", "header-strong",
    "header-emphasis", "footer-style", "link", "code", "code-language",
    "fit-header", "fit-headers", "list", "table", "table-separator", "quote",
    "quote-author", "formula", "footnote", "footnote-separator", "presenter-notes",
    "slidenumber-style", "slidecount-style", "image-corner-radius", "time-budget",
    "paragraph-line-height", "text-scale", "header-scale",
}
GLOBAL_RE = re.compile(r"^([A-Za-z][A-Za-z-]*):(.*)$")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split(text):
    lines = text.splitlines()  # \n, \r\n, \r
    n = len(lines)
    # 1. global commands: consecutive lines from line 1 of the form "key: value"
    #    with a known key; stop at the first line that is not one (a blank line).
    g = 0
    while g < n and (m := GLOBAL_RE.match(lines[g])) and m.group(1).lower() in GLOBAL_KEYS:
        g += 1
    commands = dict((GLOBAL_RE.match(l).group(1).lower(), GLOBAL_RE.match(l).group(2).strip())
                    for l in lines[:g])
    levels = set()
    if "slide-dividers" in commands:
        levels = {len(x.strip()) for x in commands["slide-dividers"].split(",")
                  if re.fullmatch(r"#{1,6}", x.strip())}

    def blank(i):  # outside the file counts as blank
        return i < 0 or i >= n or lines[i].strip() == ""

    seps = []          # (line_no, kind)
    near = []
    fence = None
    for i in range(g, n):
        line = lines[i]
        fm = FENCE_RE.match(line)
        if fence:
            if fm and fm.group(1)[0] == fence[0] and len(fm.group(1)) >= len(fence) \
                    and line.strip() == fm.group(1)[0] * len(line.strip()):
                fence = None
            if line.rstrip() == "---":
                near.append((i + 1, "inside fenced code"))
            continue
        if fm:
            fence = fm.group(1)
            continue
        if line.rstrip() == "---":
            if blank(i - 1) and blank(i + 1):
                seps.append((i + 1, "---"))
            else:
                near.append((i + 1, "no blank line above/below"))
        elif line.strip() == "---":
            near.append((i + 1, "indented %r" % line))
        elif levels:
            m = re.match(r"^(#{1,6})\s", line)
            if m and len(m.group(1)) in levels:
                seps.append((i + 1, "heading"))
    slides = []
    start = g + 1
    for ln, kind in seps:
        if kind == "---":
            slides.append((start, ln - 1)); start = ln + 1
        else:  # heading starts a new slide (kept in it), no empty first slide
            if any(lines[k].strip() for k in range(start - 1, ln - 1)) or slides:
                slides.append((start, ln - 1))
            start = ln
    slides.append((start, n))
    return commands, slides, near


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            commands, slides, near = split(f.read())
        print(f"{path}: {len(slides)} slides; global commands {commands}")
        print("  ranges:", " ".join(f"[{a}-{b}]" for a, b in slides))
        for ln, why in near:
            print(f"  not a separator: line {ln}: {why}")
