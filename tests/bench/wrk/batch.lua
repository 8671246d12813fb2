-- 100 events per request, each with its own messageId.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local events = {}
  for i = 1, 100 do
    events[i] = string.format(
      '{"type":"track","event":"Product Viewed","anonymousId":"anon-%d-%d",' ..
      '"messageId":"batch-%s-%d-%d-%d","properties":{"product_id":"p-1","price":10},' ..
      '"context":{"ip":"203.0.113.7","consent":{"categoryPreferences":{"analytics":true}}}}',
      thread_id, counter, os.getenv("BENCH_RUN") or "r", thread_id, counter, i)
  end
  return wrk.format("POST", "/v1/batch", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH"),
  }, '{"batch":[' .. table.concat(events, ",") .. ']}')
end
