-- wrk script of the concurrency test (bench/README.md): POST /v1/query with request bodies
-- read from a file, one JSON body per line, each thread cycling through them from its own
-- starting point. Arguments (after --): BODIES_FILE API_KEY.
-- At the end it prints one JSON line: requests, seconds, qps, latency percentiles (µs),
-- non-2xx/3xx answers and socket errors.
local bodies = {}
local requests = {}
local next_index = 1
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  file:close()
  local headers = {
    ["Authorization"] = "Bearer " .. args[2],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  for index, body in ipairs(bodies) do
    requests[index] = wrk.format("POST", "/v1/query", headers, body)
  end
  -- Threads start at different points of the same parameter sequence.
  next_index = ((thread_index or 0) * 7919) % #requests + 1
end

function request()
  local current = requests[next_index]
  next_index = next_index % #requests + 1
  return current
end

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"qps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"non_2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean, errors.status,
    errors.connect, errors.read, errors.write, errors.timeout))
end
