"""The prompt marker: the one line we write into a deck for each slide.

::

    <!-- image-prompt src=3f2a9c1d sum=7be04a12 | Aerial view of a glacier at dawn -->

``src``
    8 hex digits of the SHA-256 of the slide content the prompt was made from
    (:func:`content_hash`). When the slide changes, the marker is *stale*: known
    without network or cache.
``sum``
    8 hex digits of the SHA-256 of the prompt text as written (:func:`prompt_hash`).
    If the text no longer matches it, the author edited the prompt by hand.
text
    The prompt after ``" | "``, escaped by :func:`escape` so that the line is always
    one valid HTML comment: no ``--`` (so never ``-->``), no control characters and no
    colon followed by a blank (so YAML reads the comment as a plain string, never as a
    ``key: value`` mapping, and Marp never takes it for a directive). Nor any ``<``,
    ``>`` or ``&`` that could start a character reference: decks end up inside HTML
    pages (remark and xaringan keep the Markdown in a ``<textarea>``, reveal-md in a
    ``<script>`` template), where a prompt holding ``</textarea><script>`` must stay
    text. Markers written before these were escaped still read as they are.

There is no timestamp, so writing the same prompt twice gives the same bytes.

The author may add flags after the keyword; the tool never writes or removes them (not
even ``strip``: see :func:`strippable`)::

    <!-- image-prompt lock src=3f2a9c1d sum=7be04a12 | Aerial view of a glacier at dawn -->
    <!-- image-prompt lock | My own prompt, written by hand -->
    <!-- image-prompt skip -->

``lock``
    The prompt is never regenerated, not even with ``--force``, and never reported
    stale. A locked prompt may omit ``src=`` and ``sum=``.
``skip``
    The slide gets no prompt; ``skip`` alone is a whole marker.
``background``, ``left``, ``right``, ``no-picture``
    Where the slide's picture goes (``images``), whatever the ``placement`` setting
    says; ``no-picture``: it gets none. A new prompt keeps the flag.

The same fields also come as a CommonMark link reference definition, which every
generator renders as nothing and which Marp does not turn into a presenter note::

    [image-prompt src=3f2a9c1d sum=7be04a12]: # "Aerial view of a glacier at dawn"

Its text is escaped the same way, plus ``"`` as ``\x22`` so the title never ends early.

In front matter (Slidev's per-slide ``imagePrompt:`` key, the deck-level
``image-prompts:`` block of other formats) the fields are one double-quoted YAML value
(:func:`render_value`)::

    imagePrompt: "src=3f2a9c1d sum=7be04a12 | Aerial view of a glacier at dawn"
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
import re

from .lazyre import lazy_pattern

__all__ = [
    "FLAGS",
    "FORMS",
    "MARKER_KEYWORD",
    "PLACEMENT_FLAGS",
    "BadMarker",
    "PromptMarker",
    "content_hash",
    "escape",
    "is_marker_candidate",
    "parse_marker",
    "parse_value",
    "prompt_hash",
    "render_marker",
    "render_value",
    "strippable",
    "unescape",
]

MARKER_KEYWORD = "image-prompt"
FORMS = ("comment", "reference")
"""The two ways a marker can be written."""
PLACEMENT_FLAGS = ("background", "left", "right", "no-picture")
"""Flags that say where the slide's picture goes (``no-picture``: nowhere)."""
FLAGS = ("lock", "skip", *PLACEMENT_FLAGS)
"""Words an author may put after the keyword: ``lock`` (never regenerate this prompt),
``skip`` (this slide gets no prompt) and the :data:`PLACEMENT_FLAGS`."""
_MARKER_RE = lazy_pattern(
    rf"^<!-- {MARKER_KEYWORD}(?P<head>(?: [^ |]+)*?)(?: \| (?P<text>.*))? -->$"
)
_REFERENCE_RE = lazy_pattern(
    rf"^\[{MARKER_KEYWORD}(?P<head>(?: [^ \]]+)*)\]: #(?: \"(?P<text>[^\"]*)\")?$"
)
_CANDIDATE_RE = lazy_pattern(rf"^\s*(<!--\s*|\[){MARKER_KEYWORD}(?![\w-])")
_QUOTED_RE = lazy_pattern(r'"(?:[^"\\]|\\.)*"')
_VALUE_RE = lazy_pattern(r"(?P<head>[^ |]+(?: [^ |]+)*?)(?: \| (?P<text>.*))?", re.S)
_HASH_RE = lazy_pattern(r"(src|sum)=[0-9a-f]{8}")
_ANY_ESCAPE = lazy_pattern(
    r"[\\\x00-\x1f\x7f-\x9f\u2028\u2029<>]|--|:(?=[ \t]|$)|&(?=[#0-9A-Za-z])"
)
_REFERENCE_START = lazy_pattern(r"[#0-9A-Za-z]")
_ESCAPE_RE = lazy_pattern(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8}|\\[\\-]|\\")


@dataclass(frozen=True, slots=True)
class PromptMarker:
    """A prompt marker read from a deck (in either form)."""

    line: int
    """1-based source line of the marker."""
    prompt: str
    """The prompt text, unescaped."""
    source_hash: str
    """The ``src=`` field: hash of the slide content the prompt was made from."""
    prompt_hash: str
    """The ``sum=`` field: hash of the prompt text when it was written."""
    form: str = "comment"
    """How the marker is written: ``"comment"``, ``"reference"`` or ``"frontmatter"``
    (a quoted value under a front-matter key, see :func:`render_value`)."""
    flags: tuple[str, ...] = ()
    """The author's flags, from :data:`FLAGS`, sorted."""

    @property
    def placement(self) -> str | None:
        """Where the author's flag puts the slide's picture (``background``, ``left``,
        ``right``, or ``none`` for ``no-picture``), if it says."""
        flag = next((f for f in self.flags if f in PLACEMENT_FLAGS), None)
        return "none" if flag == "no-picture" else flag

    @property
    def edited(self) -> bool:
        """Whether the prompt text was changed by hand since it was written."""
        return prompt_hash(self.prompt) != self.prompt_hash

    @property
    def locked(self) -> bool:
        """Whether the author locked this prompt: it is never regenerated."""
        return "lock" in self.flags

    @property
    def skip(self) -> bool:
        """Whether the author asked for no prompt on this slide."""
        return "skip" in self.flags


@dataclass(frozen=True, slots=True)
class BadMarker:
    """A line that starts like a prompt marker but cannot be read."""

    line: int
    """1-based source line of the marker."""
    reason: str
    """Why it cannot be read, as a short phrase."""
    form: str = "comment"
    """The form the line was meant to have (see :attr:`PromptMarker.form`)."""


def strippable(marker: PromptMarker | BadMarker) -> bool:
    """Whether ``strip`` removes *marker*: every marker but one carrying the author's
    flag (``skip``, ``lock``), which is the author's own and stays."""
    return not (isinstance(marker, PromptMarker) and marker.flags)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def content_hash(text: str) -> str:
    """Hash slide content, ignoring trailing blanks on lines and blank lines at either end.

    Only edits that can change what the slide says make a prompt stale.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _short_hash("\n".join(lines).strip("\n"))


def prompt_hash(prompt: str) -> str:
    """Hash a prompt's text, for the marker's ``sum=`` field."""
    return _short_hash(prompt)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(ch: str) -> bool:
    code = ord(ch)
    # C0/C1 controls and the Unicode line/paragraph separators: anything that could
    # end or visually break the line in some tool; '<' and '>', which could end or
    # open an HTML element around the deck.
    return code < 0x20 or 0x7F <= code <= 0x9F or ch in "\u2028\u2029<>"


def escape(text: str, *, quote: bool = False, extra: str = "", avoid: tuple[str, ...] = ()) -> str:
    """Make *text* safe inside a one-line HTML comment; :func:`unescape` reverses it.

    ``\\`` becomes ``\\\\``; a ``-`` right after a ``-`` becomes ``\\-``; control and
    line-separator characters, ``<`` and ``>`` become ``\\xHH``/``\\uHHHH``; a ``:``
    followed by a blank or at the end becomes ``\\x3a``; a ``&`` followed by a letter,
    digit or ``#`` (the start of an HTML character reference, which a ``<textarea>``
    decodes) becomes ``\\x26``; with *quote*, ``"`` becomes ``\\x22``; every
    character of *extra* is escaped too (a format's own hazards, such as ``<``), and so
    is the first character of every occurrence of a string in *avoid* (``.element``).
    """
    plain = not _ANY_ESCAPE.search(text) and not (quote and '"' in text)
    if plain and not any(ch in text for ch in extra) and not any(a in text for a in avoid):
        return text  # the common case: nothing to escape
    out: list[str] = []
    prev = ""
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "-" and prev == "-":
            out.append("\\-")
        elif _needs_escape(ch) or (quote and ch == '"') or ch in extra:
            out.append(_escape_char(ch))
        elif ch == ":" and (i + 1 == len(text) or text[i + 1] in " \t"):
            out.append("\\x3a")
        elif ch == "&" and _REFERENCE_START.match(text, i + 1):
            out.append("\\x26")
        else:
            out.append(ch)
        prev = ch
    escaped = "".join(out)
    # Escape sequences hold no blank and no '.', so these replacements never cut one.
    for needle in avoid:
        while needle in escaped:
            escaped = escaped.replace(needle, _escape_char(needle[0]) + needle[1:])
    return escaped


def unescape(text: str) -> str:
    """Reverse :func:`escape`; raise :class:`ValueError` on text it cannot have produced."""
    if "--" in text:
        raise ValueError("contains '--', which ends an HTML comment")

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "\\":
            raise ValueError("has a lone backslash")
        if token in ("\\\\", "\\-"):
            return token[1]
        return chr(int(token[2:], 16))

    return _ESCAPE_RE.sub(replace, text)


def render_marker(
    prompt: str,
    source_hash: str,
    *,
    form: str = "comment",
    extra: str = "",
    avoid: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> str:
    """The marker line (without line ending) for *prompt* made from content *source_hash*.

    :param form: ``"comment"`` (an HTML comment) or ``"reference"`` (a link reference
        definition)
    :param extra: characters the format needs escaped on top of the usual ones
    :param avoid: strings that must not appear in the line (their first character is
        escaped)
    :param flags: the author's flags the marker carries (kept when a prompt is remade)
    """
    fields = f"{MARKER_KEYWORD}{_flag_words(flags)} src={source_hash} sum={prompt_hash(prompt)}"
    if form == "reference":
        # No '|' at all: a line holding one (escaped or not) above a '---' would be the
        # header row of a one-column table, not a definition above a separator.
        title = escape(prompt, quote=True, extra=extra + "|", avoid=avoid)
        return f'[{fields}]: # "{title}"'
    return f"<!-- {fields} | {escape(prompt, extra=extra, avoid=avoid)} -->"


def render_value(prompt: str, source_hash: str, flags: tuple[str, ...] = ()) -> str:
    """*prompt* as a one-line double-quoted YAML scalar ``"src=… sum=… | prompt"``, for
    front-matter keys (JSON escapes are valid YAML; no line break, no ``---``), after
    the author's *flags*."""
    value = f"src={source_hash} sum={prompt_hash(prompt)} | {escape(prompt)}"
    head = _flag_words(flags).lstrip()
    return json.dumps(f"{head} {value}" if head else value, ensure_ascii=False)


def _flag_words(flags: tuple[str, ...]) -> str:
    """*flags* as the words written after the keyword (each with a space before it)."""
    return "".join(f" {flag}" for flag in flags if flag in FLAGS)


def _read_fields(
    head: str, text: str | None, line_no: int, form: str, shape: str
) -> PromptMarker | BadMarker:
    """A marker from its words after the keyword (flags, ``src=``, ``sum=``) and its text."""
    words = head.split()
    flags = sorted({w for w in words if w in FLAGS})
    hashes = [w for w in words if w not in FLAGS]
    what = "prompt value" if form == "frontmatter" else "prompt marker"
    if hashes and (
        len(hashes) != 2
        or not all(map(_HASH_RE.fullmatch, hashes))
        or not (hashes[0].startswith("src=") and hashes[1].startswith("sum="))
    ):
        unknown = next((w for w in hashes if not _HASH_RE.fullmatch(w)), hashes[0])
        return BadMarker(
            line_no, f"{what} does not match {shape} (unknown word {unknown!r})", form
        )  # fmt: skip
    if hashes and text is None:
        return BadMarker(line_no, f"{what} has src= and sum= but no prompt", form)
    if not hashes and not ("skip" in flags or (text is not None and "lock" in flags)):
        if "lock" in flags:
            return BadMarker(line_no, f"{what} has the lock flag but no prompt", form)
        need = "the skip flag" if text is None else "src= and sum=, or the lock flag"
        return BadMarker(line_no, f"{what} needs {need}", form)
    try:
        prompt = unescape(text) if text is not None else ""
    except ValueError as exc:
        return BadMarker(line_no, f"{what} text {exc}", form)
    src, total = (h.split("=", 1)[1] for h in hashes) if hashes else ("", "")
    return PromptMarker(line_no, prompt, src, total, form, tuple(flags))


def parse_value(quoted: str, line_no: int) -> PromptMarker | BadMarker:
    """Read a value written by :func:`render_value` (surrounding blanks allowed), or an
    author's ``"skip"`` / ``"lock …"`` value."""
    value: object = None
    if _QUOTED_RE.fullmatch(quoted.strip()):
        try:
            value = json.loads(quoted)
        except ValueError:
            value = None
    fields = _VALUE_RE.fullmatch(value) if isinstance(value, str) else None
    if fields is None:
        return BadMarker(line_no, "prompt value does not read '\"src=… sum=… | …\"'", "frontmatter")
    return _read_fields(
        fields.group("head"), fields.group("text"), line_no, "frontmatter",
        "'\"src=… sum=… | …\"'",
    )  # fmt: skip


def is_marker_candidate(line: str) -> bool:
    """Whether *line* looks like an attempt at a prompt marker (valid or not)."""
    return _CANDIDATE_RE.match(line) is not None


_SHAPES = "'<!-- image-prompt src=… sum=… | … -->' or '[image-prompt src=… sum=…]: # \"…\"'"


def parse_marker(line: str, line_no: int) -> PromptMarker | BadMarker:
    """Read a marker from *line* (its line ending may be included)."""
    stripped = line.rstrip("\r\n")
    match = _MARKER_RE.match(stripped) or _REFERENCE_RE.match(stripped)
    form = "comment" if stripped.startswith("<") else "reference"
    if match is None:
        return BadMarker(line_no, f"prompt marker does not match {_SHAPES}")
    return _read_fields(match.group("head"), match.group("text"), line_no, form, _SHAPES)
