-- wrk script: POST /api/v1/units with a JSON body and a name unique to each request
-- (run start, wrk thread number and a per-thread counter).
-- usage: wrk -s bench/units_post.lua -H "Authorization: Token token=KEY" http://HOST:PORT/api/v1/units

local threads = {}
local run = os.time()

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local counter = 0

function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    counter = counter + 1
    local body = string.format('{"name":"Team %d-%d-%d"}', run, tid, counter)
    return wrk.format(nil, nil, nil, body)
end

local failed = 0

function response(status, headers, body)
    if status ~= 200 and status ~= 201 then
        failed = failed + 1
        if failed <= 3 then
            io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
        end
    end
end
