-- wrk script for tests/bench/run.
--
-- BENCH_PATH   what goes in the request line: an absolute URL
--              ("http://127.0.0.1:PORT/1k.bin") when wrk talks to a proxy,
--              "/1k.bin" when it talks to the origin directly
-- BENCH_HOST   the Host field: the origin's authority, as a browser sends it
-- BENCH_CLOSE  "1": send "Connection: close", so every request opens a new
--              connection (the new-connection rate runs)
--
-- At the end it prints one line "BENCH_JSON {...}" with the totals and the
-- latency percentiles (microseconds), which run parses.

wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH") or "/"
wrk.headers["Host"] = os.getenv("BENCH_HOST")
wrk.headers["User-Agent"] = "warden-bench (wrk)"
wrk.headers["Accept"] = "*/*"
if os.getenv("BENCH_CLOSE") == "1" then
   wrk.headers["Connection"] = "close"
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, ' ..
      '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p99_9": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9)))
end
