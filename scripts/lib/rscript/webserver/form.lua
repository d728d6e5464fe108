-- URL encoding for the web server: query strings, urlencoded bodies, cookies.
local form = {}

--- `s` with `%XX` escapes decoded; with `plus_is_space`, `+` is a space too (form fields).
function form.unescape(s, plus_is_space)
    if plus_is_space then s = s:gsub("+", " ") end
    return (s:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

--- The fields of `a=1&b=2` as a table of name -> value (the last value of a repeated name wins,
--- as Django's QueryDict gives it) and the list of every {name, value} pair in order.
function form.parse(text)
    local fields, pairs_ = {}, {}
    for item in (text or ""):gmatch("[^&]+") do
        local name, value = item:match("^([^=]*)=(.*)$")
        if not name then name, value = item, "" end
        name, value = form.unescape(name, true), form.unescape(value, true)
        fields[name] = value
        pairs_[#pairs_ + 1] = { name, value }
    end
    return fields, pairs_
end

--- The cookies of a `Cookie:` header as name -> value.
function form.cookies(header)
    local cookies = {}
    for item in (header or ""):gmatch("[^;]+") do
        local name, value = item:match("^%s*([^=]-)%s*=%s*(.-)%s*$")
        if name and name ~= "" then
            if value:sub(1, 1) == '"' and value:sub(-1) == '"' and #value >= 2 then value = value:sub(2, -2) end
            cookies[name] = value
        end
    end
    return cookies
end

return form
