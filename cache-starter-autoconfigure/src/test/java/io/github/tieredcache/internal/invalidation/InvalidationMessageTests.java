package io.github.tieredcache.internal.invalidation;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InvalidationMessage}: instances of different versions read each
 * other's messages during a rolling upgrade.
 */
class InvalidationMessageTests {

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void messageWithoutSenderTimeIsRead() {
		InvalidationMessage message = this.json.readValue(
				"{\"origin\":\"a\",\"sequence\":3,\"entries\":[{\"cache\":\"c\",\"keys\":[\"k\"]}]}",
				InvalidationMessage.class);
		assertThat(message.sequence()).isEqualTo(3);
		assertThat(message.sentAt()).isNull();
		assertThat(message.entries()).singleElement()
			.satisfies((entry) -> assertThat(entry.keys()).containsExactly("k"));
	}

	@Test
	void messageWithSenderTimeIsReadByAReaderThatDoesNotKnowIt() {
		byte[] written = this.json.writeValueAsBytes(
				new InvalidationMessage("a", 1, List.of(new InvalidationMessage.Entry("c", List.of("k"), null)), 42L));
		OlderMessage older = this.json.readValue(written, OlderMessage.class);
		assertThat(older.sequence()).isEqualTo(1);
		assertThat(this.json.readValue(written, InvalidationMessage.class).sentAt()).isEqualTo(42L);
	}

	/**
	 * The message as versions before the sender's time read it.
	 */
	record OlderMessage(String origin, long sequence, List<InvalidationMessage.Entry> entries) {
	}

}
