-- Booking POSTs, each a different free slot. bench/run.py writes BENCH_BODIES: one
-- url-encoded form per line (start, practitioner, contact details, CSRF token and a
-- fresh submission key), and passes the csrftoken cookie with -H. Thread i of n
-- sends lines i, i + n, i + 2n... so no two requests share a slot. A booking is a 302
-- to its manage page; anything else (a 200 refusal included) counts as not booked.
local threads = {}
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

init = function(args)
  bodies = {}
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    bodies[#bodies + 1] = line
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  sent = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

not_booked = 0

response = function(status, headers, body)
  if status ~= 302 then
    not_booked = not_booked + 1
  end
end

request = function()
  local index = (sent * nthreads + id - 1) % #bodies + 1
  sent = sent + 1
  return wrk.format(nil, nil, nil, bodies[index])
end
