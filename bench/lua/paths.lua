-- GETs over several addresses in turn (the booking page or availability for 40 days).
-- bench/run.py writes BENCH_PATHS: one path with its query string per line. Thread i
-- of n asks for lines i, i + n, i + 2n... so every day is asked for as often.
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
end

init = function(args)
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  sent = 0
end

request = function()
  local index = (sent * nthreads + id - 1) % #paths + 1
  sent = sent + 1
  return wrk.format("GET", paths[index])
end
