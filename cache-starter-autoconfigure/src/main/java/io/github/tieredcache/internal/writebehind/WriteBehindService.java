package io.github.tieredcache.internal.writebehind;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.github.tieredcache.annotation.WriteBehind;
import io.github.tieredcache.core.ValueCodec;
import io.github.tieredcache.internal.observation.CacheObservations;
import io.github.tieredcache.writebehind.WriteBehindBatchWriter;
import io.github.tieredcache.writebehind.WriteBehindException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Records {@code @WriteBehind} calls in the {@link WriteBehindQueue} and runs them back
 * through the {@link WriteBehindFlusher}. A call is recorded as data (target bean name,
 * method signature, arguments encoded with the cache's value codec), so any instance of
 * the application can replay it, including one started after the original crashed.
 * <p>
 * Thread-safe.
 */
public final class WriteBehindService implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(WriteBehindService.class);

	private final WriteBehindQueue queue;

	private final WriteBehindFlusher flusher;

	private final ValueCodec codec;

	private final ListableBeanFactory beanFactory;

	private final long maxPending;

	private final Overflow overflow;

	private final Duration blockTimeout;

	private final Map<Class<?>, String> beanNames = new ConcurrentHashMap<>();

	private final Set<String> batchWriters = ConcurrentHashMap.newKeySet();

	/**
	 * Create a service; {@link #start()} starts its flusher.
	 * @param queue the queue
	 * @param settings how the flusher batches and retries
	 * @param codec encodes arguments and values
	 * @param beanFactory where deferred calls find their beans and batch writers
	 * @param maxPending the backlog past which {@code overflow} applies
	 * @param overflow what a call does past {@code maxPending}
	 * @param blockTimeout how long a call waits for room with {@link Overflow#BLOCK}
	 */
	public WriteBehindService(WriteBehindQueue queue, WriteBehindFlusher.Settings settings, ValueCodec codec,
			ListableBeanFactory beanFactory, long maxPending, Overflow overflow, Duration blockTimeout) {
		this.blockTimeout = blockTimeout;
		this.queue = queue;
		this.codec = codec;
		this.beanFactory = beanFactory;
		this.maxPending = maxPending;
		this.overflow = overflow;
		this.flusher = new WriteBehindFlusher(queue, new BeanInvoker(), settings);
	}

	/**
	 * Start the flusher.
	 */
	public void start() {
		this.flusher.start();
	}

	/**
	 * Stop the flusher after it has written what this instance holds, within its shutdown
	 * timeout.
	 */
	@Override
	public void close() {
		this.flusher.close();
	}

	public WriteBehindQueue getQueue() {
		return this.queue;
	}

	public WriteBehindFlusher getFlusher() {
		return this.flusher;
	}

	/**
	 * Observe the flusher's rounds ({@code tiered.cache.write.behind.flush}) from the
	 * next one on.
	 * @param observations the observations, {@link CacheObservations#NONE} for none
	 */
	public void setObservations(CacheObservations observations) {
		this.flusher.setObservations(observations);
	}

	/**
	 * Check that every {@code @WriteBehind} method of a class can be recorded: its
	 * arguments must be encodable by the value codec.
	 * @param type the class of a bean
	 * @throws IllegalStateException naming the method, the type and the property to set
	 */
	public void validate(Class<?> type) {
		ReflectionUtils.doWithMethods(ClassUtils.getUserClass(type), (method) -> {
			if (MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY).isPresent(WriteBehind.class)) {
				for (java.lang.reflect.Type parameter : method.getGenericParameterTypes()) {
					java.lang.reflect.Type declared = (parameter instanceof Class<?> raw)
							? ClassUtils.resolvePrimitiveIfNecessary(raw) : parameter;
					boolean accepted = this.codec.accepts(declared);
					if (!accepted) {
						throw new IllegalStateException("@WriteBehind records the arguments of "
								+ method.getDeclaringClass().getSimpleName() + "." + method.getName() + ", but "
								+ parameter.getTypeName() + " is not in 'tiered-cache.serialization.allowed-packages'");
					}
				}
			}
		});
	}

	/**
	 * Queue a {@code @WriteBehind} call durably or, where it cannot be queued, write it
	 * through now, ordered with the queued writes of its key. The caller updates the
	 * cache only once this returns: a call this rejects leaves the cache unchanged.
	 * <p>
	 * A call is written through (the method body, or the batch writer with the call's key
	 * and value) when the queue is past {@code max-pending} with the write-through policy
	 * or Redis does not acknowledge the append. The direct write first marks its key in
	 * Redis (waiting for a flusher write of the key in progress to end) and, once it
	 * succeeded, makes every entry of the key queued before it a no-op, so that the
	 * flusher cannot overwrite it with an older value.
	 * @param target the target object
	 * @param method the annotated method
	 * @param args the call's arguments
	 * @param coalescingKey the cache name and encoded key writes are coalesced by
	 * @param key the cache key, for a batch writer
	 * @param value the cached value, for a batch writer
	 * @param batchWriter the batch writer bean name, or empty
	 * @param body runs the method itself
	 * @throws WriteBehindException if the call is rejected: the queue is full and the
	 * policy is to fail, the block timeout passed, or fewer replicas than
	 * {@code wait-replicas} confirmed it
	 * @throws IllegalStateException if there is no unique bean to replay the call on, or
	 * no batch writer bean of that name
	 * @throws Throwable what the method or batch writer threw when written through
	 */
	public void write(Object target, Method method, Object[] args, String coalescingKey, Object key,
			@Nullable Object value, String batchWriter, MethodBody body) throws Throwable {
		Map<byte[], byte[]> fields;
		if (batchWriter.isEmpty()) {
			fields = StreamRecordFormat.methodCall(coalescingKey, beanName(target), signature(method),
					this.codec.encode(new ArrayList<>(Arrays.asList(args))));
		}
		else {
			if (!this.batchWriters.contains(batchWriter)) {
				// a bean factory lookup per name, not per call
				requireBatchWriter(this.beanFactory, batchWriter);
				this.batchWriters.add(batchWriter);
			}
			fields = StreamRecordFormat.batchWrite(coalescingKey, batchWriter, this.codec.encode(key),
					this.codec.encode(new ArrayList<>(Arrays.asList(value))));
		}
		if (roomInQueue()) {
			try {
				this.queue.append(fields, this.flusher.leaseDuration());
				this.flusher.queued();
				return;
			}
			catch (WriteBehindQueue.NotReplicated ex) {
				throw ex;
			}
			catch (WriteBehindException ex) {
				logger.warn("tiered-cache: could not queue a write-behind call (" + ex.getMessage()
						+ "); writing it through now instead");
			}
		}
		writeThrough(coalescingKey, key, value, batchWriter, body);
	}

	private void writeThrough(String coalescingKey, Object key, @Nullable Object value, String batchWriter,
			MethodBody body) throws Throwable {
		String token = UUID.randomUUID().toString();
		Duration lease = this.flusher.leaseDuration();
		String fence = null;
		long deadline = System.nanoTime() + lease.toNanos();
		try {
			while ((fence = this.queue.lockDirect(coalescingKey, token, lease)) == null
					&& System.nanoTime() - deadline < 0) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			}
		}
		catch (WriteBehindException ex) {
			logger.warn("tiered-cache: writing a write-behind call to '" + coalescingKey + "' through without"
					+ " ordering it after the queued writes of its key (" + ex.getMessage() + ")");
			unlockQuietly(coalescingKey, token, "0-0", false);
		}
		if (fence == null && System.nanoTime() - deadline >= 0) {
			throw new WriteBehindException("Another write of '" + coalescingKey + "' stayed in progress for " + lease
					+ "; the call was not written", null);
		}
		boolean success = false;
		try {
			writeThrough(this.beanFactory, batchWriter, key, value, body);
			success = true;
		}
		finally {
			if (fence != null) {
				unlockQuietly(coalescingKey, token, fence, success);
			}
		}
	}

	private void unlockQuietly(String coalescingKey, String token, String fence, boolean success) {
		try {
			this.queue.unlockDirect(coalescingKey, token, fence, success);
		}
		catch (WriteBehindException ex) {
			logger.warn("tiered-cache: could not record the direct write of '" + coalescingKey + "' in Redis ("
					+ ex.getMessage() + "); writes of it queued before may still be written after it");
		}
	}

	/**
	 * Write a {@code @WriteBehind} call through now, where there is no queue: run the
	 * method body or, for a method with a batch writer, hand the call's key and value to
	 * the batch writer.
	 * @param beanFactory where the batch writer is found, or {@code null}
	 * @param batchWriter the batch writer bean name, or empty
	 * @param key the cache key
	 * @param value the cached value
	 * @param body runs the method itself
	 * @throws Throwable what the method or batch writer threw
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	public static void writeThrough(@Nullable BeanFactory beanFactory, String batchWriter, Object key,
			@Nullable Object value, MethodBody body) throws Throwable {
		if (batchWriter.isEmpty()) {
			body.proceed();
			return;
		}
		if (beanFactory == null) {
			throw new IllegalStateException("No bean factory to find batch writer '" + batchWriter + "' in");
		}
		requireBatchWriter(beanFactory, batchWriter);
		WriteBehindBatchWriter writer = beanFactory.getBean(batchWriter, WriteBehindBatchWriter.class);
		Map<Object, Object> entries = new LinkedHashMap<>();
		entries.put(key, value);
		writer.writeAll(entries);
	}

	private static void requireBatchWriter(BeanFactory beanFactory, String batchWriter) {
		if (!beanFactory.containsBean(batchWriter)
				|| !beanFactory.isTypeMatch(batchWriter, WriteBehindBatchWriter.class)) {
			throw new IllegalStateException("@WriteBehind names batch writer '" + batchWriter
					+ "', but there is no WriteBehindBatchWriter bean of that name");
		}
	}

	private boolean roomInQueue() {
		if (backlog() < this.maxPending) {
			return true;
		}
		switch (this.overflow) {
			case WRITE_THROUGH:
				return false;
			case FAIL:
				throw new WriteBehindException(
						"Write-behind queue holds " + backlog()
								+ " entries, past 'tiered-cache.write-behind.max-pending' (" + this.maxPending + ")",
						null);
			default:
				long deadline = System.nanoTime() + this.blockTimeout.toNanos();
				while (backlog() >= this.maxPending) {
					if (System.nanoTime() - deadline > 0) {
						throw new WriteBehindException(
								"Write-behind queue stayed past 'max-pending' (" + this.maxPending + ") for "
										+ this.blockTimeout + " ('tiered-cache.write-behind.block-timeout')",
								null);
					}
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
				}
				return true;
		}
	}

	/**
	 * The backlog as far as the limit needs it: the flusher's running count while it is
	 * below the limit (that count can only be too high, when an append races the
	 * flusher's length read), the stream's length once it reaches the limit.
	 */
	private long backlog() {
		long approximate = this.flusher.approximateBacklog();
		if (approximate < this.maxPending) {
			return approximate;
		}
		try {
			return this.queue.backlog();
		}
		catch (RuntimeException ex) {
			return approximate;
		}
	}

	private String beanName(Object target) {
		return this.beanNames.computeIfAbsent(ClassUtils.getUserClass(target), (type) -> {
			String[] names = this.beanFactory.getBeanNamesForType(type);
			if (names.length != 1) {
				throw new IllegalStateException("@WriteBehind on " + type.getName() + " needs exactly one bean of"
						+ " that type to replay calls on, found " + Arrays.toString(names));
			}
			return names[0];
		});
	}

	static String signature(Method method) {
		return method.getName() + Arrays.stream(method.getParameterTypes())
			.map(Class::getName)
			.collect(Collectors.joining(",", "(", ")"));
	}

	/**
	 * What a call does when the queue holds {@code max-pending} entries.
	 */
	public enum Overflow {

		/**
		 * Run the method now, as a write-through.
		 */
		WRITE_THROUGH,

		/**
		 * Wait for the flusher to make room (at most 'block-timeout', then fail).
		 */
		BLOCK,

		/**
		 * Throw a {@link WriteBehindException}.
		 */
		FAIL

	}

	/**
	 * Runs the body of an intercepted {@code @WriteBehind} method.
	 */
	@FunctionalInterface
	public interface MethodBody {

		/**
		 * Run the method.
		 * @return what it returned
		 * @throws Throwable what it threw
		 */
		@Nullable Object proceed() throws Throwable;

	}

	private final class BeanInvoker implements WriteBehindFlusher.WriteTarget {

		@Override
		public void run(QueuedWrite write) throws Exception {
			Object bean = WriteBehindService.this.beanFactory.getBean(StreamRecordFormat.bean(write.fields()));
			String signature = StreamRecordFormat.method(write.fields());
			Method method = resolve(bean.getClass(), signature);
			List<?> args = (List<?>) WriteBehindService.this.codec.decode(StreamRecordFormat.arguments(write.fields()));
			WriteBehindReplay.run(() -> {
				try {
					ReflectionUtils.makeAccessible(method);
					method.invoke(bean, args.toArray());
				}
				catch (InvocationTargetException ex) {
					throw (ex.getCause() instanceof Exception cause) ? cause : ex;
				}
			});
		}

		@Override
		@SuppressWarnings({ "unchecked", "rawtypes" })
		public void runBatch(String writer, List<QueuedWrite> writes) throws Exception {
			WriteBehindBatchWriter batchWriter = WriteBehindService.this.beanFactory.getBean(writer,
					WriteBehindBatchWriter.class);
			Map<Object, Object> entries = new LinkedHashMap<>();
			for (QueuedWrite write : writes) {
				Object key = WriteBehindService.this.codec.decode(StreamRecordFormat.cacheKey(write.fields()));
				List<?> value = (List<?>) WriteBehindService.this.codec
					.decode(StreamRecordFormat.value(write.fields()));
				entries.put(key, value.get(0));
			}
			WriteBehindReplay.run(() -> batchWriter.writeAll(entries));
		}

		private Method resolve(Class<?> type, String signature) throws ClassNotFoundException {
			String name = signature.substring(0, signature.indexOf('('));
			String parameters = signature.substring(signature.indexOf('(') + 1, signature.length() - 1);
			List<Class<?>> types = new ArrayList<>();
			for (String parameter : parameters.isEmpty() ? new String[0] : parameters.split(",")) {
				types.add(ClassUtils.forName(parameter, type.getClassLoader()));
			}
			Method method = ReflectionUtils.findMethod(type, name, types.toArray(new Class<?>[0]));
			Method declared = ReflectionUtils.findMethod(ClassUtils.getUserClass(type), name,
					types.toArray(new Class<?>[0]));
			// only calls to @WriteBehind methods are replayed, whatever the stream says
			if (method == null || declared == null
					|| !MergedAnnotations.from(declared, SearchStrategy.TYPE_HIERARCHY).isPresent(WriteBehind.class)) {
				throw new IllegalStateException("No @WriteBehind method " + signature + " on " + type.getName());
			}
			return method;
		}

	}

}
