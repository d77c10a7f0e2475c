package io.github.tieredcache.internal.events;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.DataBindingPropertyAccessor;
import org.springframework.expression.spel.support.MapAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * The SpEL expression of an inbound event's key, parsed once from configuration. Only
 * configuration text is parsed; what a message carries is only ever a variable's value.
 * Evaluated in a {@link SimpleEvaluationContext}: properties read (of beans, records and
 * maps), instance methods callable, no types, constructors or bean references.
 * <p>
 * Thread-safe.
 */
public final class KeyExpression {

	private static final SpelExpressionParser parser = new SpelExpressionParser();

	private final String text;

	private final Expression expression;

	private KeyExpression(String text, Expression expression) {
		this.text = text;
		this.expression = expression;
	}

	/**
	 * Parse an expression.
	 * @param text the expression text, such as {@code #id}
	 * @return the parsed expression
	 * @throws IllegalArgumentException if it does not parse
	 */
	public static KeyExpression parse(String text) {
		try {
			return new KeyExpression(text, parser.parseExpression(text));
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException("Not a SpEL expression: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Return whether the expression mentions a variable.
	 * @param name the variable name, without {@code #}
	 * @return whether {@code #name} appears in the text
	 */
	public boolean mentions(String name) {
		return this.text.contains("#" + name);
	}

	/**
	 * Evaluate the expression.
	 * @param variables the variables, by name
	 * @return the value
	 * @throws EvaluationException if evaluation fails
	 */
	public @Nullable Object evaluate(Map<String, ? extends @Nullable Object> variables) {
		SimpleEvaluationContext context = SimpleEvaluationContext
			.forPropertyAccessors(new MapAccessor(false), DataBindingPropertyAccessor.forReadOnlyAccess())
			.withInstanceMethods()
			.build();
		variables.forEach(context::setVariable);
		return this.expression.getValue(context);
	}

	@Override
	public String toString() {
		return this.text;
	}

}
