package io.github.tieredcache.internal.http;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A cached response: status, the headers that may be replayed, and the body bytes. Stored
 * as one string (a platform type every value codec accepts): the status, the header
 * count, each header's name and value on lines of their own (header values never hold
 * line breaks), then the body in Base64. Immutable.
 *
 * @param status the status
 * @param headers the headers, name and value alternating
 * @param body the body
 */
record StoredResponse(int status, List<String> headers, byte[] body) {

	/**
	 * Headers that belong to one exchange or one connection: never stored nor replayed
	 * (RFC 9111 §3.1, §5.2.2.7; {@code Content-Length} is set from the stored body).
	 */
	static final Set<String> NOT_STORED = Set.of("set-cookie", "set-cookie2", "date", "age", "connection", "keep-alive",
			"transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "proxy-authenticate",
			"proxy-authentication-info", "www-authenticate", "authentication-info", "content-length");

	static boolean isStored(String headerName) {
		return !NOT_STORED.contains(headerName.toLowerCase(Locale.ROOT));
	}

	String encode() {
		StringBuilder text = new StringBuilder(64 + this.body.length * 4 / 3);
		text.append(this.status).append('\n').append(this.headers.size() / 2).append('\n');
		for (String line : this.headers) {
			text.append(line).append('\n');
		}
		return text.append(Base64.getEncoder().encodeToString(this.body)).toString();
	}

	/**
	 * Decode a stored response.
	 * @return the response, or {@code null} if the text is not one (treated as a miss)
	 */
	static @Nullable StoredResponse decode(@Nullable Object stored) {
		if (!(stored instanceof String text)) {
			return null;
		}
		try {
			int start = 0;
			int end = text.indexOf('\n');
			int status = Integer.parseInt(text, start, end, 10);
			start = end + 1;
			end = text.indexOf('\n', start);
			int count = Integer.parseInt(text, start, end, 10);
			List<String> headers = new ArrayList<>(count * 2);
			for (int i = 0; i < count * 2; i++) {
				start = end + 1;
				end = text.indexOf('\n', start);
				headers.add(text.substring(start, end));
			}
			return new StoredResponse(status, headers, Base64.getDecoder().decode(text.substring(end + 1)));
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

}
