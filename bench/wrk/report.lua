-- wrk script for bench/server_vs_oxigraph.py: at the end of a run, print wrk's measurements as
-- one line `KG-BENCH-JSON {...}` (times in microseconds), so the bench reads exact numbers
-- instead of wrk's rounded text. Used alone for a repeated request, and by distinct.lua.

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '\nKG-BENCH-JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, '
         .. '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, '
         .. '"timeout": %.0f}, "latency_us": {"p50": %.0f, "p90": %.0f, "p99": %.0f, '
         .. '"max": %.0f, "mean": %.1f}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean))
end
