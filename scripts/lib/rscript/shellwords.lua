-- Splitting a command line into words as a POSIX shell would, without running a shell: what
-- renderer plugins use for user-given command lines and extra arguments.
local shellwords = {}

--- Splits `text` into words: 'single quotes', "double quotes" (with \" \\ \$ \` inside), and
--- backslash escapes. An unbalanced quote raises "<label>: unbalanced ' in <field>: <text>".
---@param text string
---@param label? string who is splitting (for the error), e.g. "POV-Ray"
---@param field? string what is split (for the error), e.g. "args"
---@return string[]
function shellwords.split(text, label, field)
  local words, word, i, n, quote, inWord = {}, {}, 1, #text, nil, false
  while i <= n do
    local c = text:sub(i, i)
    if quote == "'" then
      if c == "'" then quote = nil else word[#word + 1] = c end
    elseif quote == '"' then
      if c == '"' then quote = nil
      elseif c == "\\" and i < n and text:sub(i + 1, i + 1):match('["\\$`]') then
        i = i + 1; word[#word + 1] = text:sub(i, i)
      else word[#word + 1] = c end
    elseif c == "'" or c == '"' then
      quote, inWord = c, true
    elseif c == "\\" and i < n then
      i = i + 1; word[#word + 1] = text:sub(i, i); inWord = true
    elseif c:match("%s") then
      if inWord then words[#words + 1] = table.concat(word); word, inWord = {}, false end
    else
      word[#word + 1] = c; inWord = true
    end
    i = i + 1
  end
  if quote then
    error(string.format("%s: unbalanced %s in %s: %s", label or "shellwords", quote, field or "text", text), 0)
  end
  if inWord then words[#words + 1] = table.concat(word) end
  return words
end

return shellwords
