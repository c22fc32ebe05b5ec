-- wrk script for bench/server_vs_oxigraph.py: a stream of distinct query texts. Every request
-- is GET PREFIX .. "%0ALIMIT%20" .. n, a new n each time (no two requests of a run, nor of two
-- runs given different BASEs, send the same text), so nothing keyed by the request or by the
-- query can be reused. n stays large (>= BASE >= 10), so the answer is the query's whole answer.
--
-- Arguments (after `--`): PREFIX BASE THREADS
--   PREFIX   the path and query string up to the end of the query text, already urlencoded,
--            e.g. /sparql?query=PREFIX%20...
--   BASE     the first n of this run
--   THREADS  wrk's -t, so each thread takes every THREADS-th n

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local started = 0

function setup(thread)
   -- runs in wrk's main Lua state, once per thread before it starts: number the threads 0, 1, ...
   thread:set("thread_index", started)
   started = started + 1
end

local prefix, base, step
local counter = 0

function init(args)
   prefix = args[1]
   base = tonumber(args[2]) or 1000000
   step = tonumber(args[3]) or 1
end

function request()
   local n = base + counter * step + thread_index
   counter = counter + 1
   return wrk.format(nil, prefix .. "%0ALIMIT%20" .. string.format("%.0f", n))
end
