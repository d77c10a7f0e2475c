package io.github.tieredcache.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link VarnishServer}'s VCL on its own, in front of a JDK {@code HttpServer} whose
 * answers count their fetches: how stale objects are served
 * ({@code stale-while-revalidate} versus {@code stale-if-error} with a healthy origin)
 * and purges by URL and by surrogate key.
 */
class VarnishServerTests {

	private static HttpServer origin;

	private static VarnishServer varnish;

	private static final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void start() throws IOException {
		origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		origin.createContext("/", (exchange) -> {
			String path = exchange.getRequestURI().getPath();
			String cacheControl = switch (path) {
				case "/health" -> "no-store";
				case "/swr" -> "public, s-maxage=1, stale-while-revalidate=30";
				case "/sie" -> "public, s-maxage=1, stale-if-error=3600";
				default -> "public, s-maxage=60";
			};
			byte[] body = String.valueOf(fetches.computeIfAbsent(path, (key) -> new AtomicInteger()).incrementAndGet())
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Cache-Control", cacheControl);
			exchange.getResponseHeaders().set("Surrogate-Key", "page" + path.replace('/', ':'));
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		origin.start();
		varnish = VarnishServer.start(origin.getAddress().getPort(), "/health");
	}

	@AfterAll
	static void stop() {
		if (varnish != null) {
			varnish.close();
		}
		if (origin != null) {
			origin.stop(0);
		}
	}

	@Test
	void pastSMaxAgeAStaleObjectIsServedWithinStaleWhileRevalidateWhileItIsRefetched() {
		List<String> seen = pollUntilSecondFetch("/swr");
		// the first request after expiry gets the stale object (Age >= 1) and starts the
		// refetch
		assertThat(seen).contains("1 HIT stale");
	}

	@Test
	void pastSMaxAgeAHealthyOriginIsAskedAtOnceDespiteStaleIfError() {
		List<String> seen = pollUntilSecondFetch("/sie");
		assertThat(seen).doesNotContain("1 HIT stale");
		assertThat(seen.get(seen.size() - 1)).isEqualTo("2 MISS fresh");
	}

	@Test
	void purgeByUrlAndBySurrogateKey() throws Exception {
		assertThat(get("/a").body()).isEqualTo("1");
		assertThat(get("/a").body()).isEqualTo("1");
		assertThat(this.http
			.send(HttpRequest.newBuilder(URI.create(varnish.url("/a")))
				.method("PURGE", HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString())
			.statusCode()).isEqualTo(200);
		assertThat(get("/a").body()).isEqualTo("2");

		assertThat(get("/b").body()).isEqualTo("1");
		HttpResponse<String> purged = this.http.send(HttpRequest.newBuilder(URI.create(varnish.url("/")))
			.method("PURGE", HttpRequest.BodyPublishers.noBody())
			.header("xkey-purge", "page:b page:nothing")
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(purged.statusCode()).isEqualTo(200);
		assertThat(get("/b").body()).isEqualTo("2");
		assertThat(get("/a").body()).as("other keys stay").isEqualTo("2");
	}

	/**
	 * Ask for a path every 100 ms until the origin's second answer arrives; return what
	 * was seen: {@code "<fetch> <X-Cache> stale|fresh"}, stale meaning {@code Age >= 1}
	 * (past the 1 s {@code s-maxage}).
	 */
	private List<String> pollUntilSecondFetch(String path) {
		List<String> seen = new ArrayList<>();
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
			HttpResponse<String> response = get(path);
			int age = Integer.parseInt(response.headers().firstValue("Age").orElse("0"));
			seen.add(response.body() + " " + response.headers().firstValue("X-Cache").orElse("?") + " "
					+ ((age >= 1) ? "stale" : "fresh"));
			return response.body().equals("2");
		});
		assertThat(seen.get(0)).isEqualTo("1 MISS fresh");
		return seen;
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create(varnish.url(path))).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
