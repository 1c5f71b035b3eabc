-- wrk script: a mixed load of reads and writes, 4 reads for each write:
--   GET  /api/v1/users?per_page=100   (reads)
--   POST /api/v1/units                (writes: a new team with a unique name)
-- usage: wrk -s bench/mixed.lua -H "Authorization: Token token=KEY" http://HOST:PORT
-- MIXED_TAG (environment) keeps names of several wrk runs at once apart.

local threads = {}
local run = os.time()
local tag = os.getenv("MIXED_TAG") or "a"

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local counter = 0

function init(args)
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    counter = counter + 1
    if counter % 5 == 0 then
        local body = string.format('{"name":"Team %s-%d-%d-%d"}', tag, run, tid, counter)
        return wrk.format("POST", "/api/v1/units", nil, body)
    end
    return wrk.format("GET", "/api/v1/users?per_page=100")
end

local failed = 0

function response(status, headers, body)
    if status ~= 200 then
        failed = failed + 1
        if failed <= 3 then
            io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
        end
    end
end
