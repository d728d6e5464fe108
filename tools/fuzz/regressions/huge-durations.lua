-- Durations too large for any integer (2^63 s and more) trapped or slept forever, in sleep
-- and in every timeout (issue 15 §1). Each call must return or raise at once.
F.case(1, "coroutine", function()
  F.try(F.fn("rscript.time", "sleep"), 2^63)
end)
F.case(2, "direct", function()
  F.try(F.fn("rscript.time", "sleep"), 1e300)
  F.try(F.fn("@Process", "wait"), F.sample("Process"), -1e300)
  F.try(F.fn("@RenderContext", "waitPoll"), F.sample("RenderContext"), 1e300)
end)
