package io.github.tieredcache.internal.writebehind;

/**
 * The Lua scripts that keep each key's writes in stream order: one active flusher per
 * stream (a lease), a per-key high-water mark of the stream ids written, and a per-key
 * marker of the write in progress that a direct (written-through) write waits for. Every
 * key they touch is in the stream's hash-tag slot, so they run on Redis Cluster too.
 * <p>
 * Ordering ids are stream ids ({@code <ms>-<seq>}), compared numerically.
 */
final class WriteOrder {

	private static final String COMPARE = """
			local function after(a, b)
			  local am, as = string.match(a, '^(%d+)-(%d+)$')
			  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
			  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
			  return am > bm or (am == bm and as > bs)
			end
			local function now()
			  local t = redis.call('TIME')
			  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			end
			-- a write in progress: 'F|<consumer>' (valid while that consumer holds the lease)
			-- or 'D|<token>|<expires-at-ms>' (a direct write)
			local function active(mark, lease, at)
			  if not mark then return false end
			  if string.sub(mark, 1, 2) == 'F|' then
			    return lease == string.sub(mark, 3)
			  end
			  local expires = string.match(mark, '|(%d+)$')
			  return expires ~= nil and tonumber(expires) > at
			end
			""";

	/**
	 * KEYS: lease. ARGV: consumer, lease ms. Returns 1 when renewed, 2 when newly taken,
	 * 0 when another consumer holds it.
	 */
	static final String ACQUIRE = """
			local holder = redis.call('GET', KEYS[1])
			if holder == ARGV[1] then
			  redis.call('PEXPIRE', KEYS[1], ARGV[2])
			  return 1
			end
			if not holder then
			  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
			  return 2
			end
			return 0
			""";

	/**
	 * KEYS: lease. ARGV: consumer.
	 */
	static final String RELEASE = """
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('DEL', KEYS[1])
			end
			return 0
			""";

	/**
	 * KEYS: stream, lease, written, writing, unconfirmed. ARGV: consumer, then per key
	 * its coalescing key, the ordering id and the stream id of its newest entry. Returns
	 * {@code lost} when the consumer no longer holds the lease, else one verdict per key:
	 * {@code write} (now marked as in progress), {@code stale} (a write at or after it is
	 * in the database), {@code busy} (a direct write is in progress, or the entry is not
	 * yet confirmed by its replicas) or {@code cancelled} (its call failed; the entry is
	 * gone).
	 */
	static final String BEGIN = COMPARE + """
			local lease = redis.call('GET', KEYS[2])
			if lease ~= ARGV[1] then return {'lost'} end
			local at = now()
			local verdicts = {}
			for i = 2, #ARGV, 3 do
			  local key, order, id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
			  local verdict = 'write'
			  local written = redis.call('HGET', KEYS[3], key)
			  if written and not after(order, written) then
			    verdict = 'stale'
			  elseif active(redis.call('HGET', KEYS[4], key), lease, at)
			      and redis.call('HGET', KEYS[4], key) ~= 'F|' .. ARGV[1] then
			    verdict = 'busy'
			  else
			    local deadline = redis.call('ZSCORE', KEYS[5], id)
			    if deadline then
			      if tonumber(deadline) > at then
			        verdict = 'busy'
			      else
			        redis.call('ZREM', KEYS[5], id)
			        redis.call('XDEL', KEYS[1], id)
			        verdict = 'cancelled'
			      end
			    elseif #redis.call('XRANGE', KEYS[1], id, id) == 0 then
			      verdict = 'cancelled'
			    end
			  end
			  if verdict == 'write' then
			    redis.call('HSET', KEYS[4], key, 'F|' .. ARGV[1])
			  end
			  verdicts[#verdicts + 1] = verdict
			end
			return verdicts
			""";

	/**
	 * KEYS: written, writing. ARGV: consumer, success (1 or 0), then per key its
	 * coalescing key and ordering id. On success raises each key's high-water mark;
	 * either way clears the consumer's in-progress markers.
	 */
	static final String FINISH = COMPARE + """
			for i = 3, #ARGV, 2 do
			  local key, order = ARGV[i], ARGV[i + 1]
			  if ARGV[2] == '1' then
			    local written = redis.call('HGET', KEYS[1], key)
			    if not written or after(order, written) then
			      redis.call('HSET', KEYS[1], key, order)
			    end
			  end
			  if redis.call('HGET', KEYS[2], key) == 'F|' .. ARGV[1] then
			    redis.call('HDEL', KEYS[2], key)
			  end
			end
			return 1
			""";

	/**
	 * KEYS: stream, lease, writing. ARGV: coalescing key, token, ms the mark lasts.
	 * Returns nil while another write of the key is in progress; else marks the direct
	 * write and returns the id of the stream's last entry ({@code 0-0} when empty): every
	 * queued entry of the key is at or before it.
	 */
	static final String LOCK_DIRECT = COMPARE + """
			local at = now()
			local mark = redis.call('HGET', KEYS[3], ARGV[1])
			if active(mark, redis.call('GET', KEYS[2]), at) and mark ~= nil
			    and string.sub(mark, 1, #ARGV[2] + 2) ~= 'D|' .. ARGV[2] then
			  return false
			end
			redis.call('HSET', KEYS[3], ARGV[1], 'D|' .. ARGV[2] .. '|' .. (at + tonumber(ARGV[3])))
			local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
			if #last == 0 then return '0-0' end
			return last[1][1]
			""";

	/**
	 * KEYS: written, writing. ARGV: coalescing key, token, fence id, success (1 or 0).
	 * Clears the direct write's marker and, if it succeeded, raises the key's high-water
	 * mark to the fence, so that the queued entries it overtook are no-ops.
	 */
	static final String UNLOCK_DIRECT = COMPARE + """
			local mark = redis.call('HGET', KEYS[2], ARGV[1])
			if mark and string.sub(mark, 1, #ARGV[2] + 3) == 'D|' .. ARGV[2] .. '|' then
			  redis.call('HDEL', KEYS[2], ARGV[1])
			end
			if ARGV[4] == '1' and ARGV[3] ~= '0-0' then
			  local written = redis.call('HGET', KEYS[1], ARGV[1])
			  if not written or after(ARGV[3], written) then
			    redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
			  end
			end
			return 1
			""";

	/**
	 * KEYS: stream, unconfirmed. ARGV: ms the entry may stay unconfirmed, then the
	 * entry's fields and values. Appends an entry that no flusher writes until it is
	 * confirmed.
	 */
	static final String APPEND_UNCONFIRMED = COMPARE + """
			local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
			redis.call('ZADD', KEYS[2], now() + tonumber(ARGV[1]), id)
			return id
			""";

	/**
	 * KEYS: stream. ARGV: per entry, the number of its field and value arguments, then
	 * those. Appends the entries in order (a group commit: one round trip for the appends
	 * of concurrent calls) and returns their ids.
	 */
	static final String APPEND_ALL = """
			local ids = {}
			local i = 1
			while i <= #ARGV do
			  local n = tonumber(ARGV[i])
			  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 1, i + n))
			  i = i + n + 1
			end
			return ids
			""";

	/**
	 * KEYS: stream, unconfirmed. ARGV: per entry, the ms it may stay unconfirmed, the
	 * number of its field and value arguments, then those. {@link #APPEND_UNCONFIRMED}
	 * for a group of entries, in order; returns their ids.
	 */
	static final String APPEND_ALL_UNCONFIRMED = COMPARE + """
			local ids = {}
			local at = now()
			local i = 1
			while i <= #ARGV do
			  local n = tonumber(ARGV[i + 1])
			  local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 2, i + 1 + n))
			  redis.call('ZADD', KEYS[2], at + tonumber(ARGV[i]), id)
			  ids[#ids + 1] = id
			  i = i + n + 2
			end
			return ids
			""";

	/**
	 * KEYS: unconfirmed. ARGV: ids. Confirms entries the replicas have: returns, per id,
	 * 1 if it was still unconfirmed (a flusher may now write it), 0 if it was dropped.
	 */
	static final String CONFIRM_ALL = """
			local confirmed = {}
			for i = 1, #ARGV do
			  confirmed[i] = redis.call('ZREM', KEYS[1], ARGV[i])
			end
			return confirmed
			""";

	/**
	 * KEYS: stream, unconfirmed. ARGV: id. Removes an entry whose call failed, unless a
	 * flusher already dropped it. Returns 1 if it was still unconfirmed.
	 */
	static final String CANCEL = """
			if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
			  redis.call('XDEL', KEYS[1], ARGV[1])
			  return 1
			end
			return 0
			""";

	private WriteOrder() {
	}

}
