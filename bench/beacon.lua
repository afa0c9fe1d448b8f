-- wrk script for bench/beacon: POST a valid beacon from a different reader on every request.
--
-- The server trusts one proxy (NEWSROOM_TRUSTED_PROXY_COUNT=1), so the reader's address is the
-- X-Forwarded-For value; each request gets a new one, so de-duplication and the rate limit
-- never reject them and every beacon costs what a real first view costs.
-- Environment: BEACON_ARTICLE, BEACON_TOKEN, BEACON_RUN (0..65535, keeps runs' readers apart),
-- BEACON_PREBUILT (requests built per thread before the run, default 40000).
--
-- wrk shares the machine's cores with the server, and building a request in Lua (a new header,
-- then wrk.format) costs it about 12 us more than /healthz's static request. init() runs before
-- wrk starts its clock, so each thread builds its requests there and request() only hands them
-- out; past the prebuilt ones it goes on building them one by one.
--
-- Each thread counts the requests it sent and the 204 answers it read; done() prints the totals
-- as one line, "beacon-stats sent=<n> answered=<n> no_content=<n>", which bench/beacon compares
-- with the views the server counted (requests still in flight when wrk stops may be counted too).

local next_thread = 0
local threads = {}

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
  table.insert(threads, thread)
end

local function build(n)
  -- IPv6 readers: 3fff:<run>:<thread>:<n>::1 is new for every request of every run, each in a /64 of
  -- its own (the network limits group a /64), within IPv6's documentation prefix 3fff::/20.
  wrk.headers["X-Forwarded-For"] = string.format("3fff:%x:%x:%x::1", run % 0x1000, thread_number, n)
  return wrk.format(nil, nil, nil, body)
end

function init(args)
  body = "a=" .. os.getenv("BEACON_ARTICLE") .. "&t=" .. os.getenv("BEACON_TOKEN")
  run = tonumber(os.getenv("BEACON_RUN") or "1")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded;charset=UTF-8"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
  prebuilt = {}
  for n = 1, tonumber(os.getenv("BEACON_PREBUILT") or "40000") do
    prebuilt[n] = build(n)
  end
  counter = 0
  answered = 0
  no_content = 0
end

function request()
  counter = counter + 1
  return prebuilt[counter] or build(counter)
end

function response(status, headers, body)
  answered = answered + 1
  if status == 204 then no_content = no_content + 1 end
end

function done(summary, latency, requests)
  local sent, got, ok = 0, 0, 0
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("counter")
    got = got + thread:get("answered")
    ok = ok + thread:get("no_content")
  end
  io.write(string.format("beacon-stats sent=%d answered=%d no_content=%d\n", sent, got, ok))
end
