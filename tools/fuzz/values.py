"""Adversarial Lua values, as Lua source expressions over the prelude's helpers (`F.*`).

Each kind (`path`, `dur`, `spawn`, ...) draws a value that a function of that kind of argument
might get: mostly plausible ones, so the call gets past its first check, and the edge cases
that break conversions (NaN, infinities, integers at their limits, floats too large for any
integer), encodings (embedded zeros, invalid UTF-8), sizes (10 MB strings, deep, wide and
cyclic tables) and metatables whose metamethods raise or yield.

Safety: no value is ever an absolute path, `..`, or a command that changes anything outside
the scratch folder, so a destructive function (`fs.rmtree`, `fs.rename`, a pool task) can only
act inside it. Sizes that cost time (items of a pool map) stay bounded, so a slow but correct
call does not look like a hang.
"""

NUMBERS = [
    "0", "-1", "1", "2", "3", "0.5", "-0.0", "F.nan", "F.inf", "-F.inf",
    "math.maxinteger", "math.mininteger", "-1e300", "1e300", "1e19", "-1e19",
    "2^53", "2^63", "-2^63", "1e-300", "5e-324", "2^31", "-2^31 - 1", "2^32", "65536",
    "1e15 + 0.5", "9007199254740993", "math.maxinteger + 0.0", "-(2^63) - 1025.0",
]

# seconds: a few that are cheap to wait for, and the ones that must be refused: negative, not
# a number, or too large for any integer or duration type (>= 2^63 seconds). Large values that
# do fit (math.maxinteger seconds, say) are left out: waiting that long is what was asked for.
DURATIONS_OK = ["0", "0.001", "0.01", "0.02", "1e-9", "5e-324"]
DURATIONS_BAD = [
    "-1", "-0.001", "F.nan", "F.inf", "-F.inf", "1e300", "-1e300", "1e19", "-1e19", "2^64",
    "math.mininteger", "-2^63", "2^63", "1e300 * 1e10", '"0.01"', '"x"', "{}", "true",
]

SHORT_STRINGS = [
    '""', '"x"', '"abc"', '"fuzz"', '"a b"', '"\\0"', '"a\\0b"', '"\\n"', '"\\r\\n"', '"%s%d%n"',
    '"*"', '"?"', '"["', '"(%"', '"{x}"', '"{{"', '"}"', '"\\t"', '"\\xe2\\x82\\xac"', '"nul\\0"',
    '"-"', '"--x"', '"="', '"x=1"', '"1"', '"1.5"', '"-1"', '"1e19"', '"nan"', '"inf"', '"null"',
    '"true"', '"QUEUED"', '"SIGKILL"', '"TERM"', '"info"', '"render"', '"v{version:03d}"',
]
BAD_UTF8 = ["F.badUTF8[%d]" % i for i in range(1, 7)]
BIG_STRINGS = ["F.big(10 * 1024 * 1024)", "F.big(65537)", "F.big(300)", "F.big(4097)",
               'string.rep("\\xff", 1000)', 'string.rep("\\0", 70000)']

EVENTS = ["__index", "__newindex", "__tostring", "__len", "__pairs", "__gc", "__eq", "__lt",
          "__le", "__call", "__concat", "__close", "__name", "__unm", "__add"]
MODES = ["error", "errobj", "errnil", "yield", "gc", "weird"]
BASES = ["nil", "{ 1, 2, 3 }", '{ a = 1, b = "x" }', "{ {}, { x = 1 } }", '{ "sleep", "0" }']

TABLES = [
    "{}", "{ 1, 2, 3 }", '{ a = 1 }', "F.deep(10)", "F.deep(50)", "F.deep(200)", "F.deep(300)",
    "F.deep(5000)", "F.deep(200000)", "F.deepObject(300)", "F.deepObject(3000)", "F.cyclic()",
    "F.range(300)", "F.range(100000)", "F.wide(1000)", "{ [1] = 1, [1000000] = 2 }",
    "{ 1, nil, 3 }", "{ [1.5] = 1 }", "{ [true] = 1 }", "{ [{}] = 1 }", "{ [F.inf] = 1 }",
    "{ F.nan, F.inf, -F.inf }", "{ 1, 2, a = 1 }", "{ [0] = 1 }", "{ [-1] = 1 }",
    '{ [math.maxinteger] = 1 }', "{ [math.mininteger] = 1 }", '{ x = F.big(65537) }',
    '{ ["a\\0b"] = 1 }', '{ [F.badUTF8[1]] = 1 }', 'F.mod("rscript.json").array()',
    'F.mod("rscript.json").object()', '{ F.mod("rscript").null }', '{ print }',
    '{ coroutine.create(print) }', 'setmetatable({}, { __metatable = false })',
    'setmetatable({}, { __index = function(t, k) return k end })',
]

FUNCTIONS = [
    "function() end", "function(...) return ... end", 'function() error("fuzz: callback raised") end',
    "function() error(setmetatable({}, { __tostring = function() error('fuzz') end })) end",
    "function() error(nil) end", "function() error(F.cyclic()) end",
    "function() coroutine.yield() end", "function() return F.deep(60) end",
    "function() return F.deep(300) end", "function() return table.unpack(F.range(300)) end",
    "function() return table.unpack(F.range(10000)) end", "function() return F.cyclic() end",
    "function() return F.big(65537) end", "function() return F.nan, F.inf, math.mininteger end",
    'function() return F.mod("rscript.time").sleep(0.001) end', "function() collectgarbage() end",
    "function() return print end", 'function() F.dropEvil("error") collectgarbage() end',
    "coroutine.yield", "error", "tostring", "select",
]

SAMPLE_NAMES = [
    "Task", "TaskDone", "TaskFailed", "Process", "ProcessDone", "ProcessKilled", "JobManager",
    "Pool", "PoolClosed", "PoolTerminated", "PoolCore", "PoolCoreClosed", "Future", "FutureDone",
    "PoolFutureCore", "PoolBatch", "Render", "RenderDone", "RenderContext", "Coroutine",
    "DeadCoroutine",
]
OTHER = ['F.mod("rscript").null', "io.stdout", "print", "coroutine.running()", "_G", "_ENV",
         'F.mod("rscript.json")', "string", "F"]

# relative names only: see the module comment
PATHS_SAFE = [
    '"f.txt"', '"sub"', '"sub/f.txt"', '"sub/deeper/x"', '"missing/none.txt"', '"task_echo.lua"',
    '"scene.pov"', '"plugins"', '"sub/*.txt"', '"*.lua"', '"**"', '"sub/**/x"', '"[a-"',
    '"x\\0y"', '"\\0"', '""', '"a b"', '"dir/"', '"./f.txt"', '"sub//f.txt"', '"f.txt/"',
    '"~"', '"-rf"', 'F.badUTF8[1]', 'F.badUTF8[4]', 'string.rep("n", 300)', 'string.rep("d/", 2100)',
    "F.big(65537)", "1", "1e19", "F.nan", "true", "{}", "nil",
]
# readable: the safe ones plus a few system files that are small and harmless to read
PATHS_READ = PATHS_SAFE + ['"/proc/self/status"', '"/dev/null"', '"/etc/hostname"', '"/proc/self/fd"',
                           '"/nonexistent/x"', '"/"']

COMMANDS = ['"true"', '"false"', '"echo"', '"sh"', '"cat"', '"printf"', '"/nonexistent/cmd"',
            '""', '"a\\0b"', 'F.badUTF8[1]', "F.big(65537)", "1", "F.nan", "{}", "true"]
COMMAND_ARGS = ['"x"', '"-n"', '"%s"', '"a\\0b"', 'F.badUTF8[2]', '"f.txt"', '""', "1", "2^63",
                "F.nan", "1e19", "F.big(65537)", '"-c"']
SH_SCRIPTS = ['"echo hi"', '"echo out; echo err >&2"', '"exit 3"', '"kill -9 $$"', '"kill -TERM $$"',
              '"printf \'%s\' abc"', '"head -c 100000 /dev/zero | tr \'\\\\0\' x"',
              '"printf \'no newline\'"', '"yes | head -n 30000"', '"sleep 0.02 & echo bg"',
              '"exec 1>&-; echo closed >&2"']

TASK_SCRIPTS = ['"task_echo.lua"', '"task_error.lua"', '"task_deep.lua"', '"task_big.lua"',
                '"task_sleep.lua"', '"task_exit.lua"', '"task_progress.lua"', '"task_bad.lua"',
                '"missing.lua"', '""', '"x\\0y"', "F.big(65537)", "1", "{}", "nil"]
JOB_SCRIPTS = ['"job_ok.lua"', '"job_progress.lua"', '"job_deep.lua"', '"job_error.lua"', '"job_exit.lua"',
               '"missing.lua"', '""', '"x\\0y"', "1", "nil", "{}", "F.big(65537)"]
JOB_NAMES = ['"a"', '"b"', '"job"', '""', '"a\\0b"', 'F.badUTF8[1]', "F.big(65537)", "1", "nil", "{}"]
RENDERERS = ['"Fuzz"', '"Fuzz"', '"Fuzz"', '"Command"', '"nope"', '""', '"a\\0b"', "1", "nil",
             'F.badUTF8[1]']
LOG_LEVELS = ['"trace"', '"debug"', '"info"', '"warning"', '"error"', '"critical"', '"nope"', '""',
              '"INFO"', '"a\\0b"', "1", "nil"]
SIGNALS = ['"TERM"', '"SIGTERM"', '"KILL"', '"INT"', '"HUP"', '"nope"', '""', "0", "9", "15", "64",
           "65", "-1", "F.nan", "1e19", "math.mininteger", '"a\\0b"']
JSON_TEXTS = [
    '"{}"', '"[]"', '"null"', '"1"', '"-0"', '"1e400"', '"-1e400"', '"123456789012345678901234567890"',
    '"9223372036854775808"', '"-9223372036854775809"', '"[1, 2.5, true, null, \\"x\\"]"',
    '"{\\"a\\": 1, \\"a\\": 2}"', '"\\"\\\\ud800\\""', '"\\"\\\\udc00\\\\ud800\\""', '"\\"\\xff\\""',
    '"[" .. string.rep("[", 100000) .. string.rep("]", 100000) .. "]"',
    'string.rep("[", 300) .. string.rep("]", 300)', 'string.rep("{\\"a\\":", 1000) .. "1" .. string.rep("}", 1000)',
    '"[1,]"', '"{\\"a\\"}"', '"\\"unterminated"', '""', '" "', '"\\0"', '"[1]\\0"', '"tru"',
    '"\\"" .. F.big(10 * 1024 * 1024) .. "\\""', '"[" .. string.rep("1,", 100000) .. "1]"',
    '"1.7976931348623157e309"', '"4.9e-325"', '"{\\"__index\\": 1, \\"__gc\\": 2}"',
]
REGEXES = ['"a+"', '"("', '"[a-"', '"\\\\"', '"(?<n>x)"', '"^$"', '""', '"a\\0b"', 'F.badUTF8[1]',
           '"\\\\p{L}+"', '"x{2,1}"', '"(a|b)*c"', 'F.big(300)', '"[\\\\x{110000}]"', "1", "nil"]
TEMPLATES = ['"{root}/{asset}/v{version:03d}"', '"{asset}_{task}"', '"{x:>10}"', '"{x:0100000d}"',
             '"{version:03d}"', '"{"', '"}"', '"{{}}"', '"{a.b.c}"', '"{a[0]}"', '"{x:.1000f}"',
             '"{x:x}"', '"{x:,}"', '""', "1", "nil", "{}", 'F.badUTF8[1]']


def pick(rng, items):
    return items[rng.randrange(len(items))]


def evil(rng):
    return "F.evil(%r, %r, %s)" % (pick(rng, EVENTS), pick(rng, MODES), pick(rng, BASES))


def sample(rng):
    return 'F.sample("%s")' % pick(rng, SAMPLE_NAMES)


def scalar(rng):
    roll = rng.random()
    if roll < 0.35:
        return pick(rng, NUMBERS)
    if roll < 0.65:
        return pick(rng, SHORT_STRINGS)
    if roll < 0.75:
        return pick(rng, BAD_UTF8)
    if roll < 0.82:
        return pick(rng, BIG_STRINGS)
    return pick(rng, ["nil", "true", "false"])


def any_value(rng, depth=0):
    """Any value at all (never a path outside the scratch folder, see the module comment)."""
    roll = rng.random()
    if roll < 0.45:
        return scalar(rng)
    if roll < 0.62:
        return pick(rng, TABLES)
    if roll < 0.72:
        return evil(rng)
    if roll < 0.8:
        return pick(rng, FUNCTIONS)
    if roll < 0.88:
        return sample(rng)
    if roll < 0.93 and depth < 2:
        return table_of(rng, depth + 1)
    return pick(rng, OTHER)


def table_of(rng, depth=0):
    """A small table literal mixing array items and named fields of any value."""
    parts = []
    for _ in range(rng.randrange(4)):
        parts.append(any_value(rng, depth + 1))
    for _ in range(rng.randrange(3)):
        key = pick(rng, ["a", "name", "timeout", "options", "data", "cmd", "x", "__index"])
        parts.append("%s = %s" % (key, any_value(rng, depth + 1)))
    return "{ " + ", ".join(parts) + " }"


def small_value(rng):
    """Any value whose size cannot make a correct call slow (for pool items and the like)."""
    while True:
        v = any_value(rng)
        if "100000" not in v and "200000" not in v and "10 * 1024" not in v and "5000" not in v:
            return v


JSON_SEEDS = [
    b'{"a": [1, 2.5, -0, 1e400, true, false, null, "x\\u0000y"], "b": {"c": {}}}',
    b'[[[[[[[[[[1]]]]]]]]]]', b'"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\n\\r\\t"',
    b'{"n": 9223372036854775807, "m": -9223372036854775808, "f": 1.7976931348623157e308}',
    b'[1e-400, 0.0000001, 123456789012345678901234567890, -1.5e+10]', b'{"k": "v", "k": "w"}',
]


def lua_bytes(data):
    """A Lua string literal for any bytes (decimal escapes, so no byte is special)."""
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\%03d" % b for b in data) + '"'


def mutated_json(rng):
    """A JSON text with a few bytes flipped, cut, doubled or inserted."""
    data = bytearray(pick(rng, JSON_SEEDS))
    for _ in range(rng.randrange(1, 4)):
        if not data:
            break
        i = rng.randrange(len(data))
        op = rng.randrange(5)
        if op == 0:
            data[i] = rng.randrange(256)
        elif op == 1:
            del data[i:i + rng.randrange(1, 4)]
        elif op == 2:
            data[i:i] = data[i:i + rng.randrange(1, 8)]
        elif op == 3:
            data[i:i] = pick(rng, [b"\\", b'"', b"[", b"{", b"}", b"]", b",", b":", b"\\u", b"\\ud800", b"e", b"-", b"\x00", b"\xff"])
        else:
            data = data[:i]
    return lua_bytes(bytes(data))
