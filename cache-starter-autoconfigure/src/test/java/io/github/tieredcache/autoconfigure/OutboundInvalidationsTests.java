package io.github.tieredcache.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.autoconfigure.EventTestSupport.ProductChanged;
import io.github.tieredcache.autoconfigure.EventTestSupport.RecorderConfiguration;
import io.github.tieredcache.core.CacheInvalidatedEvent;
import io.github.tieredcache.core.CacheInvalidatedEvent.Origin;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.events.OutboundInvalidations;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.tieredcache.autoconfigure.EventTestSupport.products;
import static io.github.tieredcache.autoconfigure.EventTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@code tiered-cache.invalidation.publish.channel} against a real Redis: a raw
 * {@code PSUBSCRIBE} client, as a system without the starter would use, sees each
 * invalidation once, in the documented format.
 */
class OutboundInvalidationsTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "outbound-" + UUID.randomUUID();

	private final String channels = "o" + UUID.randomUUID().toString().substring(0, 8);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withUserConfiguration(RecorderConfiguration.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=" + this.prefix, "tiered-cache.invalidation.heartbeat-interval=200ms",
				"tiered-cache.invalidation.publish.channel=" + this.channels + ":{cache}:{key}:invalidated",
				"tiered-cache.invalidation.events.product-changed.source=application-event",
				"tiered-cache.invalidation.events.product-changed.channel=" + ProductChanged.class.getName(),
				"tiered-cache.invalidation.events.product-changed.cache=products",
				"tiered-cache.invalidation.events.product-changed.key=#event.productId",
				"tiered-cache.invalidation.events.product-changed.key-type=java.lang.Long");

	@Test
	void eachInvalidationIsPublishedOnceByTheInstanceThatPerformedIt() throws Exception {
		try (Subscriber subscriber = new Subscriber(this.redis, this.channels + ":*")) {
			this.runner.run((first) -> this.runner.run((second) -> {
				awaitReady(first);
				awaitReady(second);
				// the other instance has the cache, so it hears of every invalidation
				products(second);
				TieredCache products = products(first);
				products.put(42L, "v1");
				products.evict(42L);
				products.clear();
				first.publishEvent(new ProductChanged(7));
				await().atMost(WAIT)
					.until(() -> recorded(second).stream()
						.filter((event) -> event.getOrigin() == Origin.REMOTE)
						.count() >= 4);
				// published after any REMOTE publication the second would (wrongly) make
				products(second).evict("marker");
				List<List<String>> messages = subscriber.receiveUntil(this.channels + ":products:marker:invalidated");
				assertThat(messages).extracting((message) -> message.get(0))
					.containsExactlyInAnyOrder(this.channels + ":products:42:invalidated",
							this.channels + ":products:*:invalidated", this.channels + ":products:7:invalidated",
							this.channels + ":products:marker:invalidated");
				Map<String, Object> evict = json(messages, this.channels + ":products:42:invalidated");
				assertThat(evict).containsExactly(entry("cache", "products"), entry("key", "42"),
						entry("encodedKey", "#long:42"), entry("allEntries", false), entry("origin", "LOCAL"),
						entry("event", null));
				assertThat(json(messages, this.channels + ":products:*:invalidated")).containsEntry("allEntries", true)
					.containsEntry("key", null);
				assertThat(json(messages, this.channels + ":products:7:invalidated"))
					.containsEntry("origin", "INBOUND_EVENT")
					.containsEntry("event", "product-changed");
				assertThat(first.getBean(OutboundInvalidations.class).published()).isEqualTo(3);
				await().atMost(WAIT).until(() -> second.getBean(OutboundInvalidations.class).published() == 1);
			}));
		}
	}

	@Test
	void offByDefaultAndAMalformedTemplateFailsStartUp() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port())
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(OutboundInvalidations.class));
		this.runner.withPropertyValues("tiered-cache.invalidation.publish.channel={cache}:{id}").run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
				cause = cause.getCause();
			}
			assertThat(cause).isNotNull();
			assertThat(((InvalidConfigurationPropertyValueException) cause).getName())
				.isEqualTo("tiered-cache.invalidation.publish.channel");
		});
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> json(List<List<String>> messages, String channel) {
		String body = messages.stream().filter((message) -> message.get(0).equals(channel)).findFirst().get().get(1);
		return JsonMapper.builder().build().readValue(body, Map.class);
	}

	private static void awaitReady(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		await().atMost(WAIT).until(() -> context.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
	}

	/**
	 * A raw RESP {@code PSUBSCRIBE} client: what a system without the starter runs.
	 */
	static final class Subscriber implements AutoCloseable {

		private final Socket socket = new Socket();

		private final BlockingQueue<List<String>> messages = new LinkedBlockingQueue<>();

		Subscriber(RedisServer redis, String pattern) throws IOException {
			this.socket.connect(new InetSocketAddress(redis.host(), redis.port()), 1000);
			OutputStream out = this.socket.getOutputStream();
			out.write(("*2\r\n$10\r\nPSUBSCRIBE\r\n$" + pattern.getBytes(StandardCharsets.UTF_8).length + "\r\n"
					+ pattern + "\r\n")
				.getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = this.socket.getInputStream();
			// the subscription's confirmation: psubscribe, pattern, count
			assertThat(readArray(in).get(0)).isEqualTo("psubscribe");
			Thread reader = new Thread(() -> {
				try {
					while (true) {
						List<String> reply = readArray(in);
						// pmessage, pattern, channel, message
						this.messages.add(List.of(reply.get(2), reply.get(3)));
					}
				}
				catch (IOException ex) {
					// closed
				}
			}, "raw-subscriber");
			reader.setDaemon(true);
			reader.start();
		}

		List<List<String>> receiveUntil(String channel) throws InterruptedException {
			List<List<String>> received = new ArrayList<>();
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (received.isEmpty() || !received.get(received.size() - 1).get(0).equals(channel)) {
				List<String> message = this.messages.poll(Math.max(1, deadline - System.nanoTime()),
						TimeUnit.NANOSECONDS);
				assertThat(message).as("a message on %s (received %s)", channel, received).isNotNull();
				received.add(message);
			}
			return received;
		}

		private static List<String> readArray(InputStream in) throws IOException {
			String header = readLine(in);
			if (!header.startsWith("*")) {
				throw new IOException("Not an array: " + header);
			}
			List<String> elements = new ArrayList<>();
			for (int i = Integer.parseInt(header.substring(1)); i > 0; i--) {
				String line = readLine(in);
				if (line.startsWith("$")) {
					int length = Integer.parseInt(line.substring(1));
					byte[] body = in.readNBytes(length + 2);
					elements.add(new String(body, 0, length, StandardCharsets.UTF_8));
				}
				else {
					elements.add(line.substring(1));
				}
			}
			return elements;
		}

		private static String readLine(InputStream in) throws IOException {
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = in.read()) != '\n') {
				if (c == -1) {
					throw new IOException("closed");
				}
				if (c != '\r') {
					line.append((char) c);
				}
			}
			return line.toString();
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

}
