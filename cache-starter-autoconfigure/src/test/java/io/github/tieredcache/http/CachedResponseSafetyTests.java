package io.github.tieredcache.http;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.http.HttpCachingFilter;
import io.github.tieredcache.testsupport.RedisServer;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Service;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

/**
 * {@link CachedResponse} against the ways a response could be served for another request
 * than the one that produced it: a session the handler creates, repeated query
 * parameters, and data keys whose string form holds a space (their surrogate keys must
 * still drop the responses). Through MockMvc on a Spring Boot application with a real
 * Redis.
 */
@SpringBootTest(classes = CachedResponseSafetyTests.App.class)
@AutoConfigureMockMvc
class CachedResponseSafetyTests {

	private static final String PREFIX = "response-safety-" + UUID.randomUUID();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.port", () -> RedisServer.shared().port());
		registry.add("spring.data.redis.host", () -> "127.0.0.1");
		registry.add("tiered-cache.key-prefix", () -> PREFIX);
		registry.add("tiered-cache.serialization.allowed-packages", () -> "io.github.tieredcache.http");
	}

	@Autowired
	private MockMvc mvc;

	@Autowired
	private SafetyController controller;

	@Autowired
	private TieredCacheManager cacheManager;

	@Autowired
	private CityService cities;

	@BeforeEach
	void reset() {
		this.cacheManager.getCache("http").invalidate();
		this.cacheManager.getCache("cities").invalidate();
		this.controller.invocations.set(0);
	}

	/**
	 * An anonymous request whose handler creates a session gets a response for that
	 * session; a container sends its cookie (Spring Session only once the response
	 * commits, after the response cache stored it), so the next anonymous client must not
	 * be answered with it.
	 */
	@Test
	void aResponseWhoseHandlerCreatedASessionIsNotServedToAnotherClient() throws Exception {
		String alice = body(get("/basket"));
		String bob = body(get("/basket"));
		assertThat(alice).startsWith("basket of ");
		assertThat(bob).as("another client, without alice's session").isNotEqualTo(alice);
		assertThat(this.controller.invocations).hasValue(2);
	}

	@Test
	void repeatedParametersInAnotherOrderAreAnotherRequest() throws Exception {
		assertThat(body(get("/tags?t=1&t=2"))).isEqualTo("1,2");
		assertThat(body(get("/tags?t=2&t=1"))).as("the order of a parameter's values is the request's")
			.isEqualTo("2,1");
		// parameters of different names still sort
		assertThat(body(get("/tags?x=9&t=1&t=2"))).isEqualTo("1,2");
		assertThat(body(get("/tags?t=1&t=2&x=9"))).isEqualTo("1,2");
		assertThat(this.controller.invocations).hasValue(3);
	}

	@Test
	void aWriteOfAKeyWithASpaceDropsTheResponsesThatShowedIt() throws Exception {
		assertThat(body(get("/cities/new york"))).isEqualTo("new york: 100");
		assertThat(body(get("/cities/new york"))).isEqualTo("new york: 100");
		assertThat(this.controller.invocations).hasValue(1);
		this.cacheManager.getCache("cities").put("new york", 250L);
		assertThat(body(get("/cities/new york"))).as("the response showing the old value was dropped")
			.isEqualTo("new york: 250");
		assertThat(this.controller.invocations).hasValue(2);
	}

	@Test
	void writesThroughSpringsAnnotationsAndCacheInvalidateDropTheResponsesThatShowedThem() throws Exception {
		CityService service = this.cities;
		List<Runnable> writes = List.of(() -> service.springPut("lima", 250L), () -> service.springEvict("lima"),
				() -> service.invalidate("lima"));
		int expected = 0;
		for (Runnable write : writes) {
			body(get("/cities/lima"));
			body(get("/cities/lima"));
			expected++;
			assertThat(this.controller.invocations).hasValue(expected);
			write.run();
			body(get("/cities/lima"));
			expected++;
			assertThat(this.controller.invocations).as("the write dropped the response").hasValue(expected);
			this.cacheManager.getCache("http").invalidate();
		}
	}

	/**
	 * A response cache kept in process only ({@code redis.enabled: false}) in front of
	 * data kept in Redis: a write on one instance must drop the responses that showed it
	 * on the others too ("dropped on every instance").
	 */
	@Test
	void aWriteOnAnotherInstanceDropsAResponseCachedInProcessOnly() {
		String[] properties = { "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + RedisServer.shared().port(),
				"tiered-cache.key-prefix=response-local-" + UUID.randomUUID(),
				"tiered-cache.caches.http.redis.enabled=false", "tiered-cache.invalidation.heartbeat-interval=200ms" };
		WebApplicationContextRunner runner = new WebApplicationContextRunner().withUserConfiguration(App.class)
			.withPropertyValues(properties);
		runner.run((one) -> runner.run((two) -> {
			MockMvc here = mvc(one);
			assertThat(here.perform(get("/cities/paris")).andReturn().getResponse().getContentAsString())
				.isEqualTo("paris: 100");
			assertThat(here.perform(get("/cities/paris")).andReturn().getResponse().getContentAsString())
				.isEqualTo("paris: 100");
			assertThat(one.getBean(SafetyController.class).invocations).hasValue(1);
			two.getBean(TieredCacheManager.class).getCache("cities").put("paris", 250L);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(
						here.perform(get("/cities/paris")).andReturn().getResponse().getContentAsString())
					.isEqualTo("paris: 250"));
		}));
	}

	/**
	 * Redis unreachable (paused): requests to a cached endpoint and a data write are
	 * still answered (the response cache and the invalidation are skipped, not the
	 * request).
	 */
	@Test
	void redisPausedNeitherFailsTheRequestNorTheWrite() {
		try (RedisServer redis = RedisServer.start()) {
			new WebApplicationContextRunner().withUserConfiguration(App.class)
				.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
						"tiered-cache.key-prefix=response-paused-" + UUID.randomUUID(),
						"tiered-cache.redis.command-timeout=100ms")
				.run((context) -> {
					MockMvc mvc = mvc(context);
					assertThat(mvc.perform(get("/cities/rome")).andReturn().getResponse().getContentAsString())
						.isEqualTo("rome: 100");
					redis.pause();
					try {
						MvcResult result = mvc.perform(get("/cities/oslo")).andReturn();
						assertThat(result.getResponse().getStatus()).isEqualTo(200);
						assertThat(result.getResponse().getContentAsString()).isEqualTo("oslo: 100");
						context.getBean(TieredCacheManager.class).getCache("cities").put("rome", 250L);
						MvcResult again = mvc.perform(get("/cities/oslo")).andReturn();
						assertThat(again.getResponse().getStatus()).isEqualTo(200);
					}
					finally {
						redis.resume();
					}
				});
		}
	}

	private static MockMvc mvc(ApplicationContext context) {
		return MockMvcBuilders.webAppContextSetup((WebApplicationContext) context)
			.addFilters(context.getBean(HttpCachingFilter.class))
			.build();
	}

	private String body(MockHttpServletRequestBuilder request) throws Exception {
		return this.mvc.perform(request).andReturn().getResponse().getContentAsString();
	}

	@Service
	static class CityService {

		@CacheAside(cache = "cities", key = "#name")
		public Long population(String name) {
			return 100L;
		}

		@CachePut(cacheNames = "cities", key = "#name")
		public Long springPut(String name, long population) {
			return population;
		}

		@CacheEvict(cacheNames = "cities", key = "#name")
		public void springEvict(String name) {
		}

		@CacheInvalidate(cache = "cities", key = "#name")
		public void invalidate(String name) {
		}

	}

	@RestController
	static class SafetyController {

		final AtomicInteger invocations = new AtomicInteger();

		private final CityService cities;

		SafetyController(CityService cities) {
			this.cities = cities;
		}

		@GetMapping("/basket")
		@CachedResponse
		String basket(HttpServletRequest request) {
			this.invocations.incrementAndGet();
			return "basket of " + request.getSession(true).getId();
		}

		@GetMapping("/tags")
		@CachedResponse
		String tags(@RequestParam List<String> t) {
			this.invocations.incrementAndGet();
			return String.join(",", t);
		}

		@GetMapping("/cities/{name}")
		@CachedResponse
		@HttpCaching(surrogateKeys = "'cities:' + #name")
		String city(@PathVariable String name) {
			this.invocations.incrementAndGet();
			return name + ": " + this.cities.population(name);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableCaching
	@Import({ CityService.class, SafetyController.class })
	static class App {

	}

}
