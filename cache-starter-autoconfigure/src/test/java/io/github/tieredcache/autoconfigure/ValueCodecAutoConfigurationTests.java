package io.github.tieredcache.autoconfigure;

import java.nio.charset.StandardCharsets;

import io.github.tieredcache.core.JacksonValueCodec;
import io.github.tieredcache.core.ValueCodec;
import io.github.tieredcache.core.ValueCodecException;
import io.github.tieredcache.testsupport.SideEffects;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DatabindContext;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the {@link ValueCodec} of {@link TieredCacheAutoConfiguration} next to Spring
 * Boot's Jackson auto-configuration.
 */
class ValueCodecAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, TieredCacheAutoConfiguration.class))
		.withPropertyValues("tiered-cache.serialization.allowed-packages=io.github.tieredcache.autoconfigure");

	@Test
	void jacksonPropertiesAndCustomizersApplyToCachedValues() {
		this.runner
			.withBean("snakeCase", JsonMapperBuilderCustomizer.class,
					() -> (builder) -> builder.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
			.run((context) -> {
				ValueCodec codec = context.getBean(ValueCodec.class);
				Label label = new Label("Desk lamp");
				byte[] bytes = codec.encode(label);
				assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"display_name\":\"Desk lamp\"");
				assertThat(codec.decode(bytes)).isEqualTo(label);
			});
		this.runner.withPropertyValues("spring.jackson.property-naming-strategy=KEBAB_CASE").run((context) -> {
			ValueCodec codec = context.getBean(ValueCodec.class);
			assertThat(new String(codec.encode(new Label("x")), StandardCharsets.UTF_8)).contains("\"display-name\"");
		});
	}

	@Test
	void customizerCannotSwitchTheAllowListOff() {
		JsonMapperBuilderCustomizer permissive = (builder) -> builder.deactivateDefaultTyping()
			.activateDefaultTyping(AnythingGoes.INSTANCE, DefaultTyping.NON_FINAL)
			.polymorphicTypeValidator(AnythingGoes.INSTANCE);
		this.runner.withBean("permissive", JsonMapperBuilderCustomizer.class, () -> permissive).run((context) -> {
			JacksonValueCodec codec = (JacksonValueCodec) context.getBean(ValueCodec.class);
			SideEffects before = SideEffects.capture();
			assertThatExceptionOfType(ValueCodecException.class)
				.isThrownBy(() -> codec.decode("{\"@class\":\"java.util.Timer\"}".getBytes(StandardCharsets.UTF_8)))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(ValueCodecException.Reason.TYPE_NOT_ALLOWED));
			assertThat(before.newTimerThreads()).isEmpty();
			assertThat(new String(codec.encode(7L), StandardCharsets.UTF_8)).isEqualTo("[\"java.lang.Long\",7]");
			assertThat(codec.decode(codec.encode(new Label("x")))).isEqualTo(new Label("x"));
		});
	}

	@Test
	void withoutJacksonAutoConfigurationTheCodecStartsFromAPlainMapper() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TieredCacheAutoConfiguration.class))
			.withPropertyValues("tiered-cache.serialization.allowed-packages=io.github.tieredcache.autoconfigure")
			.run((context) -> {
				ValueCodec codec = context.getBean(ValueCodec.class);
				assertThat(new String(codec.encode(new Label("x")), StandardCharsets.UTF_8))
					.contains("\"displayName\"");
			});
	}

	record Label(String displayName) {
	}

	static final class AnythingGoes extends PolymorphicTypeValidator.Base {

		static final AnythingGoes INSTANCE = new AnythingGoes();

		@Override
		public Validity validateSubClassName(DatabindContext ctxt, JavaType baseType, String subClassName) {
			return Validity.ALLOWED;
		}

		@Override
		public Validity validateSubType(DatabindContext ctxt, JavaType baseType, JavaType subType) {
			return Validity.ALLOWED;
		}

	}

}
