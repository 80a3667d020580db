-- wrk script: POST /v1/users/{random}/ratings {"item": "50", "rating": r} (durable writes).
math.randomseed(7)
local n = 0
request = function()
  n = n + 1
  local body = '{"item": "' .. (ITEM or "50") .. '", "rating": ' .. (1 + n % 5) .. ', "source": "wrk"}'
  return wrk.format("POST", "/v1/users/wrk-" .. math.random(1, 10000) .. "/ratings", {["Content-Type"] = "application/json"}, body)
end
