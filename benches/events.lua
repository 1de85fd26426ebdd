-- POST /v1/events: a batch of new feedback answers each time (unique ids; BENCH_BATCH of
-- them, 1 unless set), in a session the server issued (BENCH_SESSION, visitor bench-visitor).
local session = os.getenv("BENCH_SESSION")
local per_batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local counter = 0
local thread_id = math.random(1, 0xffffff)
request = function()
  local events = {}
  for i = 1, per_batch do
    counter = counter + 1
    events[i] = string.format('{"type":"feedback","id":"%08x-0000-4000-8000-%012x","at":1790000000000,"scale":"csat5","score":4}', thread_id, counter)
  end
  local body = '{"site":"demo","visitor_id":"bench-visitor","session_id":"' .. session .. '","events":[' .. table.concat(events, ",") .. "]}"
  return wrk.format("POST", "/v1/events", { ["Content-Type"] = "text/plain" }, body)
end
