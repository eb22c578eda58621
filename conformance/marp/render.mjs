#!/usr/bin/env node
// Render a Marp deck to one standalone HTML page with marp-core (pinned in
// package.json): the slides as marp-core draws them, its CSS inline. Used to
// make the documentation's before/after pictures (docs/pictures.md):
//
//   node render.mjs DECK.md > deck.html
//
// Relative picture paths stay relative: save the page next to the deck.

import { readFileSync } from 'node:fs'
import { Marp } from '@marp-team/marp-core'

const [file] = process.argv.slice(2)
if (!file) throw new Error('usage: node render.mjs DECK.md')
const { html, css } = new Marp().render(readFileSync(file, 'utf8'))
process.stdout.write(
  `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body{margin:0;background:#fff}svg[data-marpit-svg]{display:block;width:1280px;height:720px}</style>
</head><body>${html}</body></html>\n`,
)
