-- mdslides-prompts: a pandoc Lua filter for decks built with pandoc directly.
--
--   pandoc talk.md -t revealjs --lua-filter image-prompts.lua -o talk.html
--
-- Takes out the prompt markers (the raw HTML comments `<!-- image-prompt ... -->`, on
-- their own line or inline in a heading), which pandoc would otherwise copy into the
-- output as HTML comments, or drop from other outputs with a warning. Pictures placed
-- by `mdslides-prompts images` are attributes pandoc reads itself; they stay.

local function is_marker(text)
  return text:match("^%s*<!%-%-%s*image%-prompt[%s%-]") ~= nil
end

function RawBlock(block)
  if block.format:match("html") and is_marker(block.text) then
    return {}
  end
end

function RawInline(inline)
  if inline.format:match("html") and is_marker(inline.text) then
    return {}
  end
end
