-- Every request a POST of one urlencoded form body, given after wrk's `--`:
--   wrk -s bench/wrk_post.lua URL -- 'client_uuid=...&body=...'
-- The JSON report is bench/wrk_report.lua's, loaded from next to this file.
local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
dofile(here .. "wrk_report.lua")

init = function(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
