package io.github.tieredcache.internal.http;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.util.AntPathMatcher;
import org.springframework.util.Assert;
import org.springframework.web.util.UrlPathHelper;

/**
 * The {@code tiered-cache.http.rules}: Ant-style path patterns with methods and a policy,
 * the first match wins. Immutable, thread-safe.
 */
public final class HttpCachingRules {

	private static final AntPathMatcher matcher = new AntPathMatcher();

	private final List<Rule> rules;

	/**
	 * Create the rules.
	 * @param rules the rules, in order
	 */
	public HttpCachingRules(List<Rule> rules) {
		this.rules = List.copyOf(rules);
	}

	List<Rule> rules() {
		return this.rules;
	}

	/**
	 * Return the policy of the first rule matching a request, or {@code null}.
	 */
	@Nullable HttpCachePolicy match(HttpServletRequest request) {
		if (this.rules.isEmpty()) {
			return null;
		}
		String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
		String method = request.getMethod();
		for (Rule rule : this.rules) {
			if (rule.methods().contains(method) && matcher.match(rule.path(), path)) {
				return rule.policy();
			}
		}
		return null;
	}

	/**
	 * One rule.
	 *
	 * @param path an Ant-style path pattern, within the application (no context path)
	 * @param methods upper-case HTTP methods the rule applies to
	 * @param policy the headers
	 */
	public record Rule(String path, Set<String> methods, HttpCachePolicy policy) {

		public Rule {
			Assert.hasText(path, "Path must not be empty");
			methods = methods.stream().map((name) -> name.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
		}

	}

}
