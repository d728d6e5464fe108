---@meta rscript.shellwords

---Splits command lines into words as a POSIX shell would, without running a shell.
---@class rscript.shellwords
local shellwords = {}

---Splits `text` into words: 'single quotes', "double quotes" (with \" \\ \$ \` inside), and
---backslash escapes. An unbalanced quote raises "<label>: unbalanced ' in <field>: <text>".
---@param text string
---@param label? string who is splitting, for the error
---@param field? string what is split, for the error
---@return string[]
function shellwords.split(text, label, field) end

return shellwords
