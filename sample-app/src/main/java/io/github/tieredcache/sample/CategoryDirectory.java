package io.github.tieredcache.sample;

import java.util.Collection;
import java.util.Map;

import io.github.tieredcache.core.ReadThroughCache;
import io.github.tieredcache.core.TieredCacheManager;
import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

/**
 * Read-through over the category reference table: callers ask for names, the cache loads
 * what it lacks (several at once with one query).
 */
@Component
public class CategoryDirectory {

	private final ReadThroughCache<Long, String> names;

	CategoryDirectory(TieredCacheManager cacheManager, ProductRepository products) {
		this.names = cacheManager.readThrough("categories", (Long id) -> products.categoryName(id).orElse(null),
				products::categoryNames);
	}

	public @Nullable String name(long id) {
		return this.names.get(id);
	}

	public Map<Long, String> names(Collection<Long> ids) {
		return this.names.getAll(ids);
	}

}
