-- One event per request, each with its own messageId (so every insert is real work).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"event":"Product Viewed","anonymousId":"anon-%d-%d","messageId":"bench-%s-%d-%d",' ..
    '"properties":{"product_id":"p-1","price":10},' ..
    '"context":{"ip":"203.0.113.7","consent":{"categoryPreferences":{"analytics":true}}}}',
    thread_id, counter, os.getenv("BENCH_RUN") or "r", thread_id, counter)
  return wrk.format("POST", "/v1/track", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH"),
  }, body)
end
