// mdslides-prompts: a reveal-md preprocessor that serves decks without their prompt
// markers (the HTML comments `<!-- image-prompt ... -->` stay out of the page).
//
//   reveal-md talk.md --preprocessor image-prompts.mjs
//
// It pipes the deck through `mdslides-prompts strip --format reveal-md -` (the program
// named by MDSLIDES_PROMPTS_BIN, by default the one on PATH) and fails loudly when that
// cannot run: a page must never be served half-processed.

import { spawnSync } from 'node:child_process'

export default function imagePrompts(markdown) {
  const program = process.env.MDSLIDES_PROMPTS_BIN || 'mdslides-prompts'
  const done = spawnSync(program, ['strip', '--format', 'reveal-md', '-q', '-'], {
    input: markdown,
    encoding: 'utf8',
  })
  if (done.error) throw new Error(`mdslides-prompts: cannot run ${program}: ${done.error.message}`)
  if (done.status !== 0) throw new Error(done.stderr.trim() || `${program} exited ${done.status}`)
  return done.stdout
}
