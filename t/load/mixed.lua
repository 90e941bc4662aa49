-- t/load/mixed.lua: wrk script of loadgen.py's `mixed` and `soak`.
--
-- A random mix against a dnadb stack:
--   80 %  GET /api/search?q=...&max_distance=k, k 0..3, q a known sequence
--         with up to k random edits (so most searches have hits)
--   10 %  GET /api/sequences/{a known id}
--   10 %  POST /api/sequences: a new random sequence of 30..200 bases, or
--         (one POST in ten) a known sequence again, for an intended 409
-- The known sequences come from a file of "id sequence" lines that
-- loadgen.py writes after storing them. If DNADB_LOAD_TOKEN is set, every
-- request carries "Authorization: Bearer $DNADB_LOAD_TOKEN".
--
-- done() prints one line that loadgen.py parses, counts summed over all
-- threads (setup() keeps each thread, thread:get() reads its globals):
--   DNADB_MIXED {"statuses":{"200":N,...},"sent":{...},"errors":{...},
--                "requests":N,"duration_us":N,"latency_us":{...},"first_bad":"..."}
--
-- Usage: wrk -t2 -c16 -d10s --latency -s mixed.lua URL -- known=FILE seed=N

local threads = {}
local nsetup = 0

-- Main Lua state, once per thread before it starts.
function setup(thread)
   thread:set("tid", nsetup)
   nsetup = nsetup + 1
   table.insert(threads, thread)
end

local function arg_value(args, key)
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

local BASES = { "A", "C", "G", "T" }

local function rand_seq(n)
   local t = {}
   for i = 1, n do
      t[i] = BASES[math.random(4)]
   end
   return table.concat(t)
end

-- s with `edits` random substitutions, insertions or deletions.
local function mutate(s, edits)
   for _ = 1, edits do
      local op = math.random(3)
      local n = #s
      if op == 1 and n > 0 then
         local i = math.random(n)
         local b = BASES[math.random(4)]
         s = string.sub(s, 1, i - 1) .. b .. string.sub(s, i + 1)
      elseif op == 2 or n <= 1 then
         local i = math.random(n + 1)
         s = string.sub(s, 1, i - 1) .. BASES[math.random(4)] .. string.sub(s, i)
      else
         local i = math.random(n)
         s = string.sub(s, 1, i - 1) .. string.sub(s, i + 1)
      end
   end
   return s
end

-- Each thread's own Lua state.
function init(args)
   local file = arg_value(args, "known")
   if file == nil then
      error("mixed.lua: give known=FILE after the URL")
   end
   local seed = tonumber(arg_value(args, "seed") or "1") or 1
   known_ids, known_seqs = {}, {}
   for line in io.lines(file) do
      local id, s = string.match(line, "^(%d+)%s+([ACGT]+)$")
      if id ~= nil then
         known_ids[#known_ids + 1] = id
         known_seqs[#known_seqs + 1] = s
      end
   end
   if #known_ids == 0 then
      error("mixed.lua: no known sequences in " .. file)
   end
   tid = tid or 0
   math.randomseed((seed % 1000003) * 64 + tid)
   get_headers = {}
   post_headers = { ["Content-Type"] = "application/json" }
   local token = os.getenv("DNADB_LOAD_TOKEN")
   if token ~= nil and token ~= "" then
      get_headers["Authorization"] = "Bearer " .. token
      post_headers["Authorization"] = "Bearer " .. token
   end
   -- Globals, read by done() through thread:get().
   n_search, n_id, n_post, n_dup = 0, 0, 0, 0
   codes = {}
   statuses = ""
   first_bad = ""
end

function request()
   local x = math.random()
   if x < 0.8 then
      n_search = n_search + 1
      local k = math.random(0, 3)
      local q = mutate(known_seqs[math.random(#known_seqs)], math.random(0, k))
      return wrk.format("GET", "/api/search?q=" .. q .. "&max_distance=" .. k, get_headers)
   elseif x < 0.9 then
      n_id = n_id + 1
      return wrk.format("GET", "/api/sequences/" .. known_ids[math.random(#known_ids)], get_headers)
   end
   local s
   if math.random() < 0.1 then
      n_dup = n_dup + 1
      s = known_seqs[math.random(#known_seqs)]
   else
      n_post = n_post + 1
      s = rand_seq(math.random(30, 200))
   end
   return wrk.format("POST", "/api/sequences", post_headers, '{"sequence":"' .. s .. '"}')
end

function response(status, headers, body)
   codes[status] = (codes[status] or 0) + 1
   if first_bad == "" and not ((status >= 200 and status < 300) or status == 409 or status == 429) then
      first_bad = status .. " " .. string.gsub(string.sub(body or "", 1, 300), "[%c]", " ")
   end
   -- Kept as a string: thread:get() copies it into the main state.
   local parts = {}
   for c, n in pairs(codes) do
      parts[#parts + 1] = c .. ":" .. n
   end
   statuses = table.concat(parts, ",")
end

local function json_string(s)
   s = string.gsub(s, '[%c"\\]', function(c)
      if c == '"' then return '\\"' end
      if c == "\\" then return "\\\\" end
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

-- Main Lua state, after wrk's own summary.
function done(summary, latency, requests)
   local sts, sent, first = {}, { search = 0, id = 0, post = 0, dup = 0 }, ""
   for _, t in ipairs(threads) do
      for c, n in string.gmatch(t:get("statuses") or "", "(%d+):(%d+)") do
         sts[c] = (sts[c] or 0) + tonumber(n)
      end
      sent.search = sent.search + (t:get("n_search") or 0)
      sent.id = sent.id + (t:get("n_id") or 0)
      sent.post = sent.post + (t:get("n_post") or 0)
      sent.dup = sent.dup + (t:get("n_dup") or 0)
      local fb = t:get("first_bad") or ""
      if first == "" and fb ~= "" then
         first = fb
      end
   end
   local parts = {}
   for c, n in pairs(sts) do
      parts[#parts + 1] = string.format('"%s":%d', c, n)
   end
   local e = summary.errors
   io.write(string.format(
      'DNADB_MIXED {"statuses":{%s},"sent":{"search":%d,"id":%d,"post":%d,"dup":%d},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"requests":%d,' ..
      '"duration_us":%d,"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
      '"first_bad":%s}\n',
      table.concat(parts, ","), sent.search, sent.id, sent.post, sent.dup,
      e.connect, e.read, e.write, e.timeout, summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean, json_string(first)))
end
