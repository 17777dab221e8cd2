-- wrk script: POST /api/v1/orders as many users over many products, each request with its own
-- Idempotency-Key. Reads "token <t>" and "product <id>" lines from BENCH_DATA. With BENCH_RATE
-- (orders/s over all connections) each connection paces itself; without it, flat out.
-- Prints one RESULT line: accepted (202), other answers, p50/p99 in ms, duration in s.
local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tokens, products = {}, {}
  for line in io.lines(os.getenv("BENCH_DATA")) do
    local kind, value = line:match("^(%S+) (%S+)$")
    if kind == "token" then table.insert(tokens, value) elseif kind == "product" then table.insert(products, value) end
  end
  accepted, failed, sent = 0, 0, 0
  math.randomseed(number * 7919 + os.time())
  local rate = tonumber(os.getenv("BENCH_RATE") or "")
  local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "1")
  pause = rate and (connections * 1000 / rate) or nil
end

function delay()
  if pause then return pause * (0.5 + math.random()) end
  return 0
end

function request()
  sent = sent + 1
  local lines, used = {}, {}
  for _ = 1, math.random(1, 3) do
    local product = products[math.random(#products)]
    if not used[product] then
      used[product] = true
      table.insert(lines, string.format('{"productId":"%s","quantity":%d}', product, math.random(1, 3)))
    end
  end
  local body = '{"items":[' .. table.concat(lines, ",") .. '],"paymentMethod":"onDelivery"}'
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(sent + number) % #tokens + 1],
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", number, sent, math.random(1, 1000000000)),
  }
  return wrk.format("POST", "/api/v1/orders", headers, body)
end

function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local ok, other = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("accepted")
    other = other + thread:get("failed")
  end
  io.write(string.format("RESULT accepted=%d other=%d p50=%.2f p99=%.2f seconds=%.3f\n",
    ok, other + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
