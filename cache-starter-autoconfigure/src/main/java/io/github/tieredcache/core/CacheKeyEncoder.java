package io.github.tieredcache.core;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.util.ReflectionUtils;

/**
 * Encodes cache keys as strings, injectively: two keys map to the same string only if
 * they are {@code equals}.
 * <p>
 * The grammar keeps common keys readable in {@code redis-cli}:
 * <ul>
 * <li>a {@link String} stands as itself, with {@code \ , ( )} escaped by a backslash, a
 * leading {@code #} escaped too, and the empty string written {@code #empty};</li>
 * <li>other scalars carry a tag: {@code #int:42}, {@code #long:42}, {@code #bool:true},
 * {@code #uuid:…}, {@code #enum:com.example.Color.RED},
 * {@code #java.time.LocalDate:2024-01-31};</li>
 * <li>a {@link SimpleKey} (Spring's key for several parameters) is {@code (a,#int:1)},
 * arrays are {@code #array(…)} and lists {@code #list(…)}; {@code null} is
 * {@code #null};</li>
 * <li>any other object is {@code #obj:<class>:<json>}, its properties in alphabetical
 * order (so such a key should serialize to JSON that reflects its {@code equals}).</li>
 * </ul>
 * An encoding longer than {@value #MAX_LENGTH} characters is replaced by
 * {@code #sha256:<base64url digest>}. Because every string token that starts with
 * {@code #} is escaped, no key encodes to a tag it was not given.
 * <p>
 * Thread-safe and stateless.
 */
public final class CacheKeyEncoder {

	/**
	 * Longest encoding kept as is; longer ones are hashed.
	 */
	public static final int MAX_LENGTH = 200;

	private static final Field SIMPLE_KEY_PARAMS = simpleKeyParams();

	private static final ObjectMapper KEY_MAPPER = JsonMapper.builder()
		.enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
		.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
		.build();

	private CacheKeyEncoder() {
	}

	/**
	 * Encode a cache key.
	 * @param key the key, as Spring's key generators produce it
	 * @return the encoded key, at most {@value #MAX_LENGTH} characters long (plus the
	 * length of the hash tag)
	 */
	public static String encode(@Nullable Object key) {
		if (key instanceof String string && isPlain(string)) {
			return string;
		}
		StringBuilder out = new StringBuilder(32);
		append(out, key);
		return (out.length() <= MAX_LENGTH) ? out.toString() : hash(out);
	}

	/**
	 * Return the key under which the in-process tier keeps an entry: the key itself for
	 * scalar keys whose {@code equals} matches their encoding ({@code Long},
	 * {@code Integer}, {@code Short}, {@code Byte}, {@code Boolean}, {@code Character},
	 * {@code UUID}, enums), so that a hit needs no encoding; otherwise
	 * {@link #encode(Object)} (the string itself for a plain string). Local keys of
	 * different keys never collide: an encoded key that is a {@code String} is never
	 * equal to a scalar key.
	 * @param key the key
	 * @return the local key
	 */
	public static Object localKey(@Nullable Object key) {
		if (key instanceof Long || key instanceof Integer || key instanceof UUID || key instanceof Enum<?>
				|| key instanceof Short || key instanceof Byte || key instanceof Boolean || key instanceof Character) {
			return key;
		}
		return encode(key);
	}

	/**
	 * Return the local key of an encoded key, the inverse of {@link #encode(Object)}
	 * followed by {@link #localKey(Object)}; used where only the encoded key is known,
	 * such as an invalidation from another instance.
	 * @param encoded an encoded key
	 * @return the local key
	 */
	public static Object localKeyOf(String encoded) {
		int colon = encoded.indexOf(':');
		if (!encoded.startsWith("#") || colon < 0) {
			return encoded;
		}
		String value = encoded.substring(colon + 1);
		try {
			return switch (encoded.substring(0, colon)) {
				case "#long" -> Long.valueOf(value);
				case "#int" -> Integer.valueOf(value);
				case "#short" -> Short.valueOf(value);
				case "#byte" -> Byte.valueOf(value);
				case "#bool" -> Boolean.valueOf(value);
				case "#uuid" -> UUID.fromString(value);
				case "#char" -> (value.length() == 2 && value.charAt(0) == '\\') ? value.charAt(1) : value.charAt(0);
				case "#enum" -> enumConstant(value);
				default -> encoded;
			};
		}
		catch (RuntimeException ex) {
			return encoded;
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static Object enumConstant(String qualifiedName) {
		int dot = qualifiedName.lastIndexOf('.');
		try {
			Class<?> type = Class.forName(qualifiedName.substring(0, dot), false,
					CacheKeyEncoder.class.getClassLoader());
			if (!type.isEnum()) {
				return "#enum:" + qualifiedName;
			}
			return Enum.valueOf((Class) type, qualifiedName.substring(dot + 1));
		}
		catch (ClassNotFoundException ex) {
			return "#enum:" + qualifiedName;
		}
	}

	private static boolean isPlain(String string) {
		if (string.isEmpty() || string.length() > MAX_LENGTH || string.charAt(0) == '#') {
			return false;
		}
		for (int i = 0; i < string.length(); i++) {
			if (needsEscape(string.charAt(i))) {
				return false;
			}
		}
		return true;
	}

	private static boolean needsEscape(char c) {
		return c == '\\' || c == ',' || c == '(' || c == ')';
	}

	private static void append(StringBuilder out, @Nullable Object key) {
		if (key == null) {
			out.append("#null");
		}
		else if (key instanceof String string) {
			appendString(out, string);
		}
		else if (key instanceof SimpleKey simpleKey) {
			appendAll(out, "", (Object[]) ReflectionUtils.getField(SIMPLE_KEY_PARAMS, simpleKey));
		}
		else if (key instanceof Integer) {
			out.append("#int:").append(key);
		}
		else if (key instanceof Long) {
			out.append("#long:").append(key);
		}
		else if (key instanceof Boolean) {
			out.append("#bool:").append(key);
		}
		else if (key instanceof Short) {
			out.append("#short:").append(key);
		}
		else if (key instanceof Byte) {
			out.append("#byte:").append(key);
		}
		else if (key instanceof Double) {
			out.append("#double:").append(key);
		}
		else if (key instanceof Float) {
			out.append("#float:").append(key);
		}
		else if (key instanceof Character c) {
			out.append("#char:");
			appendEscaped(out, String.valueOf(c));
		}
		else if (key instanceof BigInteger) {
			out.append("#bigint:").append(key);
		}
		else if (key instanceof BigDecimal decimal) {
			out.append("#decimal:").append(decimal.toString());
		}
		else if (key instanceof UUID) {
			out.append("#uuid:").append(key);
		}
		else if (key instanceof Enum<?> e) {
			out.append("#enum:").append(e.getDeclaringClass().getName()).append('.').append(e.name());
		}
		else if (key.getClass().isArray()) {
			int length = Array.getLength(key);
			Object[] elements = new Object[length];
			for (int i = 0; i < length; i++) {
				elements[i] = Array.get(key, i);
			}
			appendAll(out, "#array", elements);
		}
		else if (key instanceof List<?> list) {
			appendAll(out, "#list", list.toArray());
		}
		else if (key.getClass().getName().startsWith("java.time.")) {
			out.append('#').append(key.getClass().getName()).append(':');
			appendEscaped(out, key.toString());
		}
		else {
			out.append("#obj:").append(key.getClass().getName()).append(':');
			appendEscaped(out, KEY_MAPPER.writeValueAsString(key));
		}
	}

	private static void appendAll(StringBuilder out, String tag, Object[] elements) {
		out.append(tag).append('(');
		for (int i = 0; i < elements.length; i++) {
			if (i > 0) {
				out.append(',');
			}
			append(out, elements[i]);
		}
		out.append(')');
	}

	private static void appendString(StringBuilder out, String string) {
		if (string.isEmpty()) {
			out.append("#empty");
			return;
		}
		if (string.charAt(0) == '#') {
			out.append('\\');
		}
		appendEscaped(out, string);
	}

	private static void appendEscaped(StringBuilder out, String string) {
		for (int i = 0; i < string.length(); i++) {
			char c = string.charAt(i);
			if (needsEscape(c)) {
				out.append('\\');
			}
			out.append(c);
		}
	}

	private static String hash(CharSequence encoded) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest(encoded.toString().getBytes(StandardCharsets.UTF_8));
			return "#sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by the Java platform", ex);
		}
	}

	private static Field simpleKeyParams() {
		Field field = ReflectionUtils.findField(SimpleKey.class, "params");
		if (field == null) {
			throw new IllegalStateException("Unsupported Spring version: SimpleKey has no 'params' field");
		}
		ReflectionUtils.makeAccessible(field);
		return field;
	}

}
