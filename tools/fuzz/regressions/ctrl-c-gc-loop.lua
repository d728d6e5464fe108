-- Ctrl-C is ignored while a __gc finalizer loops forever: Lua turns hooks off while it runs
-- finalizers, so neither the Ctrl-C hook nor the instruction and time limits reach it. Found
-- by the fuzzer; not in issue 15's list (see docs/reliability.md).
F.case(1, "direct", function() F.interrupt("gc") end)
