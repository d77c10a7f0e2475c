package io.github.tieredcache.core;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import io.github.tieredcache.testsupport.Gadget;
import io.github.tieredcache.testsupport.RedisServer;
import io.github.tieredcache.testsupport.SideEffects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a {@link TieredCache} over a real Redis does with entries an attacker planted, and
 * with values that could be written but never read back.
 */
@ExtendWith(OutputCaptureExtension.class)
class HostilePayloadTests {

	private final RedisServer redis = RedisServer.shared();

	private final String prefix = "hostile-" + UUID.randomUUID();

	private LettuceConnectionFactory connectionFactory;

	private TieredCacheManager manager;

	private TieredCache cache;

	@BeforeEach
	void setUp() {
		this.connectionFactory = this.redis.connectionFactory();
		this.manager = TieredCacheManager.builder()
			.redis(this.connectionFactory)
			.keyPrefix(this.prefix)
			.executor(Runnable::run)
			.valueCodec(new JacksonValueCodec(List.of("io.github.tieredcache.core")))
			.cache("products", CacheSettings.builder().ttl(Duration.ofMinutes(10)).build())
			.build();
		this.cache = this.manager.getCache("products");
	}

	@AfterEach
	void tearDown() {
		this.manager.destroy();
		this.connectionFactory.destroy();
	}

	@ParameterizedTest
	@FieldSource("io.github.tieredcache.testsupport.HostilePayloads#JSON")
	void plantedEntryIsAMissWithoutSideEffects(String payload) {
		String key = this.cache.currentRedisKeyPrefix() + "k";
		this.redis.command("SET", key, "\u0001" + payload);
		SideEffects before = SideEffects.capture();
		assertThat(this.cache.get("k")).isNull();
		assertThat(this.cache.getStatistics().undecodable()).isEqualTo(1);
		assertThat(this.cache.getStatistics().rejectedTypes()).isEqualTo(1);
		assertThat(this.cache.getStatistics().undecodable(ValueCodecException.Reason.CORRUPT)).isZero();
		assertThat(this.redis.command("EXISTS", key)).isEqualTo(":0");
		assertThat(before.newTimerThreads()).isEmpty();
		assertThat(before.newLogFiles()).isEmpty();
		assertThat(SideEffects.gadgetInitialized()).isFalse();
		assertThat(Gadget.CONSTRUCTED).isFalse();
	}

	@Test
	void corruptEntryIsCountedApartFromRejectedTypes() {
		this.redis.command("SET", this.cache.currentRedisKeyPrefix() + "k", "\u0001{not json");
		assertThat(this.cache.get("k")).isNull();
		assertThat(this.cache.getStatistics().undecodable(ValueCodecException.Reason.CORRUPT)).isEqualTo(1);
		assertThat(this.cache.getStatistics().rejectedTypes()).isZero();
	}

	@Test
	void valueThatCouldNotBeReadBackStaysOutOfRedisAndIsLoggedOncePerType(CapturedOutput output) {
		this.cache.put("k", "old");
		this.cache.put("k", new JacksonValueCodecTests.Link("home", URI.create("https://example.com")));
		this.cache.put("k2", new JacksonValueCodecTests.Link("away", URI.create("https://example.org")));
		assertThat(this.cache.getStatistics().unencodable()).isEqualTo(2);
		assertThat(this.cache.getStatistics().unencodable(ValueCodecException.Reason.TYPE_NOT_ALLOWED)).isEqualTo(2);
		assertThat(this.redis.command("EXISTS", this.cache.currentRedisKeyPrefix() + "k")).isEqualTo(":0");
		assertThat(this.cache.get("k")).isNotNull();
		String warning = "Values of " + JacksonValueCodecTests.Link.class.getName() + " cannot be cached";
		assertThat(output.getOut().split(Pattern.quote(warning + ": Type java.net.URI"), -1)).hasSize(3);
		assertThat(output.getOut().split(Pattern.quote("logged once per type"), -1)).hasSize(2);
		assertThat(output.getOut()).contains("java.net.URI").contains("property 'uri'");
	}

}
