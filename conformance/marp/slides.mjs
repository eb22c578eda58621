#!/usr/bin/env node
// Ground-truth harness: how @marp-team/marp-core (pinned in package.json)
// splits Markdown decks into slides. It only CALLS the npm packages; the
// splitting itself is done by marp-core/Marpit, this script merely reports it.
//
// Usage:
//   node slides.mjs [--katex] FILE [FILE...]
//   node slides.mjs [--katex] < list.json        (JSON array of file paths)
//
// Output: one JSON object per input file, one per line:
//   {"file": PATH, "line_count": N, "front_matter": [L1, L2] | null,
//    "slides": [{"start_line": L1, "end_line": L2,
//                "separator": null | {"kind": "hr" | "heading", "line": L},
//                "notes": [...], "html": "<section ...>...</section>",
//                "chunk": "<svg ...>...</svg>..."}], "css_sha256": HEX}
//   or {"file": PATH, "error": MESSAGE} when the file cannot be read.
//
// Options:
//   --katex   also register marp-core's KaTeX plugin (needs the `katex`
//             package). Only then does marp-core v5 parse `$$` math blocks and
//             `$...$` inline math; the plain v5 core has no math library, so
//             its math rules never match. (Marp CLI 4.x / marp-core 4.x always
//             had math on, as does `@marp-team/marp-core/full`.)
//
// Input: the file is read as UTF-8 and passed to marp.render() unchanged: a
// BOM is NOT stripped, CRLF is NOT converted (markdown-it does that itself).
//
// Line-range semantics (all line numbers 1-based, ranges inclusive):
// * Lines are the lines markdown-it sees: the text is split at "\r\n", "\r"
//   and "\n" (markdown-it's normalize rule turns each of them into "\n"); no
//   other character (\f, \v, U+2028, U+0085...) ends a line. A final line
//   terminator does not start an extra line, so "a\n" and "a" have
//   line_count 1, "" has line_count 0.
// * Slide separators are exactly the tokens Marpit splits on: `hr` tokens of
//   nesting level 0 right before Marpit's `marpit_slide` core rule runs. These
//   are the visible thematic breaks at the top level (`---`, `***`, `___`,
//   `- - -`, ...), and the hidden `hr` tokens the headingDivider rule inserts
//   before headings (their `map` is the heading's map).
// * Slide 1 starts at line 1, or, when the document has front matter, on the
//   line after the front matter's last line (its closing `---`/`...` line; an
//   unclosed front matter runs to the end of the document).
// * A slide after a visible hr starts on the line after the hr line.
//   A slide created by headingDivider starts on the heading's first line.
// * A slide ends on the line before its successor's separator (the hr line,
//   or the first line of the heading that starts the next slide), and the
//   last slide ends on the document's last line (line_count).
// * An empty range has end_line = start_line - 1 (e.g. a deck ending in
//   `---`, two consecutive separators, a document that is only front matter).
// * Lines between slides (the hr lines themselves, the front matter) belong
//   to no slide.
// * separator.line is the hr's line (kind "hr") or the heading's first line
//   (kind "heading"); front_matter is [first, last] line, or null.
//
// notes: `marp.render(md).comments[k]`, i.e. the HTML comments Marpit
//   collected for slide k (directive comments and lint magic comments are
//   excluded by Marpit). html: the chunk Marpit renders for slide k
//   (render(md, {htmlAsArray: true})), cut from its first "<section" to its
//   last "</section>" so the inline-SVG wrapper (and marp-core's <script> on
//   the last slide) are left out. With advanced backgrounds (`![bg](...)`)
//   the chunk contains several <section> elements, and the cut keeps
//   everything between the first and the last one. chunk: the whole chunk
//   for slide k, byte for byte as marp-core renders it (inline-SVG wrapper,
//   and the <script> on the last slide, included); css_sha256: the SHA-256
//   of the deck's CSS (the CSS itself is some 46 kB per deck), with the
//   scope ids Marpit draws at random for <style scoped> on every render
//   written as "data-marpit-scope" (the chunks keep theirs).

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Marp } from '@marp-team/marp-core'

const args = process.argv.slice(2)
const useKatex = args.includes('--katex')
let files = args.filter((a) => a !== '--katex')

if (files.length === 0) {
  const stdin = readFileSync(0, 'utf8')
  files = JSON.parse(stdin)
  if (!Array.isArray(files)) throw new Error('stdin must be a JSON array of paths')
}

const createMarp = async () => {
  const marp = new Marp()
  if (useKatex) {
    const { default: katexPlugin } = await import(
      '@marp-team/marp-core/plugins/katex'
    )
    marp.use(katexPlugin())
  }
  return marp
}

const marp = await createMarp()

// Snapshot of the token stream right before Marpit's `marpit_slide` rule
// (after `marpit_heading_divider`). Observing only; tokens are not changed.
let captured = null
marp.markdown.core.ruler.before('marpit_slide', 'harness_capture', (state) => {
  if (!state.inlineMode) captured = state.tokens.slice()
})

const countLines = (src) => {
  const normalized = src.replace(/\r\n?/g, '\n')
  if (normalized === '') return 0
  const parts = normalized.split('\n')
  return normalized.endsWith('\n') ? parts.length - 1 : parts.length
}

const sectionOf = (chunk) => {
  const start = chunk.indexOf('<section')
  const end = chunk.lastIndexOf('</section>')
  if (start < 0 || end < 0) return chunk
  return chunk.slice(start, end + '</section>'.length)
}

const analyse = (src) => {
  captured = null
  const { html, css, comments } = marp.render(src, { htmlAsArray: true })
  if (!captured) throw new Error('token capture failed')

  const lineCount = countLines(src)
  const fm = captured.find((t) => t.type === 'front_matter')
  const separators = captured.filter((t) => t.type === 'hr' && t.level === 0)

  if (separators.length + 1 !== html.length || html.length !== comments.length)
    throw new Error(
      `inconsistent split: ${separators.length} separators, ${html.length} html chunks, ${comments.length} comment lists`,
    )

  const starts = [fm ? fm.map[1] + 1 : 1]
  const ends = []
  const seps = [null]
  for (const hr of separators) {
    const heading = hr.hidden // inserted by headingDivider
    ends.push(hr.map[0]) // line before the hr / heading (1-based)
    starts.push(heading ? hr.map[0] + 1 : hr.map[1] + 1)
    seps.push({ kind: heading ? 'heading' : 'hr', line: hr.map[0] + 1 })
  }
  ends.push(lineCount)

  return {
    line_count: lineCount,
    front_matter: fm ? [fm.map[0] + 1, fm.map[1]] : null,
    slides: html.map((chunk, i) => ({
      start_line: starts[i],
      end_line: ends[i],
      separator: seps[i],
      notes: comments[i],
      html: sectionOf(chunk),
      chunk,
    })),
    css_sha256: createHash('sha256')
      .update(css.replace(/data-marpit-scope-[A-Za-z0-9]+/g, 'data-marpit-scope'))
      .digest('hex'),
  }
}

// One JSON document per line. U+0085, U+2028 and U+2029 are legal raw in JSON
// strings but are line breaks for Python's str.splitlines(), so escape them.
const emit = (obj) =>
  process.stdout.write(
    JSON.stringify(obj).replace(
      /[\u0085\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ) + '\n',
  )

for (const file of files) {
  let src
  try {
    src = readFileSync(file, 'utf8') // BOM kept: Node does not strip it
  } catch (e) {
    emit({ file, error: String(e.message) })
    continue
  }
  emit({ file, ...analyse(src) })
}
