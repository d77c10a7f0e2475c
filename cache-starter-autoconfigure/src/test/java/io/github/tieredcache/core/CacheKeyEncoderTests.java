package io.github.tieredcache.core;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.cache.interceptor.SimpleKeyGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CacheKeyEncoder}.
 */
class CacheKeyEncoderTests {

	@Test
	void plainStringsStandAsThemselves() {
		String key = "user-42:profile";
		assertThat(CacheKeyEncoder.encode(key)).isSameAs(key);
	}

	@Test
	void readableEncodings() {
		assertThat(CacheKeyEncoder.encode(42)).isEqualTo("#int:42");
		assertThat(CacheKeyEncoder.encode(42L)).isEqualTo("#long:42");
		assertThat(CacheKeyEncoder.encode(new SimpleKey("a", 1))).isEqualTo("(a,#int:1)");
		assertThat(CacheKeyEncoder.encode(SimpleKey.EMPTY)).isEqualTo("()");
		assertThat(CacheKeyEncoder.encode("")).isEqualTo("#empty");
		assertThat(CacheKeyEncoder.encode("#tag")).isEqualTo("\\#tag");
		assertThat(CacheKeyEncoder.encode(LocalDate.of(2024, 1, 31))).isEqualTo("#java.time.LocalDate:2024-01-31");
		assertThat(CacheKeyEncoder.encode(Color.RED)).endsWith("CacheKeyEncoderTests$Color.RED");
	}

	@Test
	void theKeysTheIssueNamesNeverCollide() {
		List<Object> keys = List.of(new SimpleKey("a", "b"), new SimpleKey("a:b"), "a:b", "ab", "a,b", "(a,b)",
				new SimpleKey("a,b"), new SimpleKey(new SimpleKey("a", "b")), new SimpleKey("a", new SimpleKey("b")),
				List.of("a", "b"), new String[] { "a", "b" });
		assertThat(keys.stream().map(CacheKeyEncoder::encode).distinct()).hasSize(keys.size());
	}

	@Test
	void keysAsSpringGeneratesThemForParameterLists() {
		SimpleKeyGenerator generator = new SimpleKeyGenerator();
		Object single = SimpleKeyGenerator.generateKey("a:b");
		Object pair = SimpleKeyGenerator.generateKey("a", "b");
		Object none = SimpleKeyGenerator.generateKey();
		Object nullOnly = SimpleKeyGenerator.generateKey((Object) null);
		assertThat(generator).isNotNull();
		assertThat(List.of(single, pair, none, nullOnly).stream().map(CacheKeyEncoder::encode).distinct()).hasSize(4);
	}

	@Test
	void longKeysAreHashedToABoundedLength() {
		String longKey = "x".repeat(1000);
		String encoded = CacheKeyEncoder.encode(longKey);
		assertThat(encoded).startsWith("#sha256:").hasSizeLessThan(60);
		assertThat(CacheKeyEncoder.encode(longKey + "y")).isNotEqualTo(encoded);
		assertThat(CacheKeyEncoder.encode(new SimpleKey(longKey))).startsWith("#sha256:");
	}

	@Test
	void objectsAreEncodedByTheirProperties() {
		assertThat(CacheKeyEncoder.encode(new Query("lamp", 2))).isEqualTo(CacheKeyEncoder.encode(new Query("lamp", 2)))
			.isNotEqualTo(CacheKeyEncoder.encode(new Query("lamp", 3)));
	}

	@Test
	void scalarKeysAreTheirOwnLocalKeysAndRoundTrip() {
		List<Object> scalars = List.of(42L, 42, (short) 4, (byte) 2, true, 'x', ',', UUID.randomUUID(), Color.BLUE);
		for (Object key : scalars) {
			assertThat(CacheKeyEncoder.localKey(key)).isSameAs(key);
			assertThat(CacheKeyEncoder.localKeyOf(CacheKeyEncoder.encode(key))).isEqualTo(key);
		}
		List<Object> others = List.of("plain", "#tag", "", new SimpleKey("a", 1), 1.5d, "x".repeat(300), List.of(1L));
		for (Object key : others) {
			assertThat(CacheKeyEncoder.localKey(key)).isEqualTo(CacheKeyEncoder.encode(key));
			assertThat(CacheKeyEncoder.localKeyOf(CacheKeyEncoder.encode(key)))
				.isEqualTo(CacheKeyEncoder.localKey(key));
		}
	}

	/**
	 * The property: over random parameter lists (nested, mixed types, strings full of the
	 * grammar's own characters), two keys encode alike exactly when they are equal.
	 */
	@Test
	void encodingIsInjectiveOverRandomParameterLists() {
		Random random = new Random(20261127L);
		Map<String, Object> seen = new HashMap<>();
		for (int i = 0; i < 50_000; i++) {
			Object key = SimpleKeyGenerator.generateKey(randomParameters(random, 0));
			String encoded = CacheKeyEncoder.encode(key);
			Object previous = seen.putIfAbsent(encoded, key);
			if (previous != null) {
				assertThat(previous).as("two different keys encoded as %s", encoded).isEqualTo(key);
			}
		}
		assertThat(seen).hasSizeGreaterThan(10_000);
	}

	private static Object[] randomParameters(Random random, int depth) {
		Object[] parameters = new Object[random.nextInt(4)];
		for (int i = 0; i < parameters.length; i++) {
			parameters[i] = randomValue(random, depth);
		}
		return parameters;
	}

	private static Object randomValue(Random random, int depth) {
		return switch (random.nextInt((depth < 2) ? 12 : 10)) {
			case 0 -> randomString(random);
			case 1 -> randomString(random);
			case 2 -> random.nextInt(5) - 2;
			case 3 -> (long) (random.nextInt(5) - 2);
			case 4 -> random.nextBoolean();
			case 5 -> (random.nextBoolean()) ? Color.RED : Color.BLUE;
			case 6 -> new BigDecimal(random.nextInt(3) + "." + random.nextInt(3));
			case 7 -> (random.nextInt(10) == 0) ? UUID.nameUUIDFromBytes(new byte[] { (byte) random.nextInt(2) })
					: randomString(random);
			case 8 -> (short) random.nextInt(3);
			case 9 -> new Query(randomString(random), random.nextInt(2));
			case 10 -> new SimpleKey(randomParameters(random, depth + 1));
			default -> new ArrayList<>(Arrays.asList(randomParameters(random, depth + 1)));
		};
	}

	private static String randomString(Random random) {
		String alphabet = "ab#:,()\\ ";
		StringBuilder builder = new StringBuilder();
		int length = random.nextInt(5);
		for (int i = 0; i < length; i++) {
			builder.append(alphabet.charAt(random.nextInt(alphabet.length())));
		}
		return builder.toString();
	}

	enum Color {

		RED, BLUE

	}

	record Query(String text, int page) {
	}

}
