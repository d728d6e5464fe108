"""The API surface the fuzzer calls, and the check that it is complete.

The surface is read from the live runtime (surface.lua): every `rscript*` module in
`package.preload` and every Lua module under scripts/lib/rscript, the functions reachable from
their tables, and the methods and properties of each userdata class, read from a live handle
the prelude makes. So a new function is fuzzed without anyone listing it.

`check()` guards what the live walk could miss. It reads the sources and fails when a name
they export is not in the surface: a Swift module (`static let name = "rscript..."`), a
userdata class (`LuaClass<...>("Name")`, which needs a sample in the prelude), a Swift
function or method (`("name", { ...` in a `pushModule` list, `.method("name")`,
`.property("name"`), or a Lua function defined on a module or class table
(`function M.name(` / `function Class:name(`). A definition that is internal on purpose is
listed in INTERNAL with the reason.
"""

import glob
import os
import re

import runner

HERE = os.path.dirname(os.path.abspath(__file__))

# Definitions that no module exports, (file, name) -> why each one is left out.
INTERNAL = {
    ("Sources/RenderAutomation/Modules/PoolModule.swift", "terminal"):
        "the Swift core's name; Lua reaches it as rscript.pool._terminal",
}

SWIFT_SOURCES = ["Sources/RenderAutomation/Modules/*.swift", "Sources/RenderAutomation/Pool/*+Lua.swift",
                 "Sources/RenderAutomation/Renders/RenderContext.swift"]


def prelude_source():
    """The prelude: tools/fuzz/prelude/*.lua in name order, as one chunk."""
    parts = []
    for path in sorted(glob.glob(os.path.join(HERE, "prelude", "*.lua"))):
        with open(path, encoding="utf-8") as f:
            parts.append(f.read())
    return "\n".join(parts)


def is_internal_chunk(path):
    """scripts/lib/rscript/internal/ holds chunks the runtime loads itself (the render driver,
    the pool's Lua face): not modules, and their functions are reached through the modules."""
    return os.sep + os.path.join("rscript", "internal") + os.sep in path


def lua_modules(repo):
    lib = os.path.join(repo, "scripts/lib")
    names = []
    for path in sorted(glob.glob(os.path.join(lib, "rscript/**/*.lua"), recursive=True)):
        if is_internal_chunk(path):
            continue
        name = os.path.relpath(path, lib)[:-4]
        if name.endswith("/init"):
            name = name[:-5]
        names.append(name.replace("/", "."))
    return names


class Surface:
    def __init__(self):
        self.entries = []    # {"kind": fn|method|get|set, "module": name or @Class, "path": ...}
        self.classes = {}    # "@Class" -> the name of a sample of it
        self.modules = {}    # name -> "swift" or "lua"
        self.aliases = []    # other paths of functions listed once in entries
        self.problems = []   # why the surface cannot be trusted

    def is_swift(self, entry):
        return entry["module"].startswith("@") or self.modules.get(entry["module"]) == "swift"


def read(binary, repo, root):
    """Runs surface.lua on the binary; returns a Surface."""
    prelude = prelude_source()
    with open(os.path.join(HERE, "surface.lua")) as f:
        walk = f.read()
    script = prelude + "\nF.begin()\nlocal function walk(...)\n" + walk + "\nend\nwalk(" + \
        ", ".join('"%s"' % n for n in lua_modules(repo)) + ")\nF.finish()\n"
    outcome = runner.run(script, binary, repo, root, case_timeout=60)
    found = Surface()
    entries, classes, modules, problems, aliases = found.entries, found.classes, found.modules, found.problems, found.aliases
    if outcome.kind != "ok":
        problems.append("surface walk ended in a %s: %s" % (outcome.kind, outcome.signature()))
    stdout = outcome.output.split("\n--- stderr ---\n")[0]
    for line in stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 2:
            continue
        kind = parts[0]
        if kind in ("fn", "method", "get", "set") and len(parts) == 3:
            entries.append({"kind": kind, "module": parts[1], "path": parts[2]})
        elif kind == "alias" and len(parts) == 3:
            aliases.append(parts[2])
        elif kind == "class" and len(parts) == 3:
            classes[parts[1]] = parts[2]
        elif kind == "module":
            modules[parts[1]] = parts[2] if len(parts) == 3 else "lua"
        elif kind == "loaderror":
            problems.append("module %s does not load: %s" % (parts[1], parts[2] if len(parts) > 2 else ""))
    if not entries:
        problems.append("the surface walk found nothing:\n" + outcome.output[-2000:])
    return found


def _source_names(repo):
    """(kind, name, file) triples the sources export."""
    found = []
    for pattern in SWIFT_SOURCES:
        for path in sorted(glob.glob(os.path.join(repo, pattern))):
            text = open(path, encoding="utf-8").read()
            rel = os.path.relpath(path, repo)
            for m in re.finditer(r'static let name = "(rscript[\w.]*)"', text):
                found.append(("module", m.group(1), rel))
            for m in re.finditer(r'LuaClass<\w+>\("(\w+)"\)', text):
                found.append(("class", m.group(1), rel))
            for m in re.finditer(r'\.method\("(\w+)"\)', text):
                found.append(("member", m.group(1), rel))
            for m in re.finditer(r'\.property\("(\w+)"', text):
                found.append(("member", m.group(1), rel))
            for m in re.finditer(r'^\s*\("(\w+)", \{', text, re.M):
                found.append(("member", m.group(1), rel))
    lib = os.path.join(repo, "scripts/lib")
    for path in sorted(glob.glob(os.path.join(lib, "rscript/**/*.lua"), recursive=True)):
        if is_internal_chunk(path):
            continue
        rel = os.path.relpath(path, repo)
        for line in open(path, encoding="utf-8"):
            m = re.match(r"function [\w.]+[.:](\w+)\s*\(", line)
            if m:
                found.append(("lua", m.group(1), rel))
    return found


def check(found, repo):
    """Names the sources export that the surface lacks (empty when complete)."""
    members = {e["path"].rsplit(".", 1)[-1] for e in found.entries}
    members |= {path.rsplit(".", 1)[-1] for path in found.aliases}
    class_names = {c[1:] for c in found.classes}
    modules = found.modules
    missing = []
    for kind, name, rel in _source_names(repo):
        if (rel, name) in INTERNAL:
            continue
        if kind == "module" and name not in modules:
            missing.append("%s: module %s is not in the surface" % (rel, name))
        elif kind == "class" and name not in class_names:
            missing.append("%s: class %s has no sample (add a maker to tools/fuzz/prelude/3-samples.lua)" % (rel, name))
        elif kind in ("member", "lua") and name not in members:
            missing.append("%s: %s is exported but not in the surface" % (rel, name))
    return missing
