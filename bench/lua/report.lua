-- Appended to every wrk run: one machine-readable line with what bench/run.py reports.
done = function(summary, latency, requests)
  -- Booking POSTs (book.lua): refusals answered 200 count as failures too.
  local not_booked = 0
  for _, thread in ipairs(threads or {}) do
    not_booked = not_booked + (thread:get("not_booked") or 0)
  end
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d non2xx3xx=%d "
      .. "socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + not_booked,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
