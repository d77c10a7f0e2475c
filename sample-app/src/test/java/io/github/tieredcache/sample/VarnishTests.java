package io.github.tieredcache.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.testsupport.VarnishServer;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app behind a real shared cache nobody here wrote: Varnish 7 with the
 * {@code xkey} vmod ({@link VarnishServer}), started on a free port in front of the app
 * (itself on a free port, its purge client pointed at Varnish). The app counts the
 * requests that reach it. One app and one Varnish for the class (each takes seconds to
 * start); the stale-if-error test stops the app, so it runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VarnishTests {

	private static final String NAME = "varnish-" + UUID.randomUUID();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private int appPort;

	private VarnishServer varnish;

	private ConfigurableApplicationContext app;

	private RequestCounter requests;

	@BeforeAll
	void start() throws IOException {
		this.appPort = freePort();
		// Varnish first: the app's purge client needs its address; its health probe finds
		// the app once it is up
		this.varnish = VarnishServer.start(this.appPort, "/actuator/health");
		// command-line arguments: they win over the sample's application.yml
		this.app = new SpringApplicationBuilder(SampleApplication.class, RequestCounter.class).run(
				"--server.port=" + this.appPort, "--spring.data.redis.port=" + RedisServer.shared().port(),
				"--spring.datasource.url=jdbc:h2:mem:" + NAME + ";DB_CLOSE_DELAY=-1",
				"--tiered-cache.key-prefix=" + NAME, "--spring.profiles.active=varnish",
				"--tiered-cache.http.purge.urls=" + this.varnish.url(""),
				// the category pages go stale after 1 s, for the stale-if-error test (a
				// list
				// is replaced as a whole, so the rule is given in full)
				"--tiered-cache.http.rules[0].path=/categories/**", "--tiered-cache.http.rules[0].max-age=1m",
				"--tiered-cache.http.rules[0].s-max-age=1s", "--tiered-cache.http.rules[0].stale-if-error=1d");
		this.requests = this.app.getBean(RequestCounter.class);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.app.getBean(TieredCacheManager.class).getInvalidationBus().isHealthy());
		// Varnish fetches from a backend its probe found healthy only
		await().atMost(Duration.ofSeconds(20)).until(() -> get("/actuator/health").statusCode() == 200);
	}

	@AfterAll
	void stop() {
		if (this.app != null) {
			this.app.close();
		}
		if (this.varnish != null) {
			this.varnish.close();
		}
	}

	@Test
	@Order(1)
	void publicResponseWithinSMaxAgeIsServedByVarnishWithoutReachingTheApp() throws Exception {
		HttpResponse<String> first = get("/products/1");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("Cache-Control"))
			.hasValueSatisfying((cacheControl) -> assertThat(cacheControl).contains("public").contains("s-maxage=300"));
		assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
		assertThat(this.requests.count("/products/1")).isEqualTo(1);

		for (int i = 0; i < 3; i++) {
			HttpResponse<String> again = get("/products/1");
			assertThat(again.statusCode()).isEqualTo(200);
			assertThat(again.headers().firstValue("X-Cache")).hasValue("HIT");
			assertThat(again.body()).isEqualTo(first.body());
			assertThat(again.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
		}
		assertThat(this.requests.count("/products/1")).as("requests that reached the app").isEqualTo(1);
	}

	@Test
	@Order(2)
	void privateAndAuthenticatedResponsesAreNeverServedToAnotherClient() throws Exception {
		HttpResponse<String> alice = get("/me/products/1", "alice");
		assertThat(alice.statusCode()).isEqualTo(200);
		assertThat(alice.body()).contains("\"member\":\"alice\"");
		assertThat(alice.headers().firstValue("Cache-Control")).hasValueSatisfying(
				(cacheControl) -> assertThat(cacheControl).contains("private").doesNotContain("s-maxage"));

		HttpResponse<String> bob = get("/me/products/1", "bob");
		assertThat(bob.statusCode()).isEqualTo(200);
		assertThat(bob.body()).contains("\"member\":\"bob\"").doesNotContain("alice");
		HttpResponse<String> anonymous = get("/me/products/1");
		assertThat(anonymous.statusCode()).isEqualTo(401);
		assertThat(anonymous.body()).doesNotContain("alice");
		assertThat(this.requests.count("/me/products/1")).as("every request reached the app").isEqualTo(3);

		// the public product page under AUTO: private when the request is authenticated,
		// so Varnish does not keep alice's copy for the next client
		HttpResponse<String> alicePage = get("/products/2", "alice");
		assertThat(alicePage.headers().firstValue("Cache-Control"))
			.hasValueSatisfying((cacheControl) -> assertThat(cacheControl).contains("private"));
		assertThat(alicePage.headers().firstValue("X-Cache")).hasValue("PASS");
		HttpResponse<String> anonymousPage = get("/products/2");
		assertThat(anonymousPage.headers().firstValue("X-Cache")).hasValue("MISS");
		assertThat(anonymousPage.headers().firstValue("Cache-Control"))
			.hasValueSatisfying((cacheControl) -> assertThat(cacheControl).contains("public"));
		assertThat(this.requests.count("/products/2")).isEqualTo(2);
	}

	@Test
	@Order(3)
	void priceChangeThroughTheAppPurgesTheProductPageFromVarnish() throws Exception {
		assertThat(get("/products/3").body()).contains("\"price\":3.5");
		assertThat(get("/products/3").headers().firstValue("X-Cache")).hasValue("HIT");
		assertThat(this.requests.count("/products/3")).isEqualTo(1);

		HttpResponse<String> changed = this.http
			.send(HttpRequest.newBuilder(URI.create(this.varnish.url("/products/3/price")))
				.header("Content-Type", "application/json")
				.PUT(HttpRequest.BodyPublishers.ofString("4.20"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(changed.statusCode()).isEqualTo(200);

		// the purge is asynchronous: the page leaves Varnish shortly after the write
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(get("/products/3").body()).contains("\"price\":4.2"));
		assertThat(this.requests.count("/products/3")).as("the page was fetched again after the purge").isEqualTo(2);
		assertThat(get("/products/3").headers().firstValue("X-Cache")).hasValue("HIT");
	}

	@Test
	@Order(4)
	void withTheAppStoppedVarnishServesTheStalePageWithinStaleIfError() throws Exception {
		HttpResponse<String> fresh = get("/categories?ids=1,2");
		assertThat(fresh.statusCode()).isEqualTo(200);
		assertThat(fresh.headers().firstValue("Cache-Control")).hasValueSatisfying(
				(cacheControl) -> assertThat(cacheControl).contains("s-maxage=1").contains("stale-if-error=86400"));
		assertThat(fresh.headers().firstValue("X-Cache")).hasValue("MISS");

		this.app.close();
		assertThat(accepts(this.appPort)).as("the app is down").isFalse();

		// once its probe has found the app down, Varnish serves the page past its
		// s-maxage (1 s) from grace, as stale-if-error allows
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			HttpResponse<String> stale = get("/categories?ids=1,2");
			assertThat(stale.statusCode()).isEqualTo(200);
			assertThat(stale.headers().firstValue("Age").map(Integer::parseInt))
				.hasValueSatisfying((age) -> assertThat(age).isGreaterThan(1));
			assertThat(stale.body()).isEqualTo(fresh.body());
		});
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create(this.varnish.url(path))).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path, String member) throws IOException, InterruptedException {
		String credentials = Base64.getEncoder().encodeToString((member + ":secret").getBytes(StandardCharsets.UTF_8));
		return this.http.send(HttpRequest.newBuilder(URI.create(this.varnish.url(path)))
			.header("Authorization", "Basic " + credentials)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/**
	 * Counts the requests that reach the app, by path and query, before anything else
	 * (Spring Security included) sees them.
	 */
	@Configuration(proxyBeanMethods = false)
	static class RequestCounter {

		private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

		@Bean
		FilterRegistrationBean<Filter> requestCountingFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				HttpServletRequest http = (HttpServletRequest) request;
				String path = http.getRequestURI()
						+ ((http.getQueryString() != null) ? "?" + http.getQueryString() : "");
				this.counts.computeIfAbsent(path, (key) -> new AtomicInteger()).incrementAndGet();
				chain.doFilter(request, response);
			});
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
			return registration;
		}

		int count(String path) {
			AtomicInteger count = this.counts.get(path);
			return (count != null) ? count.get() : 0;
		}

	}

}
