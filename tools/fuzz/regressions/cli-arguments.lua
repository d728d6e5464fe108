-- `rscript run s.lua $(seq N)` crashed (stack overflow pushing the arguments, issue 15 §1) for
-- N around 100 and spun for minutes at 100,000. Each must print N and exit 0.
F.case(1, "direct", function()
  F.child({ "run", "child.lua", table.unpack(F.range(300)) })
  F.child({ "run", "child.lua", table.unpack(F.range(100000)) })
end)
