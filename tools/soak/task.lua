-- The soak benchmark's pool task: trivial Lua.
return function(client, x) return x * 2 end
