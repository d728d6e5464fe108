-- `UploadedFile`: one file of a multipart body, in memory while small, else in a temporary
-- file that the server removes when the request ends (save it with `saveToDisk` to keep it).
local UploadedFile = {}
UploadedFile.__index = UploadedFile
UploadedFile.__name = "webServer.UploadedFile"

function UploadedFile.new(data) return setmetatable({ _data = data }, UploadedFile) end
function UploadedFile.isUploadedFile(v) return getmetatable(v) == UploadedFile end

--- The file's name as the client sent it.
function UploadedFile:name() return self._data.filename end
function UploadedFile:fieldName() return self._data.field end
function UploadedFile:contentType() return self._data.contentType end
function UploadedFile:size() return self._data.size end
function UploadedFile:isInMemory() return self._data.path == nil end
--- The temporary file holding it, nil while it is in memory.
function UploadedFile:temporaryFilePath() return self._data.path end

--- The whole content (for a large file, prefer `saveToDisk`).
function UploadedFile:read()
    if self._data.bytes then return self._data.bytes end
    local f = assert(io.open(self._data.path, "rb"))
    local content = f:read("a")
    f:close()
    return content
end

--- Writes the content to `path`, copying a temporary file in chunks.
function UploadedFile:saveToDisk(path)
    local out = assert(io.open(path, "wb"))
    if self._data.bytes then
        out:write(self._data.bytes)
    else
        local input = assert(io.open(self._data.path, "rb"))
        while true do
            local chunk = input:read(1 << 16)
            if not chunk then break end
            out:write(chunk)
        end
        input:close()
    end
    out:close()
end

return UploadedFile
