-- wrk script for bench/beacon: POST a valid beacon from a different reader on every request.
--
-- The server trusts one proxy (NEWSROOM_TRUSTED_PROXY_COUNT=1), so the reader's address is the
-- X-Forwarded-For value; each request gets a new one, so de-duplication and the rate limit
-- never reject them and every beacon costs what a real first view costs.
-- Environment: BEACON_ARTICLE, BEACON_TOKEN, BEACON_RUN (0..65535, keeps runs' readers apart).

local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

function init(args)
  body = "a=" .. os.getenv("BEACON_ARTICLE") .. "&t=" .. os.getenv("BEACON_TOKEN")
  run = tonumber(os.getenv("BEACON_RUN") or "1")
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded;charset=UTF-8"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
end

function request()
  counter = counter + 1
  -- IPv6 readers: 2001:db8:<run>:<thread>::<n> is new for every request of every run.
  wrk.headers["X-Forwarded-For"] = string.format("2001:db8:%x:%x::%x", run, thread_number, counter)
  return wrk.format(nil, nil, nil, body)
end
