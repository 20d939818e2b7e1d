-- Autosave as phones send it: each wrk thread is one device (run with -t equal to -c, so a
-- thread has one connection and its saves go one after another), typing into its own draft.
-- Every POST carries a longer text than the last and the version the previous answer gave,
-- so every answer is a real write, and two saves of one draft never race.
--   wrk -t10 -c10 -s bench/wrk_autosave.lua URL -- FORM BODY UUID_PREFIX
-- FORM is the urlencoded rest of the form (csrf_token, week, sharing), BODY the urlencoded
-- text, UUID_PREFIX a UUID missing its last two hex digits, which become the thread's number.
local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
dofile(here .. "wrk_report.lua")

-- setup runs in wrk's main Lua state; thread:set gives each thread's own state a global.
local devices = 0
setup = function(thread)
  devices = devices + 1
  thread:set("device", devices)
end

local form, text, client_uuid
local saves, version = 0, nil

init = function(args)
  form, text = args[1], args[2]
  client_uuid = args[3] .. string.format("%02x", device) -- the global thread:set gave
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

request = function()
  saves = saves + 1
  local body = form .. "&client_uuid=" .. client_uuid .. "&body=" .. text .. "+" .. saves
  if version then
    body = body .. "&version=" .. version
  end
  return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
  version = body:match('"version":%s*(%d+)') or version
end
