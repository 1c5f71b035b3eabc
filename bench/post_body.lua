-- wrk script: POST the JSON body in the file named by the environment variable BODY_FILE (a
-- single activity, or a bulk of them), counting answers that are not 200.
-- usage: BODY_FILE=body.json wrk -s bench/post_body.lua -H "Authorization: Token token=KEY" URL

local body

function init(args)
    local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
    body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = body
end

local failed = 0

function response(status, headers, resp_body)
    if status ~= 200 then
        failed = failed + 1
        if failed <= 3 then
            io.stderr:write("unexpected status " .. status .. ": " .. resp_body:sub(1, 300) .. "\n")
        end
    end
end
