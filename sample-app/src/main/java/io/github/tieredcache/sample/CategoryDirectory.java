package io.github.tieredcache.sample;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;

import io.github.tieredcache.core.ReadThroughCache;
import io.github.tieredcache.core.TieredCacheManager;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Read-through over the category reference table: callers ask for names, the cache loads
 * what it lacks (several at once with one query). Without a {@link TieredCacheManager}
 * (caching switched off with {@code spring.cache.type=none}) every call queries the
 * database.
 */
@Component
public class CategoryDirectory {

	private final @Nullable ReadThroughCache<Long, String> names;

	private final ProductRepository products;

	CategoryDirectory(ObjectProvider<TieredCacheManager> cacheManager, ProductRepository products) {
		TieredCacheManager manager = cacheManager.getIfAvailable();
		this.names = (manager != null) ? manager.readThrough("categories",
				(Long id) -> products.categoryName(id).orElse(null), products::categoryNames) : null;
		this.products = products;
	}

	public @Nullable String name(long id) {
		return (this.names != null) ? this.names.get(id) : this.products.categoryName(id).orElse(null);
	}

	public Map<Long, String> names(Collection<Long> ids) {
		return (this.names != null) ? this.names.getAll(ids) : this.products.categoryNames(new LinkedHashSet<>(ids));
	}

}
