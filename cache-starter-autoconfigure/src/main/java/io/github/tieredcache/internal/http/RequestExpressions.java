package io.github.tieredcache.internal.http;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.util.StringUtils;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/**
 * SpEL over a request, before argument binding: the variables are the path variables and
 * request parameters by name, each converted to the type of the handler parameter bound
 * to it, where there is one. Expressions are parsed once and evaluated in a
 * {@link SimpleEvaluationContext} (read-only data binding and instance methods: no type
 * references, no bean references), and only annotation text is ever parsed. Thread-safe.
 */
final class RequestExpressions {

	private static final SpelExpressionParser parser = new SpelExpressionParser();

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private static final Pattern VARIABLE = Pattern.compile("#[A-Za-z_$][A-Za-z0-9_$]*");

	private final Supplier<ConversionService> conversionService;

	RequestExpressions(Supplier<ConversionService> conversionService) {
		this.conversionService = SingletonSupplier.of(conversionService);
	}

	/**
	 * One parsed expression.
	 *
	 * @param text the expression's text
	 * @param variable the variable it only names, or {@code null}
	 * @param expression the parsed expression, where it is more than a variable
	 */
	record Parsed(String text, @Nullable String variable, @Nullable Expression expression) {

		static Parsed of(String text, String where) {
			String trimmed = text.trim();
			if (VARIABLE.matcher(trimmed).matches()) {
				return new Parsed(text, trimmed.substring(1), null);
			}
			try {
				return new Parsed(text, null, parser.parseExpression(trimmed));
			}
			catch (RuntimeException ex) {
				throw new IllegalStateException(
						"Expression \"" + text + "\" of " + where + " does not parse: " + ex.getMessage(), ex);
			}
		}

		@Nullable Object evaluate(Map<String, @Nullable Object> variables) {
			if (this.variable != null) {
				return variables.get(this.variable);
			}
			SimpleEvaluationContext context = SimpleEvaluationContext.forReadOnlyDataBinding()
				.withInstanceMethods()
				.build();
			variables.forEach(context::setVariable);
			return this.expression.getValue(context);
		}

	}

	/**
	 * Return the variables of a request for a handler, or {@code null} if a value bound
	 * to a handler parameter cannot be converted to its type (the handler would answer
	 * 400; nothing is derived from such a request).
	 */
	@Nullable Map<String, @Nullable Object> variables(HttpServletRequest request, @Nullable HandlerMethod handler) {
		Map<String, @Nullable Object> variables = new HashMap<>();
		request.getParameterMap().forEach((name, values) -> {
			if (values.length > 0) {
				variables.put(name, values[0]);
			}
		});
		@SuppressWarnings("unchecked")
		Map<String, String> pathVariables = (Map<String, String>) request
			.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
		if (pathVariables != null) {
			variables.putAll(pathVariables);
		}
		if (handler == null) {
			return variables;
		}
		for (MethodParameter parameter : handler.getMethodParameters()) {
			String name = boundName(parameter);
			if (name == null || !(variables.get(name) instanceof String raw)) {
				continue;
			}
			TypeDescriptor target = new TypeDescriptor(parameter);
			if (target.getType() == String.class) {
				continue;
			}
			try {
				variables.put(name,
						this.conversionService.get().convert(raw, TypeDescriptor.valueOf(String.class), target));
			}
			catch (RuntimeException ex) {
				return null;
			}
		}
		return variables;
	}

	private static @Nullable String boundName(MethodParameter parameter) {
		PathVariable pathVariable = parameter.getParameterAnnotation(PathVariable.class);
		String declared = null;
		if (pathVariable != null) {
			declared = StringUtils.hasText(pathVariable.name()) ? pathVariable.name() : pathVariable.value();
		}
		else {
			RequestParam requestParam = parameter.getParameterAnnotation(RequestParam.class);
			if (requestParam == null) {
				return null;
			}
			declared = StringUtils.hasText(requestParam.name()) ? requestParam.name() : requestParam.value();
		}
		if (StringUtils.hasText(declared)) {
			return declared;
		}
		parameter.initParameterNameDiscovery(parameterNames);
		return parameter.getParameterName();
	}

	/**
	 * Return the non-empty string forms of what expressions evaluate to, collections and
	 * arrays flattened.
	 */
	static List<String> strings(List<Parsed> expressions, Map<String, @Nullable Object> variables) {
		List<String> strings = new ArrayList<>();
		for (Parsed expression : expressions) {
			add(strings, expression.evaluate(variables));
		}
		return strings;
	}

	private static void add(List<String> strings, @Nullable Object value) {
		if (value == null) {
			return;
		}
		if (value instanceof Collection<?> collection) {
			collection.forEach((element) -> add(strings, element));
		}
		else if (value.getClass().isArray()) {
			for (int i = 0; i < Array.getLength(value); i++) {
				add(strings, Array.get(value, i));
			}
		}
		else if (StringUtils.hasText(value.toString())) {
			strings.add(value.toString());
		}
	}

}
