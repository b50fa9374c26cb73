-- wrk script for bench/compare.py: every request comes from a file, one a line:
--   METHOD <tab> PATH <tab> Name: value|Name: value <tab> BODY
-- Run as: wrk ... -s bench/requests.lua URL -- FILE THREADS
-- Thread k sends lines k, k + THREADS, ... in order; when its lines run out it starts again
-- and counts the wrap (printed at the end), so a figure that reused requests is visible.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

lines, position, wraps = {}, 0, 0  -- globals: done() reads "wraps" from each thread

function init(args)
  local total, n = tonumber(args[2]), 0
  local count = 0
  for _ in io.lines(args[1]) do count = count + 1 end
  if count < total then total, id = 1, 0 end  -- too few lines to share: every thread sends all
  for line in io.lines(args[1]) do
    if n % total == id then
      local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local fields = {}
      for name, value in headers:gmatch("([^|:]+): ([^|]*)") do fields[name] = value end
      if body == "" then body = nil end
      table.insert(lines, wrk.format(method, path, fields, body))
    end
    n = n + 1
  end
end

function request()
  position = position + 1
  if position > #lines then
    position, wraps = 1, wraps + 1
  end
  return lines[position]
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("wraps") end
  io.write(string.format("wraps %d\n", total))
end
