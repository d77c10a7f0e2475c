package io.github.tieredcache.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Durations as the annotations write them, the way Spring Boot reads properties: a number
 * with an optional unit ({@code ns}, {@code us}, {@code ms} (the default), {@code s},
 * {@code m}, {@code h}, {@code d}), or ISO-8601 ({@code PT1H}).
 */
public final class DurationText {

	private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h|d)?");

	private DurationText() {
	}

	/**
	 * Parse a duration.
	 * @param text the text, such as {@code 30s} or {@code PT1H}
	 * @return the duration, or {@code null} if the text is not one
	 */
	public static @Nullable Duration parse(String text) {
		String trimmed = text.trim();
		if (trimmed.startsWith("P") || trimmed.startsWith("p") || trimmed.startsWith("-P")) {
			try {
				return Duration.parse(trimmed);
			}
			catch (DateTimeParseException ex) {
				return null;
			}
		}
		Matcher matcher = SIMPLE.matcher(trimmed.toLowerCase(Locale.ROOT));
		if (!matcher.matches()) {
			return null;
		}
		long amount;
		try {
			amount = Long.parseLong(matcher.group(1));
		}
		catch (NumberFormatException ex) {
			return null;
		}
		String unit = (matcher.group(2) != null) ? matcher.group(2) : "ms";
		return switch (unit) {
			case "ns" -> Duration.ofNanos(amount);
			case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1000));
			case "ms" -> Duration.ofMillis(amount);
			case "s" -> Duration.ofSeconds(amount);
			case "m" -> Duration.ofMinutes(amount);
			case "h" -> Duration.ofHours(amount);
			default -> Duration.ofDays(amount);
		};
	}

}
