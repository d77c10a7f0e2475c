package io.github.tieredcache.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import io.github.tieredcache.testsupport.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's HTTP caching over real HTTP (embedded Tomcat, the whole filter chain,
 * Spring Security included) and a real Redis: the product page's headers, {@code ETag}
 * and {@code 304}, the conditional price change, how Spring Security's own
 * {@code Cache-Control} meets {@code @HttpCaching}, and the response cache.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleHttpTests {

	private static final String NAME = "sample-http-" + UUID.randomUUID();

	private static final String SECURITY_CACHE_CONTROL = "no-cache, no-store, max-age=0, must-revalidate";

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private ProductRepository products;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void sampleOnPrivateDatabase(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.port", () -> RedisServer.shared().port());
		registry.add("spring.datasource.url", () -> "jdbc:h2:mem:" + NAME + ";DB_CLOSE_DELAY=-1");
		registry.add("tiered-cache.key-prefix", () -> NAME);
	}

	@Test
	void productPageCarriesCacheControlSurrogateKeysAndAnETagAnd304sOnIt() throws Exception {
		HttpResponse<String> page = send(get("/products/1"));
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Cache-Control"))
			.hasValue("max-age=10, public, s-maxage=300, stale-if-error=86400, stale-while-revalidate=30");
		assertThat(page.headers().firstValue("Surrogate-Key")).hasValue("products products:1");
		String etag = page.headers().firstValue("ETag").orElseThrow();
		assertThat(etag).matches("W/\"[0-9a-f]{40}\"");

		long queries = this.products.queries();
		HttpResponse<String> notModified = send(get("/products/1").header("If-None-Match", etag));
		assertThat(notModified.statusCode()).isEqualTo(304);
		assertThat(notModified.body()).isEmpty();
		assertThat(notModified.headers().firstValue("ETag")).hasValue(etag);
		// RFC 9110 §15.4.5: the Cache-Control a 200 would carry (Spring Security writes
		// none on a 304)
		assertThat(notModified.headers().firstValue("Cache-Control"))
			.isEqualTo(page.headers().firstValue("Cache-Control"));
		assertThat(this.products.queries()).isEqualTo(queries);
	}

	@Test
	void priceChangeWithAnOutdatedIfMatchIsRefused412() throws Exception {
		String before = send(get("/products/4")).headers().firstValue("ETag").orElseThrow();
		HttpResponse<String> changed = send(putPrice("/products/4/price", "75.00").header("If-Match", before));
		assertThat(changed.statusCode()).isEqualTo(200);
		String after = send(get("/products/4")).headers().firstValue("ETag").orElseThrow();
		assertThat(after).isNotEqualTo(before);

		// a client still holding the first version would overwrite the change it never
		// saw
		HttpResponse<String> lost = send(putPrice("/products/4/price", "70.00").header("If-Match", before));
		assertThat(lost.statusCode()).isEqualTo(412);
		assertThat(send(get("/products/4")).body()).contains("\"price\":75.00");
		assertThat(send(get("/products/4").header("If-None-Match", before)).statusCode()).isEqualTo(200);
	}

	@Test
	void authenticatedPrincipalMakesAnAutoResponsePrivate() throws Exception {
		HttpResponse<String> member = send(get("/products/2").header("Authorization", basic("alice")));
		assertThat(member.statusCode()).isEqualTo(200);
		assertThat(member.headers().firstValue("Cache-Control"))
			.hasValue("max-age=10, private, stale-if-error=86400, stale-while-revalidate=30");
		assertThat(member.headers().firstValue("CDN-Cache-Control")).isEmpty();

		HttpResponse<String> offer = send(get("/me/products/2").header("Authorization", basic("bob")));
		assertThat(offer.statusCode()).isEqualTo(200);
		assertThat(offer.body()).contains("\"member\":\"bob\"").contains("\"memberPrice\":134.10");
		assertThat(offer.headers().firstValue("Cache-Control")).hasValue("max-age=60, private");

		HttpResponse<String> anonymous = send(get("/me/products/2"));
		assertThat(anonymous.statusCode()).isEqualTo(401);
		assertThat(anonymous.headers().firstValue("Cache-Control")).hasValue(SECURITY_CACHE_CONTROL);
	}

	@Test
	void springSecurityCacheControlStaysOnEndpointsWithoutAPolicyAndGivesWayWhereThereIsOne() throws Exception {
		// no @HttpCaching, no rule: Spring Security's default headers
		HttpResponse<String> stats = send(get("/stats"));
		assertThat(stats.statusCode()).isEqualTo(200);
		assertThat(stats.headers().firstValue("Cache-Control")).hasValue(SECURITY_CACHE_CONTROL);
		assertThat(stats.headers().firstValue("Pragma")).hasValue("no-cache");
		assertThat(stats.headers().firstValue("Expires")).hasValue("0");

		// @HttpCaching: the starter writes its Cache-Control before Spring Security's
		// writer runs (at commit, only when the response has none of Cache-Control,
		// Pragma, Expires), so Security adds none of the three
		HttpResponse<String> page = send(get("/products/3"));
		assertThat(page.headers().allValues("Cache-Control"))
			.containsExactly("max-age=10, public, s-maxage=300, stale-if-error=86400, stale-while-revalidate=30");
		assertThat(page.headers().firstValue("Pragma")).isEmpty();
		assertThat(page.headers().firstValue("Expires")).isEmpty();
		// the rest of Security's headers stay
		assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

		// a rule from application.yml gives way the same
		HttpResponse<String> categories = send(get("/categories?ids=1,2"));
		assertThat(categories.headers().firstValue("Cache-Control"))
			.hasValue("max-age=60, public, s-maxage=600, stale-if-error=86400");
		assertThat(categories.headers().firstValue("Pragma")).isEmpty();

		// an error on an endpoint with a policy: no-store from the starter
		HttpResponse<String> missing = send(get("/products/404"));
		assertThat(missing.statusCode()).isEqualTo(404);
		assertThat(missing.headers().firstValue("Cache-Control")).hasValue("no-store");
	}

	@Test
	void wholeResponsesAreKeptByTheAppPerMemberAndDroppedWhenTheirDataChanges() throws Exception {
		String names = send(get("/categories?ids=1,3")).body();
		double hits = responseCacheHits();
		assertThat(send(get("/categories?ids=1,3")).body()).isEqualTo(names);
		assertThat(responseCacheHits()).as("answered from the response cache").isEqualTo(hits + 1);

		// per member: alice's copy is alice's alone
		assertThat(send(get("/me/products/1").header("Authorization", basic("alice"))).body())
			.contains("\"member\":\"alice\"")
			.contains("\"memberPrice\":26.91");
		hits = responseCacheHits();
		HttpResponse<String> again = send(get("/me/products/1").header("Authorization", basic("alice")));
		assertThat(again.body()).contains("\"member\":\"alice\"");
		assertThat(again.headers().firstValue("Cache-Control"))
			.hasValueSatisfying((cacheControl) -> assertThat(cacheControl).contains("private"));
		assertThat(responseCacheHits()).isEqualTo(hits + 1);
		assertThat(send(get("/me/products/1").header("Authorization", basic("bob"))).body())
			.contains("\"member\":\"bob\"")
			.doesNotContain("alice");

		// a price change (@WriteThrough on products:1) drops the responses that showed it
		assertThat(send(putPrice("/products/1/price", "10.00")).statusCode()).isEqualTo(200);
		assertThat(send(get("/me/products/1").header("Authorization", basic("alice"))).body())
			.contains("\"memberPrice\":9.00");
	}

	private double responseCacheHits() {
		return this.meters.get("tiered.cache.http.responses").tag("result", "hit").functionCounter().count();
	}

	private HttpRequest.Builder get(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
	}

	private HttpRequest.Builder putPrice(String path, String price) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(price));
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String basic(String member) {
		return "Basic " + Base64.getEncoder().encodeToString((member + ":secret").getBytes(StandardCharsets.UTF_8));
	}

}
