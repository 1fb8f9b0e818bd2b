-- wrk: one GET per GeoLife fix, from the paths file $GPS_PATHS; thread k of $GPS_THREADS
-- sends fixes k, k+T, k+2T… so no two requests repeat a fix (until the list runs out).
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(os.getenv("GPS_PATHS")) do paths[#paths + 1] = line end
  step = tonumber(os.getenv("GPS_THREADS"))
  index = offset + 1
end
function request()
  local p = paths[index]
  index = index + step
  if index > #paths then index = offset + 1 end
  return wrk.format("GET", p)
end
