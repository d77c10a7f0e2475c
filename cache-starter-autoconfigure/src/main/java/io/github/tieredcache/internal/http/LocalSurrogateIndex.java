package io.github.tieredcache.internal.http;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The surrogate index of a response cache that has no Redis tier: in this JVM alone, as
 * its responses are. Markers are kept {@link RedisSurrogateIndex#MARKER_TTL}, sets an
 * hour after their last use, each at most 100,000. Thread-safe (one lock).
 */
final class LocalSurrogateIndex implements SurrogateIndex {

	private static final int MAXIMUM = 100_000;

	private long sequence;

	private final Cache<String, Long> markers = Caffeine.newBuilder()
		.expireAfterWrite(RedisSurrogateIndex.MARKER_TTL)
		.maximumSize(MAXIMUM)
		.build();

	private final Cache<String, Set<String>> members = Caffeine.newBuilder()
		.expireAfterAccess(Duration.ofHours(1))
		.maximumSize(MAXIMUM)
		.build();

	@Override
	public synchronized long sequence() {
		return this.sequence;
	}

	@Override
	public synchronized boolean register(String responseKey, List<String> surrogateKeys, long sequence, Duration ttl) {
		for (String surrogateKey : surrogateKeys) {
			Long marker = this.markers.getIfPresent(surrogateKey);
			if (marker != null && marker > sequence) {
				return false;
			}
		}
		for (String surrogateKey : surrogateKeys) {
			this.members.get(surrogateKey, (key) -> new HashSet<>()).add(responseKey);
		}
		return true;
	}

	@Override
	public synchronized List<String> invalidate(String surrogateKey) {
		this.sequence++;
		this.markers.put(surrogateKey, this.sequence);
		Set<String> indexed = this.members.asMap().remove(surrogateKey);
		return (indexed != null) ? List.copyOf(indexed) : List.of();
	}

}
