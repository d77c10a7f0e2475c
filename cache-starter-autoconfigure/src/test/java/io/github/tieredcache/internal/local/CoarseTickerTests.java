package io.github.tieredcache.internal.local;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The coarse clock's thread can be stopped, and the clock stays correct without it.
 */
class CoarseTickerTests {

	@Test
	void stoppedClockReadsTheSystemClock() {
		CoarseTicker ticker = CoarseTicker.get();
		CoarseTicker.stop();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> Thread.getAllStackTraces()
				.keySet()
				.stream()
				.noneMatch((thread) -> thread.getName().equals("tiered-cache-clock") && thread.isAlive()));
		long before = ticker.read();
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		assertThat(ticker.read() - before).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(4));
		long wall = CoarseTicker.wallClock().millis();
		assertThat(wall).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(1000L));
	}

}
