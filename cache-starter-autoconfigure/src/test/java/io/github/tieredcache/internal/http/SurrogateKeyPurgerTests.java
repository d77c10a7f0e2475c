package io.github.tieredcache.internal.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.github.tieredcache.autoconfigure.TieredCacheAutoConfiguration;
import io.github.tieredcache.autoconfigure.TieredCacheHttpAutoConfiguration;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.DaemonThreads;
import io.github.tieredcache.testsupport.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SurrogateKeyPurger} against real HTTP servers (the JDK's, recording
 * what a proxy would receive): batches in the {@code xkey-purge} header, URL purges,
 * retries, failures and drops counted, the caller never blocked, and the purge of a data
 * write through the auto-configured application.
 */
@ExtendWith(OutputCaptureExtension.class)
class SurrogateKeyPurgerTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final List<Proxy> proxies = new ArrayList<>();

	private final List<Duration> backoffs = new CopyOnWriteArrayList<>();

	private SurrogateKeyPurger purger;

	@BeforeEach
	void proxies() throws IOException {
		this.proxies.add(new Proxy());
		this.proxies.add(new Proxy());
	}

	@AfterEach
	void stop() {
		if (this.purger != null) {
			this.purger.stop();
		}
		this.proxies.forEach(Proxy::close);
	}

	private SurrogateKeyPurger start(SurrogateKeyPurger.Mode mode, int queueCapacity, boolean start) {
		this.purger = new SurrogateKeyPurger(
				new SurrogateKeyPurger.Settings(this.proxies.stream().map(Proxy::url).toList(), "PURGE", mode,
						"xkey-purge", Map.of("products", "/products/{key}"), 3, Duration.ofMillis(5),
						Duration.ofSeconds(2), queueCapacity, 32),
				DaemonThreads.single("purge-test"), (duration) -> this.backoffs.add(duration));
		if (start) {
			this.purger.start();
		}
		return this.purger;
	}

	@Test
	void xkeyModeSendsTheKeysInTheHeaderToEveryProxy() {
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.XKEY, 100, true);
		purger.invalidated("products:42");
		for (Proxy proxy : this.proxies) {
			await().atMost(WAIT).until(() -> !proxy.received.isEmpty());
			assertThat(proxy.received.peek()).isEqualTo("PURGE / xkey-purge=products:42");
		}
		await().atMost(WAIT).until(() -> purger.sent() == 2);
		assertThat(purger.failed()).isZero();
		assertThat(purger.dropped()).isZero();
	}

	@Test
	void keysQueuedWhileAProxyIsSlowGoInOneBatchAndTheCallerNeverWaits() throws Exception {
		Proxy slow = this.proxies.get(0);
		slow.gate = new CountDownLatch(1);
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.XKEY, 100, true);
		purger.invalidated("products:1");
		assertThat(slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
		// the sender is held by the proxy; these return at once all the same
		purger.invalidated("products:2");
		purger.invalidated("products:3");
		purger.invalidated("products");
		assertThat(purger.sent()).isZero();
		assertThat(purger.queued()).isEqualTo(3);
		slow.gate.countDown();
		await().atMost(WAIT).until(() -> purger.sent() == 4);
		assertThat(slow.received).containsExactly("PURGE / xkey-purge=products:1",
				"PURGE / xkey-purge=products:2 products:3 products");
	}

	@Test
	void urlModePurgesThePathOfTheKeysCacheAndSkipsKeysWithoutOne(CapturedOutput output) {
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.URL, 100, true);
		purger.invalidated("products:42");
		purger.invalidated("products:a b/c");
		purger.invalidated("orders:7");
		await().atMost(WAIT).until(() -> purger.sent() == 4);
		for (Proxy proxy : this.proxies) {
			assertThat(proxy.received).containsExactly("PURGE /products/42 xkey-purge=null",
					"PURGE /products/a%20b%2Fc xkey-purge=null");
		}
		await().atMost(WAIT).until(() -> purger.skipped() == 1);
		assertThat(output).contains("surrogate key 'orders:7' has no purge URL");
	}

	@Test
	void failedRequestsAreRetriedWithDoublingBackOffAndCounted(CapturedOutput output) {
		Proxy flaky = this.proxies.get(0);
		flaky.statuses.add(503);
		flaky.statuses.add(500);
		Proxy down = this.proxies.get(1);
		for (int i = 0; i < 3; i++) {
			down.statuses.add(502);
		}
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.XKEY, 100, true);
		purger.invalidated("products:42");
		await().atMost(WAIT).until(() -> purger.sent() + purger.failed() == 2);
		assertThat(purger.sent()).as("the flaky proxy, on its third attempt").isOne();
		assertThat(purger.failed()).as("the proxy that never answered 2xx").isOne();
		assertThat(purger.retried()).isEqualTo(4);
		assertThat(flaky.received).hasSize(3);
		assertThat(down.received).hasSize(3);
		assertThat(this.backoffs).containsExactlyInAnyOrder(Duration.ofMillis(5), Duration.ofMillis(10),
				Duration.ofMillis(5), Duration.ofMillis(10));
		assertThat(output)
			.contains("purge of [products:42] at " + down.url() + " failed after 3 attempt(s): status 502");
	}

	@Test
	void keysBeyondTheQueueAreDroppedCountedAndLogged(CapturedOutput output) throws Exception {
		Proxy slow = this.proxies.get(0);
		slow.gate = new CountDownLatch(1);
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.XKEY, 2, true);
		purger.invalidated("products:1");
		assertThat(slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
		purger.invalidated("products:2");
		purger.invalidated("products:3");
		purger.invalidated("products:4");
		assertThat(purger.dropped()).isOne();
		assertThat(output).contains("1 surrogate-key purge(s) dropped (such as 'products:4')")
			.contains("tiered-cache.http.purge.queue-capacity");
		slow.gate.countDown();
		await().atMost(WAIT).until(() -> purger.sent() == 4);
	}

	/**
	 * Keys still queued when the purger stops (the context closes, the JVM shuts down)
	 * are dropped: counted and logged, even right after another drop's warning (which
	 * holds back the next ones for ten seconds, and there is no next one after a stop).
	 */
	@Test
	void keysQueuedAtStopAreDroppedCountedAndLoggedEvenRightAfterAnotherDrop(CapturedOutput output) throws Exception {
		Proxy slow = this.proxies.get(0);
		slow.gate = new CountDownLatch(1);
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.XKEY, 2, true);
		purger.invalidated("products:1");
		assertThat(slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
		purger.invalidated("products:2");
		purger.invalidated("products:3");
		purger.invalidated("products:4");
		assertThat(output).contains("1 surrogate-key purge(s) dropped (such as 'products:4')");
		purger.stop();
		slow.gate.countDown();
		assertThat(purger.dropped()).as("the full queue's key, and the two queued at stop").isEqualTo(3);
		assertThat(output).as("the keys queued at stop are logged")
			.contains("2 surrogate-key purge(s) dropped (such as 'products:2')");
	}

	@Test
	void nothingIsSentBeforeStartAndKeysThenAreDroppedVisibly(CapturedOutput output) {
		SurrogateKeyPurger purger = start(SurrogateKeyPurger.Mode.XKEY, 100, false);
		purger.invalidated("products:1");
		assertThat(purger.dropped()).isOne();
		assertThat(output).contains("the purger is not running");
		assertThat(this.proxies.get(0).received).isEmpty();
	}

	@Test
	void aDataWriteInTheApplicationIsPurgedOnceWithMetrics() {
		Proxy proxy = this.proxies.get(0);
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
							WebMvcAutoConfiguration.class, TieredCacheHttpAutoConfiguration.class))
			.withUserConfiguration(Metrics.class)
			.withPropertyValues("spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=" + RedisServer.shared().port(),
					"tiered-cache.key-prefix=purge-" + UUID.randomUUID(), "tiered-cache.http.purge.urls=" + proxy.url(),
					"tiered-cache.http.purge.backoff=1ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(SurrogateKeyPurger.class);
				SurrogateKeyPurger purger = context.getBean(SurrogateKeyPurger.class);
				assertThat(purger.isRunning()).as("started by the context's lifecycle").isTrue();
				TieredCacheManager manager = context.getBean(TieredCacheManager.class);
				manager.getCache("products").put(42L, "v2");
				manager.getCache("products").get(42L);
				await().atMost(WAIT).until(() -> purger.sent() == 1);
				assertThat(proxy.received).containsExactly("PURGE / xkey-purge=products:42");
				SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
				context.getBean(io.micrometer.core.instrument.binder.MeterBinder.class).bindTo(registry);
				assertThat(registry.get("tiered.cache.http.purges").tag("outcome", "sent").functionCounter().count())
					.isEqualTo(1.0);
				assertThat(registry.get("tiered.cache.http.purges").tag("outcome", "dropped").functionCounter().count())
					.isZero();
			});
	}

	@Test
	void noPurgerWithoutUrls() {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(TieredCacheAutoConfiguration.class, TieredCacheHttpAutoConfiguration.class))
			.withPropertyValues("tiered-cache.redis.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SurrogateKeyPurger.class)
				.hasSingleBean(SurrogateKeyInvalidations.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class Metrics {

		@Bean
		SimpleMeterRegistry simpleMeterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	/**
	 * A stand-in for a proxy: records each request as
	 * {@code <method> <path> xkey-purge=<header>}, answers the queued statuses, then 200.
	 */
	static final class Proxy {

		final HttpServer server;

		final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();

		final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();

		final CountDownLatch entered = new CountDownLatch(1);

		volatile CountDownLatch gate;

		Proxy() throws IOException {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
			this.server.createContext("/", (exchange) -> {
				this.received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
						+ " xkey-purge=" + exchange.getRequestHeaders().getFirst("xkey-purge"));
				this.entered.countDown();
				CountDownLatch gate = this.gate;
				if (gate != null) {
					try {
						gate.await(10, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
				Integer status = this.statuses.poll();
				exchange.sendResponseHeaders((status != null) ? status : 200, -1);
				exchange.close();
			});
			this.server.start();
		}

		URI url() {
			return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/");
		}

		void close() {
			this.server.stop(0);
		}

	}

}
