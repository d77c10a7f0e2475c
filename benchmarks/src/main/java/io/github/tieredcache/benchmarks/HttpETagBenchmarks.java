package io.github.tieredcache.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.http.CachedETag;
import io.github.tieredcache.internal.http.HttpCachingFilter;
import io.github.tieredcache.testsupport.RedisServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.RequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.filter.ShallowEtagHeaderFilter;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

/**
 * A conditional {@code GET} answered {@code 304}, two ways, on the same endpoint shape
 * ({@code GET /…/products/{id}}, a list of 1 or 100 {@code Product}s from an L1 hit,
 * about 120 bytes or 12 KB of JSON): {@code @CachedETag} (the version of the cache entry,
 * read from Redis; the controller does not run) against Spring's
 * {@code ShallowEtagHeaderFilter} (the controller runs, the body is serialized, buffered
 * and hashed, then dropped); and the plain {@code 200} of the same endpoint for scale. A
 * Spring Boot application with the starter's auto-configuration, driven through MockMvc
 * (its {@code DispatcherServlet}, no network), a real Redis on loopback.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar HttpETagBenchmarks -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HttpETagBenchmarks {

	/**
	 * How many products the endpoint's body holds: 1 (about 120 bytes of JSON) or 100
	 * (about 12 KB).
	 */
	@Param({ "1", "100" })
	public int products;

	private RedisServer redis;

	private ConfigurableApplicationContext context;

	private MockMvc withShallowEtagFilter;

	private MockMvc withCachingFilter;

	private RequestBuilder shallowNotModified;

	private RequestBuilder cachedNotModified;

	private RequestBuilder plain;

	@Setup(Level.Trial)
	public void setUp() throws Exception {
		this.redis = RedisServer.start();
		this.context = new SpringApplicationBuilder(App.class).run("--server.port=-1",
				"--spring.data.redis.port=" + this.redis.port(), "--tiered-cache.key-prefix=bench-http",
				"--tiered-cache.serialization.allowed-packages=io.github.tieredcache.benchmarks",
				"--logging.level.root=warn", "--tiered-cache.redis.command-timeout=5s",
				"--bench.products=" + this.products);
		WebApplicationContext web = (WebApplicationContext) this.context;
		this.withShallowEtagFilter = MockMvcBuilders.webAppContextSetup(web)
			.addFilters(new ShallowEtagHeaderFilter())
			.build();
		this.withCachingFilter = MockMvcBuilders.webAppContextSetup(web)
			.addFilters(this.context.getBean(HttpCachingFilter.class))
			.build();
		String shallowTag = perform(this.withShallowEtagFilter, get("/shallow/products/42"), 200).getHeader("ETag");
		String cachedTag = perform(this.withCachingFilter, get("/cached/products/42"), 200).getHeader("ETag");
		this.shallowNotModified = get("/shallow/products/42").header("If-None-Match", shallowTag);
		this.cachedNotModified = get("/cached/products/42").header("If-None-Match", cachedTag);
		this.plain = get("/plain/products/42");
		perform(this.withShallowEtagFilter, this.shallowNotModified, 304);
		perform(this.withCachingFilter, this.cachedNotModified, 304);
		Catalog catalog = this.context.getBean(Catalog.class);
		long before = catalog.invocations;
		perform(this.withCachingFilter, this.cachedNotModified, 304);
		if (catalog.invocations != before) {
			throw new IllegalStateException("Expected the @CachedETag 304 without invoking the controller");
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.context.close();
		this.redis.close();
	}

	@Benchmark
	public MockHttpServletResponse shallowEtagHeaderFilter304() throws Exception {
		return this.withShallowEtagFilter.perform(this.shallowNotModified).andReturn().getResponse();
	}

	@Benchmark
	public MockHttpServletResponse cachedETag304() throws Exception {
		return this.withCachingFilter.perform(this.cachedNotModified).andReturn().getResponse();
	}

	@Benchmark
	public MockHttpServletResponse plain200() throws Exception {
		return this.withCachingFilter.perform(this.plain).andReturn().getResponse();
	}

	private static MockHttpServletResponse perform(MockMvc mvc, RequestBuilder request, int status) throws Exception {
		MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
		if (response.getStatus() != status) {
			throw new IllegalStateException("Expected " + status + " but got " + response.getStatus());
		}
		return response;
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@org.springframework.context.annotation.Bean
		Catalog catalog(TieredCacheManager cacheManager, Environment environment) {
			return new Catalog(cacheManager.getCache("products"),
					environment.getRequiredProperty("bench.products", Integer.class));
		}

	}

	/**
	 * The same products three ways; each reads them from the cache (an L1 hit).
	 */
	@RestController
	static class Catalog {

		private final TieredCache products;

		private final int size;

		volatile long invocations;

		Catalog(TieredCache products, int size) {
			this.products = products;
			this.size = size;
		}

		@GetMapping("/shallow/products/{id}")
		List<Product> shallow(@PathVariable Long id) {
			return find(id);
		}

		@GetMapping("/cached/products/{id}")
		@CachedETag(cache = "products", key = "#id")
		List<Product> cached(@PathVariable Long id) {
			return find(id);
		}

		@GetMapping("/plain/products/{id}")
		List<Product> plain(@PathVariable Long id) {
			return find(id);
		}

		private List<Product> find(Long id) {
			this.invocations++;
			return this.products.get(id, () -> new ArrayList<>(Collections.nCopies(this.size, Product.sample())));
		}

	}

}
