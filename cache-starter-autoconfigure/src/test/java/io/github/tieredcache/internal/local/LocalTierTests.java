package io.github.tieredcache.internal.local;

import java.time.Duration;

import io.github.tieredcache.testsupport.FakeTicker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LocalTier}, with time driven by a fake ticker.
 */
class LocalTierTests {

	private final FakeTicker ticker = new FakeTicker();

	private final LocalTier tier = new LocalTier(Duration.ofSeconds(60), 100, this.ticker, Runnable::run,
			new FillGuard());

	@Test
	void entriesLiveForTheTiersTtl() {
		this.tier.put("k", "v", Duration.ofSeconds(60));
		this.ticker.advance(Duration.ofSeconds(59));
		assertThat(this.tier.get("k")).isEqualTo("v");
		this.ticker.advance(Duration.ofSeconds(2));
		assertThat(this.tier.get("k")).isNull();
	}

	@Test
	void shorterTtlsAreKeptPerEntry() {
		this.tier.put("short", "v", Duration.ofSeconds(5));
		this.tier.put("long", "v", Duration.ofHours(1));
		this.ticker.advance(Duration.ofSeconds(4));
		assertThat(this.tier.get("short")).isEqualTo("v");
		this.ticker.advance(Duration.ofSeconds(2));
		assertThat(this.tier.get("short")).isNull();
		assertThat(this.tier.get("long")).isEqualTo("v");
		this.ticker.advance(Duration.ofSeconds(55));
		assertThat(this.tier.get("long")).as("cut to the tier's TTL").isNull();
	}

	@Test
	void putIfAbsentReplacesAnEntryPastItsOwnDeadline() {
		this.tier.put("k", "old", Duration.ofSeconds(5));
		assertThat(this.tier.putIfAbsent("k", "new", Duration.ofSeconds(60))).isEqualTo("old");
		this.ticker.advance(Duration.ofSeconds(6));
		assertThat(this.tier.putIfAbsent("k", "new", Duration.ofSeconds(60))).isNull();
		assertThat(this.tier.get("k")).isEqualTo("new");
	}

	@Test
	void removeAndClear() {
		this.tier.put("a", "1", Duration.ofSeconds(60));
		this.tier.put("b", "2", Duration.ofSeconds(60));
		assertThat(this.tier.remove("a")).isTrue();
		assertThat(this.tier.remove("a")).isFalse();
		assertThat(this.tier.clear()).isTrue();
		assertThat(this.tier.get("b")).isNull();
		assertThat(this.tier.clear()).isFalse();
	}

	/**
	 * A put racing an eviction of the same key in one JVM: the put's Redis write, the
	 * eviction (Redis, then L1), then the put's L1 write. The put must not leave the
	 * evicted value in L1 while Redis has none: its L1 write is refused, and the key
	 * removed.
	 */
	@Test
	void writeRacingAnEvictionIsNotInstalled() {
		FillGuard guard = new FillGuard();
		LocalTier tier = new LocalTier(Duration.ofSeconds(60), 100, this.ticker, Runnable::run, guard);
		tier.write("k", "before", Duration.ofSeconds(60), guard.stamp());
		long putBegan = guard.stamp();
		tier.remove("k");
		assertThat(tier.write("k", "evicted-meanwhile", Duration.ofSeconds(60), putBegan)).isFalse();
		assertThat(tier.get("k")).isNull();
		assertThat(tier.write("k", "later", Duration.ofSeconds(60), guard.stamp())).isTrue();
		assertThat(tier.get("k")).isEqualTo("later");
	}

}
