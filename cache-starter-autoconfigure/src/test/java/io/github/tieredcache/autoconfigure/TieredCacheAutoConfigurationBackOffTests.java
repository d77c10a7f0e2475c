package io.github.tieredcache.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.tieredcache.annotation.CacheAside;
import io.github.tieredcache.annotation.CacheInvalidate;
import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.annotation.WriteThrough;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.core.ValueCodec;
import io.github.tieredcache.internal.writebehind.WriteBehindService;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.support.NoOpCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the back-off rules of {@link TieredCacheAutoConfiguration}: it steps aside
 * for an application's own {@link CacheManager} and for {@code spring.cache.type}, as
 * Spring Boot's cache auto-configuration does, and the pattern annotations then fail
 * start-up or, under {@code spring.cache.type=none}, pass through.
 */
class TieredCacheAutoConfigurationBackOffTests {

	private final RedisServer redis = RedisServer.shared();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, TieredCacheAutoConfiguration.class,
				CacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + this.redis.port(),
				"tiered-cache.key-prefix=back-off-" + System.nanoTime());

	@Test
	void userCacheManagerIsUsedAndOursIsAbsent() {
		this.runner.withUserConfiguration(UserCacheManagerConfiguration.class, SpringCatalogConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(TieredCacheManager.class);
				assertThat(context).doesNotHaveBean(ValueCodec.class);
				assertThat(context).doesNotHaveBean(WriteBehindService.class);
				assertThat(context).doesNotHaveBean(LettuceClientOptionsBuilderCustomizer.class);
				assertThat(context).doesNotHaveBean(LettuceClientConfigurationBuilderCustomizer.class);
				assertThat(context).getBean(CacheManager.class).isInstanceOf(ConcurrentMapCacheManager.class);
				SpringCatalog catalog = context.getBean(SpringCatalog.class);
				catalog.find(1L);
				catalog.find(1L);
				assertThat(catalog.calls()).isOne();
				assertThat(context.getBean(CacheManager.class).getCache("products").get(1L)).isNotNull();
			});
	}

	@Test
	void userCacheManagerNamedCacheManagerDoesNotCollideWithOurs() {
		this.runner.withPropertyValues("spring.main.allow-bean-definition-overriding=false")
			.withUserConfiguration(UserCacheManagerConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(CacheManager.class);
				assertThat(context).getBean("cacheManager").isInstanceOf(ConcurrentMapCacheManager.class);
			});
	}

	@Test
	void anyCacheTypeLeavesCachingToSpringBoot() {
		this.runner.withUserConfiguration(SpringCatalogConfiguration.class)
			.withPropertyValues("spring.cache.type=simple")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(TieredCacheManager.class);
				assertThat(context).doesNotHaveBean(LettuceClientOptionsBuilderCustomizer.class);
				assertThat(context).getBean(CacheManager.class).isInstanceOf(ConcurrentMapCacheManager.class);
			});
	}

	@Test
	void cacheTypeNoneTurnsCachingOffAndPatternAnnotationsPassThrough() {
		this.runner.withUserConfiguration(SpringCatalogConfiguration.class, PatternCatalogConfiguration.class)
			.withPropertyValues("spring.cache.type=none")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(TieredCacheManager.class);
				assertThat(context).getBean(CacheManager.class).isInstanceOf(NoOpCacheManager.class);
				PatternCatalog catalog = context.getBean(PatternCatalog.class);
				for (int i = 0; i < 3; i++) {
					assertThat(catalog.find(1L)).isEqualTo("product-1");
					catalog.save(1L, "lamp");
					catalog.delete(1L);
					catalog.saveLater(1L, "desk");
				}
				// each ran every call, and @WriteBehind ran at once, on the caller's
				// thread
				assertThat(catalog.finds()).isEqualTo(3);
				assertThat(catalog.saves()).isEqualTo(3);
				assertThat(catalog.deletes()).isEqualTo(3);
				assertThat(catalog.deferredSaves()).isEqualTo(3);
			});
	}

	@Test
	void cacheTypeNoneRunsEveryCallOfBothKindsOfAnnotationAndWritesBatchWriterCallsAtOnce() {
		this.runner.withUserConfiguration(SpringCatalogConfiguration.class, BatchWrittenCatalogConfiguration.class)
			.withPropertyValues("spring.cache.type=none")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				SpringCatalog spring = context.getBean(SpringCatalog.class);
				BatchWrittenCatalog catalog = context.getBean(BatchWrittenCatalog.class);
				for (int i = 0; i < 3; i++) {
					assertThat(spring.find(1L)).isEqualTo("product-1");
					catalog.setStock(7L, 10 + i);
				}
				assertThat(spring.calls()).isEqualTo(3);
				// the method (which a batch writer stands in for) never ran; the writer
				// got each call, on the caller's thread
				assertThat(catalog.written()).containsExactly(Map.of(7L, 10), Map.of(7L, 11), Map.of(7L, 12));
			});
	}

	@Test
	void patternAnnotationWithoutTieredCacheManagerFailsStartUpNamingTheFix() {
		this.runner.withUserConfiguration(UserCacheManagerConfiguration.class, PatternCatalogConfiguration.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).isInstanceOf(MissingTieredCacheManagerException.class)
					.hasMessageContaining("@CacheAside on " + PatternCatalog.class.getName() + ".find needs a"
							+ " TieredCacheManager bean")
					.hasMessageContaining("own CacheManager 'cacheManager' (ConcurrentMapCacheManager)")
					.hasMessageContaining("Remove your CacheManager bean")
					.hasMessageContaining("define a TieredCacheManager bean")
					.hasMessageContaining("spring.cache.type=none");
				FailureAnalysis analysis = new MissingTieredCacheManagerFailureAnalyzer()
					.analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("TieredCacheManager").contains("'cacheManager'");
				assertThat(analysis.getAction()).contains("Remove your CacheManager bean");
			});
	}

	@Test
	void patternAnnotationUnderAnotherCacheTypeFailsStartUp() {
		this.runner.withUserConfiguration(SpringCatalogConfiguration.class, PatternCatalogConfiguration.class)
			.withPropertyValues("spring.cache.type=simple")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).isInstanceOf(MissingTieredCacheManagerException.class)
					.hasMessageContaining("TieredCacheManager")
					.hasMessageContaining("'spring.cache.type=simple' hands caching to Spring Boot")
					.hasMessageContaining("Remove 'spring.cache.type'")
					.hasMessageNotContaining("own CacheManager");
			});
	}

	@Test
	void lazyAnnotatedBeanFailsOnItsFirstCall() {
		this.runner.withUserConfiguration(UserCacheManagerConfiguration.class, LazyPatternCatalogConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				PatternCatalog catalog = context.getBean(PatternCatalog.class);
				assertThatExceptionOfType(MissingTieredCacheManagerException.class).isThrownBy(() -> catalog.find(1L))
					.withMessageContaining("TieredCacheManager");
				assertThat(catalog.finds()).isZero();
			});
	}

	@Test
	void patternAnnotationsUseAUserDefinedTieredCacheManager() {
		this.runner.withUserConfiguration(UserTieredCacheManagerConfiguration.class, PatternCatalogConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(TieredCacheManager.class);
				PatternCatalog catalog = context.getBean(PatternCatalog.class);
				catalog.find(1L);
				catalog.find(1L);
				assertThat(catalog.finds()).isOne();
				assertThat(context.getBean(TieredCacheManager.class).getCache("products").get(1L)).isNotNull();
			});
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void failureAnalyzerIsRegisteredWithSpringBoot(CapturedOutput output) {
		SpringApplication application = new SpringApplication(FailingApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatExceptionOfType(MissingTieredCacheManagerException.class)
			.isThrownBy(() -> application.run("--spring.main.banner-mode=off", "--spring.cache.type=simple"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("@CacheAside on " + PatternCatalog.class.getName() + ".find needs a TieredCacheManager bean")
			.contains("Action:")
			.contains("spring.cache.type=none");
	}

	@Configuration(proxyBeanMethods = false)
	static class UserCacheManagerConfiguration {

		@Bean
		CacheManager cacheManager() {
			return new ConcurrentMapCacheManager();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserTieredCacheManagerConfiguration {

		@Bean
		TieredCacheManager myCacheManager() {
			return TieredCacheManager.builder().keyPrefix("mine").build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class SpringCatalogConfiguration {

		@Bean
		SpringCatalog springCatalog() {
			return new SpringCatalog();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PatternCatalogConfiguration {

		@Bean
		PatternCatalog patternCatalog() {
			return new PatternCatalog();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BatchWrittenCatalogConfiguration {

		@Bean
		BatchWrittenCatalog batchWrittenCatalog() {
			return new BatchWrittenCatalog();
		}

		@Bean
		WriteBehindBatchWriter<Long, Integer> stockWriter(BatchWrittenCatalog catalog) {
			return catalog::write;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LazyPatternCatalogConfiguration {

		@Bean
		@Lazy
		PatternCatalog patternCatalog() {
			return new PatternCatalog();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ TieredCacheAutoConfiguration.class, CacheAutoConfiguration.class })
	@Import({ SpringCatalogConfiguration.class, PatternCatalogConfiguration.class })
	static class FailingApplication {

	}

	static class SpringCatalog {

		private final AtomicInteger calls = new AtomicInteger();

		@Cacheable("products")
		public String find(Long id) {
			this.calls.incrementAndGet();
			return "product-" + id;
		}

		public int calls() {
			return this.calls.get();
		}

	}

	static class BatchWrittenCatalog {

		private final List<Map<Long, Integer>> written = new CopyOnWriteArrayList<>();

		@WriteBehind(cache = "stock", key = "#id", value = "#quantity", batchWriter = "stockWriter")
		public void setStock(long id, int quantity) {
			throw new IllegalStateException("not called: the batch writer writes stock levels");
		}

		void write(Map<Long, Integer> entries) {
			this.written.add(Map.copyOf(entries));
		}

		List<Map<Long, Integer>> written() {
			return this.written;
		}

	}

	static class PatternCatalog {

		private final AtomicInteger finds = new AtomicInteger();

		private final AtomicInteger saves = new AtomicInteger();

		private final AtomicInteger deletes = new AtomicInteger();

		private final AtomicInteger deferredSaves = new AtomicInteger();

		@CacheAside(cache = "products", key = "#id", ttl = "1m")
		public String find(long id) {
			this.finds.incrementAndGet();
			return "product-" + id;
		}

		@WriteThrough(cache = "products", key = "#id", value = "#name")
		public void save(long id, String name) {
			this.saves.incrementAndGet();
		}

		@CacheInvalidate(cache = "products", key = "#id")
		public void delete(long id) {
			this.deletes.incrementAndGet();
		}

		@WriteBehind(cache = "products", key = "#id", value = "#name")
		public void saveLater(long id, String name) {
			this.deferredSaves.incrementAndGet();
		}

		public int finds() {
			return this.finds.get();
		}

		public int saves() {
			return this.saves.get();
		}

		public int deletes() {
			return this.deletes.get();
		}

		public int deferredSaves() {
			return this.deferredSaves.get();
		}

	}

}
