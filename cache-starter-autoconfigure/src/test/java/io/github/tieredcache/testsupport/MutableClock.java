package io.github.tieredcache.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when a test advances it.
 */
public final class MutableClock extends Clock {

	private final AtomicLong millis = new AtomicLong(1_800_000_000_000L);

	public void advance(Duration duration) {
		this.millis.addAndGet(duration.toMillis());
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return this;
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(this.millis.get());
	}

	@Override
	public long millis() {
		return this.millis.get();
	}

}
