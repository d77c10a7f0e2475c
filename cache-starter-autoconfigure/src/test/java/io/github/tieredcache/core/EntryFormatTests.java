package io.github.tieredcache.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.cache.support.NullValue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link EntryFormat}.
 */
class EntryFormatTests {

	private final EntryFormat format = new EntryFormat(new JacksonValueCodec(List.of()));

	@Test
	void storedValuesRoundTrip() {
		for (Object stored : List.of("text", 42L, NullValue.INSTANCE, new Timed("text", 1_800_000_000_000L, 250),
				new Timed(NullValue.INSTANCE, 5L, 0))) {
			assertThat(this.format.decode(this.format.encode(stored))).isEqualTo(stored);
		}
	}

	@Test
	void valuesAreReadableJsonAfterTheFormatByte() {
		assertThat(this.format.encode("lamp")).isEqualTo("\u0001\"lamp\"".getBytes());
	}

	@Test
	void leasesAreNeitherValuesNorCorrupt() {
		byte[] lease = EntryFormat.newLease();
		assertThat(EntryFormat.isLease(lease)).isTrue();
		assertThat(lease).hasSize(17).isNotEqualTo(EntryFormat.newLease());
		assertThat(this.format.decode(lease)).isNull();
	}

	@Test
	void aCodecWithoutARangeDecodeIsGivenTheValuesBytesOnly() {
		List<String> seen = new ArrayList<>();
		ValueCodec text = new ValueCodec() {

			@Override
			public byte[] encode(Object value) {
				return ((String) value).getBytes(StandardCharsets.UTF_8);
			}

			@Override
			public Object decode(byte[] bytes) {
				String value = new String(bytes, StandardCharsets.UTF_8);
				seen.add(value);
				return value;
			}

		};
		EntryFormat plain = new EntryFormat(text);
		assertThat(plain.decode(plain.encode("lamp"))).isEqualTo("lamp");
		assertThat(plain.decode(plain.encode(new Timed("bulb", 1_800_000_000_000L, 250))))
			.isEqualTo(new Timed("bulb", 1_800_000_000_000L, 250));
		assertThat(seen).containsExactly("lamp", "bulb");
	}

	@Test
	void corruptOrUnknownBytesAreRefused() {
		for (String bad : List.of("", "\u0001", "\u0009{}", "\u0003short", "\u0001{\"@class\":\"java.net.URI\"}")) {
			assertThatExceptionOfType(ValueCodecException.class).as(bad)
				.isThrownBy(() -> this.format.decode(bad.getBytes()));
		}
	}

}
