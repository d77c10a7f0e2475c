package io.github.tieredcache.core;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Currency;
import java.util.Date;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Timer;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import io.github.tieredcache.testsupport.Gadget;
import io.github.tieredcache.testsupport.SideEffects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link JacksonValueCodec}.
 */
class JacksonValueCodecTests {

	private final JacksonValueCodec codec = new JacksonValueCodec(List.of("io.github.tieredcache.core"));

	@Test
	void valuesReadBackAsTheirOwnTypes() {
		List<Object> values = List.of("text", 42, 42L, 1.5d, 1.5f, true, (short) 3, new BigDecimal("1.10"),
				UUID.randomUUID(), LocalDate.of(2024, 1, 31), Instant.ofEpochSecond(1_700_000_000L, 5), List.of(1L, 2L),
				new LinkedHashSet<>(List.of("a", "b")), Map.of("k", List.of(1L)),
				new Item("lamp", new BigDecimal("9.99"), List.of(new Item("bulb", BigDecimal.ONE, List.of()))),
				Kind.BIG, new byte[] { 1, 2, 3 }, new Item[] { new Item("x", BigDecimal.TEN, List.of()) });
		for (Object value : values) {
			Object decoded = this.codec.decode(this.codec.encode(value));
			if (value.getClass().getName().startsWith("java.util.ImmutableCollections")) {
				// List.of and Map.of have no public type; they read back as ArrayList,
				// HashMap
				assertThat(decoded).as("%s", value).isEqualTo(value);
			}
			else {
				assertThat(decoded).as("%s", value).isInstanceOf(value.getClass()).isEqualTo(value);
			}
		}
	}

	@Test
	void scalarsAreReadableJson() {
		assertThat(new String(this.codec.encode("text"), StandardCharsets.UTF_8)).isEqualTo("\"text\"");
		assertThat(new String(this.codec.encode(7L), StandardCharsets.UTF_8)).isEqualTo("[\"java.lang.Long\",7]");
	}

	@Test
	void unknownPropertiesAreIgnored() {
		String json = "{\"@class\":\"io.github.tieredcache.core.JacksonValueCodecTests$Item\",\"name\":\"lamp\","
				+ "\"price\":[\"java.math.BigDecimal\",1],\"parts\":[\"java.util.ArrayList\",[]],\"added\":true}";
		assertThat(this.codec.decode(json.getBytes(StandardCharsets.UTF_8)))
			.isEqualTo(new Item("lamp", BigDecimal.ONE, List.of()));
	}

	@Test
	void unlistedTypesAreRefusedOnReadAndWrite() {
		String json = "{\"@class\":\"io.github.tieredcache.testsupport.Gadget\",\"command\":\"x\"}";
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.decode(json.getBytes(StandardCharsets.UTF_8)));
		assertThat(Gadget.CONSTRUCTED).isFalse();
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.encode(URI.create("https://example.com")))
			.withMessageContaining("tiered-cache.serialization.allowed-packages");
	}

	@Test
	void packagePrefixesMatchWholeSegmentsOnly() {
		JacksonValueCodec narrow = new JacksonValueCodec(List.of("io.github.tiered"));
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> narrow.encode(new Item("x", BigDecimal.ONE, List.of())));
	}

	@Test
	void valuesAreReadInPlaceFromALargerArray() {
		Item item = new Item("lamp", new BigDecimal("9.99"), List.of());
		byte[] value = this.codec.encode(item);
		byte[] framed = new byte[value.length + 6];
		Arrays.fill(framed, (byte) '{');
		System.arraycopy(value, 0, framed, 3, value.length);
		assertThat(this.codec.decode(framed, 3, value.length)).isEqualTo(item);
		assertThatExceptionOfType(ValueCodecException.class).isThrownBy(() -> this.codec.decode(framed, 3, 0))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.CORRUPT));
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.decode(framed, 3, value.length - 1))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.CORRUPT));
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.decode(framed, 2, value.length));
	}

	@Test
	void corruptBytesAreRefused() {
		for (String bad : List.of("", "{", "[\"java.lang.Long\"", "null", "\u0000\u0001", "[\"no.such.Type\",1]")) {
			assertThatExceptionOfType(ValueCodecException.class).as(bad)
				.isThrownBy(() -> this.codec.decode(bad.getBytes(StandardCharsets.UTF_8)));
		}
	}

	@Test
	void allowedPackagesAreTheApplicationsEntries() {
		assertThat(new JacksonValueCodec(List.of("com.example.", " com.example.shop.** ")).getAllowedPackages())
			.containsExactly("com.example", "com.example.shop.**");
		assertThat(JacksonValueCodec.PLATFORM_TYPES)
			.contains("java.lang.Long", "java.util.ArrayList", "java.time.Instant")
			.doesNotContain("java.lang.Class", "java.util.Timer", "java.lang.Thread", "java.net.URI");
	}

	@Test
	void entriesThatAreNotApplicationPackagesAreRefused() {
		for (String entry : List.of("", "**", ".**", "*", "com.*", "com.**.shop", "com..shop", "java.util", "java.**",
				"javax.naming", "sun.misc", "com.sun.rowset", "jdk.internal")) {
			assertThatIllegalArgumentException().as(entry)
				.isThrownBy(() -> new JacksonValueCodec(List.of(entry)))
				.withMessageContaining("tiered-cache.serialization.allowed-packages");
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void platformValuesReadBack() {
		Map<Kind, String> byKind = new EnumMap<>(Kind.class);
		byKind.put(Kind.BIG, "b");
		List<Object> values = List.of(List.of(), List.of(1L), List.of(1L, 2L, 3L), Set.of(), Set.of("a"),
				Set.of("a", "b", "c"), Map.of(), Map.of("a", 1L), Map.of("a", 1L, "b", 2L),
				Collections.unmodifiableList(new ArrayList<>(List.of(1L))),
				Collections.unmodifiableList(new LinkedList<>(List.of(1L))),
				Collections.unmodifiableSet(new HashSet<>(Set.of("a"))),
				Collections.unmodifiableMap(new HashMap<>(Map.of("a", "b"))),
				Collections.unmodifiableSortedSet(new TreeSet<>(Set.of("a"))),
				Collections.unmodifiableSortedMap(new TreeMap<>(Map.of("a", 1L))), Collections.emptyList(),
				Collections.emptySet(), Collections.emptyMap(), Collections.singletonList("a"),
				Collections.singleton("a"), Collections.singletonMap("a", "b"), Arrays.asList("a", "b"),
				new TreeSet<>(Set.of("a")), new TreeMap<>(Map.of("a", 1L)), new LinkedList<>(List.of("a")),
				new LinkedHashMap<>(Map.of("a", 1L)), new HashSet<>(Set.of(1L)), byKind, Locale.CANADA_FRENCH,
				Currency.getInstance("EUR"), ZoneId.of("Europe/Paris"), ZoneOffset.UTC, Duration.ofSeconds(5),
				Period.ofDays(3), Year.of(2020), YearMonth.of(2020, 1), MonthDay.of(1, 2), DayOfWeek.MONDAY, Month.MAY,
				LocalTime.NOON, LocalDateTime.of(2024, 1, 2, 3, 4),
				OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), new Date(0), 'c', (byte) 1,
				new BigInteger("12"), new Object[] { 1L, "a" }, new Stamp(new Date(1)),
				new Optionals(Optional.of("x"), Optional.empty()));
		for (Object value : values) {
			Object decoded = this.codec.decode(this.codec.encode(value));
			if (value.getClass().isArray()) {
				assertThat(decoded).as("%s", value.getClass()).isInstanceOf(value.getClass());
			}
			else {
				assertThat(decoded).as("%s", value.getClass()).isEqualTo(value);
			}
		}
		Deque<String> deque = new ArrayDeque<>(List.of("a", "b"));
		assertThat((Deque<Object>) this.codec.decode(this.codec.encode(deque))).isInstanceOf(ArrayDeque.class)
			.containsExactly("a", "b");
	}

	@Test
	void optionalIsCachedInsideARecordOnly() {
		assertThatExceptionOfType(ValueCodecException.class).isThrownBy(() -> this.codec.encode(Optional.of("x")))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.TYPE_NOT_ALLOWED));
	}

	@ParameterizedTest
	@FieldSource("io.github.tieredcache.testsupport.HostilePayloads#JSON")
	void hostilePayloadsAreRefusedWithoutSideEffects(String payload) {
		SideEffects before = SideEffects.capture();
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.decode(payload.getBytes(StandardCharsets.UTF_8)));
		assertThat(before.newTimerThreads()).isEmpty();
		assertThat(before.newLogFiles()).isEmpty();
		assertThat(SideEffects.gadgetInitialized()).isFalse();
		assertThat(Gadget.CONSTRUCTED).isFalse();
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.decode(payload.getBytes(StandardCharsets.UTF_8)))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.TYPE_NOT_ALLOWED));
	}

	@Test
	void corruptAndUnreadableBytesHaveTheirOwnReasons() {
		for (String corrupt : List.of("", "{", "[\"java.lang.Long\"", "null", "\u0000\u0001")) {
			assertThatExceptionOfType(ValueCodecException.class).as(corrupt)
				.isThrownBy(() -> this.codec.decode(corrupt.getBytes(StandardCharsets.UTF_8)))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.CORRUPT));
		}
		for (String unreadable : List.of("[\"io.github.tieredcache.core.NoSuchType\",1]",
				"[\"java.lang.Long\",\"seven\"]")) {
			assertThatExceptionOfType(ValueCodecException.class).as(unreadable)
				.isThrownBy(() -> this.codec.decode(unreadable.getBytes(StandardCharsets.UTF_8)))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.UNREADABLE_TYPE));
		}
	}

	@Test
	void subPackagesAreAllowedOnlyWithTrailingDoubleStar() {
		Item item = new Item("x", BigDecimal.ONE, List.of());
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> new JacksonValueCodec(List.of("io.github.tieredcache")).encode(item));
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> new JacksonValueCodec(List.of("io.github.tieredcache")).decode(this.codec.encode(item)))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.TYPE_NOT_ALLOWED));
		JacksonValueCodec wide = new JacksonValueCodec(List.of("io.github.tieredcache.**"));
		assertThat(wide.decode(wide.encode(item))).isEqualTo(item);
	}

	@Test
	void valueWithANestedTypeThatCannotBeReadFailsOnWrite() {
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.encode(new Link("home", URI.create("https://example.com"))))
			.withMessageContaining("java.net.URI")
			.withMessageContaining("uri")
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.TYPE_NOT_ALLOWED));
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.encode(new Stamp(new Timestamp(0))))
			.withMessageContaining("java.sql.Timestamp")
			.withMessageContaining("when");
		assertThatExceptionOfType(ValueCodecException.class)
			.isThrownBy(() -> this.codec.encode(List.of(new Link("home", URI.create("https://example.com")))))
			.withMessageContaining("java.net.URI");
	}

	@Test
	void valueThatCannotBeReadBackFailsOnWrite() {
		assertThatExceptionOfType(ValueCodecException.class).isThrownBy(() -> this.codec.encode(new Opaque("x")))
			.withMessageContaining(Opaque.class.getName())
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.UNREADABLE_TYPE));
		assertThatExceptionOfType(ValueCodecException.class).isThrownBy(() -> this.codec.encode(new Opaque("y")))
			.withMessageContaining(Opaque.class.getName());
	}

	@Test
	void acceptsChecksTheDeclaredTypeGraph() {
		assertThat(this.codec.accepts(Long.class)).isTrue();
		assertThat(this.codec.accepts(Item.class)).isTrue();
		assertThat(this.codec.accepts(Kind.class)).isTrue();
		assertThat(this.codec.accepts(URI.class)).isFalse();
		assertThat(this.codec.accepts(Link.class)).isFalse();
		assertThat(this.codec.accepts(Stamp.class)).isTrue();
		assertThat(this.codec.accepts(Links.class)).isFalse();
		assertThat(this.codec.accepts(Gadget.class)).isFalse();
		assertThat(this.codec.accepts(TimerValue.class)).isFalse();
		assertThat(this.codec.accepts(Class.class)).isFalse();
		assertThat(this.codec.accepts(Thread.class)).isFalse();
	}

	enum Kind {

		BIG

	}

	record Item(String name, BigDecimal price, List<Item> parts) {
	}

	record Link(String name, URI uri) {
	}

	record Links(Map<String, List<URI>> byName) {
	}

	record Stamp(Date when) {
	}

	record Optionals(Optional<String> present, Optional<String> absent) {
	}

	static final class Opaque {

		private final String name;

		private Opaque(String name) {
			this.name = name;
		}

		public String getName() {
			return this.name;
		}

		static Opaque of(String name) {
			return new Opaque(name);
		}

	}

	public static class TimerValue extends Timer {

	}

	@Test
	void declaredGenericTypesAreCheckedDeeply() throws Exception {
		JacksonValueCodec codec = new JacksonValueCodec(List.of());
		java.lang.reflect.Method uris = DeclaredTypes.class.getDeclaredMethod("uris", List.class);
		java.lang.reflect.Method strings = DeclaredTypes.class.getDeclaredMethod("strings", List.class);
		assertThat(codec.accepts(strings.getGenericParameterTypes()[0])).isTrue();
		assertThat(codec.accepts(uris.getGenericParameterTypes()[0])).isFalse();
		assertThat(codec.accepts((java.lang.reflect.Type) uris.getParameterTypes()[0]))
			.as("a raw List declared says nothing of URI")
			.isTrue();
	}

	static class DeclaredTypes {

		void uris(List<java.net.URI> uris) {
		}

		void strings(List<String> strings) {
		}

	}

}
