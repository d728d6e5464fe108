"""Random fuzz cases: each one a few calls of surface entries, with arguments of the kinds the
hints give (mutated), run in one of the prelude's calling contexts.

A case is Lua source for `F.case(id, context, function() ... end)`. The same seed and case
number always give the same case, whatever the batch it runs in, so a crash found in a batch
can be re-run alone.
"""

import random
import re

import hints
import values as V
from values import pick

CONTEXTS = [
    ("direct", 30), ("task", 14), ("coroutine", 9), ("wrap", 4), ("tasknowait", 4), ("gc", 7),
    ("handler", 6), ("handlerraw", 3), ("gsub", 5), ("sort", 3), ("close", 4), ("tostring", 4),
    ("onstop", 2), ("render", 3),
]
_CONTEXT_NAMES = [c for c, w in CONTEXTS for _ in range(w)]

ROUNDTRIP_PLAIN = ["deep10", "deep60", "deep100", "deep300", "deep1000", "obj300", "obj1000", "range300",
                   "wide", "zeros", "big", "numbers"]
ROUNDTRIP_ANY = ["badutf8", "odd", "nonfinite", "sparse"]
INTERRUPTS = ["loop", "pcall", "sleep", "gsubsleep", "tostring", "wait", "gc"]
HUGE_ARGUMENT_COUNTS = [50, 100, 250, 300, 1000, 10000, 100000]


def _spawn(rng):
    cmd = pick(rng, V.COMMANDS) if rng.random() < 0.3 else None
    if cmd is None:
        form = rng.randrange(5)
        if form == 0:
            items = ['"sh"', '"-c"', pick(rng, V.SH_SCRIPTS)]
        elif form == 1:
            items = ['"echo"'] + [pick(rng, V.COMMAND_ARGS) for _ in range(rng.randrange(3))]
        elif form == 2:
            items = ['"true"']
        elif form == 3:
            items = ['"cat"', pick(rng, ['"f.txt"', '"missing"', '"task_echo.lua"'])]
        else:
            items = ['"printf"', '"%s\\n"', pick(rng, V.COMMAND_ARGS)]
    else:
        items = [cmd] + [pick(rng, V.COMMAND_ARGS) for _ in range(rng.randrange(3))]
    fields = []
    if rng.random() < 0.3:
        fields.append("cwd = " + pick(rng, ['"."', '"sub"', '"missing"', '"a\\0b"', "1", "{}", "F.badUTF8[1]"]))
    if rng.random() < 0.3:
        fields.append("env = " + pick(rng, [
            '{ FOO = "1" }', "{ PATH = false }", "{ X = F.big(65537) }", '{ ["A\\0B"] = "1" }',
            '{ A = "x\\0y" }', '{ "x" }', "{ A = {} }", "{ A = F.nan }", "{ A = math.mininteger }",
            '{ ["A=B"] = "1" }', '{ [""] = "1" }', "F.cyclic()", "F.wide(1000)"]))
    if rng.random() < 0.3:
        fields.append("log = " + pick(rng, V.PATHS_SAFE))
    if rng.random() < 0.1:
        fields.append(pick(rng, ["bogus = 1", "[1.5] = 1", "[true] = 1"]))
    return "{ " + ", ".join(items + fields) + " }"


def _render(rng):
    fields = ["renderer = " + pick(rng, V.RENDERERS)]
    if rng.random() < 0.9:
        fields.append("scene = " + pick(rng, ['"scene.pov"', '"missing.pov"', '""', '"a\\0b"', "1", "F.badUTF8[1]"]))
    if rng.random() < 0.4:
        n = pick(rng, ["4", "1", "0", "-1", "F.nan", "1e19", "math.maxinteger", "2^31", "65536", '"4"'])
        fields += ["res_x = " + n, "res_y = " + pick(rng, ["4", n])]
    if rng.random() < 0.2:
        fields.append("camera = " + pick(rng, V.SHORT_STRINGS))
    if rng.random() < 0.4:
        fields.append("options = " + pick(rng, [
            '{ command = "true" }', '{ command = "false" }', '{ command = "echo {scene} {res_x}" }',
            '{ command = "/nonexistent/x" }', '{ command = "true", shell = 1 }', '{ command = "" }',
            '{ command = "a\\0b" }', "{ a = F.nan }", "{ F.nan }", "F.cyclic()", "F.deepObject(300)",
            "{}", "1", '{ poll = -1, command = "true" }', '{ poll = F.nan, command = "true" }']))
    if rng.random() < 0.4:
        fields.append("timeout = " + pick(rng, V.DURATIONS_OK + V.DURATIONS_BAD))
    return "{ " + ", ".join(fields) + " }"


def _jobopts(rng):
    fields = []
    if rng.random() < 0.5:
        fields.append("timeout = " + pick(rng, V.DURATIONS_OK + V.DURATIONS_BAD + ["5"]))
    if rng.random() < 0.5:
        fields.append("passed_data = " + pick(rng, ["{ frames = 2 }", "F.deep(300)", "F.deep(60)", "F.cyclic()",
                                                    "F.big(100000)", "{ F.nan }", "F.range(300)", "F.wide(1000)",
                                                    "{ x = F.badUTF8[1] }", "F.deepObject(300)", "1"]))
    if rng.random() < 0.3:
        fields.append("max_attempts = " + pick(rng, ["1", "2", "0", "-1", "F.nan", "1e19", "math.maxinteger", '"2"']))
    if rng.random() < 0.1:
        fields.append("bogus = 1")
    return "{ " + ", ".join(fields) + " }"


def _poolopts(rng):
    if rng.random() < 0.15:
        return pick(rng, ["1", "2", "0", "-1", "F.nan", "1e19", "4097", "1.5", '"2"', "nil"])
    fields = []
    if rng.random() < 0.8:
        fields.append("workers = " + pick(rng, ["1", "1", "2", "0", "-1", "F.nan", "1e19", "4097",
                                                "math.maxinteger", "1.5", '"2"']))
    if rng.random() < 0.3:
        fields.append("retries = " + pick(rng, ["0", "1", "-1", "1001", "F.nan", "1e19", "math.mininteger"]))
    if rng.random() < 0.2:
        fields.append("log_dir = " + pick(rng, V.PATHS_SAFE))
    return "{ " + ", ".join(fields) + " }"


def _items(rng):
    if rng.random() < 0.7:
        n = rng.randrange(1, 5)
        return "{ " + ", ".join(pick(rng, ["1", '"x"', "300", "100000", "F.deep(300)", "F.deep(60)",
                                           "F.nan", "F.inf", "math.maxinteger", "1e19", "F.badUTF8[1]",
                                           '"a\\0b"', "{ a = 1 }", "F.cyclic()", "F.range(300)",
                                           "F.big(100000)", "F.mod('rscript').null", "true",
                                           "print", "F.deepObject(300)"]) for _ in range(n)) + " }"
    return V.small_value(rng)


def _data(rng):
    return pick(rng, V.TABLES + ['{ asset = "sh010", task = "lighting", family = "render", version = 1 }',
                                 '{ root = "pub", asset = "a", task = "t", version = 2 }',
                                 '{ frameStart = 1, frameEnd = 2 }', "F.evil('__index', 'error', { a = 1 })",
                                 "F.evil('__pairs', 'yield', { a = 1 })"]) if rng.random() < 0.8 else V.any_value(rng)


KINDS = {
    "any": V.any_value,
    "str": lambda r: pick(r, V.SHORT_STRINGS + V.BAD_UTF8) if r.random() < 0.9 else pick(r, V.BIG_STRINGS),
    "int": lambda r: pick(r, ["0", "1", "2", "5", "20", "-1", "math.maxinteger", "math.mininteger", "1e19",
                              "-1e300", "F.nan", "F.inf", "1.5", "2^63", '"3"', "nil"]),
    "num": lambda r: pick(r, V.NUMBERS + ["0.25", "0.75", '"0.5"', "nil"]),
    "dur": lambda r: pick(r, V.DURATIONS_OK) if r.random() < 0.45 else pick(r, V.DURATIONS_BAD + ["nil"]),
    "fn": lambda r: pick(r, V.FUNCTIONS) if r.random() < 0.85 else V.any_value(r),
    "table": lambda r: pick(r, V.TABLES) if r.random() < 0.7 else V.table_of(r),
    "data": _data,
    "bytes": lambda r: pick(r, V.SHORT_STRINGS + V.BAD_UTF8 + V.BIG_STRINGS + ["1", "F.nan", "{}"]),
    "path": lambda r: pick(r, V.PATHS_SAFE),
    "rpath": lambda r: pick(r, V.PATHS_READ),
    "kind": lambda r: pick(r, ['"creators"', '"publish"', '"backgroundrenderers"', '""', '"."', '".."',
                               '"a/b"', '"a\\0b"', "F.badUTF8[1]", "1", "nil", "F.big(65537)"]),
    "regex": lambda r: pick(r, V.REGEXES),
    "jsontext": lambda r: pick(r, V.JSON_TEXTS) if r.random() < 0.5 else V.mutated_json(r),
    "jsonopts": lambda r: pick(r, ["nil", "{ pretty = true }", "{ indent = 4, sort_keys = true }",
                                   "{ indent = 17 }", "{ indent = F.nan }", "{ indent = math.maxinteger }",
                                   "{ pretty = 1 }", "{ bogus = true }", "{ [1] = true }", "F.evil('__index', 'error')",
                                   "F.evil('__pairs', 'error', {pretty = true})", "1"]),
    "decodeopts": lambda r: pick(r, ["nil", '{ duplicate_keys = "error" }', '{ duplicate_keys = "rename" }',
                                     '{ duplicate_keys = "x" }', "{ bogus = 1 }", "{ [1] = 1 }", "1",
                                     "F.evil('__pairs', 'yield', { duplicate_keys = 'last' })"]),
    "fields": lambda r: pick(r, ["nil", "{ a = 1 }", "{ 1, 2 }", "F.cyclic()", "F.deep(300)", "F.deepObject(3000)",
                                 "{ [true] = 1, [1.5] = F.nan }", "F.wide(1000)", '{ x = "a\\0b", y = F.badUTF8[1] }',
                                 "F.evil('__index', 'error', { a = 1 })", '{ ["a b="] = "\\n" }', "1", '"x"']),
    "level": lambda r: pick(r, V.LOG_LEVELS),
    "signal": lambda r: pick(r, V.SIGNALS + ["nil"]),
    "spawn": _spawn,
    "render": _render,
    "jobname": lambda r: pick(r, V.JOB_NAMES),
    "jobscript": lambda r: pick(r, V.JOB_SCRIPTS),
    "jobopts": _jobopts,
    "poolopts": _poolopts,
    "taskscript": lambda r: pick(r, V.TASK_SCRIPTS),
    "items": _items,
    "arglists": lambda r: "{ " + ", ".join(_items(r) for _ in range(r.randrange(1, 4))) + " }",
    "batchop": lambda r: pick(r, ['"map"', '"imap"', '"imap_unordered"', '"starmap"', '"x"', '""', "1"]),
    "futures": lambda r: pick(r, ['{ F.sample("Future") }', '{ F.sample("FutureDone") }', "{}", "{ 1 }",
                                  '{ F.sample("Future"), F.sample("Future") }', '{ F.sample("PoolFutureCore") }',
                                  "F.range(300)", "nil", '"x"']),
    "progress": lambda r: 'F.sample("Progress")' if r.random() < 0.8 else V.any_value(r),
    "template": lambda r: pick(r, V.TEMPLATES),
    "clioptions": lambda r: pick(r, ["{}", '{ workfile = "shot.json" }', '{ workfile = "missing.json", creator = "x" }',
                                     '{ workfile = "a\\0b" }', "F.cyclic()", "{ workfile = F.nan }", "1"]),
}

_compiled = [(re.compile(pattern), kinds) for pattern, kinds in hints.RULES]


def kinds_for(entry_id):
    for pattern, kinds in _compiled:
        if pattern.search(entry_id):
            return kinds
    return None


def _arguments(rng, kinds):
    args = []
    for kind in kinds:
        if kind.startswith("self:") or kind == "luaself":
            continue
        if rng.random() < 0.25:
            args.append(V.any_value(rng))
        else:
            args.append(KINDS[kind](rng))
    roll = rng.random()
    if roll < 0.1 and args:
        args = args[:rng.randrange(len(args))]
    elif roll < 0.18:
        args += [V.any_value(rng) for _ in range(rng.randrange(1, 4))]
    return args


def _receiver(rng, entry, kinds, classes):
    """`self` for a method: mostly a live handle of the right class, else a wrong one."""
    wanted = [k for k in kinds if k.startswith("self:")]
    if rng.random() < 0.15:
        return pick(rng, [V.sample(rng), V.any_value(rng), "nil", "{}", 'F.sample("Pool")', "F.cyclic()"])
    if wanted:
        names = wanted[0][5:]
        if names == "*":
            return 'F.sample("%s")' % classes.get(entry["module"], "Task")
        return 'F.sample("%s")' % pick(rng, names.split(","))
    if "luaself" in kinds and "." in entry["path"]:
        class_path = entry["path"].rsplit(".", 1)[0]
        if rng.random() < 0.8:
            return 'F.instance(%s, %s)' % (lua_string(entry["module"]), lua_string(class_path))
        return 'F.fn(%s, %s)' % (lua_string(entry["module"]), lua_string(class_path))
    return None


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entry_id(entry):
    if entry["kind"] == "fn":
        return "%s#%s" % (entry["module"], entry["path"])
    separator = ":" if entry["kind"] == "method" else "."
    return "%s%s%s" % (entry["module"], separator, entry["path"])


def call_line(rng, entry, classes):
    kinds = kinds_for(entry_id(entry))
    if kinds is None:
        kinds = ["any"] * rng.randrange(4)
    receiver = _receiver(rng, entry, kinds, classes)
    args = _arguments(rng, kinds)
    module, path = lua_string(entry["module"]), lua_string(entry["path"])
    if entry["kind"] == "get":
        return "F.try(function(h) return h[%s] end, %s)" % (path, receiver)
    if entry["kind"] == "set":
        value = args[0] if args else "nil"
        return "F.try(function(h, v) h[%s] = v end, %s, %s)" % (path, receiver, value)
    if entry["kind"] == "method":
        sample = classes.get(entry["module"], "Task")
        fn = 'F.fn("@%s", %s)' % (sample, path)
    else:
        fn = "F.fn(%s, %s)" % (module, path)
    if receiver is not None:
        args = [receiver] + args
    if rng.random() < 0.04:
        return "F.tryMany(%s, %d, %s)" % (fn, pick(rng, HUGE_ARGUMENT_COUNTS), ", ".join(args) or "nil")
    return "F.try(%s%s)" % (fn, "".join(", " + a for a in args))


CHILD_SNIPPETS = [
    'print(select("#", ...))', "local t = {} for i = 1, 300 do t[i] = i end return table.unpack(t)",
    'local task = require("rscript.task") local t = {} for i = 1, 300 do t[i] = i end '
    'print(select("#", task.spawn(function() return table.unpack(t) end):wait()))',
    'local task = require("rscript.task") print(task.spawn(function() local t = {} for _ = 1, 60 do t = { t } end return t end):wait())',
    'require("rscript.time").sleep(1e300)', 'require("rscript.time").sleep(-1e300)', 'error(setmetatable({}, { __tostring = function() return "x" end }))',
    "error(nil)", "error(F)", "coroutine.yield()", 'string.gsub("a", "a", function() require("rscript.time").sleep(0.01) end)',
    "os.exit(true)", "return 1e19", 'print(require("rscript.json").decode(string.rep("[", 100000)))',
    'local p = require("rscript.pool").new{ workers = 1 } print(p:map("task_deep.lua", { 300 }))',
    'local p = require("rscript.pool").new{ workers = 1 } print(p:map("task_big.lua", { 100000 }))',
    'local jm = require("rscript.jobmanager").get_instance() jm:add_job("d", "job_deep.lua") jm:wait() print(jm:get_retrieved_python_data("d"))',
    "", "\0", "x =", "return ...",
]


def _child(rng):
    """A command line of the rscript binary itself, as a shell would run it."""
    form = rng.randrange(6)
    count = pick(rng, [0, 1, 3, 100, 300, 1000, 100000])
    if form <= 1:
        extra = "table.unpack(F.range(%d))" % count
        return 'F.child({ "run", "child.lua", %s })' % extra
    if form == 2:
        return 'F.child({ "-e", %s })' % lua_string(pick(rng, CHILD_SNIPPETS))
    if form == 3:
        return 'F.child({ "run", "--memory-limit", %s, "child.lua" })' % pick(rng, ['"1"', '"5"', '"0"', '"-1"', '"1e19"', '"99999999999999999999"', '"x"'])
    if form == 4:
        return 'F.child({ %s })' % ", ".join(pick(rng, [
            '"gallery", "list"', '"gallery", "show", "1"', '"gallery", "show", "9223372036854775808"', '"jobs", "list"',
            '"jobs", "show", "-1"', '"jobs", "logs", "1"', '"jobs", "show", "a\0b"', '"renderers"', '"version"',
            '"plugins"', '"gallery", "list", "--db", "sub"', '"run", "missing.lua"', '"run", "-"',
            '"-e", "print(1)", "x"', '"--bogus"', '"run"', '"run", "--safe", "child.lua"',
            '"run", "--safe", "task_echo.lua"', '"worker", "--id", "1"', '"worker"', '"worker", "--id", "-1"',
            '"worker", "--id", "99999999999999999999"', '"jobs", "wait", "1"', '"jobs", "kill", "1"']) .split(", "))
    return 'F.child({ "run", "child.lua", %s })' % ", ".join(pick(rng, V.SHORT_STRINGS + V.BAD_UTF8) for _ in range(rng.randrange(1, 4)))


def case_source(seed, number, entries, classes):
    """The Lua source of case `number` of the campaign with `seed`."""
    rng = random.Random("%s/%d" % (seed, number))
    context = pick(rng, _CONTEXT_NAMES)
    lines = []
    if rng.random() < 0.1:
        lines.append('F.dropEvil(%s)' % lua_string(pick(rng, ["error", "yield", "errobj", "gc"])))
    for _ in range(rng.randrange(1, 4)):
        roll = rng.random()
        if roll < 0.03:
            lines.append(_child(rng))
        elif roll < 0.07:
            via = pick(rng, ["task", "task", "taskarg", "pool", "json", "json", "job"])
            names = ROUNDTRIP_PLAIN + (ROUNDTRIP_ANY if via.startswith("task") else [])
            lines.append("F.roundtrip(%s, %s)" % (lua_string(via), lua_string(pick(rng, names))))
        else:
            lines.append(call_line(rng, pick(rng, entries), classes))
    if rng.random() < 0.01:
        lines.append("F.interrupt(%s)" % lua_string(pick(rng, INTERRUPTS)))
    body = "\n".join("  " + line for line in lines)
    return "F.case(%d, %s, function()\n%s\nend)\n" % (number, lua_string(context), body)
