"""What each function of the surface takes, so that most calls get past the first argument
check and reach the code behind it. The fuzzer still mutates one argument in three, adds
arguments and drops them; a function without a rule gets random arguments only.

Rules are (regular expression on the entry's id, argument kinds); the first that matches wins.
Ids are `module#path` for module functions (`rscript.fs#write`, `rscript.create#Creator.create`)
and `@Class:name` for methods of userdata classes (`@Process:wait`). Kinds are the keys of
`generator.KINDS`. `self:Sample,...` is the receiver of a method: one of those live handles.
"""

RULES = [
    # rscript
    (r"rscript#onStop$", ["fn"]),
    (r"rscript#regexMatch$", ["regex", "str"]),
    (r"rscript#plugin(Files|Folders)$", ["kind"]),
    (r"rscript#setExitStatus$", ["int"]),
    (r"rscript#isNull$", ["any"]),
    (r"rscript#uuid$", []),
    # json
    (r"rscript\.json#encode$", ["data", "jsonopts"]),
    (r"rscript\.json#decode$", ["jsontext", "decodeopts"]),
    (r"rscript\.json#(object|array)$", ["table"]),
    # time
    (r"rscript\.time#sleep$", ["dur"]),
    (r"rscript\.time#", []),
    # log
    (r"rscript\.log#setLevel$", ["level"]),
    (r"rscript\.log#level$", []),
    (r"rscript\.log#", ["str", "fields"]),
    # fs
    (r"rscript\.fs#(join)$", ["path", "path", "path"]),
    (r"rscript\.fs#(basename|dirname|abspath|exists|isdir|isfile|stat|read|list|glob)$", ["rpath"]),
    (r"rscript\.fs#write$", ["path", "bytes"]),
    (r"rscript\.fs#(copy|rename)$", ["path", "path"]),
    (r"rscript\.fs#(mkdir|remove|rmtree)$", ["path"]),
    # task
    (r"rscript\.task#spawn$", ["fn", "any", "any"]),
    (r"@Task:wait$", ["self:Task,TaskDone,TaskFailed"]),
    (r"@Task:", ["self:Task,TaskDone,TaskFailed"]),
    # process
    (r"rscript\.process#spawn$", ["spawn"]),
    (r"rscript\.process#signal$", ["signal"]),
    (r"@Process:(wait|terminate)$", ["self:Process,ProcessDone,ProcessKilled", "dur"]),
    (r"@Process:kill$", ["self:Process,ProcessDone,ProcessKilled", "signal"]),
    (r"@Process:tail$", ["self:Process,ProcessDone,ProcessKilled", "int"]),
    (r"@Process:", ["self:Process,ProcessDone,ProcessKilled"]),
    # gallery
    (r"rscript\.gallery#startRender$", ["render"]),
    (r"rscript\.gallery#renderers$", []),
    (r"@Render:mouseClick$", ["self:Render,RenderDone", "num", "num"]),
    (r"@Render:", ["self:Render,RenderDone"]),
    (r"@RenderContext:updateImagePath$", ["self:RenderContext", "path"]),
    (r"@RenderContext:updateMetadata$", ["self:RenderContext", "data"]),
    (r"@RenderContext:waitPoll$", ["self:RenderContext", "dur"]),
    (r"@RenderContext:", ["self:RenderContext", "any"]),
    # jobmanager
    (r"rscript\.jobmanager#get_instance$", []),
    (r"@JobManager:add_job$", ["self:JobManager", "jobname", "jobscript", "jobopts"]),
    (r"@JobManager:wait$", ["self:JobManager", "jobname", "dur"]),
    (r"@JobManager:", ["self:JobManager", "jobname"]),
    # pool (the Lua face and the Swift core)
    (r"rscript\.pool#new$", ["poolopts"]),
    (r"rscript\.pool#(map|imap|imap_unordered)$", ["self:Pool,PoolClosed,PoolTerminated", "taskscript", "items"]),
    (r"rscript\.pool#starmap$", ["self:Pool,PoolClosed,PoolTerminated", "taskscript", "arglists"]),
    (r"rscript\.pool#(apply|apply_async)$", ["self:Pool,PoolClosed,PoolTerminated", "taskscript", "items"]),
    (r"rscript\.pool#wait_any$", ["futures", "dur"]),
    (r"rscript\.pool#(cpu_count|_terminal)$", []),
    (r"rscript\.pool#Future\.(get|wait)$", ["self:Future,FutureDone", "dur"]),
    (r"rscript\.pool#Future\.", ["self:Future,FutureDone"]),
    (r"rscript\.pool#", ["self:Pool,PoolClosed,PoolTerminated"]),
    (r"@PoolCore:batch$", ["self:PoolCore,PoolCoreClosed", "taskscript", "items", "batchop", "str"]),
    (r"@PoolCore:apply$", ["self:PoolCore,PoolCoreClosed", "taskscript", "items", "str"]),
    (r"@PoolCore:", ["self:PoolCore,PoolCoreClosed"]),
    (r"@PoolFutureCore:(get|wait)$", ["self:PoolFutureCore", "dur"]),
    (r"@PoolFutureCore:", ["self:PoolFutureCore"]),
    (r"@PoolBatch:(wait|next)$", ["self:PoolBatch", "dur"]),
    (r"@PoolBatch:", ["self:PoolBatch"]),
    (r"rscript\.poolprogress#new$", ["self:Pool,PoolClosed", "table"]),
    (r"rscript\.poolprogress#add$", ["progress", "self:Future,FutureDone", "str"]),
    (r"rscript\.poolprogress#", ["progress", "any"]),
    # properties of userdata classes: `@Class.name` (read, or written with one value)
    (r"@JobManager\.", ["self:JobManager", "int"]),
    (r"@(\w+)\.", ["self:*", "any"]),
    # Lua libraries
    (r"rscript\.shellwords#split$", ["str", "str", "str"]),
    (r"rscript\.integrator#(format_template|template_keys|next_version)$", ["template", "data"]),
    (r"rscript\.integrator#resolve_template$", ["data", "template"]),
    (r"rscript\.integrator#integrate$", ["data", "data", "table"]),
    (r"rscript\.pipeline#open$", ["path", "table"]),
    (r"rscript\.pipeline#(batch|set_warning_handler)$", ["fn", "any"]),
    (r"rscript\.pipeline#", ["str", "data"]),
    (r"rscript\.cli\.[a-z]+#main$", ["clioptions"]),
    (r"rscript\.plugindiscovery#", ["kind", "table"]),
    (r"rscript\.backgroundrenderer#", ["luaself", "any", "any"]),
    (r"rscript\.class#", ["luaself", "str"]),
    (r"rscript\.attribute_definitions#", ["luaself", "any", "data"]),
    (r"rscript\.(create|pyblish)[a-z.]*#", ["luaself", "any", "data"]),
    (r"rscript\.[a-z.]+#", ["luaself", "any", "any"]),
]
