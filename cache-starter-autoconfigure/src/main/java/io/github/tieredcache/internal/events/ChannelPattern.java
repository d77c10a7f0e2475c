package io.github.tieredcache.internal.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * How to read a channel name: literal text with {@code {name}} placeholders, such as
 * {@code product:{id}:updated}. A placeholder matches one or more characters, as few as
 * let the rest of the pattern match; the whole channel name must match.
 * <p>
 * Immutable, thread-safe.
 */
public final class ChannelPattern {

	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	private final String text;

	private final Pattern regex;

	private final List<String> names;

	private ChannelPattern(String text, Pattern regex, List<String> names) {
		this.text = text;
		this.regex = regex;
		this.names = names;
	}

	/**
	 * Compile a pattern.
	 * @param text the pattern text
	 * @return the pattern
	 * @throws IllegalArgumentException saying what is wrong with it
	 */
	public static ChannelPattern compile(String text) {
		if (text.isBlank()) {
			throw new IllegalArgumentException("Must not be blank");
		}
		StringBuilder regex = new StringBuilder();
		List<String> names = new ArrayList<>();
		int literalStart = 0;
		int i = 0;
		while (i < text.length()) {
			char c = text.charAt(i);
			if (c == '}') {
				throw new IllegalArgumentException("'}' at " + i + " closes no placeholder");
			}
			if (c != '{') {
				i++;
				continue;
			}
			int end = text.indexOf('}', i);
			if (end < 0) {
				throw new IllegalArgumentException("'{' at " + i + " is not closed");
			}
			String name = text.substring(i + 1, end);
			if (!NAME.matcher(name).matches()) {
				throw new IllegalArgumentException(
						"Placeholder '{" + name + "}' is not a name (letters, digits and '_', not first a digit)");
			}
			if (names.contains(name)) {
				throw new IllegalArgumentException("Placeholder '{" + name + "}' appears twice");
			}
			if (i > literalStart) {
				regex.append(Pattern.quote(text.substring(literalStart, i)));
			}
			regex.append("(.+?)");
			names.add(name);
			i = end + 1;
			literalStart = i;
		}
		if (literalStart < text.length()) {
			regex.append(Pattern.quote(text.substring(literalStart)));
		}
		return new ChannelPattern(text, Pattern.compile(regex.toString(), Pattern.DOTALL), List.copyOf(names));
	}

	/**
	 * Read a channel name.
	 * @param channel the channel name
	 * @return the placeholders' values by name, or {@code null} if the channel does not
	 * match
	 */
	public @Nullable Map<String, String> match(String channel) {
		Matcher matcher = this.regex.matcher(channel);
		if (!matcher.matches()) {
			return null;
		}
		Map<String, String> values = new LinkedHashMap<>();
		for (int i = 0; i < this.names.size(); i++) {
			values.put(this.names.get(i), matcher.group(i + 1));
		}
		return values;
	}

	/**
	 * Return the placeholder names, in order.
	 * @return the names
	 */
	public List<String> names() {
		return this.names;
	}

	@Override
	public String toString() {
		return this.text;
	}

}
