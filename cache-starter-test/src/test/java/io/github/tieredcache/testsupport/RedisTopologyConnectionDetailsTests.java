package io.github.tieredcache.testsupport;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RedisSentinel#connectionDetails()} and {@link RedisCluster#connectionDetails()}
 * drive Boot's Redis auto-configuration to a real Sentinel set-up and a real cluster.
 */
class RedisTopologyConnectionDetailsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class));

	@Test
	void sentinel() {
		try (RedisSentinel sentinel = RedisSentinel.start()) {
			this.runner.withBean(DataRedisConnectionDetails.class, sentinel::connectionDetails).run((context) -> {
				context.getBean(StringRedisTemplate.class).opsForValue().set("via-sentinel", "yes");
				assertThat(sentinel.master().command("GET", "via-sentinel")).isEqualTo("yes");
			});
		}
	}

	@Test
	void cluster() {
		RedisCluster cluster = RedisCluster.shared();
		this.runner.withBean(DataRedisConnectionDetails.class, cluster::connectionDetails).run((context) -> {
			StringRedisTemplate redis = context.getBean(StringRedisTemplate.class);
			for (String key : new String[] { "a", "b", "c", "d" }) {
				redis.opsForValue().set(key, key.toUpperCase());
				assertThat(cluster.masterOf(key).command("GET", key)).isEqualTo(key.toUpperCase());
			}
		});
	}

}
