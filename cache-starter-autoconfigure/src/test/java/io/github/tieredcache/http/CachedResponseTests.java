package io.github.tieredcache.http;

import java.security.Principal;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.http.HttpCachingFilter;
import io.github.tieredcache.internal.http.ResponseCache;
import io.github.tieredcache.testsupport.RedisServer;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Service;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.head;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

/**
 * {@link CachedResponse} through MockMvc on a Spring Boot application with a real Redis:
 * responses answered without invoking the controller, the key (query order, {@code Vary}
 * headers), never shared between users, {@code no-cache}, and invalidation by a write of
 * the data through any path, on every instance, including while the handler runs.
 */
@SpringBootTest(classes = CachedResponseTests.App.class)
@AutoConfigureMockMvc
class CachedResponseTests {

	private static final String PREFIX = "response-" + UUID.randomUUID();

	// HTTP behaviour is under test, not Redis timeouts: no fail-open on a cold connection
	private static final String[] PROPERTIES = { "spring.data.redis.host=127.0.0.1",
			"tiered-cache.redis.command-timeout=2s", "tiered-cache.key-prefix=" + PREFIX,
			"tiered-cache.invalidation.heartbeat-interval=200ms",
			"tiered-cache.serialization.allowed-packages=io.github.tieredcache.http" };

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.port", () -> RedisServer.shared().port());
		for (String property : PROPERTIES) {
			int equals = property.indexOf('=');
			registry.add(property.substring(0, equals), () -> property.substring(equals + 1));
		}
	}

	@Autowired
	private MockMvc mvc;

	@Autowired
	private PriceController controller;

	@Autowired
	private TieredCacheManager cacheManager;

	@Autowired
	private ResponseCache responseCache;

	@BeforeEach
	void reset() {
		this.cacheManager.getCache("http").invalidate();
		this.cacheManager.getCache("prices").invalidate();
		this.controller.invocations.set(0);
		this.controller.gate = null;
	}

	@Test
	void secondRequestIsAnsweredFromTheCacheWithoutInvokingTheController() throws Exception {
		MvcResult first = this.mvc.perform(get("/prices/1")).andReturn();
		MvcResult second = this.mvc.perform(get("/prices/1")).andReturn();
		assertThat(this.controller.invocations).as("the controller ran once").hasValue(1);
		assertThat(second.getResponse().getStatus()).isEqualTo(200);
		assertThat(second.getResponse().getContentAsString()).isEqualTo(first.getResponse().getContentAsString())
			.isEqualTo("{\"id\":1,\"price\":100}");
		assertThat(second.getResponse().getContentType()).isEqualTo("application/json");
		assertThat(second.getResponse().getHeader("X-Price-Source")).isEqualTo("catalog");
		assertThat(second.getResponse().getHeader(HttpHeaders.CACHE_CONTROL))
			.isEqualTo(first.getResponse().getHeader(HttpHeaders.CACHE_CONTROL))
			.isEqualTo("max-age=10, public");
		assertThat(second.getResponse().getHeader("Surrogate-Key")).isEqualTo("prices prices:1");
		assertThat(second.getResponse().getHeaders(HttpHeaders.VARY)).containsExactly("Accept-Language");
		// query parameters in another order are the same request
		this.mvc.perform(get("/prices/1/quote?b=2&a=1")).andReturn();
		this.mvc.perform(get("/prices/1/quote?a=1&b=2")).andReturn();
		assertThat(this.controller.invocations).hasValue(2);
		this.mvc.perform(get("/prices/1/quote?a=1&b=3")).andReturn();
		assertThat(this.controller.invocations).hasValue(3);
	}

	@Test
	void headIsAnsweredFromTheGetEntryAndStoresNothingItself() throws Exception {
		this.mvc.perform(head("/prices/11")).andReturn();
		assertThat(this.controller.invocations).hasValue(1);
		String body = body(get("/prices/11"));
		assertThat(this.controller.invocations).as("the HEAD response was not stored").hasValue(2);
		MvcResult headResult = this.mvc.perform(head("/prices/11")).andReturn();
		assertThat(this.controller.invocations).hasValue(2);
		assertThat(headResult.getResponse().getContentAsByteArray()).isEmpty();
		assertThat(headResult.getResponse().getContentLength()).isEqualTo(body.length());
		assertThat(headResult.getResponse().getHeader("Surrogate-Key")).isEqualTo("prices prices:11");
	}

	@Test
	void varyHeadersSelectTheEntry() throws Exception {
		assertThat(body(get("/prices/1").header(HttpHeaders.ACCEPT_LANGUAGE, "de"))).contains("100");
		assertThat(body(get("/prices/1/greeting").header(HttpHeaders.ACCEPT_LANGUAGE, "de"))).isEqualTo("Preis 1");
		assertThat(body(get("/prices/1/greeting").header(HttpHeaders.ACCEPT_LANGUAGE, "en"))).isEqualTo("Price 1");
		assertThat(body(get("/prices/1/greeting").header(HttpHeaders.ACCEPT_LANGUAGE, "de"))).isEqualTo("Preis 1");
		assertThat(body(get("/prices/1/greeting").header(HttpHeaders.ACCEPT_LANGUAGE, "en"))).isEqualTo("Price 1");
		assertThat(this.controller.invocations).hasValue(3);
	}

	@Test
	void requestsWithAuthorizationNeitherReadNorWriteSharedEntries() throws Exception {
		assertNotShared(get("/prices/2/greeting").header(HttpHeaders.AUTHORIZATION, "Bearer alice"),
				get("/prices/2/greeting"));
	}

	@Test
	void requestsWithASessionCookieNeitherReadNorWriteSharedEntries() throws Exception {
		assertNotShared(get("/prices/2/greeting").cookie(new Cookie("JSESSIONID", "alice-session")),
				get("/prices/2/greeting"));
		this.cacheManager.getCache("http").invalidate();
		this.controller.invocations.set(0);
		assertNotShared(get("/prices/2/greeting").cookie(new Cookie("SESSION", "alice-session")),
				get("/prices/2/greeting"));
	}

	@Test
	void requestsWithAPrincipalNeitherReadNorWriteSharedEntries() throws Exception {
		Principal alice = () -> "alice";
		assertNotShared(get("/prices/2/greeting").principal(alice), get("/prices/2/greeting"));
	}

	/**
	 * A credentialed request runs the controller and stores nothing; an anonymous one is
	 * cached; the credentialed one is still not answered from it.
	 */
	private void assertNotShared(MockHttpServletRequestBuilder credentialed, MockHttpServletRequestBuilder anonymous)
			throws Exception {
		this.mvc.perform(credentialed).andReturn();
		assertThat(this.controller.invocations).hasValue(1);
		this.mvc.perform(anonymous).andReturn();
		assertThat(this.controller.invocations).as("the credentialed response was not stored").hasValue(2);
		this.mvc.perform(anonymous).andReturn();
		assertThat(this.controller.invocations).as("the anonymous response was").hasValue(2);
		this.mvc.perform(credentialed).andReturn();
		assertThat(this.controller.invocations).as("and is not served to a credentialed request").hasValue(3);
	}

	@Test
	void perPrincipalEntriesArePrivateAndKeptApart() throws Exception {
		Principal alice = () -> "alice";
		Principal bob = () -> "bob";
		MvcResult first = this.mvc.perform(get("/prices/3/mine").principal(alice)).andReturn();
		assertThat(first.getResponse().getContentAsString()).isEqualTo("3 for alice");
		assertThat(first.getResponse().getHeader(HttpHeaders.CACHE_CONTROL)).startsWith("max-age=10, private");
		MvcResult again = this.mvc.perform(get("/prices/3/mine").principal(alice)).andReturn();
		assertThat(again.getResponse().getContentAsString()).isEqualTo("3 for alice");
		assertThat(again.getResponse().getHeader(HttpHeaders.CACHE_CONTROL)).startsWith("max-age=10, private");
		assertThat(this.controller.invocations).hasValue(1);
		assertThat(body(get("/prices/3/mine").principal(bob))).isEqualTo("3 for bob");
		assertThat(body(get("/prices/3/mine"))).isEqualTo("3 for nobody");
		assertThat(this.controller.invocations).hasValue(3);
		// Authorization without a principal cannot be told apart from another user
		this.mvc.perform(get("/prices/3/mine").header(HttpHeaders.AUTHORIZATION, "Bearer x")).andReturn();
		this.mvc.perform(get("/prices/3/mine").header(HttpHeaders.AUTHORIZATION, "Bearer x")).andReturn();
		assertThat(this.controller.invocations).hasValue(5);
	}

	@Test
	void noCacheSkipsTheLookupAndStoresTheFreshResponse() throws Exception {
		assertThat(body(get("/prices/4/counted"))).isEqualTo("4 #1");
		assertThat(body(get("/prices/4/counted"))).isEqualTo("4 #1");
		assertThat(body(get("/prices/4/counted").header(HttpHeaders.CACHE_CONTROL, "no-cache"))).isEqualTo("4 #2");
		assertThat(body(get("/prices/4/counted"))).as("the fresh response replaced the entry").isEqualTo("4 #2");
		assertThat(body(get("/prices/4/counted").header(HttpHeaders.PRAGMA, "no-cache"))).isEqualTo("4 #3");
		assertThat(this.controller.invocations).hasValue(3);
	}

	@Test
	void responsesThatSetACookieOrSayNoStoreAreNotStoredAndExchangeHeadersAreNotReplayed() throws Exception {
		this.mvc.perform(get("/prices/5/cookie")).andReturn();
		this.mvc.perform(get("/prices/5/cookie")).andReturn();
		assertThat(this.controller.invocations).hasValue(2);
		this.mvc.perform(get("/prices/5/no-store")).andReturn();
		this.mvc.perform(get("/prices/5/no-store")).andReturn();
		assertThat(this.controller.invocations).hasValue(4);
		this.mvc.perform(get("/prices/5/authenticate")).andReturn();
		MvcResult replayed = this.mvc.perform(get("/prices/5/authenticate")).andReturn();
		assertThat(this.controller.invocations).hasValue(5);
		assertThat(replayed.getResponse().getHeader(HttpHeaders.WWW_AUTHENTICATE)).isNull();
		assertThat(replayed.getResponse().getHeader("X-Price-Source")).isEqualTo("catalog");
	}

	@Test
	void aWriteThroughTheCacheApiDropsTheResponsesThatShowedIt() throws Exception {
		assertThat(body(get("/prices/6"))).isEqualTo("{\"id\":6,\"price\":100}");
		assertThat(body(get("/prices/7"))).isEqualTo("{\"id\":7,\"price\":100}");
		this.cacheManager.getCache("prices").put(6L, new Price(6, 250));
		assertThat(body(get("/prices/6"))).isEqualTo("{\"id\":6,\"price\":250}");
		assertThat(body(get("/prices/7"))).as("another product's response stays").isEqualTo("{\"id\":7,\"price\":100}");
		assertThat(this.controller.invocations).hasValue(3);
		// a clear of the cache drops every response carrying its name
		this.cacheManager.getCache("prices").clear();
		body(get("/prices/7"));
		assertThat(this.controller.invocations).hasValue(4);
	}

	@Test
	void aWriteThroughAnAnnotationDropsTheResponsesThatShowedIt() throws Exception {
		assertThat(body(get("/prices/8"))).isEqualTo("{\"id\":8,\"price\":100}");
		this.mvc.perform(put("/prices/8").param("price", "300")).andReturn();
		assertThat(body(get("/prices/8"))).isEqualTo("{\"id\":8,\"price\":300}");
		assertThat(body(get("/prices/8"))).isEqualTo("{\"id\":8,\"price\":300}");
		assertThat(this.controller.invocations).hasValue(2);
	}

	@Test
	void aWriteOnAnotherInstanceDropsTheResponseHereToo() throws Exception {
		new WebApplicationContextRunner().withUserConfiguration(App.class)
			.withPropertyValues(PROPERTIES)
			.withPropertyValues("spring.data.redis.port=" + RedisServer.shared().port())
			.run((context) -> {
				MockMvc other = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context)
					.addFilters(context.getBean(HttpCachingFilter.class))
					.build();
				PriceController otherController = context.getBean(PriceController.class);
				assertThat(body(get("/prices/9"))).isEqualTo("{\"id\":9,\"price\":100}");
				// the other instance is answered from Redis, then from its own L1
				assertThat(other.perform(get("/prices/9")).andReturn().getResponse().getContentAsString())
					.isEqualTo("{\"id\":9,\"price\":100}");
				assertThat(other.perform(get("/prices/9")).andReturn().getResponse().getContentAsString())
					.isEqualTo("{\"id\":9,\"price\":100}");
				assertThat(otherController.invocations).hasValue(0);
				// a write here; both instances drop the response (the other one's L1
				// through the bus)
				this.mvc.perform(put("/prices/9").param("price", "120")).andReturn();
				await().atMost(java.time.Duration.ofSeconds(10))
					.until(() -> other.perform(get("/prices/9"))
						.andReturn()
						.getResponse()
						.getContentAsString()
						.equals("{\"id\":9,\"price\":120}"));
				assertThat(body(get("/prices/9"))).isEqualTo("{\"id\":9,\"price\":120}");
				// and a write there drops it here
				other.perform(put("/prices/9").param("price", "130")).andReturn();
				await().atMost(java.time.Duration.ofSeconds(10))
					.until(() -> body(get("/prices/9")).equals("{\"id\":9,\"price\":130}"));
			});
	}

	@Test
	void aResponseStoredWhileItsDataIsInvalidatedIsNotKept() throws Exception {
		long droppedBefore = this.responseCache.droppedAsStale();
		Gate gate = new Gate();
		this.controller.gate = gate;
		// the handler reads price 100, then waits while the price changes
		CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
			try {
				return body(get("/prices/10"));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		assertThat(gate.read.await(10, TimeUnit.SECONDS)).isTrue();
		this.cacheManager.getCache("prices").put(10L, new Price(10, 999));
		gate.release.countDown();
		assertThat(slow.get(10, TimeUnit.SECONDS)).as("the slow request shows what it read")
			.isEqualTo("{\"id\":10,\"price\":100}");
		this.controller.gate = null;
		assertThat(this.responseCache.droppedAsStale()).isEqualTo(droppedBefore + 1);
		assertThat(body(get("/prices/10"))).as("its response was not kept").isEqualTo("{\"id\":10,\"price\":999}");
		assertThat(this.controller.invocations).hasValue(2);
	}

	private String body(MockHttpServletRequestBuilder request) throws Exception {
		return this.mvc.perform(request).andReturn().getResponse().getContentAsString();
	}

	record Price(long id, long price) {
	}

	static final class Gate {

		final CountDownLatch read = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

	}

	@Service
	static class PriceService {

		@CacheAside(cache = "prices", key = "#id")
		public Price find(Long id) {
			return new Price(id, 100);
		}

		@WriteThrough(cache = "prices", key = "#id")
		public Price update(Long id, long price) {
			return new Price(id, price);
		}

	}

	@RestController
	static class PriceController {

		final AtomicInteger invocations = new AtomicInteger();

		volatile Gate gate;

		private final PriceService service;

		PriceController(PriceService service) {
			this.service = service;
		}

		@GetMapping("/prices/{id}")
		@CachedResponse(ttl = "1m")
		@HttpCaching(maxAge = "10s", surrogateKeys = { "'prices'", "'prices:' + #id" }, vary = "Accept-Language")
		Price price(@PathVariable Long id, HttpServletResponse response) throws InterruptedException {
			this.invocations.incrementAndGet();
			Price price = this.service.find(id);
			response.setHeader("X-Price-Source", "catalog");
			Gate gate = this.gate;
			if (gate != null) {
				gate.read.countDown();
				gate.release.await(10, TimeUnit.SECONDS);
			}
			return price;
		}

		@PutMapping("/prices/{id}")
		Price update(@PathVariable Long id, @RequestParam long price) {
			return this.service.update(id, price);
		}

		@GetMapping("/prices/{id}/quote")
		@CachedResponse
		String quote(@PathVariable Long id, @RequestParam String a, @RequestParam String b) {
			this.invocations.incrementAndGet();
			return id + ":" + a + ":" + b;
		}

		@GetMapping("/prices/{id}/greeting")
		@CachedResponse(vary = "Accept-Language")
		String greeting(@PathVariable Long id,
				@RequestHeader(name = HttpHeaders.ACCEPT_LANGUAGE, required = false) String language) {
			this.invocations.incrementAndGet();
			return ("de".equals(language) ? "Preis " : "Price ") + id;
		}

		@GetMapping("/prices/{id}/mine")
		@CachedResponse(perPrincipal = true)
		@HttpCaching(maxAge = "10s")
		String mine(@PathVariable Long id, Principal principal) {
			this.invocations.incrementAndGet();
			return id + " for " + ((principal != null) ? principal.getName() : "nobody");
		}

		@GetMapping("/prices/{id}/counted")
		@CachedResponse
		String counted(@PathVariable Long id) {
			return id + " #" + this.invocations.incrementAndGet();
		}

		@GetMapping("/prices/{id}/cookie")
		@CachedResponse
		String cookie(@PathVariable Long id, HttpServletResponse response) {
			this.invocations.incrementAndGet();
			response.addCookie(new Cookie("visitor", "v" + id));
			return "with cookie";
		}

		@GetMapping("/prices/{id}/no-store")
		@CachedResponse
		@HttpCaching(noStore = true)
		String noStore(@PathVariable Long id) {
			this.invocations.incrementAndGet();
			return "not stored";
		}

		@GetMapping("/prices/{id}/authenticate")
		@CachedResponse
		String authenticate(@PathVariable Long id, HttpServletResponse response) {
			this.invocations.incrementAndGet();
			response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"prices\"");
			response.setHeader("X-Price-Source", "catalog");
			return "challenge";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ PriceService.class, PriceController.class })
	static class App {

	}

}
