-- Sends one pre-signed request per line of the file given as the first script argument (`authorization<TAB>body`),
-- in order, each exactly once; the second argument is the Content-Type. Past the last line it starts over, and
-- the receiver refuses those replays, so an undersized file shows up as non-2xx answers, not as a faster run.
local file, ctype

function init(args)
  file = assert(io.open(args[1], "r"))
  ctype = args[2]
end

function request()
  local line = file:read("*l")
  if not line then
    file:seek("set", 0)
    line = file:read("*l")
  end
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", nil, { ["Authorization"] = line:sub(1, tab - 1), ["Content-Type"] = ctype }, line:sub(tab + 1))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
