---@meta rscript.fs

--- Files and folders: `require("rscript.fs")`. Paths are byte strings. Failures raise errors
--- naming the function and the path, such as
--- `fs.read: cannot open /x/y: No such file or directory`.
---@class rscript.fs
local fs = {}

---@class rscript.fs.Stat
---@field size integer Size in bytes.
---@field mtime number Last modification, seconds since the epoch.
---@field isdir boolean Whether it is a folder.
---@field isfile boolean Whether it is a regular file.

--- Joins path parts with `/`, skipping empty parts; an absolute part starts over.
---@param ... string
---@return string
function fs.join(...) end

--- Whether something exists at `path` (symbolic links followed).
---@param path string
---@return boolean
function fs.exists(path) end

--- Whether `path` is a folder.
---@param path string
---@return boolean
function fs.isdir(path) end

--- Whether `path` is a regular file.
---@param path string
---@return boolean
function fs.isfile(path) end

--- Makes the folder `path` and any missing parents (`mkdir -p`); an existing folder is fine.
---@param path string
---@return true
function fs.mkdir(path) end

--- The names in folder `dir`, sorted, without `.` and `..`.
---@param dir string
---@return string[]
function fs.list(dir) end

--- The paths matching `pattern`, sorted: `*`, `?`, `[...]` within a name, `**` for any depth of
--- folders. Names starting with `.` match only explicitly. No match gives an empty table.
---@param pattern string
---@return string[]
function fs.glob(pattern) end

--- The whole file as a string, bytes as they are.
---@param path string
---@return string
function fs.read(path) end

--- Replaces the file at `path` with `data` atomically (temporary file, fsync, rename): readers
--- see the old or the new content, never a part. Existing permissions are kept. The calling
--- task is suspended while the file is written and flushed off the loop (in place where it
--- cannot suspend).
---@param path string
---@param data string
---@return true
function fs.write(path, data) end

--- Copies the file `source` to `destination` atomically, as `write` does; the copy gets the
--- source's permissions; the task is suspended meanwhile, as for `write`. Errors read
--- `fs.copy: cannot open /x: No such file or directory`.
---@param source string
---@param destination string
---@return true
function fs.copy(source, destination) end

--- Renames a file or folder (rename(2): atomic, within one file system). An existing file at
--- `destination` is replaced; a non-empty folder there is an error.
---@param source string
---@param destination string
---@return true
function fs.rename(source, destination) end

--- `rm -r`: removes a folder and everything in it, or a file; a symbolic link is removed, not
--- followed. Returns false when nothing was there.
---@param path string
---@return boolean
function fs.rmtree(path) end

--- Removes a file, a symbolic link or an empty folder.
---@param path string
---@return true
function fs.remove(path) end

--- The last component of `path` (`"a/b/"` gives `"b"`).
---@param path string
---@return string
function fs.basename(path) end

--- Everything before the last component (`"a/b"` gives `"a"`, `"a"` gives `"."`).
---@param path string
---@return string
function fs.dirname(path) end

--- `path` made absolute against the current folder, with `.` and `..` resolved (symbolic
--- links are not).
---@param path string
---@return string
function fs.abspath(path) end

--- Size, modification time and kind of the file at `path`.
---@param path string
---@return rscript.fs.Stat
function fs.stat(path) end

return fs
