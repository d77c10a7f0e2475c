package io.github.tieredcache.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.tieredcache.core.CacheInvalidatedEvent;
import io.github.tieredcache.core.TieredCache;
import io.github.tieredcache.core.TieredCacheManager;
import io.github.tieredcache.internal.events.InboundInvalidations;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the invalidation event tests share: the {@code products} cache, its in-process
 * tier, the counters of the {@code product-updated} event, and a recorder of
 * {@link CacheInvalidatedEvent}s.
 */
final class EventTestSupport {

	private EventTestSupport() {
	}

	static TieredCache products(AssertableApplicationContext context) {
		return context.getBean(TieredCacheManager.class).getCache("products");
	}

	@SuppressWarnings("unchecked")
	static boolean inLocalTier(AssertableApplicationContext context, Object key) {
		return ((com.github.benmanes.caffeine.cache.Cache<Object, Object>) products(context).getNativeCache())
			.getIfPresent(key) != null;
	}

	static InboundInvalidations.Statistics statistics(AssertableApplicationContext context) {
		return context.getBean(InboundInvalidations.class).statistics("product-updated");
	}

	static List<CacheInvalidatedEvent> recorded(AssertableApplicationContext context) {
		return context.getBean(Recorder.class).events;
	}

	/**
	 * An application event an {@code application-event} declaration reads.
	 */
	record ProductChanged(long productId) {
	}

	static class Recorder implements ApplicationListener<CacheInvalidatedEvent> {

		final List<CacheInvalidatedEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(CacheInvalidatedEvent event) {
			this.events.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecorderConfiguration {

		@Bean
		Recorder recorder() {
			return new Recorder();
		}

	}

}
