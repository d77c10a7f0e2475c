package io.github.tieredcache.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link MissingTieredCacheManagerException} at start-up: which annotated
 * method needs a {@code TieredCacheManager}, why there is none, and the ways to fix it.
 */
class MissingTieredCacheManagerFailureAnalyzer extends AbstractFailureAnalyzer<MissingTieredCacheManagerException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, MissingTieredCacheManagerException cause) {
		return new FailureAnalysis(cause.getDescription(), cause.getAction(), cause);
	}

}
