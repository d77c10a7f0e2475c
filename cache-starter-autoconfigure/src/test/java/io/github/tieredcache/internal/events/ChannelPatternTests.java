package io.github.tieredcache.internal.events;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ChannelPattern}.
 */
class ChannelPatternTests {

	@Test
	void placeholdersBecomeVariables() {
		ChannelPattern pattern = ChannelPattern.compile("tenant.{tenant}:product:{id}:updated");
		assertThat(pattern.match("tenant.a:product:42:updated")).isEqualTo(Map.of("tenant", "a", "id", "42"));
		assertThat(pattern.match("tenant.a:product:42:deleted")).isNull();
		assertThat(pattern.match("tenant.a:product::updated")).isNull();
		assertThat(pattern.names()).containsExactly("tenant", "id");
	}

	@Test
	void literalTextIsNotARegularExpression() {
		ChannelPattern pattern = ChannelPattern.compile("a.b*{id}");
		assertThat(pattern.match("a.b*1")).isEqualTo(Map.of("id", "1"));
		assertThat(pattern.match("axbb1")).isNull();
	}

	@Test
	void malformedPatternsAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> ChannelPattern.compile("product:{id:updated"))
			.withMessageContaining("not closed");
		assertThatIllegalArgumentException().isThrownBy(() -> ChannelPattern.compile("product:id}"))
			.withMessageContaining("closes no placeholder");
		assertThatIllegalArgumentException().isThrownBy(() -> ChannelPattern.compile("{id}:{id}"))
			.withMessageContaining("twice");
		assertThatIllegalArgumentException().isThrownBy(() -> ChannelPattern.compile("{1x}"))
			.withMessageContaining("not a name");
		assertThatIllegalArgumentException().isThrownBy(() -> ChannelPattern.compile(" "));
	}

}
