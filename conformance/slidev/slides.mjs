#!/usr/bin/env node
// Ground-truth harness: how Slidev's own parser (@slidev/parser, version pinned
// in package.json "slidevParser", installed by install.sh) splits a Markdown
// deck into slides. It only CALLS parseSync(); all splitting, front-matter and
// note extraction is done by the parser, this script merely reports it.
//
// Usage:
//   node slides.mjs FILE [FILE...]
//   node slides.mjs < list.json          (JSON array of file paths on stdin)
//
// Output: one JSON object per input file, one per line:
//   {"file": PATH, "line_count": N, "parser_version": "53.0.0",
//    "slides": [{"index": K,                    // 0-based, parser's slide.index
//                "start_line": A, "end_line": B,
//                "frontmatter": {...} | null,
//                "frontmatter_style": "frontmatter" | "yaml" | null,
//                "frontmatter_range": [C, D] | null,
//                "content": "...", "note": "..." | null,
//                "hidden": bool, "src": "..." | null,
//                "title": "..." | null, "level": N | null}]}
//   or {"file": PATH, "error": MESSAGE} when the file cannot be read/parsed.
//
// These are SOURCE slides of this one file, exactly as parseSync(text, path)
// returns them: `src:` imports are not followed, and hidden slides are listed
// (Slidev's load() later drops them, see "hidden").
//
// Input: the file is read as UTF-8 and passed unchanged: a BOM is NOT stripped
// (Slidev's load() does not strip it either), CRLF is NOT converted (the
// parser itself splits lines at /\r?\n/).
//
// Line semantics (1-based line numbers, inclusive ranges):
// * Lines are the parser's lines: text.split(/\r?\n/). A lone "\r" does not
//   end a line. A final line break does not start an extra line, so "a\n" and
//   "a" both have line_count 1, and "" has line_count 0.
// * parseSync's slide.start is the 0-based index of the slide's first line and
//   slide.end the 0-based EXCLUSIVE index of its end (the next separator line,
//   or lines.length for the last slide); slide.raw is exactly
//   lines.slice(start, end).join("\n"). So start_line = start + 1 and
//   end_line = min(end, line_count) (the min only drops the phantom empty
//   "line" after a final line break).
// * A slide that opens with a `---` front-matter block STARTS ON THAT `---`
//   LINE (the line that is both separator and front-matter opener belongs to
//   the slide). A slide after a separator that is not followed by a front-
//   matter block starts on the line AFTER the separator; that separator line
//   belongs to no slide. Slide 1 starts on line 1, or on line 2 when line 1 is
//   a bare `---` followed by a blank line.
// * A slide ends on the line before the next separator line, the last slide on
//   line_count. An empty range has end_line = start_line - 1 (e.g. a file that
//   ends with "---\n").
// * frontmatter_range: for a `---` block, [opening `---` line, closing `---`
//   line] as the splitter saw it (start + 1 .. slide.contentStart); an
//   unclosed block runs to end_line. For the ```yaml style, [line of the
//   opening fence, line where the closing ``` is]. null when the parser found
//   no front matter (frontmatter is then null too, although the parser itself
//   reports {}). frontmatter is the parser's slide.frontmatter (YAML -> JSON).
// * content: parser's slide.content (front matter removed, the note comment
//   removed, trimmed). note: slide.note (text inside the last comment, trimmed)
//   or null. title/level: slide.title / slide.level or null.
// * hidden: Boolean(frontmatter.hide || frontmatter.disabled), the test
//   Slidev's load() uses to skip a slide. src: frontmatter.src or null.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseSync } from '@slidev/parser'

const require = createRequire(import.meta.url)
const PARSER_VERSION = require('@slidev/parser/package.json').version
// The two front-matter patterns of @slidev/parser's matter() (core.ts), used
// here only to report WHERE the block is; parseSlide() decides WHETHER.
const RE_FRONTMATTER = /^---.*\r?\n[\s\S]*?---/
const RE_YAML_BLOCK = /^\s*```ya?ml[\s\S]*?```/

function lineOfOffset(text, offset) {
  // 0-based line index of a character offset, counting lines like the parser.
  let line = 0
  for (const m of text.slice(0, offset).matchAll(/\r?\n/g)) line++
  return line
}

function report(file) {
  const text = readFileSync(file, 'utf8')
  const lines = text.split(/\r?\n/)
  const lineCount = text === '' ? 0 : (lines.at(-1) === '' ? lines.length - 1 : lines.length)
  const parsed = parseSync(text, file)
  const slides = parsed.slides.map((s) => {
    const startLine = s.start + 1
    const endLine = Math.min(s.end, lineCount)
    let fm = null
    let fmRange = null
    if (s.frontmatterStyle) {
      // The block is located with the parser's own regexes, applied to the
      // same raw text, so the range is what parseSlide() actually consumed.
      fm = s.frontmatter
      const re = s.frontmatterStyle === 'yaml' ? RE_YAML_BLOCK : RE_FRONTMATTER
      const m = s.raw.match(re)
      if (m) {
        const open = s.frontmatterStyle === 'yaml' ? m[0].indexOf('```') : 0
        fmRange = [s.start + 1 + lineOfOffset(s.raw, open), s.start + 1 + lineOfOffset(s.raw, m[0].length - 1)]
      }
    }
    const f = s.frontmatter || {}
    return {
      index: s.index,
      start_line: startLine,
      end_line: endLine,
      frontmatter: fm,
      frontmatter_style: s.frontmatterStyle ?? null,
      frontmatter_range: fmRange,
      content: s.content,
      note: s.note ?? null,
      hidden: Boolean(f.hide || f.disabled),
      src: f.src ?? null,
      title: s.title ?? null,
      level: s.level ?? null,
    }
  })
  return { file, line_count: lineCount, parser_version: PARSER_VERSION, slides }
}

async function main() {
  let files = process.argv.slice(2)
  if (files.length === 0) {
    const chunks = []
    for await (const c of process.stdin) chunks.push(c)
    files = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  }
  for (const file of files) {
    let out
    try {
      out = report(file)
    } catch (e) {
      out = { file, error: String(e?.message ?? e) }
    }
    // U+2028/U+2029 are escaped so that no consumer's line splitting can cut a record.
    process.stdout.write(`${JSON.stringify(out).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}\n`)
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
