-- POST /v1/session as a browser would: a new visitor each time.
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"site":"demo","visitor_id":"bench-%d-%d","languages":["en-GB"]}', math.random(1, 1e9), counter)
  return wrk.format("POST", "/v1/session", { ["Content-Type"] = "application/json", ["Origin"] = "http://localhost:3000" }, body)
end
