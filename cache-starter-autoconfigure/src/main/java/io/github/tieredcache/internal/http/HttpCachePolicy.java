package io.github.tieredcache.internal.http;

import java.time.Duration;
import java.util.List;

import io.github.tieredcache.http.HttpCaching;
import io.github.tieredcache.http.HttpCaching.Scope;
import io.github.tieredcache.internal.DurationText;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.util.StringUtils;

/**
 * The caching headers of one endpoint, from {@link HttpCaching} or a
 * {@code tiered-cache.http.rules} entry. Immutable.
 *
 * @param maxAge {@code max-age}, or {@code null}
 * @param sMaxAge {@code s-maxage}, or {@code null}
 * @param staleWhileRevalidate {@code stale-while-revalidate}, or {@code null}
 * @param staleIfError {@code stale-if-error}, or {@code null}
 * @param scope who may store the response
 * @param noStore whether to emit {@code no-store} alone
 * @param mustRevalidate whether to emit {@code must-revalidate}
 * @param immutable whether to emit {@code immutable}
 * @param cdnMaxAge {@code CDN-Cache-Control: max-age}, or {@code null}
 * @param surrogateKeys SpEL expressions of {@code Surrogate-Key}
 * @param vary request header names to add to {@code Vary}
 */
public record HttpCachePolicy(@Nullable Duration maxAge, @Nullable Duration sMaxAge,
		@Nullable Duration staleWhileRevalidate, @Nullable Duration staleIfError, Scope scope, boolean noStore,
		boolean mustRevalidate, boolean immutable, @Nullable Duration cdnMaxAge, List<String> surrogateKeys,
		List<String> vary) {

	public HttpCachePolicy {
		surrogateKeys = List.copyOf(surrogateKeys);
		vary = List.copyOf(vary);
	}

	/**
	 * Return the policy an annotation declares.
	 * @param annotation the annotation
	 * @param where the annotated element, for messages
	 * @return the policy
	 * @throws IllegalStateException naming the element and attribute if a duration does
	 * not parse
	 */
	static HttpCachePolicy of(HttpCaching annotation, Object where) {
		return new HttpCachePolicy(duration(annotation.maxAge(), "maxAge", where),
				duration(annotation.sMaxAge(), "sMaxAge", where),
				duration(annotation.staleWhileRevalidate(), "staleWhileRevalidate", where),
				duration(annotation.staleIfError(), "staleIfError", where), annotation.scope(), annotation.noStore(),
				annotation.mustRevalidate(), annotation.immutable(),
				duration(annotation.cdnMaxAge(), "cdnMaxAge", where), List.of(annotation.surrogateKeys()),
				List.of(annotation.vary()));
	}

	private static @Nullable Duration duration(String text, String attribute, Object where) {
		if (!StringUtils.hasText(text)) {
			return null;
		}
		Duration duration = DurationText.parse(text.trim());
		if (duration == null || duration.isNegative()) {
			throw new IllegalStateException("@HttpCaching(" + attribute + " = \"" + text + "\") on " + where
					+ " is not a duration such as \"60s\", \"10m\" or \"PT1H\"");
		}
		return duration;
	}

	/**
	 * Return whether the response to a request is private: always under
	 * {@link Scope#PRIVATE}; under {@link Scope#AUTO} when the request carries
	 * credentials ({@code Authorization}) or an authenticated principal.
	 */
	boolean isPrivate(HttpServletRequest request) {
		return switch (this.scope) {
			case PUBLIC -> false;
			case PRIVATE -> true;
			case AUTO -> request.getHeader(HttpHeaders.AUTHORIZATION) != null || request.getUserPrincipal() != null;
		};
	}

	/**
	 * Return the {@code Cache-Control} value, or {@code null} if the policy sets none.
	 * @param privateResponse whether the response is private (shared-cache directives are
	 * then left out)
	 */
	@Nullable String cacheControl(boolean privateResponse) {
		if (this.noStore) {
			return CacheControl.noStore().getHeaderValue();
		}
		CacheControl control = (this.maxAge != null) ? CacheControl.maxAge(this.maxAge) : CacheControl.empty();
		if (privateResponse) {
			control = control.cachePrivate();
		}
		else {
			control = control.cachePublic();
			if (this.sMaxAge != null) {
				control = control.sMaxAge(this.sMaxAge);
			}
		}
		if (this.staleWhileRevalidate != null) {
			control = control.staleWhileRevalidate(this.staleWhileRevalidate);
		}
		if (this.staleIfError != null) {
			control = control.staleIfError(this.staleIfError);
		}
		if (this.mustRevalidate) {
			control = control.mustRevalidate();
		}
		if (this.immutable) {
			control = control.immutable();
		}
		return control.getHeaderValue();
	}

	/**
	 * Return the {@code CDN-Cache-Control} value, or {@code null} for none (no
	 * {@code cdn-max-age}, a private response, or {@code no-store}).
	 */
	@Nullable String cdnCacheControl(boolean privateResponse) {
		if (this.cdnMaxAge == null || privateResponse || this.noStore) {
			return null;
		}
		return "max-age=" + this.cdnMaxAge.toSeconds();
	}

}
