package io.github.tieredcache.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TreeNode;
import tools.jackson.databind.DatabindContext;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;
import tools.jackson.databind.jsontype.impl.DefaultTypeResolverBuilder;

import org.springframework.util.Assert;

/**
 * The default {@link ValueCodec}: JSON through Jackson 3, with the Java type of every
 * value recorded in the JSON and checked against an allow-list of packages before
 * anything is instantiated.
 * <p>
 * Strings, booleans, ints and doubles are written as plain JSON; every other value
 * carries its class name ({@code "@class"} inside objects, a {@code ["type", value]}
 * wrapper around scalars and collections) so that a {@code Long}, a {@code Set} or a
 * record nested in a list reads back as what was written. A class name outside the
 * allowed packages is refused before it is loaded: {@link #decode(byte[])} then throws
 * {@link ValueCodecException}, as it does for corrupt or truncated bytes. Unknown
 * properties are ignored so that a value written by an older or newer version of a class
 * still reads.
 * <p>
 * Thread-safe.
 */
public final class JacksonValueCodec implements ValueCodec {

	/**
	 * Packages always allowed, whatever the application lists.
	 */
	public static final List<String> PLATFORM_PACKAGES = List.of("java.lang", "java.util", "java.time", "java.math");

	private final ObjectMapper mapper;

	private final AllowList allowList;

	/**
	 * Create a codec that reads only types in the given packages (and their
	 * sub-packages) and in {@link #PLATFORM_PACKAGES}.
	 * @param allowedPackages the application's packages, for example
	 * {@code com.example.catalog}
	 */
	public JacksonValueCodec(Collection<String> allowedPackages) {
		Set<String> packages = new LinkedHashSet<>(PLATFORM_PACKAGES);
		for (String allowed : allowedPackages) {
			Assert.hasText(allowed, "Allowed package must not be empty");
			packages.add(allowed.endsWith(".") ? allowed.substring(0, allowed.length() - 1) : allowed);
		}
		this.allowList = new AllowList(new ArrayList<>(packages));
		this.mapper = JsonMapper.builder()
			.setDefaultTyping(new AllButNaturalTypes(this.allowList))
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.build();
	}

	/**
	 * Return the packages this codec reads from, platform packages included.
	 * @return the allowed packages
	 */
	public List<String> getAllowedPackages() {
		return this.allowList.packages;
	}

	@Override
	public boolean accepts(Class<?> type) {
		return this.allowList.allows(type.getName());
	}

	@Override
	public byte[] encode(Object value) {
		if (!this.allowList.allows(value.getClass().getName())) {
			throw new ValueCodecException("Type " + value.getClass().getName()
					+ " is not in 'tiered-cache.serialization.allowed-packages' " + this.allowList.packages, null);
		}
		try {
			return this.mapper.writeValueAsBytes(value);
		}
		catch (JacksonException ex) {
			throw new ValueCodecException("Cannot write " + value.getClass().getName() + " as JSON", ex);
		}
	}

	@Override
	public Object decode(byte[] bytes) {
		try {
			Object value = this.mapper.readValue(bytes, Object.class);
			if (value == null) {
				throw new ValueCodecException("Payload is JSON null", null);
			}
			return value;
		}
		catch (JacksonException ex) {
			throw new ValueCodecException("Cannot read cached value: " + ex.getOriginalMessage(), ex);
		}
	}

	static final class AllowList extends PolymorphicTypeValidator.Base {

		private final List<String> packages;

		AllowList(List<String> packages) {
			this.packages = List.copyOf(packages);
		}

		boolean allows(String className) {
			String name = className;
			while (name.startsWith("[")) {
				name = name.substring(1);
			}
			if (name.length() == 1) {
				return true; // primitive array
			}
			if (name.startsWith("L") && name.endsWith(";")) {
				name = name.substring(1, name.length() - 1);
			}
			for (String allowed : this.packages) {
				if (name.startsWith(allowed) && name.length() > allowed.length()
						&& name.charAt(allowed.length()) == '.') {
					return true;
				}
			}
			return false;
		}

		@Override
		public Validity validateSubClassName(DatabindContext ctxt, JavaType baseType, String subClassName) {
			return allows(subClassName) ? Validity.ALLOWED : Validity.DENIED;
		}

		@Override
		public Validity validateSubType(DatabindContext ctxt, JavaType baseType, JavaType subType) {
			return allows(subType.getRawClass().getName()) ? Validity.ALLOWED : Validity.DENIED;
		}

	}

	/**
	 * Type information for every type but those JSON represents natively, so that a value
	 * reads back as exactly the type that was written.
	 */
	static final class AllButNaturalTypes extends DefaultTypeResolverBuilder {

		AllButNaturalTypes(PolymorphicTypeValidator validator) {
			super(validator, DefaultTyping.NON_FINAL, JsonTypeInfo.As.PROPERTY);
		}

		@Override
		public boolean useForType(JavaType type) {
			if (type.isPrimitive()) {
				return false;
			}
			Class<?> raw = type.getRawClass();
			return raw != String.class && raw != Boolean.class && raw != Integer.class && raw != Double.class
					&& !TreeNode.class.isAssignableFrom(raw);
		}

	}

}
