-- What the creation and publishing commands share: messages on stderr, exit statuses, the
-- create context of a workfile, creator failures.

local rscript = require("rscript")
local create = require("rscript.create")

local common = {}

-- Exit statuses: 1 the work failed, 2 the command was given something it cannot use.
common.FAILED, common.USAGE = 1, 2

-- stderr, or rscript.log under --safe (no io).
local function stderr(prefix, message)
  if io then
    io.stderr:write(prefix, message, "\n")
  else
    require("rscript.log")[prefix == "rscript: " and "error" or "warning"](message)
  end
end

function common.warn(message)
  stderr("rscript: warning: ", message)
end

--- Prints `rscript: message` on stderr and sets the exit status.
function common.fail(message, status)
  stderr("rscript: ", message)
  rscript.setExitStatus(status or common.FAILED)
end

--- Runs `fn`; an error is reported as `rscript: message` with status `status` (a
--- CreatorsOperationFailed lists its creators). Returns whether it succeeded and the results.
function common.attempt(status, fn, ...)
  local results = table.pack(pcall(fn, ...))
  if results[1] then return true, table.unpack(results, 2, results.n) end
  common.fail(common.describe(results[2]), status)
  return false
end

--- An error as the user reads it.
function common.describe(err)
  if type(err) == "table" and err.message then return tostring(err.message) end
  return tostring(err)
end

--- A create context on `workfile`: warnings of discovery go to stderr as they happen, and
--- plugin files that failed to load are reported (`file:line: message`).
function common.context(options)
  options.on_warning = common.warn
  local context = create.CreateContext(options)
  for _, message in ipairs(context.plugin_errors) do
    common.warn("skipped plugin: " .. message)
  end
  return context
end

--- The failures of a CreatorsOperationFailed as plain records (for --json), or none.
function common.failureRecords(err)
  local records = {}
  if type(err) == "table" and type(err.failures) == "table" then
    for _, failure in ipairs(err.failures) do
      records[#records + 1] = {
        creator = failure.creator, operation = failure.operation, message = failure.message,
        traceback = failure.traceback,
      }
    end
  end
  return records
end

--- Text cells padded into columns.
function common.table(header, rows)
  local widths = {}
  for k, cell in ipairs(header) do widths[k] = #cell end
  for _, row in ipairs(rows) do
    for k, cell in ipairs(row) do widths[k] = math.max(widths[k] or 0, #tostring(cell)) end
  end
  local lines = {}
  local function line(row)
    local cells = {}
    for k, cell in ipairs(row) do
      cells[k] = k == #row and tostring(cell) or (tostring(cell) .. string.rep(" ", widths[k] - #tostring(cell)))
    end
    lines[#lines + 1] = table.concat(cells, "  ")
  end
  line(header)
  for _, row in ipairs(rows) do line(row) end
  return table.concat(lines, "\n")
end

--- A value as a table cell: null and nil as "-".
function common.cell(value)
  if value == nil or rscript.isNull(value) then return "-" end
  return tostring(value)
end

return common
