package io.github.tieredcache.testsupport;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RedisServer}'s connection details and fault helpers, against a real
 * {@code redis-server}.
 */
class RedisServerTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class));

	@Test
	void connectionDetailsPointBootsRedisAtTheServer() {
		RedisServer redis = RedisServer.shared();
		this.runner.withBean(DataRedisConnectionDetails.class, redis::connectionDetails)
			// the connection details win over the properties
			.withPropertyValues("spring.data.redis.port=1")
			.run((context) -> {
				context.getBean(StringRedisTemplate.class).opsForValue().set("test-support:greeting", "hello");
				assertThat(redis.command("GET", "test-support:greeting")).isEqualTo("hello");
			});
	}

	@Test
	void killClientsClosesTheSubscribersConnections() throws Exception {
		try (RedisServer redis = RedisServer.start(); Socket subscriber = new Socket(redis.host(), redis.port())) {
			subscriber.setSoTimeout(5000);
			OutputStream out = subscriber.getOutputStream();
			out.write("SUBSCRIBE news\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = subscriber.getInputStream();
			assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("*3\r\n");
			assertThat(redis.killClients("normal")).isZero();
			assertThat(redis.killClients("pubsub")).isEqualTo(1);
			assertThat(in.readAllBytes()).as("the rest of the confirmation, then end of stream").hasSizeLessThan(64);
		}
	}

	@Test
	void restartedServerKeepsItsConnectionDetails() {
		try (RedisServer redis = RedisServer.start()) {
			DataRedisConnectionDetails details = redis.connectionDetails();
			redis.kill();
			redis.restart();
			assertThat(details.getStandalone().getPort()).isEqualTo(redis.port());
			this.runner.withBean(DataRedisConnectionDetails.class, () -> details).run((context) -> {
				context.getBean(StringRedisTemplate.class).opsForValue().set("k", "v");
				assertThat(redis.command("GET", "k")).isEqualTo("v");
			});
		}
	}

}
