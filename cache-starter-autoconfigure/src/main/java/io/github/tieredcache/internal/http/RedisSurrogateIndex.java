package io.github.tieredcache.internal.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.tieredcache.internal.redis.RedisTier;

import org.springframework.util.StringUtils;

/**
 * The surrogate index of one response cache in Redis, shared by every instance: a
 * sequence counter, a marker per invalidated surrogate key holding the sequence number it
 * was invalidated at, and a sorted set of response keys per surrogate key, scored by when
 * each response expires (a registration removes the expired ones, so that a broad key's
 * set holds only the responses stored within the last TTL). A new counter starts at
 * Redis's clock in microseconds, and a registration is refused while the counter is below
 * the request's number, so that a Redis that lost its data (a restart without
 * persistence) while a handler ran does not let the handler's response in. All under one
 * hash tag ({@code {<prefix>:<cache>:surrogates}}), so that the two scripts that read and
 * write them run atomically, on a cluster too. Thread-safe.
 */
final class RedisSurrogateIndex implements SurrogateIndex {

	/**
	 * How long a marker is kept: longer than any handler runs.
	 */
	static final Duration MARKER_TTL = Duration.ofHours(1);

	private static final byte[] REGISTER = """
			local s0 = tonumber(ARGV[2])
			-- a counter below the request's number: Redis lost the markers since (a restart)
			if tonumber(redis.call('GET', KEYS[1]) or '0') < s0 then return 0 end
			for i = 5, #ARGV do
			  local v = redis.call('GET', ARGV[1] .. 'v:' .. ARGV[i])
			  if v and tonumber(v) > s0 then return 0 end
			end
			local ttl = tonumber(ARGV[3])
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			for i = 5, #ARGV do
			  local k = ARGV[1] .. 'z:' .. ARGV[i]
			  -- scored by when the response expires at the latest: expired ones go here
			  redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
			  redis.call('ZADD', k, now + ttl, ARGV[4])
			  if redis.call('PTTL', k) < ttl + 60000 then redis.call('PEXPIRE', k, ttl + 60000) end
			end
			return 1
			""".getBytes(StandardCharsets.UTF_8);

	private static final byte[] INVALIDATE = """
			local seq = redis.call('INCR', KEYS[1])
			if seq == 1 then
			  -- a new counter (first use, or Redis lost it) starts above any earlier one's value
			  local t = redis.call('TIME')
			  seq = tonumber(t[1]) * 1000000 + tonumber(t[2])
			  redis.call('SET', KEYS[1], seq)
			end
			redis.call('SET', ARGV[1] .. 'v:' .. ARGV[2], seq, 'PX', ARGV[3])
			local k = ARGV[1] .. 'z:' .. ARGV[2]
			local members = redis.call('ZRANGE', k, 0, -1)
			redis.call('DEL', k)
			return table.concat(members, ' ')
			""".getBytes(StandardCharsets.UTF_8);

	private final RedisTier redis;

	private final byte[] prefix;

	private final byte[] sequenceKey;

	RedisSurrogateIndex(RedisTier redis, String keyPrefix, String cacheName) {
		this.redis = redis;
		String tagged = "{" + keyPrefix + ":" + cacheName + ":surrogates}:";
		this.prefix = tagged.getBytes(StandardCharsets.UTF_8);
		this.sequenceKey = (tagged + "seq").getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public long sequence() {
		return this.redis.getCounter(this.sequenceKey);
	}

	@Override
	public boolean register(String responseKey, List<String> surrogateKeys, long sequence, Duration ttl) {
		byte[][] args = new byte[4 + surrogateKeys.size()][];
		args[0] = this.prefix;
		args[1] = ascii(Long.toString(sequence));
		// the set outlives the responses it indexes by a minute
		args[2] = ascii(Long.toString(ttl.toMillis()));
		args[3] = responseKey.getBytes(StandardCharsets.UTF_8);
		for (int i = 0; i < surrogateKeys.size(); i++) {
			args[4 + i] = surrogateKeys.get(i).getBytes(StandardCharsets.UTF_8);
		}
		Long reply = this.redis.evalInteger("index cached response", REGISTER, this.sequenceKey, args);
		return reply != null && reply == 1;
	}

	@Override
	public List<String> invalidate(String surrogateKey) {
		byte[] reply = this.redis.evalValue("invalidate surrogate key", INVALIDATE, this.sequenceKey, this.prefix,
				surrogateKey.getBytes(StandardCharsets.UTF_8), ascii(Long.toString(MARKER_TTL.toMillis())));
		if (reply == null) {
			return List.of();
		}
		String members = new String(reply, StandardCharsets.UTF_8);
		List<String> keys = new ArrayList<>();
		for (String key : StringUtils.tokenizeToStringArray(members, " ")) {
			keys.add(key);
		}
		return keys;
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
