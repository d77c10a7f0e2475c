package io.github.tieredcache.internal.events;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import org.springframework.util.Assert;

/**
 * Listens ({@code LISTEN}) to the channels of the {@code postgres} inbound events on a
 * connection of the application's PostgreSQL {@link DataSource} while the application
 * runs, and hands each notification to {@link InboundInvalidations}.
 * <p>
 * One connection, taken from the {@code DataSource} at start and held for as long as it
 * works (out of the pool's normal use: a pool has one connection fewer for the
 * application), is polled by one daemon thread, which also applies the notifications, in
 * order of arrival. When the connection fails (the database restarts, an administrator
 * runs {@code pg_terminate_backend}), the thread takes a new one, with a back-off
 * doubling from {@code minBackoff} to {@code maxBackoff} between attempts; notifications
 * sent while it has none are not received by this instance (PostgreSQL keeps none for a
 * channel nobody listens to). An idle connection is checked with {@code SELECT 1} every
 * {@code idleCheck}, so that a connection that died silently is replaced too.
 * <p>
 * Starts after the cache manager and stops before it. Nothing starts in the constructor.
 * Needs the PostgreSQL JDBC driver: loaded only when a {@code postgres} event is
 * declared.
 * <p>
 * Thread-safe.
 */
public final class PostgresEvents extends EventReader {

	/**
	 * The {@code application_name} of the listening connection, as
	 * {@code pg_stat_activity} shows it.
	 */
	public static final String APPLICATION_NAME = "tiered-cache-events";

	private static final Log logger = LogFactory.getLog(PostgresEvents.class);

	private static final int POLL_MILLIS = 500;

	private final @Nullable DataSource dataSource;

	private final InboundInvalidations invalidations;

	private final Duration minBackoff;

	private final Duration maxBackoff;

	private final Duration idleCheck;

	private final LongSupplier nanoTime;

	private final Map<String, List<EventDeclaration>> byChannel = new LinkedHashMap<>();

	private final AtomicLong connections = new AtomicLong();

	private volatile boolean listening;

	/**
	 * Create the listener; {@link #start()} listens.
	 * @param dataSource the application's PostgreSQL data source; may be {@code null}
	 * only when no {@code postgres} event is declared
	 * @param invalidations applies the notifications
	 * @param minBackoff the first wait before a new connection is taken after a failure
	 * @param maxBackoff the longest wait between two attempts
	 * @param idleCheck how long a connection may stay silent before it is checked
	 * @param nanoTime the time source of the idle check
	 */
	public PostgresEvents(@Nullable DataSource dataSource, InboundInvalidations invalidations, Duration minBackoff,
			Duration maxBackoff, Duration idleCheck, LongSupplier nanoTime) {
		super("tiered-cache-postgres-events");
		this.invalidations = invalidations;
		this.nanoTime = nanoTime;
		this.minBackoff = minBackoff;
		this.maxBackoff = maxBackoff;
		this.idleCheck = idleCheck;
		for (EventDeclaration declaration : invalidations.declarations(EventDeclaration.Source.POSTGRES)) {
			this.byChannel.computeIfAbsent(declaration.channel(), (channel) -> new ArrayList<>()).add(declaration);
		}
		Assert.isTrue(dataSource != null || this.byChannel.isEmpty(), "The postgres events need a DataSource");
		this.dataSource = dataSource;
	}

	/**
	 * Tell why a data source cannot be listened to, by opening one connection.
	 * @param dataSource the data source
	 * @return {@code null} if it is PostgreSQL, or what it is instead
	 * @throws SQLException if no connection can be opened: then nothing can be told
	 */
	public static @Nullable String notPostgres(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			if (connection.isWrapperFor(PGConnection.class)) {
				return null;
			}
			DatabaseMetaData metaData = connection.getMetaData();
			return "the DataSource is " + metaData.getDatabaseProductName() + " (" + metaData.getURL()
					+ "), not PostgreSQL";
		}
	}

	/**
	 * Return whether a connection listens to every channel now (or there is nothing to
	 * listen to).
	 * @return whether notifications sent now are received
	 */
	public boolean isListening() {
		return isRunning() && (this.byChannel.isEmpty() || this.listening);
	}

	/**
	 * Return how many connections have listened since start-up: one more after each
	 * reconnection.
	 * @return the count
	 */
	public long connections() {
		return this.connections.get();
	}

	@Override
	boolean hasWork() {
		return !this.byChannel.isEmpty();
	}

	@Override
	long stopMillis() {
		// the poll returns within POLL_MILLIS
		return POLL_MILLIS * 4L;
	}

	@Override
	void read() {
		long backoff = this.minBackoff.toMillis();
		while (isRunning() && !Thread.currentThread().isInterrupted()) {
			try (Connection connection = dataSource().getConnection()) {
				PGConnection postgres = connection.unwrap(PGConnection.class);
				connection.setAutoCommit(true);
				nameConnection(connection);
				try (Statement statement = connection.createStatement()) {
					for (String channel : this.byChannel.keySet()) {
						statement.execute("LISTEN " + quote(channel));
					}
					this.listening = true;
					long count = this.connections.incrementAndGet();
					logger.info("tiered-cache: inbound events " + names() + " listening to PostgreSQL channels "
							+ this.byChannel.keySet() + ((count > 1) ? " again" : ""));
					backoff = this.minBackoff.toMillis();
					poll(postgres, statement);
				}
			}
			catch (SQLException | RuntimeException ex) {
				boolean wasListening = this.listening;
				this.listening = false;
				if (!isRunning()) {
					break;
				}
				if (wasListening) {
					logger.warn("tiered-cache: inbound events " + names() + ": the PostgreSQL connection failed;"
							+ " notifications are not received until a new one listens: " + ex);
				}
				else if (logger.isDebugEnabled()) {
					logger.debug("tiered-cache: inbound events " + names() + ": no PostgreSQL connection", ex);
				}
				pause(backoff);
				backoff = Math.min(backoff * 2, this.maxBackoff.toMillis());
			}
		}
		this.listening = false;
	}

	private void poll(PGConnection postgres, Statement statement) throws SQLException {
		long lastHeard = this.nanoTime.getAsLong();
		while (isRunning()) {
			PGNotification[] notifications = postgres.getNotifications(POLL_MILLIS);
			if (notifications != null && notifications.length > 0) {
				for (PGNotification notification : notifications) {
					dispatch(notification);
				}
				lastHeard = this.nanoTime.getAsLong();
			}
			else if (this.nanoTime.getAsLong() - lastHeard >= this.idleCheck.toNanos()) {
				// a connection that died without a word returns no notifications either
				statement.execute("SELECT 1");
				lastHeard = this.nanoTime.getAsLong();
			}
		}
	}

	private void dispatch(PGNotification notification) {
		List<EventDeclaration> declarations = this.byChannel.get(notification.getName());
		if (declarations == null) {
			return;
		}
		String payload = (notification.getParameter() != null) ? notification.getParameter() : "";
		for (EventDeclaration declaration : declarations) {
			this.invalidations.postgresNotification(declaration, notification.getName(), payload);
		}
	}

	private DataSource dataSource() {
		Assert.state(this.dataSource != null, "No DataSource");
		return this.dataSource;
	}

	private void nameConnection(Connection connection) {
		try {
			connection.setClientInfo("ApplicationName", APPLICATION_NAME);
		}
		catch (SQLClientInfoException ex) {
			logger.debug("tiered-cache: could not name the PostgreSQL listening connection", ex);
		}
	}

	private List<String> names() {
		return this.byChannel.values().stream().flatMap(List::stream).map(EventDeclaration::name).toList();
	}

	static String quote(String channel) {
		return "\"" + channel.replace("\"", "\"\"") + "\"";
	}

}
