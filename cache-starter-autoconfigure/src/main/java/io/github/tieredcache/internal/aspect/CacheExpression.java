package io.github.tieredcache.internal.aspect;

import java.lang.reflect.Method;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * One SpEL expression of one annotated method, parsed once. Expressions that only name a
 * parameter ({@code #id}, {@code #p0}, {@code #a0}) or the result ({@code #result}) are
 * read straight from the arguments, without SpEL. Only annotation text is ever parsed;
 * argument values are only ever values.
 * <p>
 * Thread-safe.
 */
final class CacheExpression {

	private static final SpelExpressionParser parser = new SpelExpressionParser();

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private static final Pattern INDEXED = Pattern.compile("#[pa](\\d+)");

	private static final Pattern NAMED = Pattern.compile("#([A-Za-z_$][A-Za-z0-9_$]*)");

	private static final int RESULT = -1;

	private static final int NONE = -2;

	private final String text;

	private final Method method;

	private final String attribute;

	private final int directIndex;

	private final @Nullable Expression expression;

	private CacheExpression(String text, Method method, String attribute, int directIndex,
			@Nullable Expression expression) {
		this.text = text;
		this.method = method;
		this.attribute = attribute;
		this.directIndex = directIndex;
		this.expression = expression;
	}

	/**
	 * Parse an expression of a method.
	 * @param text the annotation attribute's text
	 * @param method the annotated method
	 * @param attribute the attribute name, for messages
	 * @return the parsed expression
	 * @throws IllegalStateException naming the method and the expression if it does not
	 * parse
	 */
	static CacheExpression parse(String text, Method method, String attribute) {
		String trimmed = text.trim();
		if (trimmed.equals("#result")) {
			return new CacheExpression(text, method, attribute, RESULT, null);
		}
		Matcher indexed = INDEXED.matcher(trimmed);
		if (indexed.matches()) {
			int index = Integer.parseInt(indexed.group(1));
			if (index < method.getParameterCount()) {
				return new CacheExpression(text, method, attribute, index, null);
			}
		}
		Matcher named = NAMED.matcher(trimmed);
		if (named.matches()) {
			String[] names = parameterNames.getParameterNames(method);
			if (names != null) {
				for (int i = 0; i < names.length; i++) {
					if (names[i].equals(named.group(1))) {
						return new CacheExpression(text, method, attribute, i, null);
					}
				}
			}
		}
		try {
			return new CacheExpression(text, method, attribute, NONE, parser.parseExpression(text));
		}
		catch (ParseException ex) {
			throw new IllegalStateException("Cannot parse " + attribute + " expression '" + text + "' of "
					+ describe(method) + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Evaluate the expression.
	 * @param target the target object
	 * @param args the call's arguments
	 * @param result the result, or {@code null} before the call
	 * @return the value
	 * @throws IllegalStateException naming the method and the expression if evaluation
	 * fails
	 */
	@Nullable Object evaluate(Object target, @Nullable Object[] args, @Nullable Object result) {
		if (this.directIndex >= 0) {
			return args[this.directIndex];
		}
		if (this.directIndex == RESULT) {
			return result;
		}
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
				new ExpressionRoot(this.method, args, target), this.method, args, parameterNames);
		context.setVariable("result", result);
		try {
			return this.expression.getValue(context);
		}
		catch (EvaluationException ex) {
			throw new IllegalStateException("Cannot evaluate " + this.attribute + " expression '" + this.text + "' of "
					+ describe(this.method) + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Evaluate a condition.
	 * @param target the target object
	 * @param args the call's arguments
	 * @param result the result, or {@code null} before the call
	 * @return the condition's value
	 * @throws IllegalStateException if the expression does not give a boolean
	 */
	boolean isTrue(Object target, @Nullable Object[] args, @Nullable Object result) {
		Object value = evaluate(target, args, result);
		if (value instanceof Boolean bool) {
			return bool;
		}
		throw new IllegalStateException(this.attribute + " expression '" + this.text + "' of " + describe(this.method)
				+ " must give a boolean, not " + value);
	}

	static String describe(Method method) {
		return method.getDeclaringClass().getSimpleName() + "." + method.getName() + "(" + String.join(", ",
				java.util.Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).toList()) + ")";
	}

	/**
	 * The {@code #root} object: {@code #root.method}, {@code #root.methodName},
	 * {@code #root.args}, {@code #root.target}, as in Spring's cache expressions.
	 *
	 * @param method the method
	 * @param args the arguments
	 * @param target the target object
	 */
	record ExpressionRoot(Method method, @Nullable Object[] args, Object target) {

		public String getMethodName() {
			return this.method.getName();
		}

		public Method getMethod() {
			return this.method;
		}

		public @Nullable Object[] getArgs() {
			return this.args;
		}

		public Object getTarget() {
			return this.target;
		}

		public Class<?> getTargetClass() {
			return this.target.getClass();
		}

	}

}
