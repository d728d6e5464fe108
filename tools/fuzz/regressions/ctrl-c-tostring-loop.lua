-- Ctrl-C was ignored while the runtime reported a failed task whose error object's __tostring
-- loops forever (the hook was not armed on the finished coroutine; issue 15 §1).
F.case(1, "direct", function() F.interrupt("tostring") end)
