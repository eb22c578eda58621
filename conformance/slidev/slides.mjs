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
// * First line: a slide whose separator opens a front-matter block (a line
//   starting with "---" whose 4th char is not "-", followed by a non-blank
//   line) STARTS ON THAT SEPARATOR LINE. Otherwise a slide starts on the line
//   AFTER its separator, and that separator line belongs to no slide. Slide 1
//   starts on line 1 ALWAYS: also when line 1 is a "---" followed by a blank
//   line, or "----": such a line then stays inside slide 1 (and its content).
// * Last line: the line before the next separator line; the last slide ends
//   on line_count. An empty range has end_line = start_line - 1 (e.g. the
//   extra empty slide that a file ending in "---\n" gets; "" gives one empty
//   slide [1, 0]).
// * frontmatter_range: the lines that the parser's matter() consumed, located
//   from slide.raw and slide.frontmatterRaw:
//   "---" style: from the slide's first line to the line holding the first
//   "---" after it. That is the closing "---" line for a normal block, but
//   the regex stops at ANY "---" substring (e.g. inside "title: a---b"), so
//   the range may end mid-line. ```yaml style: from the line of the opening
//   fence to the line holding the first ``` after it. null when the parser
//   found no front matter; frontmatter is then null too (the parser itself
//   reports {}). frontmatter = slide.frontmatter (YAML -> JSON; may be a
//   scalar such as "B" when the block is not a mapping).
// * content: slide.content (front matter removed, the note comment removed,
//   trimmed with JS trim()). note: slide.note (text inside the last comment,
//   trimmed) or null. title/level: slide.title / slide.level or null.
// * hidden: Boolean(frontmatter.hide || frontmatter.disabled), the test
//   Slidev's load() uses to drop a slide. src: frontmatter.src or null.
// * A YAML error that makes toJSON() throw (e.g. "*x", an unknown alias) makes
//   parseSync throw: that file is reported as {"file", "error"}.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseSync } from '@slidev/parser'

const require = createRequire(import.meta.url)
const PARSER_VERSION = require('@slidev/parser/package.json').version
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
    if (s.frontmatterStyle && typeof s.frontmatterRaw === 'string') {
      // Where the block is, from the parser's own slide.frontmatterRaw (the
      // text between the opener and the closer that matter() matched):
      //   "---" style:  <first line of raw>\n + frontmatterRaw + "---"
      //   ```yaml style: <whitespace>```yaml|```yml + frontmatterRaw + "```"
      fm = s.frontmatter
      let open, close
      if (s.frontmatterStyle === 'frontmatter') {
        open = 0
        close = s.raw.indexOf('\n') + 1 + s.frontmatterRaw.length + 3
      } else {
        open = s.raw.indexOf('```')
        close = open + 3 + (s.raw.startsWith('yaml', open + 3) ? 4 : 3) + s.frontmatterRaw.length + 3
      }
      fmRange = [s.start + 1 + lineOfOffset(s.raw, open), s.start + 1 + lineOfOffset(s.raw, close - 1)]
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
