package io.github.tieredcache.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReadThroughCache} against a real Redis.
 */
class ReadThroughCacheTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "read-through-" + UUID.randomUUID();

	private LettuceConnectionFactory connectionFactory;

	private TieredCacheManager instanceA;

	private TieredCacheManager instanceB;

	private final AtomicInteger loads = new AtomicInteger();

	private final List<Set<Long>> batches = new ArrayList<>();

	@BeforeEach
	void setUp() {
		this.connectionFactory = this.redis.connectionFactory();
		this.instanceA = manager();
		this.instanceB = manager();
	}

	private TieredCacheManager manager() {
		return TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix(this.prefix)
			.executor(Runnable::run)
			.build();
	}

	@AfterEach
	void tearDown() {
		this.connectionFactory.destroy();
	}

	private String load(Long id) {
		this.loads.incrementAndGet();
		return (id < 100) ? "name-" + id : null;
	}

	private Map<Long, String> loadBatch(Set<Long> ids) {
		this.batches.add(Set.copyOf(ids));
		Map<Long, String> loaded = new LinkedHashMap<>();
		for (Long id : ids) {
			if (id < 100) {
				loaded.put(id, "name-" + id);
			}
		}
		return loaded;
	}

	@Test
	void getLoadsOnAMissOnly() {
		ReadThroughCache<Long, String> names = this.instanceA.readThrough("names", this::load);
		assertThat(names.get(1L)).isEqualTo("name-1");
		assertThat(names.get(1L)).isEqualTo("name-1");
		assertThat(this.loads).hasValue(1);
		assertThat(this.instanceB.readThrough("names", this::load).get(1L)).isEqualTo("name-1");
		assertThat(this.loads).hasValue(1);
	}

	@Test
	void getAllReadsLocalThenOneMgetThenOneBatchLoad() {
		ReadThroughCache<Long, String> onA = this.instanceA.readThrough("names", this::load, this::loadBatch);
		ReadThroughCache<Long, String> onB = this.instanceB.readThrough("names", this::load, this::loadBatch);
		onB.get(1L); // in B's L1 and in Redis
		onA.get(2L); // in Redis only, as far as B knows
		this.loads.set(0);
		long mgetsBefore = mgetCalls();
		Map<Long, String> all = onB.getAll(List.of(1L, 2L, 3L, 4L, 200L));
		assertThat(all).containsExactly(Map.entry(1L, "name-1"), Map.entry(2L, "name-2"), Map.entry(3L, "name-3"),
				Map.entry(4L, "name-4"));
		assertThat(mgetCalls() - mgetsBefore).isEqualTo(1);
		assertThat(this.batches).containsExactly(Set.of(3L, 4L, 200L));
		assertThat(this.loads).hasValue(0);
		// the loaded values are now in Redis for other instances
		assertThat(onA.getAll(List.of(3L, 4L))).hasSize(2);
		assertThat(this.batches).hasSize(1);
	}

	@Test
	void getAllWithoutABatchLoaderLoadsKeyByKey() {
		ReadThroughCache<Long, String> names = this.instanceA.readThrough("names", this::load);
		assertThat(names.getAll(List.of(5L, 6L, 500L))).containsOnlyKeys(5L, 6L);
		assertThat(this.loads).hasValue(3);
	}

	@Test
	void invalidateRemovesFromBothTiers() {
		ReadThroughCache<Long, String> names = this.instanceA.readThrough("names", this::load);
		names.get(7L);
		names.invalidate(7L);
		names.get(7L);
		assertThat(this.loads).hasValue(2);
	}

	private long mgetCalls() {
		String stats = this.redis.command("INFO", "commandstats");
		Matcher matcher = Pattern.compile("cmdstat_mget:calls=(\\d+)").matcher(stats);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

}
