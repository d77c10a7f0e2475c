package io.github.tieredcache.http;

import java.security.Principal;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.http.HttpCaching.Scope;
import io.github.tieredcache.testsupport.RedisServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.server.ResponseStatusException;

import io.github.tieredcache.internal.http.HttpCachingFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.head;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

/**
 * {@link HttpCaching} and {@link CachedETag} through MockMvc, on a Spring Boot
 * application with a real Redis: headers per annotation and per rule, the safety rules,
 * and {@code 304} answered from the cache entry without invoking the controller.
 */
@SpringBootTest(classes = HttpCachingTests.App.class)
@AutoConfigureMockMvc
class HttpCachingTests {

	private static final String PREFIX = "http-" + UUID.randomUUID();

	// HTTP behaviour is under test, not Redis timeouts: no fail-open on a cold connection
	private static final String[] PROPERTIES = { "spring.data.redis.host=127.0.0.1",
			"tiered-cache.redis.command-timeout=2s", "tiered-cache.key-prefix=" + PREFIX,
			"tiered-cache.serialization.allowed-packages=io.github.tieredcache.http",
			"tiered-cache.http.rules[0].path=/catalog/**", "tiered-cache.http.rules[0].max-age=2m",
			"tiered-cache.http.rules[0].s-max-age=10m", "tiered-cache.http.rules[0].cdn-max-age=1h",
			"tiered-cache.http.rules[0].vary=Accept", "tiered-cache.http.rules[0].surrogate-keys='catalog:' + #name",
			"tiered-cache.http.rules[1].path=/**", "tiered-cache.http.rules[1].methods=POST",
			"tiered-cache.http.rules[1].max-age=1m" };

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
	private ProductController controller;

	@Autowired
	private TieredCacheManager cacheManager;

	@BeforeEach
	void reset() {
		// until the bus is healthy a version may be unknown (the ETag is then left out,
		// as
		// documented); the tests here are about a healthy fleet
		await().atMost(Duration.ofSeconds(30)).until(() -> this.cacheManager.getInvalidationBus().isHealthy());
		this.cacheManager.getCache("products").invalidate();
		this.controller.invocations.set(0);
		this.controller.updates.set(0);
	}

	@Test
	void annotationSetsCacheControlCdnCacheControlSurrogateKeyVaryAndETag() throws Exception {
		MvcResult result = this.mvc.perform(get("/products/1")).andReturn();
		HttpHeaders headers = headers(result);
		assertThat(result.getResponse().getStatus()).isEqualTo(200);
		assertThat(headers.getCacheControl())
			.isEqualTo("max-age=60, public, s-maxage=300, stale-if-error=86400, stale-while-revalidate=30");
		assertThat(headers.getFirst("CDN-Cache-Control")).isEqualTo("max-age=600");
		assertThat(headers.getFirst("Surrogate-Key")).isEqualTo("products products:1 sku-A1");
		assertThat(headers.getVary()).containsExactly("Accept-Language");
		assertThat(headers.getETag()).matches("W/\"[0-9a-f]{40}\"");
	}

	@Test
	void autoScopeIsPrivateForARequestWithAuthorization() throws Exception {
		HttpHeaders headers = headers(
				this.mvc.perform(get("/products/1").header(HttpHeaders.AUTHORIZATION, "Bearer x")).andReturn());
		assertThat(headers.getCacheControl())
			.isEqualTo("max-age=60, private, stale-if-error=86400, stale-while-revalidate=30");
		assertThat(headers.containsHeader("CDN-Cache-Control")).isFalse();
	}

	@Test
	void autoScopeIsPrivateForAnAuthenticatedPrincipal() throws Exception {
		Principal alice = () -> "alice";
		HttpHeaders headers = headers(this.mvc.perform(get("/products/1").principal(alice)).andReturn());
		assertThat(headers.getCacheControl()).startsWith("max-age=60, private").doesNotContain("s-maxage");
	}

	@Test
	void explicitScopes() throws Exception {
		assertThat(headers(this.mvc.perform(get("/products/1/private")).andReturn()).getCacheControl())
			.isEqualTo("max-age=60, private");
		assertThat(headers(
				this.mvc.perform(get("/products/1/public").header(HttpHeaders.AUTHORIZATION, "Bearer x")).andReturn())
			.getCacheControl()).isEqualTo("max-age=60, public, s-maxage=60");
		assertThat(headers(this.mvc.perform(get("/products/1/no-store")).andReturn()).getCacheControl())
			.isEqualTo("no-store");
		assertThat(headers(this.mvc.perform(get("/products/1/immutable")).andReturn()).getCacheControl())
			.isEqualTo("max-age=31536000, must-revalidate, public, immutable");
	}

	@Test
	void clientErrorsGetNoStore() throws Exception {
		MvcResult result = this.mvc.perform(get("/products/404")).andReturn();
		assertThat(result.getResponse().getStatus()).isEqualTo(404);
		assertThat(headers(result).getCacheControl()).isEqualTo("no-store");
		assertThat(headers(result).containsHeader("CDN-Cache-Control")).isFalse();
		assertThat(headers(result).containsHeader(HttpHeaders.ETAG)).isFalse();
		MvcResult unconvertible = this.mvc.perform(get("/products/not-a-number")).andReturn();
		assertThat(unconvertible.getResponse().getStatus()).isEqualTo(400);
		assertThat(headers(unconvertible).getCacheControl()).isEqualTo("no-store");
	}

	@Test
	void cacheControlTheControllerSetIsLeftAlone() throws Exception {
		HttpHeaders headers = headers(this.mvc.perform(get("/products/1/own")).andReturn());
		assertThat(headers.getCacheControl()).isEqualTo("no-cache");
		assertThat(headers.containsHeader("CDN-Cache-Control")).isFalse();
	}

	@Test
	void unsafeMethodsGetNoHeadersEvenWhenARuleMatches() throws Exception {
		MvcResult result = this.mvc.perform(post("/products/1/touch")).andReturn();
		assertThat(result.getResponse().getStatus()).isEqualTo(200);
		assertThat(headers(result).containsHeader(HttpHeaders.CACHE_CONTROL)).isFalse();
	}

	@Test
	void ruleAppliesToUnannotatedEndpointsAndTheAnnotationOverridesIt() throws Exception {
		HttpHeaders headers = headers(this.mvc.perform(get("/catalog/shoes")).andReturn());
		assertThat(headers.getCacheControl()).isEqualTo("max-age=120, public, s-maxage=600");
		assertThat(headers.getFirst("CDN-Cache-Control")).isEqualTo("max-age=3600");
		assertThat(headers.getVary()).containsExactly("Accept");
		assertThat(headers.getFirst("Surrogate-Key")).isEqualTo("catalog:shoes");
		HttpHeaders annotated = headers(this.mvc.perform(get("/catalog/special/offer")).andReturn());
		assertThat(annotated.getCacheControl()).isEqualTo("max-age=5, public");
		assertThat(annotated.containsHeader("CDN-Cache-Control")).isFalse();
		assertThat(annotated.containsHeader(HttpHeaders.VARY)).isFalse();
		assertThat(headers(this.mvc.perform(get("/elsewhere")).andReturn()).containsHeader(HttpHeaders.CACHE_CONTROL))
			.isFalse();
	}

	@Test
	void matchingIfNoneMatchIsAnswered304WithoutInvokingTheController() throws Exception {
		MvcResult first = this.mvc.perform(get("/products/1")).andReturn();
		assertThat(this.controller.invocations).hasValue(1);
		String etag = headers(first).getETag();
		assertThat(etag).isEqualTo("W/\"" + this.cacheManager.getCache("products").entryVersion(1L) + "\"");
		MvcResult second = this.mvc.perform(get("/products/1").header(HttpHeaders.IF_NONE_MATCH, etag)).andReturn();
		assertThat(second.getResponse().getStatus()).isEqualTo(304);
		assertThat(second.getResponse().getContentAsByteArray()).isEmpty();
		assertThat(this.controller.invocations).as("the controller is not invoked").hasValue(1);
		HttpHeaders notModified = headers(second);
		HttpHeaders ok = headers(first);
		assertThat(notModified.getETag()).isEqualTo(etag);
		assertThat(notModified.getCacheControl()).isEqualTo(ok.getCacheControl());
		assertThat(notModified.getVary()).isEqualTo(ok.getVary());
		assertThat(notModified.getFirst("CDN-Cache-Control")).isEqualTo(ok.getFirst("CDN-Cache-Control"));
		// strong form, lists and HEAD match too; another tag does not
		assertThat(this.mvc.perform(get("/products/1").header(HttpHeaders.IF_NONE_MATCH, "\"x\", " + etag.substring(2)))
			.andReturn()
			.getResponse()
			.getStatus()).isEqualTo(304);
		assertThat(this.mvc.perform(head("/products/1").header(HttpHeaders.IF_NONE_MATCH, etag))
			.andReturn()
			.getResponse()
			.getStatus()).isEqualTo(304);
		assertThat(this.controller.invocations).hasValue(1);
		assertThat(this.mvc.perform(get("/products/1").header(HttpHeaders.IF_NONE_MATCH, "W/\"other\""))
			.andReturn()
			.getResponse()
			.getStatus()).isEqualTo(200);
		assertThat(this.controller.invocations).hasValue(2);
	}

	@Test
	void etagMovesWithAWriteThroughAndWithCachePut() throws Exception {
		String first = headers(this.mvc.perform(get("/products/2")).andReturn()).getETag();
		this.mvc.perform(put("/products/2").param("sku", "B2"));
		MvcResult afterWrite = this.mvc.perform(get("/products/2").header(HttpHeaders.IF_NONE_MATCH, first))
			.andReturn();
		assertThat(afterWrite.getResponse().getStatus()).isEqualTo(200);
		assertThat(afterWrite.getResponse().getContentAsString()).contains("B2");
		String second = headers(afterWrite).getETag();
		assertThat(second).isNotNull().isNotEqualTo(first);
		this.cacheManager.getCache("products").put(2L, new Product(2L, "C3"));
		MvcResult afterPut = this.mvc.perform(get("/products/2").header(HttpHeaders.IF_NONE_MATCH, second)).andReturn();
		assertThat(afterPut.getResponse().getStatus()).isEqualTo(200);
		assertThat(afterPut.getResponse().getContentAsString()).contains("C3");
		assertThat(headers(afterPut).getETag()).isNotEqualTo(second).isNotEqualTo(first);
	}

	@Test
	void etagIsTheSameOnTwoApplicationsSharingRedis() throws Exception {
		String etag = headers(this.mvc.perform(get("/products/3")).andReturn()).getETag();
		new WebApplicationContextRunner().withUserConfiguration(App.class)
			.withPropertyValues(PROPERTIES)
			.withPropertyValues("spring.data.redis.port=" + RedisServer.shared().port())
			.run((context) -> {
				MockMvc other = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context)
					.addFilters(context.getBean(HttpCachingFilter.class))
					.build();
				ProductController otherController = context.getBean(ProductController.class);
				MvcResult result = other.perform(get("/products/3").header(HttpHeaders.IF_NONE_MATCH, etag))
					.andReturn();
				assertThat(result.getResponse().getStatus()).isEqualTo(304);
				assertThat(headers(result).getETag()).isEqualTo(etag);
				assertThat(otherController.invocations).hasValue(0);
				// a write on the other instance moves the version here
				other.perform(put("/products/3").param("sku", "Z9"));
				MvcResult here = this.mvc.perform(get("/products/3").header(HttpHeaders.IF_NONE_MATCH, etag))
					.andReturn();
				assertThat(here.getResponse().getStatus()).isEqualTo(200);
				assertThat(headers(here).getETag()).isNotEqualTo(etag)
					.isEqualTo(headers(other.perform(get("/products/3")).andReturn()).getETag());
			});
	}

	@Test
	void ifMatchOnAWriteFailsThePreconditionOnceTheVersionMoved() throws Exception {
		String etag = headers(this.mvc.perform(get("/products/4")).andReturn()).getETag();
		MvcResult first = this.mvc.perform(put("/products/4").param("sku", "D1").header(HttpHeaders.IF_MATCH, etag))
			.andReturn();
		assertThat(first.getResponse().getStatus()).isEqualTo(200);
		assertThat(this.controller.updates).hasValue(1);
		// a second writer still holding the old version loses
		MvcResult lost = this.mvc.perform(put("/products/4").param("sku", "D2").header(HttpHeaders.IF_MATCH, etag))
			.andReturn();
		assertThat(lost.getResponse().getStatus()).isEqualTo(412);
		assertThat(this.controller.updates).as("the handler is not invoked").hasValue(1);
		assertThat(this.cacheManager.getCache("products").get(4L, Product.class)).isEqualTo(new Product(4L, "D1"));
		// an entry whose version cannot be told fails too; a write without If-Match runs
		this.cacheManager.getCache("products").evict(4L);
		assertThat(this.mvc.perform(put("/products/4").param("sku", "D3").header(HttpHeaders.IF_MATCH, "*"))
			.andReturn()
			.getResponse()
			.getStatus()).isEqualTo(412);
		assertThat(this.mvc.perform(put("/products/4").param("sku", "D4")).andReturn().getResponse().getStatus())
			.isEqualTo(200);
		assertThat(this.controller.updates).hasValue(2);
	}

	private static HttpHeaders headers(MvcResult result) {
		HttpHeaders headers = new HttpHeaders();
		for (String name : result.getResponse().getHeaderNames()) {
			headers.addAll(name, result.getResponse().getHeaders(name));
		}
		return headers;
	}

	record Product(long id, String sku) {
	}

	@Service
	static class ProductService {

		@CacheAside(cache = "products", key = "#id")
		public Product find(Long id) {
			if (id == 404) {
				throw new ResponseStatusException(HttpStatus.NOT_FOUND);
			}
			return new Product(id, "A" + id);
		}

		@WriteThrough(cache = "products", key = "#id")
		public Product update(Long id, String sku) {
			return new Product(id, sku);
		}

	}

	@RestController
	@RequestMapping("/products")
	static class ProductController {

		final AtomicInteger invocations = new AtomicInteger();

		final AtomicInteger updates = new AtomicInteger();

		private final ProductService service;

		ProductController(ProductService service) {
			this.service = service;
		}

		@GetMapping("/{id}")
		@CachedETag(cache = "products", key = "#id")
		@HttpCaching(maxAge = "60s", sMaxAge = "5m", staleWhileRevalidate = "30s", staleIfError = "1d",
				cdnMaxAge = "10m", surrogateKeys = { "'products'", "'products:' + #id", "'sku-' + #result.sku" },
				vary = "Accept-Language")
		Product get(@PathVariable Long id) {
			this.invocations.incrementAndGet();
			return this.service.find(id);
		}

		@PutMapping("/{id}")
		@CachedETag(cache = "products", key = "#id")
		Product update(@PathVariable Long id, @RequestParam String sku) {
			this.updates.incrementAndGet();
			return this.service.update(id, sku);
		}

		@GetMapping("/{id}/private")
		@HttpCaching(maxAge = "60s", scope = Scope.PRIVATE)
		String privately(@PathVariable Long id) {
			return "private";
		}

		@GetMapping("/{id}/public")
		@HttpCaching(maxAge = "60s", sMaxAge = "60s", scope = Scope.PUBLIC)
		String publicly(@PathVariable Long id) {
			return "public";
		}

		@GetMapping("/{id}/no-store")
		@HttpCaching(maxAge = "60s", noStore = true)
		String noStore(@PathVariable Long id) {
			return "secret";
		}

		@GetMapping("/{id}/immutable")
		@HttpCaching(maxAge = "365d", mustRevalidate = true, immutable = true)
		String immutable(@PathVariable Long id) {
			return "forever";
		}

		@GetMapping("/{id}/own")
		@HttpCaching(maxAge = "60s", cdnMaxAge = "1h")
		ResponseEntity<String> own(@PathVariable Long id) {
			return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body("own");
		}

		@PostMapping("/{id}/touch")
		@HttpCaching(maxAge = "60s")
		String touch(@PathVariable Long id) {
			return "touched";
		}

	}

	@RestController
	static class CatalogController {

		@GetMapping("/catalog/{name}")
		String category(@PathVariable String name) {
			return name;
		}

		@GetMapping("/catalog/special/{name}")
		@HttpCaching(maxAge = "5s")
		String special(@PathVariable String name) {
			return name;
		}

		@GetMapping("/elsewhere")
		String elsewhere() {
			return "elsewhere";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ ProductService.class, ProductController.class, CatalogController.class })
	static class App {

	}

}
