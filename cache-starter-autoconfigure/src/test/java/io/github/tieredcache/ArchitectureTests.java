package io.github.tieredcache;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the shape of the library: which packages may depend on which (arrows one way,
 * {@code autoconfigure} the only one that knows Spring Boot), and which types are public.
 * A change here is a change of the architecture or of the public API: make it on purpose.
 */
class ArchitectureTests {

	private static final String[] PACKAGES = { "annotation", "core", "writebehind", "http", "actuate", "autoconfigure",
			"metrics", "warmup", "internal", "internal.aspect", "internal.events", "internal.http", "internal.hotkeys",
			"internal.invalidation", "internal.local", "internal.observation", "internal.origin", "internal.redis",
			"internal.warmup", "internal.writebehind" };

	private static final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages(Arrays.stream(PACKAGES).map((name) -> "io.github.tieredcache." + name).toList());

	@Test
	void packagesDoNotDependOnEachOtherInCycles() {
		slices().matching("io.github.tieredcache.(**)").should().beFreeOfCycles().check(classes);
	}

	@Test
	void lowerLayersKnowNothingOfTheUpperOnes() {
		noClasses().that()
			.resideInAnyPackage("..internal.redis..", "..internal.local..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.core..", "..internal.invalidation..", "..internal.aspect..",
					"..internal.writebehind..", "..tieredcache.writebehind..", "..tieredcache.autoconfigure..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..internal.invalidation..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.core..", "..internal.aspect..", "..internal.writebehind..",
					"..tieredcache.writebehind..", "..tieredcache.autoconfigure..")
			.check(classes);
		noClasses().that()
			.resideInAnyPackage("..tieredcache.core..", "..internal.writebehind..", "..tieredcache.writebehind..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..internal.aspect..", "..tieredcache.actuate..", "..tieredcache.autoconfigure..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..tieredcache.actuate..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..internal.aspect..", "..tieredcache.autoconfigure..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..tieredcache.core..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..internal.writebehind..", "..tieredcache.writebehind..", "..internal.events..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..internal.events..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..internal.aspect..", "..internal.writebehind..", "..tieredcache.writebehind..",
					"..tieredcache.autoconfigure..")
			.check(classes);
		// HTTP caching sits on top of the caches: nothing below knows of it
		noClasses().that()
			.resideOutsideOfPackages("..tieredcache.http..", "..internal.http..", "..tieredcache.autoconfigure..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.http..", "..internal.http..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..internal.http..")
			.should()
			.dependOnClassesThat()
			// internal.redis allowed: the response cache's surrogate-key index is two
			// scripts on the one Redis command path (timeout, circuit breaker)
			.resideInAnyPackage("..internal.aspect..", "..internal.local..", "..internal.invalidation..",
					"..internal.writebehind..", "..tieredcache.writebehind..")
			.check(classes);
		// metrics and actuate observe the library: only the auto-configuration knows them
		noClasses().that()
			.resideOutsideOfPackages("..tieredcache.autoconfigure..", "..tieredcache.metrics..",
					"..tieredcache.actuate..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.metrics..", "..tieredcache.actuate..")
			.check(classes);
		noClasses().that()
			.resideInAnyPackage("..tieredcache.metrics..", "..tieredcache.actuate..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("..tieredcache.autoconfigure..")
			.check(classes);
		// hot-key detection and placement know nothing of the caches, the tiers or
		// the bus: core feeds them and applies what they decide
		noClasses().that()
			.resideInAPackage("..internal.hotkeys..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.core..", "..tieredcache.autoconfigure..", "..internal.redis..",
					"..internal.local..", "..internal.invalidation..", "..internal.warmup..")
			.check(classes);
		// the origin limiter is the seam core's miss path consults: it knows nothing
		// of the library
		noClasses().that()
			.resideInAPackage("..internal.origin..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.core..", "..tieredcache.autoconfigure..", "..tieredcache.warmup..",
					"..internal.warmup..", "..internal.redis..", "..internal.local..", "..internal.invalidation..")
			.check(classes);
		// observation is a seam the caches and the flusher report to: it knows nothing
		// of the library
		noClasses().that()
			.resideInAPackage("..internal.observation..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.core..", "..tieredcache.autoconfigure..", "..tieredcache.metrics..",
					"..tieredcache.actuate..", "..internal.redis..", "..internal.local..", "..internal.invalidation..",
					"..internal.writebehind..", "..internal.aspect..", "..internal.events..", "..internal.warmup..")
			.check(classes);
		// the warming SPI is what applications implement: it depends on nothing of
		// the library
		noClasses().that()
			.resideInAPackage("..tieredcache.warmup..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.core..", "..tieredcache.internal..", "..tieredcache.autoconfigure..")
			.check(classes);
		// warming runs through the caches' API; nothing below it knows of it
		noClasses().that()
			.resideInAnyPackage("..tieredcache.core..", "..internal.redis..", "..internal.local..",
					"..internal.invalidation..", "..internal.writebehind..", "..internal.events..",
					"..internal.aspect..", "..tieredcache.metrics..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..internal.warmup..", "..tieredcache.warmup..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..internal.warmup..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..tieredcache.autoconfigure..", "..tieredcache.actuate..", "..internal.aspect..")
			.check(classes);
	}

	@Test
	void theApiDependsOnNoInternals() {
		noClasses().that()
			.resideInAnyPackage("..tieredcache.annotation..", "..tieredcache.writebehind..", "..tieredcache.http..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("..tieredcache.internal..")
			.check(classes);
	}

	@Test
	void onlyTheAutoConfigurationKnowsSpringBoot() {
		// metrics and actuate plug into Boot's own SPIs (cache metrics, health,
		// endpoints), as Spring Boot's own modules do
		noClasses().that()
			.resideOutsideOfPackages("..tieredcache.autoconfigure..", "..tieredcache.metrics..",
					"..tieredcache.actuate..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("org.springframework.boot..")
			.check(classes);
	}

	@Test
	void onlyTheHttpLayerKnowsTheServletApiAndSpringMvc() {
		noClasses().that()
			.resideOutsideOfPackages("..internal.http..", "..tieredcache.autoconfigure..", "..tieredcache.actuate..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("jakarta.servlet..", "org.springframework.web..")
			.check(classes);
	}

	@Test
	void publicTypesOutsideTheInternalPackagesAreTheApi() {
		Set<String> publicTypes = new TreeSet<>();
		for (JavaClass type : classes) {
			if (type.isTopLevelClass() && type.getModifiers().contains(JavaModifier.PUBLIC)
					&& !type.getPackageName().contains(".internal")) {
				publicTypes.add(type.getName().replace("io.github.tieredcache.", ""));
			}
		}
		// warmup.CacheWarmer: the warming SPI applications implement (issue #13); the
		// engine and the origin ramp are internal
		assertThat(publicTypes).containsExactly("actuate.FleetWideClearCacheManager", "actuate.TieredCacheEndpoint",
				"actuate.TieredCacheHealthIndicator", "annotation.CacheAside", "annotation.CacheInvalidate",
				"annotation.WriteBehind", "annotation.WriteThrough", "autoconfigure.TieredCacheAutoConfiguration",
				"autoconfigure.TieredCacheCustomizer", "autoconfigure.TieredCacheEndpointAutoConfiguration",
				"autoconfigure.TieredCacheHealthContributorAutoConfiguration",
				"autoconfigure.TieredCacheHttpAutoConfiguration", "autoconfigure.TieredCacheManagerCustomizer",
				"autoconfigure.TieredCacheMetricsAutoConfiguration",
				"autoconfigure.TieredCacheObservationAutoConfiguration", "autoconfigure.TieredCacheProperties",
				"core.CacheInvalidatedEvent", "core.CacheKeyEncoder", "core.CacheSettings", "core.CacheStatistics",
				"core.JacksonValueCodec", "core.ReadThroughCache", "core.TieredCache", "core.TieredCacheManager",
				"core.ValueCodec", "core.ValueCodecException", "core.WriteOptions", "http.CachedETag",
				"http.CachedResponse", "http.HttpCaching", "metrics.TieredCacheManagerMetrics",
				"metrics.TieredCacheMeterBinderProvider", "warmup.CacheWarmer", "writebehind.WriteBehindBatchWriter",
				"writebehind.WriteBehindException");
	}

}
