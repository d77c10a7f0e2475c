package io.github.tieredcache.internal.writebehind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;
import io.github.tieredcache.writebehind.WriteBehindException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Group commit of write-behind appends: the appends of concurrent calls share one
 * command, and none of them is acknowledged unless its own entry is in the stream. First
 * {@link GroupCommit} alone, driven step by step with latches (a sender that holds a
 * group until released); then against a real Redis, paused with {@code SIGSTOP} while 16
 * callers are mid-call.
 */
class WriteBehindGroupCommitTests {

	private static final Duration LONG = Duration.ofSeconds(30);

	@Test
	void aLoneCallGoesAtOnceAlone() {
		HeldSender sender = new HeldSender();
		sender.releaseAll();
		GroupCommit<String> commit = new GroupCommit<>(sender, 256);
		assertThat(commit.append("a", LONG)).isEqualTo("id-a");
		assertThat(sender.groups).containsExactly(List.of("a"));
	}

	@Test
	void callsArrivingWhileAGroupIsOnItsWayGoTogetherInArrivalOrder() throws Exception {
		HeldSender sender = new HeldSender();
		GroupCommit<String> commit = new GroupCommit<>(sender, 256);
		Calls calls = new Calls(commit);
		calls.start("first", LONG);
		sender.awaitGroups(1);
		// the first group is on its way: these wait, and arrive in this order
		startInTurn(commit, calls, 5);
		sender.releaseAll();
		calls.awaitAll();
		assertThat(sender.groups).containsExactly(List.of("first"),
				List.of("next-0", "next-1", "next-2", "next-3", "next-4"));
		// each call is handed the id of its own entry
		assertThat(calls.results).hasSize(6);
		calls.results.forEach((entry, result) -> assertThat(result).isEqualTo("id-" + entry));
	}

	@Test
	void aGroupIsAtMostMaxGroupEntries() throws Exception {
		HeldSender sender = new HeldSender();
		GroupCommit<String> commit = new GroupCommit<>(sender, 2);
		Calls calls = new Calls(commit);
		calls.start("first", LONG);
		sender.awaitGroups(1);
		startInTurn(commit, calls, 5);
		sender.releaseAll();
		calls.awaitAll();
		assertThat(sender.groups).containsExactly(List.of("first"), List.of("next-0", "next-1"),
				List.of("next-2", "next-3"), List.of("next-4"));
		assertThat(calls.results).hasSize(6);
		calls.results.forEach((entry, result) -> assertThat(result).isEqualTo("id-" + entry));
	}

	@Test
	void aCallWhoseTimeRunsOutWhileWaitingForItsTurnFailsAndIsNeverSent() throws Exception {
		HeldSender sender = new HeldSender();
		GroupCommit<String> commit = new GroupCommit<>(sender, 256);
		Calls calls = new Calls(commit);
		calls.start("first", LONG);
		sender.awaitGroups(1);
		// its time runs out while the first group is still on its way
		calls.start("hurried", Duration.ofMillis(50));
		await().atMost(Duration.ofSeconds(10)).until(() -> calls.failures.containsKey("hurried"));
		assertThat(calls.failures.get("hurried")).isInstanceOf(WriteBehindException.class)
			.hasMessageContaining("not sent");
		calls.start("later", LONG);
		await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() >= 1);
		sender.releaseAll();
		calls.awaitAll();
		assertThat(sender.groups).containsExactly(List.of("first"), List.of("later"));
		assertThat(calls.results).containsOnly(Map.entry("first", "id-first"), Map.entry("later", "id-later"));
	}

	@Test
	void aCallWhoseEntryWasSentWaitsForItsGroupsAnswerPastItsTurn() throws Exception {
		HeldSender sender = new HeldSender();
		GroupCommit<String> commit = new GroupCommit<>(sender, 256);
		Calls calls = new Calls(commit);
		calls.start("first", LONG);
		sender.awaitGroups(1);
		// 'leader' arrives first, so it leads the next group and 'sent' goes in it
		calls.start("leader", LONG);
		await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == 1);
		long started = System.nanoTime();
		Duration turn = Duration.ofSeconds(1);
		calls.start("sent", turn);
		await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == 2);
		sender.release(0);
		sender.awaitGroups(2);
		assertThat(sender.groups.get(1)).containsExactly("leader", "sent");
		// past its turn, its entry on its way: it waits for the answer
		await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - started > 2 * turn.toNanos());
		assertThat(calls.failures).isEmpty();
		assertThat(calls.results).containsOnlyKeys("first");
		sender.releaseAll();
		calls.awaitAll();
		assertThat(calls.results).containsEntry("sent", "id-sent").containsEntry("leader", "id-leader");
	}

	@Test
	void aFailedGroupFailsEachOfItsCallsAndNoOther() throws Exception {
		HeldSender sender = new HeldSender();
		sender.failGroup = 1;
		GroupCommit<String> commit = new GroupCommit<>(sender, 256);
		Calls calls = new Calls(commit);
		calls.start("first", LONG);
		sender.awaitGroups(1);
		calls.start("a", LONG);
		calls.start("b", LONG);
		await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == 2);
		sender.releaseAll();
		calls.awaitAll();
		// the first group answered; the second failed as a whole
		assertThat(calls.results).containsOnlyKeys("first");
		assertThat(calls.failures).containsOnlyKeys("a", "b");
		assertThat(calls.failures.get("a")).isInstanceOf(WriteBehindException.class).hasMessageContaining("refused");
		assertThat(commit.append("c", LONG)).isEqualTo("id-c");
	}

	@Test
	void aSenderThatFailsBeforeTakingFailsWhatWaitsAtOnce() {
		GroupCommit<String> commit = new GroupCommit<>((take) -> {
			throw new WriteBehindException("not sent: the circuit breaker is open", null);
		}, 256);
		assertThatExceptionOfType(WriteBehindException.class).isThrownBy(() -> commit.append("a", LONG))
			.withMessageContaining("circuit breaker");
		assertThat(commit.waiting()).isZero();
	}

	/**
	 * Start calls {@code next-0}, {@code next-1}, ... one by one, each once the previous
	 * one waits, so they arrive in that order.
	 */
	private static void startInTurn(GroupCommit<String> commit, Calls calls, int count) {
		for (int i = 0; i < count; i++) {
			calls.start("next-" + i, LONG);
			int waiting = i + 1;
			await().atMost(Duration.ofSeconds(10)).until(() -> commit.waiting() == waiting);
		}
	}

	/**
	 * 16 callers append in a loop; Redis is paused ({@code SIGSTOP}) while they are mid
	 * call, until every one of them has seen a call fail, then resumed. Every call that
	 * returned an id was acknowledged: that id is in the stream and holds that call's own
	 * entry. No id is handed to two calls.
	 */
	@Test
	void redisPausedWhile16CallersAreMidCallNeverAcknowledgesAMissingEntry() throws Exception {
		try (RedisServer redis = RedisServer.start()) {
			String prefix = "group-commit-" + UUID.randomUUID();
			runner(redis, prefix).withPropertyValues("tiered-cache.redis.command-timeout=300ms").run((context) -> {
				WriteBehindQueue queue = context.getBean(WriteBehindService.class).getQueue();
				int callers = 16;
				Map<String, String> acknowledged = new ConcurrentHashMap<>();
				Set<String> duplicates = ConcurrentHashMap.newKeySet();
				AtomicInteger failed = new AtomicInteger();
				Set<Integer> failedCallers = ConcurrentHashMap.newKeySet();
				Set<Integer> succeededAfterResume = ConcurrentHashMap.newKeySet();
				AtomicBoolean resumed = new AtomicBoolean();
				AtomicBoolean stop = new AtomicBoolean();
				AtomicInteger calls = new AtomicInteger();
				List<Thread> threads = new ArrayList<>();
				for (int c = 0; c < callers; c++) {
					int caller = c;
					Thread thread = new Thread(() -> {
						for (int n = 0; !stop.get(); n++) {
							String payload = caller + ":" + n;
							calls.incrementAndGet();
							try {
								String id = queue.append(
										StreamRecordFormat.batchWrite("stock:" + caller, "w",
												StreamRecordFormat.bytes(payload), StreamRecordFormat.bytes("v")),
										Duration.ofSeconds(30));
								if (acknowledged.put(id, payload) != null) {
									duplicates.add(id);
								}
								if (resumed.get()) {
									succeededAfterResume.add(caller);
								}
							}
							catch (WriteBehindException ex) {
								failed.incrementAndGet();
								failedCallers.add(caller);
							}
						}
					});
					threads.add(thread);
					thread.start();
				}
				await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 500);
				redis.pause();
				try {
					await().atMost(Duration.ofSeconds(60)).until(() -> failedCallers.size() == callers);
				}
				finally {
					redis.resume();
					resumed.set(true);
				}
				await().atMost(Duration.ofSeconds(60)).until(() -> succeededAfterResume.size() == callers);
				stop.set(true);
				for (Thread thread : threads) {
					thread.join(TimeUnit.SECONDS.toMillis(30));
				}
				Map<String, String> stream = streamEntries(redis, queue.getStream());
				List<String> missing = new ArrayList<>();
				acknowledged.forEach((id, payload) -> {
					if (!payload.equals(stream.get(id))) {
						missing.add(id + "=" + payload + " (stream: " + stream.get(id) + ")");
					}
				});
				assertThat(missing).as("acknowledged calls whose own entry is not in the stream").isEmpty();
				assertThat(duplicates).as("ids handed to two calls").isEmpty();
				assertThat(failed.get()).as("calls failed while Redis was paused").isPositive();
				assertThat(acknowledged.size() + failed.get()).isEqualTo(calls.get());
			});
		}
	}

	/**
	 * One caller writes one key 1..300 while 15 others write their own keys (so that its
	 * appends share commands with theirs): the key's entries are in the stream in call
	 * order, and the database ends with 300.
	 */
	@Test
	void oneCallersWritesOfAKeyStayInCallOrderAmongConcurrentCallers() throws Exception {
		try (RedisServer redis = RedisServer.start()) {
			String prefix = "group-commit-order-" + UUID.randomUUID();
			runner(redis, prefix).withPropertyValues("tiered-cache.write-behind.flush-interval=50ms").run((context) -> {
				WriteBehindQueue queue = context.getBean(WriteBehindService.class).getQueue();
				// another instance holds the lease: nothing is flushed until the
				// check, the stream keeps every entry
				String lease = WriteBehindQueue.companion(queue.getStream(), "lease");
				redis.command("SET", lease, "another-instance", "PX", "600000");
				Counters counters = context.getBean(Counters.class);
				AtomicBoolean stop = new AtomicBoolean();
				List<Thread> others = new ArrayList<>();
				for (int c = 1; c <= 15; c++) {
					long key = c;
					Thread thread = new Thread(() -> {
						for (long n = 1; !stop.get(); n++) {
							counters.set(key, n);
						}
					});
					others.add(thread);
					thread.start();
				}
				for (long n = 1; n <= 300; n++) {
					counters.set(0, n);
				}
				stop.set(true);
				for (Thread thread : others) {
					thread.join(TimeUnit.SECONDS.toMillis(30));
				}
				List<Long> values = new ArrayList<>();
				try (RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
						StatefulRedisConnection<byte[], byte[]> connection = client
							.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
					for (StreamMessage<byte[], byte[]> message : connection.sync()
						.xrange(StreamRecordFormat.bytes(queue.getStream()), io.lettuce.core.Range.create("-", "+"))) {
						Map<byte[], byte[]> fields = StreamRecordFormat.normalize(message.getBody());
						if (StreamRecordFormat.coalescingKey(fields).equals("counters:#long:0")) {
							List<?> value = (List<?>) context.getBean(io.github.tieredcache.core.ValueCodec.class)
								.decode(StreamRecordFormat.value(fields));
							values.add(((Number) value.get(0)).longValue());
						}
					}
				}
				List<Long> expected = new ArrayList<>();
				for (long n = 1; n <= 300; n++) {
					expected.add(n);
				}
				assertThat(values).isEqualTo(expected);
				assertThat(context.getBean(WriteBehindService.class).getFlusher().approximateBacklog())
					.isGreaterThan(300);
				// now flush: the database ends with the last call
				redis.command("DEL", lease);
				await().atMost(Duration.ofSeconds(60)).until(() -> queue.backlog() == 0);
				assertThat(Recorder.written.get(0L)).isEqualTo(300L);
			});
		}
	}

	private static ApplicationContextRunner runner(RedisServer redis, String prefix) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + redis.port(), "tiered-cache.key-prefix=" + prefix,
					"tiered-cache.serialization.allowed-packages=io.github", "tiered-cache.invalidation.enabled=false",
					"tiered-cache.redis.circuit-breaker.failure-threshold=1000000",
					// 16 busy callers on a small loaded machine: a command that times
					// out makes a call write through, which is not what the ordering
					// test is about
					"tiered-cache.redis.command-timeout=2s")
			.withUserConfiguration(CountersConfiguration.class);
	}

	private static Map<String, String> streamEntries(RedisServer redis, String stream) {
		Map<String, String> entries = new java.util.HashMap<>();
		try (RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
				StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
			for (StreamMessage<String, String> message : connection.sync()
				.xrange(stream, io.lettuce.core.Range.create("-", "+"))) {
				entries.put(message.getId(), message.getBody().get("cacheKey"));
			}
		}
		return entries;
	}

	@Configuration(proxyBeanMethods = false)
	static class CountersConfiguration {

		@Bean
		Counters counters() {
			return new Counters();
		}

		@Bean
		WriteBehindBatchWriter<Long, Long> recorder() {
			return new Recorder();
		}

	}

	public static class Counters {

		@WriteBehind(cache = "counters", key = "#id", value = "#value", batchWriter = "recorder")
		public void set(long id, long value) {
		}

	}

	static class Recorder implements WriteBehindBatchWriter<Long, Long> {

		static final Map<Long, Long> written = new ConcurrentHashMap<>();

		@Override
		public void writeAll(Map<Long, Long> entries) {
			written.putAll(entries);
		}

	}

	/**
	 * A sender that records each group and holds it until released; it may fail one.
	 */
	static final class HeldSender implements GroupCommit.Sender<String> {

		final List<List<String>> groups = new CopyOnWriteArrayList<>();

		volatile int failGroup = -1;

		private final Map<Integer, CountDownLatch> gates = new ConcurrentHashMap<>();

		private volatile boolean all;

		@Override
		public List<@Nullable String> send(Supplier<List<String>> take) {
			List<String> group = take.get();
			int index = this.groups.size();
			this.groups.add(group);
			if (!this.all) {
				try {
					gate(index).await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			if (index == this.failGroup) {
				throw new WriteBehindException("refused", null);
			}
			List<@Nullable String> ids = new ArrayList<>();
			group.forEach((entry) -> ids.add("id-" + entry));
			return ids;
		}

		private CountDownLatch gate(int index) {
			return this.gates.computeIfAbsent(index, (i) -> new CountDownLatch(1));
		}

		void release(int index) {
			gate(index).countDown();
		}

		void releaseAll() {
			this.all = true;
			this.gates.values().forEach(CountDownLatch::countDown);
		}

		void awaitGroups(int count) {
			await().atMost(Duration.ofSeconds(10)).until(() -> this.groups.size() >= count);
		}

	}

	/**
	 * Calls on threads of their own, each with its outcome recorded.
	 */
	static final class Calls {

		final Map<String, String> results = new ConcurrentHashMap<>();

		final Map<String, Throwable> failures = new ConcurrentHashMap<>();

		private final GroupCommit<String> commit;

		private final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());

		Calls(GroupCommit<String> commit) {
			this.commit = commit;
		}

		void start(String entry, Duration timeout) {
			Thread thread = new Thread(() -> {
				try {
					this.results.put(entry, this.commit.append(entry, timeout));
				}
				catch (RuntimeException ex) {
					this.failures.put(entry, ex);
				}
			});
			this.threads.add(thread);
			thread.start();
		}

		void awaitAll() throws InterruptedException {
			for (Thread thread : new HashSet<>(this.threads)) {
				thread.join(TimeUnit.SECONDS.toMillis(30));
				assertThat(thread.isAlive()).isFalse();
			}
		}

	}

}
