package io.github.tieredcache.local;

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

}
