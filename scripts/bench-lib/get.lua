-- wrk script: GET one path (BENCH_PATH) and count the answers that are not 200.
-- Prints one RESULT line: requests/s, non-200 answers, p50/p99 in ms.
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  bad = 0
  path = os.getenv("BENCH_PATH")
end

function request() return wrk.format("GET", path) end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local other = 0
  for _, thread in ipairs(threads) do other = other + thread:get("bad") end
  io.write(string.format("RESULT rate=%.1f other=%d p50=%.2f p99=%.2f\n", summary.requests / (summary.duration / 1e6),
    other + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
