package io.github.tieredcache.writebehind;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.github.tieredcache.core.ValueCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.tieredcache.annotation.WriteBehind;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Records {@code @WriteBehind} calls in the {@link WriteBehindQueue} and runs them back
 * through the {@link WriteBehindFlusher}. A call is recorded as data (target bean name,
 * method signature, arguments encoded with the cache's value codec), so any instance of the
 * application can replay it, including one started after the original crashed.
 * <p>
 * Thread-safe.
 */
public final class WriteBehindService implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(WriteBehindService.class);

	private static final Duration BLOCK_TIMEOUT = Duration.ofSeconds(30);

	private final WriteBehindQueue queue;

	private final WriteBehindFlusher flusher;

	private final ValueCodec codec;

	private final ListableBeanFactory beanFactory;

	private final long maxPending;

	private final Overflow overflow;

	private final Map<Class<?>, String> beanNames = new ConcurrentHashMap<>();

	/**
	 * Create a service; {@link #start()} starts its flusher.
	 * @param queue the queue
	 * @param settings how the flusher batches and retries
	 * @param codec encodes arguments and values
	 * @param beanFactory where deferred calls find their beans and batch writers
	 * @param maxPending the backlog past which {@code overflow} applies
	 * @param overflow what a call does past {@code maxPending}
	 */
	public WriteBehindService(WriteBehindQueue queue, WriteBehindFlusher.Settings settings, ValueCodec codec,
			ListableBeanFactory beanFactory, long maxPending, Overflow overflow) {
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
	 * Check that every {@code @WriteBehind} method of a class can be recorded: its arguments
	 * must be encodable by the value codec.
	 * @param type the class of a bean
	 * @throws IllegalStateException naming the method, the type and the property to set
	 */
	public void validate(Class<?> type) {
		ReflectionUtils.doWithMethods(ClassUtils.getUserClass(type), (method) -> {
			if (MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY).isPresent(WriteBehind.class)) {
				for (Class<?> parameter : method.getParameterTypes()) {
					if (!this.codec.accepts(ClassUtils.resolvePrimitiveIfNecessary(parameter))) {
						throw new IllegalStateException("@WriteBehind records the arguments of "
								+ method.getDeclaringClass().getSimpleName() + "." + method.getName() + ", but "
								+ parameter.getName() + " is not in 'tiered-cache.serialization.allowed-packages'");
					}
				}
			}
		});
	}

	/**
	 * Record a deferred call durably.
	 * @param target the target object
	 * @param method the annotated method
	 * @param args the call's arguments
	 * @param coalescingKey the cache name and encoded key writes are coalesced by
	 * @param key the cache key, for a batch writer
	 * @param value the cached value, for a batch writer
	 * @param batchWriter the batch writer bean name, or empty
	 * @return {@code true} if the call was queued; {@code false} if the caller must run it
	 * now (the queue is past {@code max-pending} with the write-through policy, or Redis did
	 * not acknowledge it)
	 * @throws WriteBehindException if the queue is full and the policy is to fail
	 */
	public boolean record(Object target, Method method, Object[] args, String coalescingKey, Object key,
			@Nullable Object value, String batchWriter) {
		if (!roomInQueue()) {
			return false;
		}
		Map<byte[], byte[]> fields = new LinkedHashMap<>();
		fields.put(WriteBehindQueue.KEY, WriteBehindQueue.bytes(coalescingKey));
		if (batchWriter.isEmpty()) {
			fields.put(WriteBehindQueue.BEAN, WriteBehindQueue.bytes(beanName(target)));
			fields.put(WriteBehindQueue.METHOD, WriteBehindQueue.bytes(signature(method)));
			fields.put(WriteBehindQueue.ARGUMENTS, this.codec.encode(new ArrayList<>(Arrays.asList(args))));
		}
		else {
			fields.put(WriteBehindQueue.WRITER, WriteBehindQueue.bytes(batchWriter));
			fields.put(WriteBehindQueue.CACHE_KEY, this.codec.encode(key));
			fields.put(WriteBehindQueue.VALUE, this.codec.encode(new ArrayList<>(Arrays.asList(value))));
		}
		try {
			this.queue.append(fields);
			this.flusher.queued();
			return true;
		}
		catch (WriteBehindException ex) {
			logger.warn("tiered-cache: could not queue a write-behind call (" + ex.getMessage()
					+ "); writing it through now instead");
			return false;
		}
	}

	private boolean roomInQueue() {
		if (this.flusher.approximateBacklog() < this.maxPending) {
			return true;
		}
		switch (this.overflow) {
			case WRITE_THROUGH:
				return false;
			case FAIL:
				throw new WriteBehindException("Write-behind queue holds " + this.flusher.approximateBacklog()
						+ " entries, past 'tiered-cache.write-behind.max-pending' (" + this.maxPending + ")", null);
			default:
				long deadline = System.nanoTime() + BLOCK_TIMEOUT.toNanos();
				while (this.flusher.approximateBacklog() >= this.maxPending) {
					if (System.nanoTime() - deadline > 0) {
						throw new WriteBehindException("Write-behind queue stayed past 'max-pending' for "
								+ BLOCK_TIMEOUT, null);
					}
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
				}
				return true;
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
		 * Wait for the flusher to make room (at most 30 seconds, then fail).
		 */
		BLOCK,

		/**
		 * Throw a {@link WriteBehindException}.
		 */
		FAIL

	}

	private final class BeanInvoker implements WriteBehindFlusher.WriteTarget {

		@Override
		public void run(QueuedWrite write) throws Exception {
			Object bean = WriteBehindService.this.beanFactory.getBean(write.text(WriteBehindQueue.BEAN));
			String signature = write.text(WriteBehindQueue.METHOD);
			Method method = resolve(bean.getClass(), signature);
			List<?> args = (List<?>) WriteBehindService.this.codec.decode(write.field(WriteBehindQueue.ARGUMENTS));
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
				Object key = WriteBehindService.this.codec.decode(write.field(WriteBehindQueue.CACHE_KEY));
				List<?> value = (List<?>) WriteBehindService.this.codec.decode(write.field(WriteBehindQueue.VALUE));
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
