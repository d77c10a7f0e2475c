package io.github.tieredcache.core;

import java.beans.PropertyDescriptor;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TreeNode;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindContext;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.NamedType;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;
import tools.jackson.databind.jsontype.TypeIdResolver;
import tools.jackson.databind.jsontype.impl.ClassNameIdResolver;
import tools.jackson.databind.jsontype.impl.DefaultTypeResolverBuilder;

import org.springframework.beans.BeanUtils;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * The default {@link ValueCodec}: JSON through Jackson 3, with the Java type of every
 * value recorded in the JSON and checked against an allow-list of types before anything
 * is loaded.
 * <p>
 * Strings, booleans, ints and doubles are written as plain JSON; every other value
 * carries its class name ({@code "@class"} inside objects, a {@code ["type", value]}
 * wrapper around scalars and collections) so that a {@code Long}, a {@code Set} or a
 * record nested in a list reads back as what was written. Unknown properties are ignored
 * so that a value written by an older or newer version of a class still reads.
 * <p>
 * The allow-list is:
 * <ul>
 * <li>the value types of {@link #PLATFORM_TYPES}: boxed primitives, {@code String},
 * {@code BigDecimal}, {@code BigInteger}, {@code UUID}, {@code Locale}, {@code Currency},
 * {@code Date}, the {@code java.time} values, the {@code java.util} collections and maps
 * (with the classes behind {@code List.of}, {@code Collections.unmodifiableList},
 * {@code Collections.emptyList}, {@code Arrays.asList} and the like);</li>
 * <li>the classes, records and enums of the application's packages: an entry
 * {@code com.example.catalog} allows that package only, {@code com.example.**} the
 * package and all its sub-packages. An application class is refused when it extends a
 * class outside the list (a {@code Thread}, a {@code Timer}) or declares a property whose
 * type is outside it (a {@code URI}, a {@code Class});</li>
 * <li>arrays of the above and of primitives.</li>
 * </ul>
 * Nothing else: no class of the default package, no {@code java.*} type beyond the list.
 * A class name read from Redis is checked as a name first; only a name in an application
 * package is then loaded, without being initialized, to check its superclasses and
 * properties. A refused name is never loaded, so no static initializer of a refused class
 * ever runs.
 * <p>
 * Writing checks the type of the value and of every value nested in it. A value that
 * could be written but not read back (a nested type outside the list, no way to construct
 * it) is refused by {@link #encode(Object)} with a {@link ValueCodecException} naming the
 * type and the property to change, and the first refusal of each type is logged as a
 * warning. The first value of each class is also decoded once after it is written, and
 * the verdict is kept for the class. A {@link TieredCache} never lets such an exception
 * reach its caller: it keeps the value out of Redis and counts it
 * ({@link CacheStatistics#unencodable(ValueCodecException.Reason)}).
 * <p>
 * Thread-safe.
 */
public final class JacksonValueCodec implements ValueCodec {

	/**
	 * Platform types always allowed, whatever the application lists, by the class names
	 * Jackson writes for them.
	 */
	public static final Set<String> PLATFORM_TYPES = Set.of(
			// java.lang and java.math
			"java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long",
			"java.lang.Float", "java.lang.Double", "java.lang.Character", "java.lang.String", "java.math.BigDecimal",
			"java.math.BigInteger",
			// java.util values
			"java.util.UUID", "java.util.Locale", "java.util.Currency", "java.util.Date",
			// java.util collections and maps
			"java.util.ArrayList", "java.util.LinkedList", "java.util.ArrayDeque", "java.util.HashSet",
			"java.util.LinkedHashSet", "java.util.TreeSet", "java.util.HashMap", "java.util.LinkedHashMap",
			"java.util.TreeMap", "java.util.EnumMap", "java.util.EnumSet", "java.util.concurrent.ConcurrentHashMap",
			"java.util.concurrent.CopyOnWriteArrayList",
			// what List.of, Set.of, Map.of, Collections.* and Arrays.asList return
			"java.util.ImmutableCollections$List12", "java.util.ImmutableCollections$ListN",
			"java.util.ImmutableCollections$Set12", "java.util.ImmutableCollections$SetN",
			"java.util.ImmutableCollections$Map1", "java.util.ImmutableCollections$MapN",
			"java.util.Collections$UnmodifiableList", "java.util.Collections$UnmodifiableRandomAccessList",
			"java.util.Collections$UnmodifiableSet", "java.util.Collections$UnmodifiableSortedSet",
			"java.util.Collections$UnmodifiableNavigableSet", "java.util.Collections$UnmodifiableMap",
			"java.util.Collections$UnmodifiableSortedMap", "java.util.Collections$UnmodifiableNavigableMap",
			"java.util.Collections$EmptyList", "java.util.Collections$EmptySet", "java.util.Collections$EmptyMap",
			"java.util.Collections$SingletonList", "java.util.Collections$SingletonSet",
			"java.util.Collections$SingletonMap", "java.util.Arrays$ArrayList",
			// java.time values
			"java.time.Instant", "java.time.LocalDate", "java.time.LocalTime", "java.time.LocalDateTime",
			"java.time.OffsetDateTime", "java.time.OffsetTime", "java.time.ZonedDateTime", "java.time.Duration",
			"java.time.Period", "java.time.Year", "java.time.YearMonth", "java.time.MonthDay", "java.time.DayOfWeek",
			"java.time.Month", "java.time.ZoneId", "java.time.ZoneOffset");

	/**
	 * Types a property may be declared as without being a value type itself: what is
	 * stored in it carries its own type, checked when it is written and read.
	 */
	private static final Set<Class<?>> DECLARED_SUPERTYPES = Set.of(Object.class, Number.class, CharSequence.class,
			Comparable.class, Serializable.class, Iterable.class, Collection.class, List.class, Set.class,
			java.util.SortedSet.class, java.util.NavigableSet.class, java.util.Queue.class, java.util.Deque.class,
			java.util.Map.class, java.util.SortedMap.class, java.util.NavigableMap.class, java.util.Optional.class,
			java.util.OptionalInt.class, java.util.OptionalLong.class, java.util.OptionalDouble.class,
			java.time.temporal.Temporal.class, java.time.temporal.TemporalAccessor.class,
			java.time.temporal.TemporalAmount.class, java.time.ZoneId.class, Enum.class, Record.class);

	/**
	 * JDK classes an application class may extend besides the platform types.
	 */
	private static final Set<Class<?>> SUPERCLASSES = Set.of(Record.class, Enum.class, Number.class,
			java.util.AbstractCollection.class, java.util.AbstractList.class, java.util.AbstractSequentialList.class,
			java.util.AbstractSet.class, java.util.AbstractMap.class, java.util.AbstractQueue.class);

	/**
	 * Values Jackson writes as their content, which would read back as something else.
	 */
	private static final Set<Class<?>> UNWRAPPED = Set.of(java.util.Optional.class, java.util.OptionalInt.class,
			java.util.OptionalLong.class, java.util.OptionalDouble.class,
			java.util.concurrent.atomic.AtomicReference.class);

	private static final Set<String> RESERVED_PACKAGES = Set.of("java", "javax", "jdk", "sun", "com.sun");

	private static final Pattern PACKAGE_ENTRY = Pattern
		.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
				+ "(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*(\\.\\*\\*)?");

	private static final Pattern BINARY_NAME = Pattern.compile(
			"\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)+");

	private static final String PROPERTY = "tiered-cache.serialization.allowed-packages";

	private static final Log logger = LogFactory.getLog(JacksonValueCodec.class);

	private final ObjectMapper mapper;

	private final AllowList allowList;

	private final ClassValue<Verdict> verdicts = new ClassValue<>() {

		@Override
		protected Verdict computeValue(Class<?> type) {
			return new Verdict();
		}

	};

	/**
	 * Create a codec over a plain {@link JsonMapper} that reads only the
	 * {@link #PLATFORM_TYPES} and the types of the given packages.
	 * @param allowedPackages the application's packages: {@code com.example.catalog} for
	 * that package alone, {@code com.example.**} for it and its sub-packages
	 * @throws IllegalArgumentException if an entry is not a package name, or names a
	 * {@code java}, {@code javax}, {@code jdk}, {@code sun} or {@code com.sun} package
	 */
	public JacksonValueCodec(Collection<String> allowedPackages) {
		this(JsonMapper.builder(), allowedPackages);
	}

	/**
	 * Create a codec over a mapper built from the given builder (for example Spring
	 * Boot's, with the {@code spring.jackson.*} properties and the application's
	 * customizers applied), which reads only the {@link #PLATFORM_TYPES} and the types of
	 * the given packages. Whatever the builder was told, the codec's type information,
	 * its allow-list (as the default typing and as the polymorphic type validator) and
	 * its tolerance of unknown properties are applied last, and problem handlers are
	 * removed (one could turn an unknown type id into a type of its choosing), so no
	 * customization switches the allow-list off. The builder is consumed.
	 * @param builder the builder to start from
	 * @param allowedPackages the application's packages: {@code com.example.catalog} for
	 * that package alone, {@code com.example.**} for it and its sub-packages
	 * @throws IllegalArgumentException if an entry is not a package name, or names a
	 * {@code java}, {@code javax}, {@code jdk}, {@code sun} or {@code com.sun} package
	 */
	public JacksonValueCodec(JsonMapper.Builder builder, Collection<String> allowedPackages) {
		Assert.notNull(builder, "Builder must not be null");
		this.allowList = new AllowList(packages(allowedPackages));
		this.mapper = builder.setDefaultTyping(new AllowListTyping(this.allowList))
			.polymorphicTypeValidator(this.allowList)
			.clearProblemHandlers()
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.enable(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE)
			.build();
	}

	private static List<String> packages(Collection<String> allowedPackages) {
		Set<String> packages = new LinkedHashSet<>();
		for (String allowed : allowedPackages) {
			Assert.hasText(allowed, () -> "An entry of '" + PROPERTY + "' is empty");
			String entry = allowed.trim();
			if (entry.endsWith(".") && !entry.endsWith("*.")) {
				entry = entry.substring(0, entry.length() - 1);
			}
			if (!PACKAGE_ENTRY.matcher(entry).matches()) {
				throw new IllegalArgumentException("'" + allowed + "' in '" + PROPERTY + "' is not a package: write "
						+ "'com.example.catalog' for one package, 'com.example.**' for a package and its sub-packages");
			}
			String name = entry.endsWith(".**") ? entry.substring(0, entry.length() - 3) : entry;
			for (String reserved : RESERVED_PACKAGES) {
				if (name.equals(reserved) || name.startsWith(reserved + ".")) {
					throw new IllegalArgumentException("'" + allowed + "' in '" + PROPERTY + "' names platform "
							+ "packages; only the platform types listed in JacksonValueCodec.PLATFORM_TYPES can be "
							+ "cached (use them, or a type of your own, for the property in question)");
				}
			}
			packages.add(entry);
		}
		return List.copyOf(packages);
	}

	/**
	 * Return the application's entries of the allow-list, as given ({@code .**} marking
	 * those that include sub-packages); the {@link #PLATFORM_TYPES} are allowed besides.
	 * @return the allowed packages
	 */
	public List<String> getAllowedPackages() {
		return this.allowList.packages;
	}

	/**
	 * Return whether values of a type can be written and read back, checking the type and
	 * its declared type graph: superclasses, record components and bean properties, and
	 * the element types they declare. A property declared as an interface or
	 * {@code Object} is accepted: what it holds is checked when it is written.
	 * @param type a type, primitives already boxed
	 * @return whether the type and everything it declares is allowed
	 */
	@Override
	public boolean accepts(Class<?> type) {
		return this.allowList.problem(type) == null;
	}

	@Override
	public boolean accepts(java.lang.reflect.Type type) {
		// a declared type: an interface such as List stands for the allowed types behind
		// it
		return this.allowList.problem(type, new java.util.HashSet<>(), "a declared type") == null;
	}

	/**
	 * Encode a value.
	 * @param value the value
	 * @return the JSON bytes
	 * @throws ValueCodecException if the value or a value nested in it is of a type
	 * outside the allow-list ({@link ValueCodecException.Reason#TYPE_NOT_ALLOWED}), if
	 * values of its class cannot be read back
	 * ({@link ValueCodecException.Reason#UNREADABLE_TYPE}) or if Jackson cannot write it
	 * ({@link ValueCodecException.Reason#UNWRITABLE}); the message names the type and the
	 * property to change
	 */
	@Override
	public byte[] encode(Object value) {
		Class<?> type = value.getClass();
		Verdict verdict = this.verdicts.get(type);
		ValueCodecException known = verdict.failure;
		if (known != null) {
			throw new ValueCodecException(known.getReason(), known.getMessage(), known.getCause());
		}
		if (UNWRAPPED.contains(type)) {
			throw refuse(verdict, new ValueCodecException(ValueCodecException.Reason.TYPE_NOT_ALLOWED, type.getName()
					+ " cannot be cached as such (it would read back as its content); cache a record holding it",
					null));
		}
		byte[] bytes;
		try {
			bytes = this.mapper.writeValueAsBytes(value);
		}
		catch (JacksonException ex) {
			TypeNotAllowedException notAllowed = find(ex);
			if (notAllowed == null) {
				throw new ValueCodecException(ValueCodecException.Reason.UNWRITABLE,
						"Cannot write " + type.getName() + " as JSON: " + ex.getOriginalMessage(), ex);
			}
			String where = ex.getPath().isEmpty() ? "" : " at " + ex.getPathReference();
			ValueCodecException failure = new ValueCodecException(ValueCodecException.Reason.TYPE_NOT_ALLOWED,
					"Values of " + type.getName() + " cannot be cached: " + notAllowed.getOriginalMessage() + where,
					null);
			throw (notAllowed.nested || !ex.getPath().isEmpty()) ? warnOnce(verdict, failure)
					: refuse(verdict, failure);
		}
		if (!verdict.readBack) {
			try {
				decode(bytes);
				verdict.readBack = true;
			}
			catch (ValueCodecException ex) {
				ValueCodecException.Reason reason = (ex.getReason() == ValueCodecException.Reason.TYPE_NOT_ALLOWED)
						? ex.getReason() : ValueCodecException.Reason.UNREADABLE_TYPE;
				throw refuse(verdict, new ValueCodecException(reason,
						"Values of " + type.getName() + " can be written but not read back (" + ex.getMessage()
								+ "); give it a constructor Jackson "
								+ "can use (a record, a no-argument constructor and setters, or @JsonCreator)",
						ex));
			}
		}
		return bytes;
	}

	private static ValueCodecException refuse(Verdict verdict, ValueCodecException failure) {
		verdict.failure = failure;
		return warnOnce(verdict, failure);
	}

	private static ValueCodecException warnOnce(Verdict verdict, ValueCodecException failure) {
		if (verdict.warned.compareAndSet(false, true)) {
			logger.warn(failure.getMessage() + " (such values are kept out of Redis; logged once per type)");
		}
		return failure;
	}

	/**
	 * Decode bytes produced by {@link #encode(Object)}.
	 * @param bytes the bytes read from Redis
	 * @return the decoded value
	 * @throws ValueCodecException if the bytes are corrupt or truncated
	 * ({@link ValueCodecException.Reason#CORRUPT}), name a type outside the allow-list
	 * ({@link ValueCodecException.Reason#TYPE_NOT_ALLOWED}; nothing was loaded) or do not
	 * fit the type they name ({@link ValueCodecException.Reason#UNREADABLE_TYPE})
	 */
	@Override
	public Object decode(byte[] bytes) {
		return decode(bytes, 0, bytes.length);
	}

	/**
	 * Decode bytes produced by {@link #encode(Object)} where they stand in a larger
	 * array, without copying them; fails as {@link #decode(byte[])} does.
	 * @param bytes the array read from Redis
	 * @param offset where the value's bytes start
	 * @param length how many bytes the value has
	 * @return the decoded value
	 */
	@Override
	public Object decode(byte[] bytes, int offset, int length) {
		if (length <= 0) {
			throw new ValueCodecException(ValueCodecException.Reason.CORRUPT, "Payload is empty", null);
		}
		Object value;
		try {
			value = this.mapper.readValue(bytes, offset, length, Object.class);
		}
		catch (JacksonException ex) {
			TypeNotAllowedException notAllowed = find(ex);
			if (notAllowed != null) {
				throw new ValueCodecException(ValueCodecException.Reason.TYPE_NOT_ALLOWED,
						"Cached value refused: " + notAllowed.getOriginalMessage(), null);
			}
			ValueCodecException.Reason reason = (ex instanceof StreamReadException) ? ValueCodecException.Reason.CORRUPT
					: ValueCodecException.Reason.UNREADABLE_TYPE;
			throw new ValueCodecException(reason, "Cannot read cached value: " + ex.getOriginalMessage(), ex);
		}
		if (value == null) {
			throw new ValueCodecException(ValueCodecException.Reason.CORRUPT, "Payload is JSON null", null);
		}
		return value;
	}

	private static @Nullable TypeNotAllowedException find(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof TypeNotAllowedException notAllowed) {
				return notAllowed;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
	}

	/**
	 * What is known about values of one class.
	 */
	private static final class Verdict {

		volatile boolean readBack;

		volatile @Nullable ValueCodecException failure;

		final AtomicBoolean warned = new AtomicBoolean();

	}

	/**
	 * Thrown (and caught by the codec) when a type outside the allow-list is met.
	 */
	static final class TypeNotAllowedException extends DatabindException {

		final boolean nested;

		TypeNotAllowedException(String message, boolean nested) {
			super(message);
			this.nested = nested;
		}

	}

	/**
	 * The allow-list, as names (checked before anything is loaded) and as classes.
	 */
	static final class AllowList extends PolymorphicTypeValidator.Base {

		final List<String> packages;

		private final Set<String> exactPackages = new HashSet<>();

		private final List<String> packageTrees = new ArrayList<>();

		private final transient ClassValue<Object> problems = new ClassValue<>() {

			@Override
			protected Object computeValue(Class<?> type) {
				String problem = problem(type, new HashSet<>(), null);
				return (problem != null) ? problem : Boolean.TRUE;
			}

		};

		AllowList(List<String> packages) {
			this.packages = packages;
			for (String entry : packages) {
				if (entry.endsWith(".**")) {
					this.packageTrees.add(entry.substring(0, entry.length() - 3));
				}
				else {
					this.exactPackages.add(entry);
				}
			}
		}

		/**
		 * Whether a class name may be loaded at all: a platform type, a well-formed name
		 * in an application package, or an array of those or of primitives.
		 */
		boolean allowsName(String name) {
			if (PLATFORM_TYPES.contains(name)) {
				return true;
			}
			if (name.startsWith("[")) {
				String element = name.substring(1);
				while (element.startsWith("[")) {
					element = element.substring(1);
				}
				if (element.length() == 1) {
					return "ZBCSIJFD".contains(element);
				}
				if (element.length() < 3 || !element.startsWith("L") || !element.endsWith(";")) {
					return false;
				}
				String elementName = element.substring(1, element.length() - 1);
				return elementName.equals("java.lang.Object") || allowsName(elementName);
			}
			if (!BINARY_NAME.matcher(name).matches()) {
				return false;
			}
			return allowsPackage(name.substring(0, name.lastIndexOf('.')));
		}

		private boolean allowsPackage(String packageName) {
			if (this.exactPackages.contains(packageName)) {
				return true;
			}
			for (String tree : this.packageTrees) {
				if (packageName.equals(tree) || packageName.startsWith(tree + ".")) {
					return true;
				}
			}
			return false;
		}

		/**
		 * Check a type id read from JSON (possibly generic, as Jackson writes an
		 * {@code EnumMap}) before Jackson resolves it.
		 */
		void checkId(String id) {
			int generic = id.indexOf('<');
			if (generic < 0) {
				checkClassName(id, false);
				return;
			}
			checkClassName(id.substring(0, generic), false);
			for (String parameter : id.substring(generic).split("[<>,\\s]+")) {
				if (!parameter.isEmpty() && !parameter.equals("java.lang.Object")) {
					checkClassName(parameter, true);
				}
			}
		}

		private void checkClassName(String name, boolean nested) {
			if (!allowsName(name)) {
				throw new TypeNotAllowedException(notAllowed(name, null), nested);
			}
			if (PLATFORM_TYPES.contains(name)) {
				return;
			}
			Class<?> type = load(name);
			if (type != null) {
				String problem = problem(type);
				if (problem != null) {
					throw new TypeNotAllowedException(problem, nested);
				}
			}
		}

		private @Nullable Class<?> load(String name) {
			try {
				// never initialized here: the checks below only reflect on it
				return Class.forName(name, false, ClassUtils.getDefaultClassLoader());
			}
			catch (ClassNotFoundException | LinkageError ex) {
				return null; // Jackson reports the unknown type id
			}
		}

		/**
		 * Check the type of a value being written, against the id Jackson writes for it.
		 */
		void checkWritten(String id, Class<?> type) {
			if (PLATFORM_TYPES.contains(id)) {
				return;
			}
			if (id.equals(type.getName())) {
				String problem = problem(type);
				if (problem != null) {
					throw new TypeNotAllowedException(problem, false);
				}
				return;
			}
			checkId(id);
		}

		/**
		 * Return why a class and its declared type graph are not allowed, or {@code null}
		 * if they are.
		 */
		@Nullable String problem(Class<?> type) {
			Object problem = this.problems.get(type);
			return (problem instanceof String message) ? message : null;
		}

		private @Nullable String problem(Class<?> type, Set<Class<?>> seen, @Nullable String where) {
			if (type.isPrimitive() || PLATFORM_TYPES.contains(type.getName())) {
				return null;
			}
			if (type.isArray()) {
				Class<?> component = type.getComponentType();
				return (component == Object.class) ? null : problem(component, seen, where);
			}
			if (where != null && DECLARED_SUPERTYPES.contains(type)) {
				return null;
			}
			if (!allowsName(type.getName())) {
				return notAllowed(type.getName(), where);
			}
			if (!seen.add(type)) {
				return null;
			}
			try {
				for (Class<?> superclass = type.getSuperclass(); superclass != null
						&& superclass != Object.class; superclass = superclass.getSuperclass()) {
					if (!SUPERCLASSES.contains(superclass) && !PLATFORM_TYPES.contains(superclass.getName())
							&& !allowsName(superclass.getName())) {
						return type.getName() + " extends " + superclass.getName() + ", which is not allowed";
					}
				}
				if (type.isEnum() || (type.getSuperclass() != null && type.getSuperclass().isEnum())) {
					return null;
				}
				for (Property property : properties(type)) {
					String problem = problem(property.type(), seen,
							"property '" + property.name() + "' of " + type.getName());
					if (problem != null) {
						return problem;
					}
				}
			}
			catch (LinkageError | SecurityException ex) {
				return type.getName() + " cannot be introspected: " + ex;
			}
			return null;
		}

		private @Nullable String problem(Type type, Set<Class<?>> seen, String where) {
			if (type instanceof Class<?> raw) {
				return problem(raw, seen, where);
			}
			if (type instanceof ParameterizedType parameterized) {
				String problem = problem(parameterized.getRawType(), seen, where);
				for (Type argument : parameterized.getActualTypeArguments()) {
					problem = (problem != null) ? problem : problem(argument, seen, where);
				}
				return problem;
			}
			if (type instanceof GenericArrayType array) {
				return problem(array.getGenericComponentType(), seen, where);
			}
			if (type instanceof WildcardType wildcard) {
				return problem(wildcard.getUpperBounds()[0], seen, where);
			}
			if (type instanceof TypeVariable<?> variable) {
				return problem(variable.getBounds()[0], seen, where);
			}
			return null;
		}

		private static List<Property> properties(Class<?> type) {
			List<Property> properties = new ArrayList<>();
			if (type.isRecord()) {
				for (RecordComponent component : type.getRecordComponents()) {
					if (!component.getAccessor().isAnnotationPresent(JsonIgnore.class)) {
						properties.add(new Property(component.getName(), component.getGenericType()));
					}
				}
				return properties;
			}
			for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
				Method read = descriptor.getReadMethod();
				Method write = descriptor.getWriteMethod();
				if (read != null && read.getDeclaringClass() == Object.class) {
					continue;
				}
				if ((read != null && read.isAnnotationPresent(JsonIgnore.class))
						|| (write != null && write.isAnnotationPresent(JsonIgnore.class))) {
					continue;
				}
				if (read != null) {
					properties.add(new Property(descriptor.getName(), read.getGenericReturnType()));
				}
				else if (write != null) {
					properties.add(new Property(descriptor.getName(), write.getGenericParameterTypes()[0]));
				}
			}
			for (Field field : type.getFields()) {
				if (!Modifier.isStatic(field.getModifiers()) && !field.isAnnotationPresent(JsonIgnore.class)) {
					properties.add(new Property(field.getName(), field.getGenericType()));
				}
			}
			return properties;
		}

		private String notAllowed(String name, @Nullable String where) {
			String what = name.startsWith("[") ? "Array type " + name : "Type " + name;
			if (where != null) {
				what += " (" + where + ")";
			}
			int dot = name.lastIndexOf('.');
			if (name.startsWith("[")) {
				return what + " is not allowed: its element type is not";
			}
			if (dot < 0) {
				return what + " is not allowed: no class of the default package ever is";
			}
			String packageName = name.substring(0, dot);
			for (String reserved : RESERVED_PACKAGES) {
				if (packageName.equals(reserved) || packageName.startsWith(reserved + ".")) {
					return what + " is not allowed: it is not one of JacksonValueCodec.PLATFORM_TYPES, and platform "
							+ "packages cannot be added to '" + PROPERTY + "'; use an allowed type instead";
				}
			}
			return what + " is not allowed: package " + packageName + " is not in '" + PROPERTY + "' " + this.packages;
		}

		@Override
		public Validity validateSubClassName(DatabindContext ctxt, JavaType baseType, String subClassName) {
			checkClassName(subClassName, false);
			return Validity.ALLOWED;
		}

		@Override
		public Validity validateSubType(DatabindContext ctxt, JavaType baseType, JavaType subType) {
			checkType(subType);
			return Validity.ALLOWED;
		}

		private void checkType(JavaType type) {
			if (type.getRawClass() != Object.class) {
				checkClassName(type.getRawClass().getName(), false);
			}
			for (JavaType parameter : type.getBindings().getTypeParameters()) {
				checkType(parameter);
			}
		}

		private record Property(String name, Type type) {
		}

	}

	/**
	 * Type information for every type but those JSON represents natively, so that a value
	 * reads back as exactly the type that was written, with every type id checked against
	 * the allow-list, on write as on read.
	 */
	static final class AllowListTyping extends DefaultTypeResolverBuilder {

		private final AllowList allowList;

		AllowListTyping(AllowList allowList) {
			super(allowList, DefaultTyping.NON_FINAL, JsonTypeInfo.As.PROPERTY);
			this.allowList = allowList;
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

		@Override
		protected TypeIdResolver idResolver(DatabindContext ctxt, JavaType baseType,
				PolymorphicTypeValidator subtypeValidator, Collection<NamedType> subtypes, boolean forSer,
				boolean forDeser) {
			return new AllowListIdResolver(baseType, subtypes, this.allowList);
		}

	}

	/**
	 * Class-name type ids, checked as names before Jackson resolves them.
	 */
	static final class AllowListIdResolver extends ClassNameIdResolver {

		private final AllowList allowList;

		AllowListIdResolver(JavaType baseType, Collection<NamedType> subtypes, AllowList allowList) {
			super(baseType, subtypes, allowList);
			this.allowList = allowList;
		}

		@Override
		public String idFromValue(DatabindContext ctxt, Object value) {
			String id = super.idFromValue(ctxt, value);
			this.allowList.checkWritten(id, value.getClass());
			return id;
		}

		@Override
		public String idFromValueAndType(DatabindContext ctxt, Object value, Class<?> type) {
			String id = super.idFromValueAndType(ctxt, value, type);
			this.allowList.checkWritten(id, (value != null) ? value.getClass() : type);
			return id;
		}

		@Override
		public JavaType typeFromId(DatabindContext ctxt, String id) {
			this.allowList.checkId(id);
			return super.typeFromId(ctxt, id);
		}

	}

}
