-- The soak benchmark's job: trivial Lua.
return { n = (passed_data and passed_data.n or 0) + 1 }
