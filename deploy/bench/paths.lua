-- deploy/bench/paths.lua: wrk script of the dnadb benchmark (bench.py).
--
-- Sends GET requests whose paths it reads from a file, one path a line,
-- cycling through them; each wrk thread starts at a different offset so
-- that the threads do not send the same query at the same moment. Counts
-- the responses that are not 2xx and, at the end, prints one line that
-- bench.py parses:
--
--   DNADB_BENCH responses=N non2xx=N p50_us=.. p75_us=.. p90_us=.. p99_us=..
--     max_us=.. mean_us=.. requests=.. duration_us=.. connect=.. read=..
--     write=.. timeout=.. statuses=404:3,422:1 first_bad=...
--
-- Usage (arguments after the URL, as key=value):
--   wrk -t2 -c16 -d10s --latency -s paths.lua http://127.0.0.1:18090 -- \
--       paths=/tmp/queries.txt threads=2

local threads = {}
local nsetup = 0

-- Runs in wrk's main Lua state, once per thread, before the thread starts.
function setup(thread)
   thread:set("tid", nsetup)
   nsetup = nsetup + 1
   table.insert(threads, thread)
end

local function arg_value(args, key)
   -- wrk passes the URL as args[0] and the script arguments after it;
   -- look at every element so that the layout does not matter.
   for i = 0, #args do
      local a = args[i]
      if a ~= nil then
         local k, v = string.match(a, "^([%w_]+)=(.*)$")
         if k == key then
            return v
         end
      end
   end
   return nil
end

-- Runs in each thread's own Lua state.
function init(args)
   local file = arg_value(args, "paths")
   if file == nil then
      error("paths.lua: give paths=FILE after the URL (wrk ... URL -- paths=FILE threads=N)")
   end
   local nthreads = tonumber(arg_value(args, "threads") or "1") or 1
   paths = {}
   for line in io.lines(file) do
      if #line > 0 then
         paths[#paths + 1] = line
      end
   end
   if #paths == 0 then
      error("paths.lua: no request paths in " .. file)
   end
   -- Globals: wrk's thread:get() reads them from done().
   tid = tid or 0
   idx = (math.floor(tid * #paths / math.max(nthreads, 1)) % #paths) + 1
   responses = 0
   non2xx = 0
   statuses = ""
   first_bad = ""
   codes = {}
end

function request()
   local p = paths[idx]
   idx = idx + 1
   if idx > #paths then
      idx = 1
   end
   return wrk.format("GET", p)
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      codes[status] = (codes[status] or 0) + 1
      local parts = {}
      for code, n in pairs(codes) do
         parts[#parts + 1] = code .. ":" .. n
      end
      statuses = table.concat(parts, ",")
      if first_bad == "" then
         local b = string.gsub(string.sub(body or "", 1, 300), "[\r\n]", " ")
         first_bad = status .. " " .. b
      end
   end
end

-- Runs in the main Lua state after the summary wrk prints itself.
function done(summary, latency, requests)
   local n, bad, sts, first = 0, 0, {}, ""
   for _, t in ipairs(threads) do
      n = n + (t:get("responses") or 0)
      bad = bad + (t:get("non2xx") or 0)
      local s = t:get("statuses") or ""
      if s ~= "" then
         sts[#sts + 1] = s
      end
      local fb = t:get("first_bad") or ""
      if first == "" and fb ~= "" then
         first = fb
      end
   end
   local e = summary.errors
   io.write(string.format(
      "DNADB_BENCH responses=%d non2xx=%d p50_us=%d p75_us=%d p90_us=%d p99_us=%d " ..
      "max_us=%d mean_us=%.1f requests=%d duration_us=%d connect=%d read=%d " ..
      "write=%d timeout=%d statuses=%s first_bad=%s\n",
      n, bad, latency:percentile(50), latency:percentile(75),
      latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, summary.requests, summary.duration, e.connect, e.read,
      e.write, e.timeout, table.concat(sts, ","), first))
end
