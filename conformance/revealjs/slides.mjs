#!/usr/bin/env node
// Ground-truth harness: how the reveal.js markdown plugin (reveal.js 5.2.1,
// pinned in package.json) and reveal-md (6.1.4, which bundles reveal.js 5.1.0)
// split a Markdown deck into slides and render each one. This script only
// CALLS the npm packages: splitting (slidify), notes, the marked conversion and
// the `.slide:`/`.element` attribute comments are done by the plugin's own code
// (plugin.init -> processSlides -> convertSlides) running in a jsdom DOM.
//
// Usage:
//   node slides.mjs [--generator G] [--separator RE] [--vertical RE] [--notes RE]
//                   [--html PAGE] FILE...
//   node slides.mjs < list.json
//     list.json = [{"path": ..., "separator": ..., "vertical": ..., "notes": ...,
//                   "generator": ..., "html": ...}, ...]   (absent/null = default)
//
// --separator/--vertical/--notes are the host page's data-separator,
// data-separator-vertical and data-separator-notes attribute VALUES: regex
// source text as the plugin receives it from getAttribute(), so `\n` on the
// command line is the two characters backslash+n, which RegExp reads as LF.
//
// Generators (how the markdown reaches the plugin):
//   revealjs (default)  plain reveal.js with an external file:
//       <section data-markdown="FILE" data-separator=... ...>. The file is
//       served to the plugin's XMLHttpRequest as the browser would deliver it:
//       UTF-8 decoded, a leading BOM removed, CRLF kept. slidify() runs on the
//       whole text; each chunk is then re-read from its <script type=
//       "text/template"> by getMarkdownFromSlide() (leading-whitespace
//       "de-indentation", see FINDINGS.md) and converted by marked.
//   reveal-md   reveal-md's own render() (front matter, reveal-md.json in the
//       CWD, reveal-md defaults, template with an inline <textarea
//       data-template>) produces the page; the page's .reveal element is then
//       processed by reveal-md's bundled reveal.js 5.1.0 plugin, with
//       Reveal.initialize's `markdown` options taken from the page.
//       --separator etc. are passed to render() like reveal-md CLI flags.
//   slides-extended  EMULATION (Obsidian Slides Extended cannot run here):
//       front matter removed with the plugin's own regex
//       /^---\r?\n([\w\W]+?)\r?\n---\r?\n?([\w\W]*)/ (BOM stripped first;
//       keys separator/verticalSeparator/notesSeparator read with a minimal
//       `key: value` reader), trailing separator trimmed like its trimEnding(),
//       defaults "\r?\n---\r?\n" / "\r?\n--\r?\n" / "note:", then the body
//       goes through the reveal.js 5.2.1 plugin like an external file. Its
//       markdown processors (callouts, <!-- slide -->, <!-- element -->,
//       wiki links...) are NOT applied: chunk boundaries are right, html is not.
//   --html PAGE  (any generator) instead of building the page, process a page
//       built by a real tool (e.g. `mkslides build` output): all its top-level
//       <section data-markdown> elements are processed by the reveal.js 5.2.1
//       plugin (inline textarea/script or external file relative to PAGE).
//       FILE is then only used to map chunks to source lines.
//
// Output: one JSON object per input, one per line:
//   {"file", "generator", "slidify_input_sha": ..., "slides": [
//      {"h", "v", "stacked", "start_line", "end_line", "start_offset",
//       "end_offset", "line_map", "markdown", "notes", "html", "attributes"}]}
//   or {"file", "error"}.
//   h, v: 0-based indices (v = 0 and stacked = false for a plain horizontal
//     slide; stacked = true for children of a vertical stack).
//   markdown: the chunk exactly as slidify() cut it from its input (notes
//     included, before the notes split, before </script> escaping).
//   notes: innerHTML of the slide's <aside class="notes">, or null.
//   html: the <section>'s innerHTML after convertSlides, with aside.notes
//     removed (what is shown on the slide).
//   attributes: the <section>'s attributes after convertSlides minus
//     data-markdown / data-markdown-parsed (e.g. those set by
//     <!-- .slide: ... -->), serialised as name="value" joined by spaces.
//
// Line ranges (1-based, inclusive, in FILE):
//   The harness re-runs the separator regex exactly as slidify builds it
//   (new RegExp(sep + '|' + vertical, 'mg'), exec loop) on slidify's input and
//   checks that the chunks it finds are identical to the chunks the plugin's
//   exported slidify() produced (else it reports an error). Chunk k is
//   input[lastIndex_k, match_k.index).
//   * start_line: the line of the chunk's first character. If the previous
//     separator match ended mid-line (e.g. `^---$` leaves the line's "\n" to
//     the next chunk) and the chunk starts with that line terminator, the
//     chunk starts on the next line ("lead_newline": true).
//   * end_line: the line of the chunk's last character. With the default
//     "\r?\n---\r?\n" the match starts at the line break that ends the
//     chunk's last line, so that line break belongs to the separator, and the
//     separator's trailing line break too: a chunk is exactly the lines
//     between two `---` lines. An anchored `^---$` leaves the preceding line
//     break in the chunk: same lines, the chunk text just ends with "\n".
//   * An empty chunk has end_line = start_line - 1.
//   * Offsets are UTF-16 indices into slidify's input (start inclusive, end
//     exclusive); for revealjs that input is the file text without BOM, for
//     slides-extended the body after the front matter (body_offset tells
//     where it starts in the file text).
//   * reveal-md and --html: slidify's input is the textarea's textContent after
//     HTML parsing (CRLF -> LF, entities decoded) and getMarkdownFromSlide()'s
//     whitespace normalisation; it is obtained by running the real plugin with
//     separators that never match. Its lines are mapped to FILE lines by
//     matching trimmed non-blank lines; line_map = "exact" when every
//     non-blank line of the chunk matched with one constant shift, else
//     "approximate".
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { JSDOM } from 'jsdom';

const require = createRequire(import.meta.url);
const NEVER = '(?!)';

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const opts = { files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const take = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--separator') opts.separator = take();
    else if (a === '--vertical') opts.vertical = take();
    else if (a === '--notes') opts.notes = take();
    else if (a === '--generator') opts.generator = take();
    else if (a === '--html') opts.html = take();
    else if (a === '-h' || a === '--help') opts.help = true;
    else opts.files.push(a);
  }
  return opts;
}

// ---------------------------------------------------------------- plugin loading
const pluginCache = new Map();
const pluginVersion = new Map();
// which: 'revealjs' (our pinned reveal.js), 'reveal-md' (reveal-md's own copy)
// or an absolute path to a plugin ES module (taken from an --html page).
async function loadPlugin(which) {
  if (pluginCache.has(which)) return pluginCache.get(which);
  let file;
  if (path.isAbsolute(which)) {
    file = which;
  } else if (which === 'reveal-md') {
    const rmdRequire = createRequire(require.resolve('reveal-md/package.json'));
    file = path.join(path.dirname(rmdRequire.resolve('reveal.js/package.json')), 'plugin/markdown/markdown.esm.js');
  } else {
    file = path.join(path.dirname(require.resolve('reveal.js/package.json')), 'plugin/markdown/markdown.esm.js');
  }
  const mod = await import(pathToFileURL(file).href);
  pluginCache.set(which, mod.default);
  // The reveal.js version: the nearest package.json named reveal.js above the module.
  let dir = path.dirname(file), version = null;
  for (let i = 0; i < 5 && !version; i++, dir = path.dirname(dir)) {
    try { const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')); if (pj.name === 'reveal.js') version = pj.version; } catch { /* none */ }
  }
  pluginVersion.set(which, version);
  return mod.default;
}

let revealMdRender = null;
async function loadRevealMd() {
  if (revealMdRender) return revealMdRender;
  // reveal-md's config.js parses process.argv (as CLI flags) at import time:
  // hide ours from it. It also reads reveal-md.json(5)/reveal.json(5) in CWD.
  const saved = process.argv;
  process.argv = [saved[0], 'reveal-md'];
  try {
    const mod = await import(pathToFileURL(require.resolve('reveal-md/lib/render.js')).href);
    revealMdRender = mod.render;
  } finally {
    process.argv = saved;
  }
  return revealMdRender;
}

// The plugin uses the globals Node (Node.COMMENT_NODE) and XMLHttpRequest.
function installGlobals(window, files) {
  globalThis.Node = window.Node;
  globalThis.XMLHttpRequest = class {
    overrideMimeType() {}
    open(method, url) { this.url = url; }
    send() {
      const key = decodeURIComponent(this.url);
      if (Object.prototype.hasOwnProperty.call(files, key)) {
        this.status = 200; this.responseText = files[key];
      } else {
        this.status = 404; this.responseText = '';
      }
      this.readyState = 4;
      this.onreadystatechange && this.onreadystatechange();
    }
  };
}

// Read bytes the way a browser's XHR / fetch().text() decodes UTF-8 (BOM dropped).
function decodeLikeBrowser(buf) {
  return new TextDecoder('utf-8').decode(buf);
}

// ---------------------------------------------------------------- helpers
function escAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}
function lineOf(starts, offset) { // 1-based line containing offset
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo + 1;
}

// Chunks as slidify cuts them, located in `text` (same regex construction and
// exec loop as the plugin; used only for positions, and cross-checked below).
function locateChunks(text, sep, vsep) {
  const re = new RegExp(sep + (vsep ? '|' + vsep : ''), 'mg');
  const out = [];
  let last = 0, m;
  while ((m = re.exec(text))) {
    out.push({ start: last, end: m.index });
    last = re.lastIndex;
  }
  out.push({ start: last, end: text.length });
  return out;
}

function chunkLines(text, starts, c) {
  let startLine = lineOf(starts, Math.min(c.start, Math.max(text.length - 1, 0)));
  let lead = false;
  if (c.start >= text.length) startLine = starts.length + (text.endsWith('\n') || text.length === 0 ? 0 : 1);
  else if (c.start > 0 && text[c.start - 1] !== '\n') {
    if (text.startsWith('\n', c.start) || text.startsWith('\r\n', c.start)) { startLine += 1; lead = true; }
  }
  if (c.end <= c.start) return { start_line: startLine, end_line: startLine - 1, lead };
  let endLine = lineOf(starts, c.end - 1);
  if (lead && endLine < startLine) endLine = startLine - 1;
  return { start_line: startLine, end_line: endLine, lead };
}

// The chunks the plugin's exported slidify() produces (notes split disabled),
// parsed from its '<section ...><script type="text/template">' output.
function pluginChunks(plugin, text, sep, vsep) {
  const html = plugin.slidify(text, { separator: sep, verticalSeparator: vsep, notesSeparator: NEVER });
  const open = '<script type="text/template">';
  const parts = html.split(open).slice(1);
  return parts.map(p => p.slice(0, p.indexOf('</script>')).replace(/__SCRIPT_END__/g, '</script>'));
}

function collectSlides(revealEl) {
  const slidesEl = revealEl.querySelector('.slides') || revealEl;
  const out = [];
  let h = 0;
  for (const top of Array.from(slidesEl.children)) {
    if (top.tagName !== 'SECTION') continue;
    const kids = Array.from(top.children).filter(e => e.tagName === 'SECTION');
    if (kids.length && !top.hasAttribute('data-markdown-parsed')) {
      kids.forEach((k, v) => out.push({ h, v, stacked: true, el: k }));
    } else {
      out.push({ h, v: 0, stacked: false, el: top });
    }
    h++;
  }
  return out.map(({ h, v, stacked, el }) => {
    const asides = Array.from(el.querySelectorAll('aside.notes'));
    const notes = asides.length ? asides.map(a => a.innerHTML).join('') : null;
    const clone = el.cloneNode(true);
    clone.querySelectorAll('aside.notes').forEach(a => a.remove());
    const attrs = Array.from(el.attributes)
      .filter(a => a.name !== 'data-markdown' && a.name !== 'data-markdown-parsed')
      .map(a => (a.value === '' ? a.name : `${a.name}="${a.value}"`)).join(' ');
    return { h, v, stacked, notes, html: clone.innerHTML, attributes: attrs };
  });
}

async function runPlugin(plugin, window, revealEl, markdownConfig) {
  const deck = {
    getConfig: () => ({ markdown: markdownConfig }),
    getRevealElement: () => revealEl,
  };
  await plugin.init(deck);
}

// Minimal YAML `key: value` reader for the three separator keys (emulation only).
function fmValue(yaml, key) {
  const m = new RegExp('^' + key + ':[ \\t]*(.*?)[ \\t]*$', 'm').exec(yaml);
  if (!m) return undefined;
  let v = m[1];
  if (/^'.*'$/.test(v)) v = v.slice(1, -1).replace(/''/g, "'");
  else if (/^".*"$/.test(v)) v = JSON.parse(v);
  return v;
}

// Map lines of slidify's input S (inline modes) to source lines.
function mapInline(S, sourceText, chunks) {
  const sLines = S.split('\n');
  const src = sourceText.split('\n').map(l => l.replace(/\r$/, ''));
  const ent = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: '\u00a0' };
  const norm = l => l.replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, e) => ent[e]).trim();
  const sMap = new Array(sLines.length).fill(null);
  let cursor = 0;
  for (let i = 0; i < sLines.length; i++) {
    const t = norm(sLines[i]);
    if (!t) continue;
    for (let j = cursor; j < Math.min(src.length, cursor + 200); j++) {
      if (norm(src[j]) === t) { sMap[i] = j; cursor = j + 1; break; }
    }
  }
  const sStarts = lineStarts(S);
  return chunks.map(c => {
    const l = chunkLines(S, sStarts, c);
    const shifts = new Set();
    for (let i = l.start_line; i <= l.end_line; i++) {
      if (sMap[i - 1] != null) shifts.add(sMap[i - 1] - (i - 1));
      else if (norm(sLines[i - 1] || '')) shifts.add(NaN);
    }
    const real = [...shifts].filter(x => !Number.isNaN(x));
    const shift = real.length ? real[0] : null;
    const exact = shifts.size === 1 && real.length === 1;
    if (shift == null) return { ...l, start_line: null, end_line: null, line_map: 'unknown' };
    // Blank lines added by the page (textarea indentation, the newline that
    // de-indentation puts first) have no source line: clamp to the file.
    const nSrc = src.length - (sourceText.endsWith('\n') ? 1 : 0);
    let st = Math.max(1, l.start_line + shift);
    let en = Math.min(nSrc, l.end_line + shift);
    // A blank chunk line facing a non-blank source line is page padding (or
    // the rest of the front matter's closing line): not part of the chunk.
    const pad = i => !norm(sLines[i - shift - 1] ?? '') && norm(src[i - 1] ?? '');
    while (st <= en && pad(st)) st++;
    while (en >= st && pad(en)) en--;
    return { ...l, start_line: st, end_line: Math.max(en, st - 1), line_map: exact ? 'exact' : 'approximate' };
  });
}

// ---------------------------------------------------------------- one deck
async function processDeck(job) {
  const file = job.path;
  const generator = job.generator || 'revealjs';
  const buf = readFileSync(file);
  const text = decodeLikeBrowser(buf);
  const rawText = buf.toString('utf8'); // BOM kept (reveal-md / slides-extended strip it themselves)
  const sep = job.separator ?? null, vsep = job.vertical ?? null, nsep = job.notes ?? null;

  if (job.html || generator === 'reveal-md') {
    let pageHtml, pluginWhich, markdownConfig = {};
    if (job.html) {
      pageHtml = readFileSync(job.html, 'utf8');
      pluginWhich = 'revealjs';
      // Prefer the page's own markdown plugin (ES module build next to the
      // <script src=".../markdown.js"> it loads), e.g. MkSlides' reveal.js 6.
      const srcs = [...pageHtml.matchAll(/<script[^>]*\ssrc="([^"]*markdown(?:\.min)?\.js)"/g)].map(m => m[1]);
      for (const src of srcs) {
        const abs = path.resolve(path.dirname(path.resolve(job.html)), src);
        for (const cand of [abs.replace(/\.js$/, '.mjs'), abs.replace(/\.js$/, '.esm.js')]) {
          try { readFileSync(cand); pluginWhich = cand; break; } catch { /* try next */ }
        }
        if (pluginWhich !== 'revealjs') break;
      }
    } else {
      const render = await loadRevealMd();
      const extra = {};
      if (sep != null) extra.separator = sep;
      if (vsep != null) extra.verticalSeparator = vsep;
      if (nsep != null) extra.notesSeparator = nsep;
      pageHtml = await render(rawText, extra);
      pluginWhich = 'reveal-md';
      const m = /var options = extend\(defaultOptions, ([\s\S]*?), queryOptions\);/.exec(pageHtml);
      if (m) { try { markdownConfig = JSON.parse(m[1]).markdown || {}; } catch { /* keep {} */ } }
    }
    const Plugin = await loadPlugin(pluginWhich);
    const baseUrl = pathToFileURL(path.resolve(job.html || file)).href;
    const dom = new JSDOM(pageHtml, { url: baseUrl });
    const { window } = dom;
    const files = {};
    installGlobals(window, new Proxy(files, {
      has: () => true,
      get: (_, k) => { const p = path.resolve(path.dirname(path.resolve(job.html || file)), k); return decodeLikeBrowser(readFileSync(p)); },
    }));
    const revealEl = window.document.querySelector('.reveal');
    const hosts = Array.from(revealEl.querySelectorAll('section[data-markdown]'));
    // slidify's real input per host section, via the plugin with never-matching separators.
    const inputs = [];
    for (const host of hosts) {
      const probeDom = new JSDOM(`<div class="reveal"><div class="slides"></div></div>`, { url: baseUrl });
      const probeReveal = probeDom.window.document.querySelector('.reveal');
      const clone = probeDom.window.document.importNode(host, true);
      clone.setAttribute('data-separator', NEVER);
      clone.removeAttribute('data-separator-vertical');
      clone.setAttribute('data-separator-notes', NEVER);
      probeReveal.firstChild.appendChild(clone);
      const probe = Plugin();
      await probe.processSlides(probeReveal);
      const script = probeReveal.querySelector('script[type="text/template"]');
      const S = script.textContent.replace(/__SCRIPT_END__/g, '</script>');
      const hsep = host.getAttribute('data-separator') || markdownConfig.separator || '\r?\n---\r?\n';
      const hvsep = host.getAttribute('data-separator-vertical') || markdownConfig.verticalSeparator || null;
      inputs.push({ S, hsep, hvsep });
    }
    await runPlugin(Plugin(), window, revealEl, markdownConfig);
    const rendered = collectSlides(revealEl);
    const located = [];
    for (const { S, hsep, hvsep } of inputs) {
      const chunks = locateChunks(S, hsep, hvsep);
      const check = pluginChunks(Plugin(), S, hsep, hvsep);
      const mine = chunks.map(c => S.slice(c.start, c.end));
      if (JSON.stringify(mine) !== JSON.stringify(check)) throw new Error('chunk cross-check failed');
      const lines = mapInline(S, rawText.replace(/^\uFEFF/, ''), chunks);
      chunks.forEach((c, k) => located.push({ ...lines[k], start_offset: c.start, end_offset: c.end, markdown: mine[k] }));
    }
    if (located.length !== rendered.length) throw new Error(`chunk count ${located.length} != rendered ${rendered.length}`);
    const sha = createHash('sha256').update(inputs.map(i => i.S).join('\u0000')).digest('hex').slice(0, 16);
    return {
      file, generator: job.html ? `html:${job.html}` : generator, reveal_js: pluginVersion.get(pluginWhich), slidify_input_sha: sha,
      slides: rendered.map((r, k) => assemble(r, located[k])),
    };
  }

  // revealjs / slides-extended: slidify on a known substring of the file text.
  let body = text, bodyOffset = 0, S = sep, V = vsep, N = nsep, Plugin;
  if (generator === 'slides-extended') {
    const stripped = rawText.replace(/^\uFEFF/, '');
    const m = /^---\r?\n([\w\W]+?)\r?\n---\r?\n?([\w\W]*)/.exec(stripped);
    if (m && m[2]) {
      body = m[2]; bodyOffset = stripped.length - m[2].length;
      S = S ?? fmValue(m[1], 'separator');
      V = V ?? fmValue(m[1], 'verticalSeparator');
      N = N ?? fmValue(m[1], 'notesSeparator');
    } else body = stripped;
    S = S || '\r?\n---\r?\n'; V = V || '\r?\n--\r?\n'; N = N || 'note:';
    // trimEnding(): drop one trailing separator (first match's text) at EOF.
    const input = body + '\n';
    for (const r of [S, V]) {
      const mm = new RegExp(r, 'gmi').exec(input);
      if (mm && input.endsWith(mm[0])) { body = input.substring(0, input.lastIndexOf(mm[0])); break; }
    }
    Plugin = await loadPlugin('revealjs');
  } else if (generator === 'revealjs') {
    Plugin = await loadPlugin('revealjs');
  } else {
    throw new Error(`unknown generator ${generator} (mkslides: build the page with mkslides and pass --html)`);
  }
  const name = 'deck.md';
  const attrs = [`data-markdown="${name}"`];
  if (S != null) attrs.push(`data-separator="${escAttr(S)}"`);
  if (V != null) attrs.push(`data-separator-vertical="${escAttr(V)}"`);
  if (N != null) attrs.push(`data-separator-notes="${escAttr(N)}"`);
  const dom = new JSDOM(`<!DOCTYPE html><html><body><div class="reveal"><div class="slides"><section ${attrs.join(' ')}></section></div></div></body></html>`,
    { url: pathToFileURL(path.resolve(file)).href });
  installGlobals(dom.window, { [name]: body });
  const revealEl = dom.window.document.querySelector('.reveal');
  await runPlugin(Plugin(), dom.window, revealEl, {});
  const rendered = collectSlides(revealEl);
  const effSep = S || '\r?\n---\r?\n';
  const chunks = locateChunks(body, effSep, V);
  const mine = chunks.map(c => body.slice(c.start, c.end));
  const check = pluginChunks(Plugin(), body, effSep, V);
  if (JSON.stringify(mine) !== JSON.stringify(check)) throw new Error('chunk cross-check failed');
  if (chunks.length !== rendered.length) throw new Error(`chunk count ${chunks.length} != rendered ${rendered.length}`);
  // Lines are counted in the file text (BOM removed), so shift by the body offset.
  const full = generator === 'slides-extended' ? rawText.replace(/^\uFEFF/, '') : text;
  const starts = lineStarts(full);
  const shifted = chunks.map(c => ({ start: c.start + bodyOffset, end: c.end + bodyOffset }));
  const out = {
    file, generator, reveal_js: pluginVersion.get('revealjs'), separator: effSep, vertical: V ?? null, notes: N ?? '^s*notes?:',
    slidify_input_sha: createHash('sha256').update(body).digest('hex').slice(0, 16),
    slides: rendered.map((r, k) => assemble(r, {
      ...chunkLines(full, starts, shifted[k]), line_map: 'exact',
      start_offset: chunks[k].start, end_offset: chunks[k].end, markdown: mine[k],
    })),
  };
  if (bodyOffset) out.body_offset = bodyOffset;
  return out;
}

function assemble(r, l) {
  const o = { h: r.h, v: r.v, stacked: r.stacked, start_line: l.start_line, end_line: l.end_line };
  if (l.lead) o.lead_newline = true;
  o.start_offset = l.start_offset; o.end_offset = l.end_offset;
  if (l.line_map !== 'exact') o.line_map = l.line_map;
  o.markdown = l.markdown; o.notes = r.notes; o.html = r.html; o.attributes = r.attributes;
  return o;
}

// ---------------------------------------------------------------- main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter(l => l.startsWith('//')).slice(0, 60).map(l => l.slice(3)).join('\n') + '\n');
    return;
  }
  let jobs;
  if (opts.files.length) {
    jobs = opts.files.map(p => ({ path: p, separator: opts.separator, vertical: opts.vertical, notes: opts.notes, generator: opts.generator, html: opts.html }));
  } else {
    const list = JSON.parse(readFileSync(0, 'utf8'));
    jobs = list.map(j => (typeof j === 'string' ? { path: j } : j));
  }
  let failed = 0;
  for (const job of jobs) {
    let res;
    try { res = await processDeck(job); } catch (e) { res = { file: job.path, error: String(e && e.message || e) }; failed++; }
    process.stdout.write(JSON.stringify(res) + '\n');
  }
  process.exitCode = failed ? 1 : 0;
}

main();
