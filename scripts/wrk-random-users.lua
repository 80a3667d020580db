-- wrk script: GET /v1/users/{id}/recommendations?k=10 for random known users (ids 1..USERS).
local users = tonumber(os.getenv("USERS") or "943")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/users/" .. math.random(1, users) .. "/recommendations?k=10")
end
