-- Ctrl-C during a sleep inside a non-yieldable call (a string.gsub callback) was ignored: the
-- nanosleep retried on EINTR (issue 15 §1). The script must stop at the first press.
F.case(1, "direct", function() F.interrupt("gsubsleep") end)
