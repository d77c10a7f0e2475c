package io.github.tieredcache.core;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.github.tieredcache.testsupport.Gadget;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link JacksonValueCodec}.
 */
class JacksonValueCodecTests {

	private final JacksonValueCodec codec = new JacksonValueCodec(List.of("io.github.tieredcache.core"));

	@Test
	void valuesReadBackAsTheirOwnTypes() {
		List<Object> values = List.of("text", 42, 42L, 1.5d, 1.5f, true, (short) 3, new BigDecimal("1.10"),
				UUID.randomUUID(), LocalDate.of(2024, 1, 31), Instant.ofEpochSecond(1_700_000_000L, 5),
				List.of(1L, 2L), new LinkedHashSet<>(List.of("a", "b")), Map.of("k", List.of(1L)),
				new Item("lamp", new BigDecimal("9.99"), List.of(new Item("bulb", BigDecimal.ONE, List.of()))),
				Kind.BIG, new byte[] { 1, 2, 3 }, new Item[] { new Item("x", BigDecimal.TEN, List.of()) });
		for (Object value : values) {
			Object decoded = this.codec.decode(this.codec.encode(value));
			if (value.getClass().getName().startsWith("java.util.ImmutableCollections")) {
				// List.of and Map.of have no public type; they read back as ArrayList, HashMap
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
	void corruptBytesAreRefused() {
		for (String bad : List.of("", "{", "[\"java.lang.Long\"", "null", "\u0000\u0001", "[\"no.such.Type\",1]")) {
			assertThatExceptionOfType(ValueCodecException.class).as(bad)
				.isThrownBy(() -> this.codec.decode(bad.getBytes(StandardCharsets.UTF_8)));
		}
	}

	@Test
	void platformPackagesAreAlwaysAllowed() {
		assertThat(this.codec.getAllowedPackages()).containsExactly("java.lang", "java.util", "java.time", "java.math",
				"io.github.tieredcache.core");
	}

	enum Kind {

		BIG

	}

	record Item(String name, BigDecimal price, List<Item> parts) {
	}

}
