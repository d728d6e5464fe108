-- A task returning many values, or a table nested a few dozen levels deep, crashed the waiter
-- (issue 15 §1). Both must arrive whole or fail with an error.
F.case(1, "task", function()
  local task = F.mod("rscript.task")
  F.try(function() return task.spawn(function() return table.unpack(F.range(10000)) end):wait() end)
  F.try(function() return task.spawn(function() return F.deep(100) end):wait() end)
end)
F.case(2, "direct", function()
  F.try(F.fn("rscript.task", "spawn"), function(...) return ... end, table.unpack(F.range(10000)))
end)
-- A task result nested 300 levels deep came back as nil (the scheduler's `try?` dropped the
-- conversion error); 60 levels as a task argument crashed. Whole, or an error.
F.case(3, "direct", function()
  F.roundtrip("task", "deep300")
  F.roundtrip("task", "obj1000")
  F.roundtrip("taskarg", "deep60")
end)
