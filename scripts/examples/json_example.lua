-- rscript.json: JSON text to Lua values and back, keeping integers, floats, null and empty
-- objects apart. Run: rscript run scripts/examples/json_example.lua
local json = require("rscript.json")

local job = json.decode('{"scene": "forest.blend", "frames": [1, 2, 3], "scale": 0.5, "camera": null, "tags": {}}')
assert(math.type(job.frames[1]) == "integer" and math.type(job.scale) == "float")
assert(job.camera == json.null, "JSON null decodes to the null sentinel, not nil")

job.frames[#job.frames + 1] = 4
local text = json.encode(job, { sort_keys = true })
print(text)
assert(text == '{"camera":null,"frames":[1,2,3,4],"scale":0.5,"scene":"forest.blend","tags":{}}')

-- An empty table is an array unless marked as an object.
local pretty = json.encode({ done = json.array(), pending = json.object(), total = 2.0 }, { pretty = true, sort_keys = true })
print(pretty)
assert(pretty == '{\n  "done": [],\n  "pending": {},\n  "total": 2.0\n}')

local ok, message = pcall(json.decode, '{"a": 1,}')
print(message)
assert(not ok and message == "json.decode: unexpected character '}' at line 1, column 9")
