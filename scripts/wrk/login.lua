-- Correct JSON logins of one user, counting each answer: 200, 429, 503 busy (the hashing gate),
-- 503 of any other code (storage), and anything else. Used by scripts/bench-login.sh.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"bench","password":"bench-password-1"}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, throttled, busy, unavailable, other = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 429 then
    throttled = throttled + 1
  elseif status == 503 and body:find('"code":"busy"', 1, true) then
    busy = busy + 1
  elseif status == 503 then
    unavailable = unavailable + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, throttled = 0, busy = 0, unavailable = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("answers: 200=%d 429=%d 503_busy=%d 503_storage=%d other=%d timeouts=%d\n",
    totals.ok, totals.throttled, totals.busy, totals.unavailable, totals.other, summary.errors.timeout))
  io.write(string.format("logins_per_s: %.1f p50_ms: %.0f p99_ms: %.0f max_ms: %.0f\n",
    totals.ok / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
