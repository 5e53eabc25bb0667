"""The start every Redis claim script shares (red packets in redis_claims, seats and prizes in
redis_places), kept in one place so both decide rate limits and repeats alike."""

RATE_PREFIX = "hub:campaigns:rate"  # the gate's rate-limit keys: one count whichever path
RATE_LIMITED, REPEAT, NOT_LOADED = 4, 3, 9  # what the prelude answers

# The rate limits (KEYS 6 and 7, ARGV 8 and 9), the campaign loaded (KEYS 1), a repeat's
# first answer (KEYS 3, ARGV 1).
CLAIM_PRELUDE = """
local rate = tonumber(ARGV[9])
if rate > 0 then
  for i = 6, 7 do
    local n = redis.call('incr', KEYS[i])
    if n == 1 then redis.call('pexpire', KEYS[i], ARGV[8]) end
    if n > rate then return {4, redis.call('pttl', KEYS[i])} end
  end
end
if redis.call('exists', KEYS[1]) == 0 then return {9} end
local entry = redis.call('hget', KEYS[3], ARGV[1])
if entry then return {3, entry} end
"""
