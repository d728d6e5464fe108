-- rscript.fs: files and folders. Writes go to a temporary file renamed into place, so a reader
-- never sees half a file. Run: rscript run scripts/examples/fs_example.lua
local fs = require("rscript.fs")

local root = os.tmpname()  -- a fresh name; make it a folder
fs.remove(root)
local out = fs.join(root, "renders", "shot01")
assert(fs.mkdir(out))  -- like mkdir -p
assert(fs.isdir(out))

for frame = 1, 3 do
  fs.write(fs.join(out, string.format("frame%04d.txt", frame)), "frame " .. frame .. "\n")
end
fs.write(fs.join(out, "notes.md"), "# shot 1\n")
fs.copy(fs.join(out, "notes.md"), fs.join(out, "notes-copy.md"))  -- atomic, as write
fs.rename(fs.join(out, "notes-copy.md"), fs.join(out, "notes-v2.md"))
assert(fs.read(fs.join(out, "notes-v2.md")) == "# shot 1\n" and not fs.exists(fs.join(out, "notes-copy.md")))

local names = fs.list(out)
print(table.concat(names, " "))
assert(table.concat(names, " ") == "frame0001.txt frame0002.txt frame0003.txt notes-v2.md notes.md")

local frames = fs.glob(fs.join(root, "**", "frame*.txt"))
print(#frames .. " frames, last: " .. fs.basename(frames[#frames]))
assert(#frames == 3 and fs.basename(frames[3]) == "frame0003.txt")
assert(fs.dirname(frames[1]) == out)

local text = fs.read(frames[2])
assert(text == "frame 2\n")
local info = fs.stat(frames[2])
print(string.format("%s: %d bytes", fs.basename(frames[2]), info.size))
assert(info.size == #text and not info.isdir)

local ok, message = pcall(fs.read, fs.join(root, "missing.txt"))
print((message:gsub(root:gsub("%p", "%%%0"), "<root>")))
assert(not ok and message == "fs.read: cannot open " .. root .. "/missing.txt: No such file or directory")

-- clean up: remove files, then the empty folders
for _, path in ipairs(fs.glob(fs.join(out, "*"))) do fs.remove(path) end
fs.remove(out)
fs.remove(fs.join(root, "renders"))
fs.remove(root)
assert(not fs.exists(root))
